"""Fixtures that build the pages the tests read: every input is written here, in code."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import textwrap
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from newsdesk.article import Article
from newsdesk.cli import main
from newsdesk.store import Store, open_store

PROJECT = Path(__file__).resolve().parent.parent
pytest_plugins = ["desk_fixtures"]  # the web desk's server and browser (tests/desk_fixtures.py)

PARAGRAPHS = [
    "The city council voted on Tuesday to approve a new budget that includes funding for schools, "
    "road repairs and a pilot program for free public transit on weekends.",
    "Council member Ana Ruiz said the vote followed months of public hearings in which residents "
    "asked for safer crossings near the river and longer library hours.",
    "The mayor is expected to sign the budget next week. Opponents said the transit pilot was too "
    "expensive and promised to bring the question back before the next election.",
]
ACCENTED = "Café owners in Zürich said the “new rules” cost them €2,000 — a naïve estimate, critics said."
RUSSIAN = ("Правительство России объявило в понедельник о новых мерах поддержки малого бизнеса. "
           "По словам министра, программа рассчитана на три года и охватит более миллиона "
           "предпринимателей по всей стране.")
JAPANESE = ("東京都は月曜日、新しい防災計画を発表した。計画では、大地震に備えて避難所の数を増やし、"
            "住民への情報提供を強化する。知事は記者会見で「一人ひとりの備えが大切だ」と述べた。")


def article_html(title: str = "Council approves budget", paragraphs: Sequence[str] = PARAGRAPHS,
                 head: str = "", lang: str = "en") -> str:
    """A small but real-looking news page: chrome around an <article> with a headline and paragraphs."""
    body = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    return textwrap.dedent(f"""\
        <!DOCTYPE html>
        <html lang="{lang}"><head>{head}<title>{title} | The Gazette</title></head>
        <body>
        <nav><a href="/">Home</a> <a href="/news">News</a> <a href="/sport">Sport</a></nav>
        <main><article>
        <h1>{title}</h1>
        {body}
        </article></main>
        <footer>&copy; The Gazette. All rights reserved.</footer>
        </body></html>
        """)


@pytest.fixture
def page_html() -> Callable[..., str]:
    return article_html


@pytest.fixture
def pages_dir(tmp_path: Path) -> Path:
    """A folder of pages in nested folders, with files that are not pages beside them."""
    root = tmp_path / "pages"
    (root / "b" / "deeper").mkdir(parents=True)
    (root / "a.html").write_text(article_html("First story"), encoding="utf-8")
    (root / "b" / "c.htm").write_text(article_html("Second story"), encoding="utf-8")
    text = "Third story\n\n" + "\n\n".join(PARAGRAPHS)
    (root / "b" / "deeper" / "d.txt").write_text(text, encoding="utf-8")
    (root / "notes.md").write_text("# not a page", encoding="utf-8")
    (root / "b" / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    return root


@pytest.fixture
def cli() -> Callable[..., Result]:
    """Run `newsdesk ARGS...` in process; the result keeps stdout and stderr apart."""

    def invoke(*args: str, input: bytes | str | None = None, env: dict[str, str] | None = None) -> Result:
        return CliRunner().invoke(main, list(args), input=input, env=env, catch_exceptions=False)

    return invoke


@pytest.fixture
def run_newsdesk() -> Callable[..., subprocess.CompletedProcess[bytes]]:
    """Run `python -m newsdesk ARGS...` as its own process, killed after `timeout` seconds."""

    def run(*args: str, input: bytes | None = None, env: dict[str, str] | None = None,
            timeout: float = 60) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run([sys.executable, "-m", "newsdesk", *args], input=input, capture_output=True,
                              timeout=timeout, env={**os.environ, **(env or {})}, cwd=PROJECT, check=False)

    return run


@dataclass
class Outcome:
    """What `newsdesk.extract` did with one input in a process of its own."""

    error: str | None  # the NewsdeskError subclass raised, or None when an Article came back
    reason: str
    body: str  # the first 10,000 characters of the body
    body_length: int
    seconds: float
    memory_growth: int  # peak resident memory during the call minus before it, in bytes


_EXTRACT_CHILD = """
import json, resource, sys, time
import newsdesk

data = open(sys.argv[1], "rb").read()
if sys.argv[2] == "text":
    data = data.decode("utf-8")
settings = newsdesk.Settings(**json.loads(sys.argv[3]))
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
try:
    article = newsdesk.extract(data, settings=settings)
except newsdesk.NewsdeskError as error:
    result = {"error": type(error).__name__, "reason": str(error), "body": "", "body_length": 0}
else:
    result = {"error": None, "reason": "", "body": article.body[:10_000], "body_length": len(article.body)}
result["seconds"] = time.perf_counter() - start
result["memory_growth"] = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) * 1024
print(json.dumps(result))
"""


@pytest.fixture
def extract_isolated(tmp_path: Path) -> Callable[..., Outcome]:
    """Call `newsdesk.extract` in a child process, so that a crash or a hang fails one test, not the run.

    Any exception other than a NewsdeskError, and any crash, fails the test with the child's stderr.
    """

    def run(page: bytes | str, *, timeout: float = 60, **settings: int) -> Outcome:
        path = tmp_path / "input"
        path.write_bytes(page.encode("utf-8") if isinstance(page, str) else page)
        mode = "text" if isinstance(page, str) else "bytes"
        command = [sys.executable, "-c", _EXTRACT_CHILD, str(path), mode, json.dumps(settings)]
        try:
            child = subprocess.run(command, capture_output=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            child = None
        if child is None:
            pytest.fail(f"newsdesk.extract did not finish within {timeout} s", pytrace=False)
        if child.returncode != 0:
            pytest.fail(f"newsdesk.extract crashed (exit {child.returncode}):\n"
                        f"{child.stderr.decode(errors='replace')[-3000:]}", pytrace=False)
        return Outcome(**json.loads(child.stdout))

    return run


# --- stores: the same tests on SQLite, PostgreSQL and in memory ----------------------------------------

STORE_KINDS = ["sqlite", "postgres", "memory"]
SCRAPINGHUB = PROJECT.parent / "shared" / "data" / "scrapinghub" / "ground-truth.json"


def postgres_test_url() -> str:
    """The test server's URL; a test that needs PostgreSQL fails (never skips) without one."""
    url = os.environ.get("NEWSDESK_TEST_POSTGRES_URL")
    if not url:
        pytest.fail("NEWSDESK_TEST_POSTGRES_URL is not set: run the tests with scripts/test, which starts "
                    "a PostgreSQL server (scripts/postgres start DIR prints the variable to export)",
                    pytrace=False)
    return url


@contextlib.contextmanager
def postgres_schema() -> Iterator[str]:
    """A URL whose tables live in a new, empty schema of the test database, dropped afterwards."""
    import psycopg

    url = postgres_test_url()
    schema = f"test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(f"CREATE SCHEMA {schema}".encode())
    try:
        yield f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute(f"DROP SCHEMA {schema} CASCADE".encode())


@contextlib.contextmanager
def fresh_store_url(kind: str, folder: Path) -> Iterator[str]:
    if kind == "postgres":
        with postgres_schema() as url:
            yield url
    elif kind == "sqlite":
        yield f"sqlite:///{folder / f'store-{uuid.uuid4().hex[:8]}.db'}"
    else:
        yield "memory://"


@pytest.fixture(params=STORE_KINDS)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of a fresh, empty store of each kind."""
    with fresh_store_url(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    """A fresh, empty store of each kind (sqlite, postgres, memory)."""
    with open_store(store_url) as opened:
        yield opened


def scrapinghub_articles() -> list[Article]:
    """Articles made of the ScrapingHub benchmark's real bodies, with a title (the first words), a date
    and a language derived from their place in the file: a corpus to search."""
    if not SCRAPINGHUB.is_file():
        pytest.fail(f"the shared evaluation data is missing: {SCRAPINGHUB} (see README)", pytrace=False)
    truth = json.loads(SCRAPINGHUB.read_text(encoding="utf-8"))
    articles = []
    for number, (_, page) in enumerate(sorted(truth.items())):
        body = page["articleBody"]
        articles.append(Article(
            source="scrapinghub", url=page["url"], title=" ".join(body.split()[:8]), body=body,
            published=f"2019-{number % 12 + 1:02d}-{number % 28 + 1:02d}T12:00:00+00:00",
            language="en" if body.isascii() else None,
            authors=[f"Writer {'ABCDEFG'[number % 7]}"]))
    return articles


def write_as_before_page_types(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make this newsdesk write the search columns as it did before schema version 9 (no page type),
    for the tests that write an older store with the older migrations and open it with the new ones."""
    from newsdesk.store import postgres, postgres_schema, sqlite
    from newsdesk.store.rows import ArticleRow

    monkeypatch.setattr(sqlite, "_INSERT_SEARCH", (
        "INSERT OR REPLACE INTO article_search (id, title, site, site_key, host, published_key, "
        "language_key) VALUES (?, ?, ?, ?, ?, ?, ?)"))
    before = ("INSERT INTO article_search (id, title, site, site_key, host, published_key, language_key, "
              "tsv) VALUES (%s, %s, %s, %s, %s, %s, %s, CAST(%s AS tsvector)) ON CONFLICT (id) DO UPDATE "
              "SET title = excluded.title, site = excluded.site, site_key = excluded.site_key, "
              "host = excluded.host, published_key = excluded.published_key, "
              "language_key = excluded.language_key, tsv = excluded.tsv")
    for module in (postgres, postgres_schema):  # the store's writes, and a reindex
        monkeypatch.setattr(module, "INSERT_SEARCH", before)
    monkeypatch.setattr(ArticleRow, "search_values", lambda row: [
        row.title, row.site, row.site_key, row.host, row.published_key, row.language_key])
    write_as_before_prefixes(monkeypatch)


def write_as_before_prefixes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make this newsdesk write PostgreSQL's search index as it did before schema version 11 (no
    article_prefixes)."""
    from newsdesk.store import postgres, postgres_schema

    monkeypatch.setattr(postgres, "keep_prefixes", lambda cur, written, replace: None)
    monkeypatch.setattr(postgres_schema, "_refill_prefixes", lambda cur: None)
    write_as_before_word_ranks(monkeypatch)


def write_as_before_word_ranks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make this newsdesk write PostgreSQL's search index as it did before schema version 12 (no
    article_word_ranks)."""
    from newsdesk.store import postgres, postgres_schema

    monkeypatch.setattr(postgres, "keep_word_ranks", lambda cur, ids, replace: None)
    monkeypatch.setattr(postgres_schema, "_refill_word_ranks", lambda cur: None)
    write_as_before_days(monkeypatch)


def write_as_before_days(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make this newsdesk count coverage on PostgreSQL as it did before schema version 13 (no
    article_days: article_search's rows grouped by day)."""
    from newsdesk.store.postgres import PostgresStore

    monkeypatch.setattr(PostgresStore, "_days", False)
