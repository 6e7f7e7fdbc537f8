"""The stores of the ingest and search benchmarks: SQLite files, and PostgreSQL schemas of their own in
the database at --postgres-url (so nothing else in that database is touched)."""

from __future__ import annotations

import argparse
import os
import platform
import sys
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

BACKENDS = ("sqlite", "postgres")
POSTGRES_HINT = """\
PostgreSQL row skipped: no server given (--postgres-url, or $NEWSDESK_TEST_POSTGRES_URL).
To start a throwaway one and run again:
    eval "$(scripts/postgres start /tmp/newsdesk-bench-pg)"
    ...the benchmark...
    scripts/postgres stop /tmp/newsdesk-bench-pg"""


def add_backend_options(parser: argparse.ArgumentParser) -> None:
    """`--backends` and `--postgres-url`, as every store benchmark takes them."""
    parser.add_argument("--backends", default="sqlite,postgres", help="comma-separated: sqlite,postgres")
    parser.add_argument("--postgres-url", help="default: $NEWSDESK_TEST_POSTGRES_URL (see scripts/postgres)")


def chosen_backends(args: argparse.Namespace) -> tuple[list[str], str | None]:
    """The backends asked for, and the PostgreSQL server when one of them is postgres."""
    backends = parse_backends(args.backends)
    return backends, postgres_url(args.postgres_url) if "postgres" in backends else None


def parse_backends(text: str) -> list[str]:
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in BACKENDS]
    if unknown or not names:
        sys.exit(f"error: --backends takes a comma-separated list of {', '.join(BACKENDS)}")
    return names


def postgres_url(given: str | None) -> str | None:
    """The server to use, or None after saying loudly (on stderr) how to get one."""
    url = given or os.environ.get("NEWSDESK_TEST_POSTGRES_URL")
    if not url:
        print("\n" + POSTGRES_HINT + "\n", file=sys.stderr)
    return url


def in_schema(url: str, schema: str) -> str:
    """The URL with `schema` first on the search path: newsdesk's tables are then made there."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "options"]
    query.append(("options", f"-csearch_path={schema}"))
    return urlunsplit(parts._replace(query=urlencode(query)))


def reset_schema(url: str, schema: str) -> None:
    """Drop `schema` (with everything in it) and create it empty."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'.encode())
        connection.execute(f'CREATE SCHEMA "{schema}"'.encode())


def schema_exists(url: str, schema: str) -> bool:
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        found = connection.execute(b"SELECT 1 FROM pg_namespace WHERE nspname = %s", [schema]).fetchone()
    return found is not None


def postgres_version(url: str) -> str:
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        row = connection.execute(b"SHOW server_version").fetchone()
    return str(row[0]).split()[0] if row else "?"


def load_average() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg()) + " (1, 5, 15 min; the machine is shared)"


def machine_line() -> str:
    return (f"python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} CPUs, "
            f"load average {load_average()}")


def header() -> str:
    """The first lines of a benchmark's output: the machine, its load, and the newsdesk measured."""
    return f"{machine_line()}\n{newsdesk_line()}"


def newsdesk_line() -> str:
    """Which newsdesk is measured: its folder, and its commit when that is a git checkout."""
    import subprocess

    import newsdesk

    folder = Path(newsdesk.__file__).resolve().parent
    try:
        commit, dirty = (subprocess.run(["git", "-C", str(folder), *command], capture_output=True, text=True,
                                        check=True).stdout.strip()
                         for command in (["rev-parse", "--short", "HEAD"], ["status", "--porcelain", "."]))
    except (OSError, subprocess.CalledProcessError):
        return f"newsdesk from {folder}"
    return f"newsdesk from {folder} at {commit}" + (" with uncommitted changes" if dirty else "")
