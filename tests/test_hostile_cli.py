"""The command line against hostile and mistaken arguments (issue 18, items 6 and 12; issue 20's one error
boundary): a clear message and a non-zero exit, never a traceback, never a silently empty answer."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from newsdesk.article import Article
from newsdesk.store import open_store

PROJECT = Path(__file__).resolve().parent.parent
Cli = Callable[..., Result]


@pytest.fixture
def db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    with open_store(url) as store:
        store.put_many([
            Article(url="https://gazette.example/politics/1", title="Nato summit opens",
                    body="Nato leaders met in the harbour city. Trump did not attend the summit.",
                    published="2024-10-01T08:00:00Z"),
            Article(url="https://gazette.example/politics/2", title="Nato ministers agree",
                    body="Nato ministers agreed on the budget for the coming year.",
                    published="2024-10-02T08:00:00Z"),
        ])
    return url


@pytest.mark.parametrize("args", [
    ["show", "²"], ["show", "99999999999999999999"], ["duplicates", "²"],
    ["duplicates", "99999999999999999999"], ["story", "S99999999999999999999"],
    ["export", "--format", "jsonl", "--", "-trump"], ["search", "(" * 340 + "nato"],
    ["search", "NOT " * 1001 + "nato"], ["entities", "-(" * 250 + "nato"], ["search", "정" * 700],
    ["export", "--format", "csv", "nato", "--since", "garbage"],
])
def test_bad_ids_and_queries_are_clean_errors(cli: Cli, db: str, args: list[str]) -> None:
    result = cli(args[0], "--db", db, *args[1:])  # any exception gets through the runner: a traceback fails
    assert result.exit_code in (1, 2), result.output
    assert re.search(r"^Error: .+", result.stderr, re.MULTILINE), result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize("args", [["show", "\udcff"], ["search", "nato", "--site", "\udcff"],
                                  ["duplicates", "a\udcff"], ["entities", "--entity", "x\udcff"]])
def test_arguments_that_are_not_utf8_are_clean_errors(cli: Cli, db: str, args: list[str]) -> None:
    """Bytes of argv that are not UTF-8 reach Python as lone surrogates; no store can take them."""
    result = cli(args[0], "--db", db, *args[1:])
    assert result.exit_code == 1 and "is not UTF-8 text" in result.stderr, result.output


@pytest.mark.parametrize("args", [
    ["search", "nato", "--since", "garbage"], ["search", "nato", "--until", "2013-13-45"],
    ["export", "--format", "jsonl", "--since", "2013-13-45"], ["roundup", "--date", "2022-02-30"],
    ["roundup", "--since", "yesterday"], ["stories", "--since", "garbage"],
    ["errors", "--since", "2024-02-30"],
    ["quotes", "--until", "soon"],
])
def test_dates_that_are_no_dates_are_refused(cli: Cli, db: str, args: list[str]) -> None:
    result = cli(*args, "--db", db)
    assert result.exit_code == 2
    assert "is not a date" in result.stderr


def test_good_dates_still_filter(cli: Cli, db: str) -> None:
    result = cli("search", "nato", "--since", "2024-10-02", "--format", "jsonl", "--db", db)
    assert [json.loads(line)["title"] for line in result.stdout.splitlines()] == ["Nato ministers agree"]
    result = cli("search", "nato", "--until", "2024-10-01T23:59:59Z", "--format", "jsonl", "--db", db)
    assert [json.loads(line)["title"] for line in result.stdout.splitlines()] == ["Nato summit opens"]
    assert cli("roundup", "--date", "2024-10-01", "--db", db).exit_code == 0


def test_minus_words_are_query_words_not_options(cli: Cli, db: str) -> None:
    result = cli("search", "nato", "-trump", "--format", "jsonl", "--db", db)
    assert result.exit_code == 0, result.stderr
    assert [json.loads(line)["title"] for line in result.stdout.splitlines()] == ["Nato ministers agree"]
    alone = cli("search", "-trump", "--db", db)
    assert alone.exit_code == 1 and "must not be there" in alone.stderr  # not "No such option"
    exported = cli("export", "--format", "jsonl", "nato", "-trump", "--db", db)
    assert [json.loads(line)["title"] for line in exported.stdout.splitlines()] == ["Nato ministers agree"]
    # Options keep working around the words, and -h is still help.
    limited = cli("search", "--limit", "1", "nato", "--format", "jsonl", "--db", db)
    assert len(limited.stdout.splitlines()) == 1
    assert "QUERY language" in cli("search", "-h").stdout


@pytest.mark.parametrize("command", [["sources"], ["errors"], ["show", "1"], ["export", "--format", "jsonl"],
                                     ["search", "nato"], ["stories"], ["roundup"], ["entities"]])
def test_a_bad_store_is_a_clean_error_in_every_command(cli: Cli, command: list[str]) -> None:
    result = cli(*command, "--db", "nosuchdb://x")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error:") and "nosuchdb" in result.stderr


def test_one_error_boundary() -> None:
    """NewsdeskError becomes a message in one place (cli.Newsdesk), not in a copy per command."""
    package = PROJECT / "src" / "newsdesk"
    sources = [package / "cli.py", *(package / "commands").glob("*.py")]
    copies = [f"{path.name}: {line.strip()}" for path in sources
              for line in path.read_text(encoding="utf-8").splitlines()
              if re.search(r"ClickException\(str\(error\)\)|UsageError\(str\(error\)\)", line)]
    assert len(copies) == 2, copies  # the boundary's two lines (SettingsError, NewsdeskError)


def test_serve_on_a_busy_port_fails_before_printing(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        child = subprocess.run(
            [sys.executable, "-m", "newsdesk", "serve", "--db", f"sqlite:///{tmp_path / 's.db'}", "--port",
             str(port)], capture_output=True, text=True, timeout=60, cwd=PROJECT,
            env={"XDG_CONFIG_HOME": str(tmp_path), "PATH": "/usr/bin:/bin", "NEWSDESK_API_TOKEN": "t" * 24})
    assert child.returncode == 1
    assert child.stdout == ""
    assert "serving" not in child.stderr and "login?token" not in child.stderr
    assert f"cannot listen on 127.0.0.1:{port}" in child.stderr and "Traceback" not in child.stderr


def test_serve_answers_only_to_the_allowed_hosts(tmp_path: Path) -> None:
    """--host, --allowed-host and $NEWSDESK_ALLOWED_HOSTS name the hosts besides loopback ones; port 0
    picks a free port, which the printed URL names."""
    import httpx

    env = {"XDG_CONFIG_HOME": str(tmp_path), "PATH": "/usr/bin:/bin", "NEWSDESK_API_TOKEN": "t" * 24,
           "NEWSDESK_ALLOWED_HOSTS": "news.example  other.example"}
    server = subprocess.Popen(
        [sys.executable, "-m", "newsdesk", "serve", "--db", f"sqlite:///{tmp_path / 's.db'}", "--port", "0",
         "--allowed-host", "desk.example"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        cwd=PROJECT, env=env)
    try:
        assert server.stdout is not None
        url = server.stdout.readline().strip()
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/", url) and not url.endswith(":0/"), url
        port = url.rsplit(":", 1)[1].rstrip("/")
        statuses = {}
        with httpx.Client(timeout=30) as client:
            for host in ("desk.example", "news.example", "other.example", "localhost", "attacker.example"):
                for _ in range(100):  # the server may still be starting
                    try:
                        response = client.get(f"{url}api/sources", headers={"Host": f"{host}:{port}"})
                        break
                    except httpx.TransportError:
                        time.sleep(0.2)
                statuses[host] = response.status_code
        assert statuses == {"desk.example": 200, "news.example": 200, "other.example": 200, "localhost": 200,
                            "attacker.example": 400}
    finally:
        server.terminate()
        server.wait(30)
        server.stdout.close()
