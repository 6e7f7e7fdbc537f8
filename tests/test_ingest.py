"""`newsdesk ingest` end to end, on every store: files and WARC archives in, articles and failures stored,
reruns idempotent, and a run killed with SIGKILL finished by running it again."""

from __future__ import annotations

import gzip
import io
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from conftest import PARAGRAPHS, article_html, fresh_store_url
from newsdesk.pipeline import Ingester
from newsdesk.store import SearchRequest, Store, open_store

PROJECT = Path(__file__).resolve().parent.parent
EXAMPLES = PROJECT / "examples"
SEED_TITLE = "Incoming NATO Chief: Bringing Ukraine Closer to Alliance Top Priority"


def numbered_page(number: int) -> str:
    paragraphs = [f"Report number {number}: {paragraph}" for paragraph in PARAGRAPHS]
    return article_html(title=f"Council story {number}", paragraphs=paragraphs)


def write_warc(path: Path, count: int, *, gzipped: bool = True) -> None:
    """A real WARC written by warcio: `count` HTML responses, each preceded by its request record,
    plus one image response (skipped as not HTML)."""
    with path.open("wb") as stream:
        writer = WARCWriter(stream, gzip=gzipped)
        for number in range(count):
            url = f"https://news.example/{number}"
            line = b"GET / HTTP/1.1\r\n\r\n"
            request = writer.create_warc_record(url, "request", payload=io.BytesIO(line), length=len(line))
            writer.write_record(request)
            body = numbered_page(number).encode()
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8"),
                                                  ("Content-Length", str(len(body)))], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(body),
                                                          length=len(body), http_headers=headers))
        image = StatusAndHeaders("200 OK", [("Content-Type", "image/png")], protocol="HTTP/1.1")
        png = b"\x89PNG\r\n\x1a\n" + bytes(64)
        writer.write_record(writer.create_warc_record("https://news.example/logo.png", "response",
                                                      payload=io.BytesIO(png), length=len(png),
                                                      http_headers=image))


def urls(store: Store) -> list[str]:
    return sorted(stored.article.url or "" for stored in store.iter_articles(SearchRequest()))


def test_examples_are_ingested_once(store: Store) -> None:
    first = Ingester(store).run([str(EXAMPLES)])
    assert (first.read, first.extracted, first.stored, first.failed) == (4, 4, 4, 0)
    again = Ingester(store).run([str(EXAMPLES)])
    assert (again.read, again.stored, again.skipped) == (0, 0, 4)
    assert store.count(SearchRequest()) == 4
    hits = store.search(SearchRequest(query="rutte")).hits
    assert [hit.title for hit in hits] == [SEED_TITLE]


def test_warc_responses_become_articles_and_other_records_are_skipped(store: Store, tmp_path: Path) -> None:
    archive = tmp_path / "crawl.warc.gz"
    write_warc(archive, 12)
    counts = Ingester(store).run([str(archive)])
    assert counts.stored == 12
    assert counts.skipped == 13  # 12 request records and the image
    assert urls(store) == sorted(f"https://news.example/{n}" for n in range(12))
    assert Ingester(store).run([str(archive)]).stored == 0


def test_a_folder_of_pages_and_archives_reads_both(store: Store, tmp_path: Path) -> None:
    folder = tmp_path / "crawl"
    (folder / "2024").mkdir(parents=True)
    write_warc(folder / "2024" / "part.warc.gz", 3)
    (folder / "extra.html").write_text(numbered_page(99), encoding="utf-8")
    counts = Ingester(store, enrich=False).run([str(folder)])
    assert (counts.stored, counts.failed) == (4, 0)
    assert urls(store) == sorted(["", *(f"https://news.example/{n}" for n in range(3))])
    empty = tmp_path / "empty"
    empty.mkdir()
    nothing = Ingester(store, enrich=False).run([str(empty)])
    assert nothing.failed == 1
    assert store.errors()[-1].reason == "no page files or web archives"


def test_truncated_warc_keeps_every_record_before_the_break(store: Store, tmp_path: Path) -> None:
    whole = tmp_path / "whole.warc.gz"
    write_warc(whole, 10)
    data = whole.read_bytes()
    cut = tmp_path / "cut.warc.gz"
    cut.write_bytes(data[: len(data) * 2 // 3])
    counts = Ingester(store).run([str(cut)])
    assert counts.failed == 1
    stored = urls(store)
    assert 5 <= len(stored) < 10
    assert stored == sorted(f"https://news.example/{n}" for n in range(len(stored)))
    [error] = store.errors()
    assert error.source == str(cut)
    assert error.location is not None and error.location.startswith("byte ")
    assert 0 < int(error.location.split()[1]) <= len(data) * 2 // 3


def test_failures_are_recorded_and_the_run_goes_on(store: Store, tmp_path: Path) -> None:
    (tmp_path / "empty.html").write_bytes(b"")
    (tmp_path / "junk.html").write_bytes(os.urandom(3000))
    (tmp_path / "good.html").write_text(numbered_page(1), encoding="utf-8")
    (tmp_path / "bad.html.gz").write_bytes(b"not gzip at all")
    counts = Ingester(store).run([str(tmp_path), str(tmp_path / "missing-folder")])
    assert counts.stored == 1
    assert counts.failed == 4
    reasons = {Path(error.source).name: error.reason for error in store.errors()}
    assert set(reasons) == {"empty.html", "junk.html", "bad.html.gz", "missing-folder"}


@pytest.fixture(params=["sqlite", "postgres"])
def durable_store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with fresh_store_url(request.param, tmp_path) as url:
        yield url


@pytest.mark.timeout(300)
def test_kill_9_then_the_same_command_equals_an_uninterrupted_run(durable_store_url: str,
                                                                  tmp_path: Path) -> None:
    archive = tmp_path / "big.warc.gz"
    write_warc(archive, 400)
    command = [sys.executable, "-m", "newsdesk", "ingest", str(archive), "--db", durable_store_url,
               "--batch-size", "20", "--no-enrich"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    with open_store(durable_store_url) as store:
        while store.count(SearchRequest()) < 60 and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.05)
        killed_at = store.count(SearchRequest())
    assert process.poll() is None, "the run finished before it could be killed: make the archive larger"
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert 60 <= killed_at < 400
    finish = subprocess.run(command, capture_output=True, timeout=240)
    assert finish.returncode == 0, finish.stderr.decode()
    with open_store(durable_store_url) as store:
        assert store.count(SearchRequest()) == 400
        stored = urls(store)
    assert stored == sorted(f"https://news.example/{n}" for n in range(400))
    assert len(set(stored)) == len(stored)
    # the rerun skipped what the killed run had committed instead of extracting it again
    summary = finish.stderr.decode()
    skipped = int(summary.split(" skipped")[0].rsplit(" ", 1)[-1])
    assert skipped >= killed_at


def test_ingest_command_reports_counts_and_errors(tmp_path: Path, run_newsdesk) -> None:  # type: ignore[no-untyped-def]
    db = f"sqlite:///{tmp_path / 'desk.db'}"
    archive = tmp_path / "cut.warc"
    write_warc(archive, 3, gzipped=False)
    data = archive.read_bytes()
    archive.write_bytes(data[: len(data) * 2 // 3])
    result = run_newsdesk("ingest", str(EXAMPLES), str(archive), "--db", db)
    assert result.returncode == 0
    assert b"stored" in result.stderr and b"1 failed" in result.stderr
    listed = run_newsdesk("errors", "--db", db)
    assert str(archive).encode() in listed.stdout and b"byte" in listed.stdout
    found = run_newsdesk("search", "harbour bridge", "--db", db, "--format", "csv")
    assert found.stdout.count(b"Harbour bridge reopens") == 2


def test_gzip_pages_and_text_pages_are_ingested(store: Store, tmp_path: Path) -> None:
    (tmp_path / "a.html.gz").write_bytes(gzip.compress(numbered_page(7).encode()))
    (tmp_path / "seed.txt").write_bytes((EXAMPLES / "nato-rutte-seed.txt").read_bytes())
    counts = Ingester(store).run([str(tmp_path / "*.*")])
    assert counts.stored == 2
    titles = sorted(stored.article.title or "" for stored in store.iter_articles(SearchRequest()))
    assert titles == ["Council story 7", SEED_TITLE]


def test_worker_processes_store_what_one_process_stores(tmp_path: Path) -> None:
    archive = tmp_path / "crawl.warc.gz"
    write_warc(archive, 30)
    results = []
    for processes in (1, 2):
        with open_store(f"sqlite:///{tmp_path / f'desk-{processes}.db'}") as store:
            counts = Ingester(store, batch_size=7, processes=processes, enrich=False).run(
                [str(EXAMPLES), str(archive)])
            results.append(((counts.read, counts.extracted, counts.stored, counts.failed), urls(store),
                            [e.reason for e in store.errors()]))
    assert results[0] == results[1]
    assert results[0][0] == (34, 34, 34, 0)


def test_ingest_refuses_to_start_without_the_language_pipeline(tmp_path: Path, run_newsdesk) -> None:  # type: ignore[no-untyped-def]
    db = f"sqlite:///{tmp_path / 'desk.db'}"
    result = run_newsdesk("ingest", str(EXAMPLES), "--db", db,
                          env={"NEWSDESK_SPACY_PIPELINE": "no_such_pipeline_package"})
    assert result.returncode == 1
    assert b"no_such_pipeline_package" in result.stderr and b"--no-enrich" in result.stderr
    assert run_newsdesk("ingest", str(EXAMPLES), "--db", db, "--no-enrich",
                        env={"NEWSDESK_SPACY_PIPELINE": "no_such_pipeline_package"}).returncode == 0
