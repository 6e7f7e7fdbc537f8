"""`newsdesk batch` and `newsdesk load` on real WARC files written here with warcio, from real pages
(ScrapingHub's benchmark) and the shared WARC samples, on a real Dask LocalCluster of 2 workers."""

from __future__ import annotations

import gzip
import io
import json
import os
import signal
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from conftest import PROJECT, postgres_schema
from newsdesk.article import Article
from newsdesk.batch import DaskExecutor, ProcessExecutor, run_batch
from newsdesk.batch.load import load_output
from newsdesk.batch.manifest import Manifest, verify
from newsdesk.batch.stage import InputTask, input_id, process_input
from newsdesk.enrich import enrich_articles
from newsdesk.settings import Settings
from newsdesk.store import SearchRequest, open_store

SHARED = PROJECT.parent / "shared" / "data"
PAGES = SHARED / "scrapinghub" / "html"
WARC_SAMPLES = SHARED / "warc"


def scrapinghub_pages() -> list[bytes]:
    pages = sorted(PAGES.glob("*.html.gz"))
    if not pages:
        pytest.fail(f"the shared evaluation data is missing: {PAGES} (see its README)", pytrace=False)
    return [gzip.decompress(path.read_bytes()) for path in pages]


@dataclass
class Written:
    path: Path
    html: list[int] = field(default_factory=list)  # offsets of 2xx HTML response records
    members: list[tuple[int, int]] = field(default_factory=list)  # (start, end) of every record


def write_warc(path: Path, pages: list[bytes], start: int) -> Written:
    """A WARC.gz of these pages as 200 text/html responses with distinct URLs, with a request record
    before each, and a PNG response, a 404 page and a metadata record in between: not articles."""
    written = Written(path)
    with path.open("wb") as raw:
        writer = WARCWriter(raw, gzip=True)

        def add(kind: str, url: str, payload: bytes, status: str = "200 OK",
                content_type: str = "text/html; charset=utf-8") -> int:
            offset = raw.tell()
            http = None
            if kind == "response":
                http = StatusAndHeaders(status, [("Content-Type", content_type)], protocol="HTTP/1.1")
            record = writer.create_warc_record(url, kind, payload=io.BytesIO(payload), length=len(payload),
                                               http_headers=http,
                                               warc_content_type="text/plain" if kind != "response"
                                               else None, warc_headers_dict={
                                                   "WARC-Date": f"2024-03-0{1 + start // 100 % 2}T10:00:00Z"})
            writer.write_record(record)
            written.members.append((offset, raw.tell()))
            return offset

        for number, page in enumerate(pages):
            url = f"https://news.example.org/{start + number}/story.html"
            add("request", url, b"GET / HTTP/1.1\r\n\r\n")
            written.html.append(add("response", url, page))
            if number % 5 == 2:
                add("response", url + ".png", b"\x89PNG\r\n\x1a\n" + bytes(200), content_type="image/png")
                add("response", url + "?gone", b"<html><body>Not found</body></html>", status="404 Not Found")
                add("metadata", url, b"fetchTimeMs: 120")
    return written


@pytest.fixture(scope="module")
def warcs(tmp_path_factory: pytest.TempPathFactory) -> list[Written]:
    """Six WARC.gz files of 12 real pages each."""
    folder = tmp_path_factory.mktemp("warcs")
    pages = scrapinghub_pages()
    return [write_warc(folder / f"crawl-{n}.warc.gz", pages[n * 12:(n + 1) * 12], n * 100) for n in range(6)]


@pytest.fixture(scope="module")
def cluster() -> Iterator[DaskExecutor]:
    executor = DaskExecutor("local", 2, dashboard=False)
    try:
        yield executor
    finally:
        executor.close()


@pytest.fixture(scope="module")
def two_files_done(cluster: DaskExecutor, warcs: list[Written],
                   tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A finished batch output of two files, for the tests that read one."""
    out = tmp_path_factory.mktemp("done") / "out"
    run_batch([str(w.path) for w in warcs[:2]], out, cluster, progress=False, echo=lambda _: None)
    return out


def record_ids(out: Path) -> list[str]:
    dataset = ds.dataset(out / "articles", format="parquet", partitioning="hive")
    table = dataset.to_table(columns=["record_id"])
    return [str(value) for value in table.column("record_id").to_pylist()]


def expected_ids(warcs: list[Written]) -> list[str]:
    return sorted(f"{w.path.resolve()}@{offset}" for w in warcs for offset in w.html)


def error_rows(out: Path) -> list[dict[str, object]]:
    return [row for part in sorted((out / "errors").glob("*.parquet"))
            for row in pq.read_table(part).to_pylist()]


def test_a_row_for_every_html_response_and_a_rerun_does_nothing(
        cluster: DaskExecutor, warcs: list[Written], tmp_path: Path) -> None:
    out = tmp_path / "out"
    summary = run_batch([str(w.path) for w in warcs], out, cluster, progress=False, echo=lambda _: None)
    assert len(summary.finished) == 6 and not summary.failed
    assert sorted(record_ids(out)) == expected_ids(warcs)
    assert summary.rows == 72 and summary.errors == 0
    # partitioned by crawl date and language, with the export schema and the batch columns
    dataset = ds.dataset(out / "articles", format="parquet", partitioning="hive")
    table = dataset.to_table(columns=["title", "body", "crawl_date", "offset", "entities", "language"])
    assert set(table.column("crawl_date").to_pylist()) == {"2024-03-01", "2024-03-02"}
    assert {path.name for path in (out / "articles").iterdir()} == {"crawl_date=2024-03-01",
                                                                     "crawl_date=2024-03-02"}
    assert "en" in {p.name.split("=")[1] for p in (out / "articles").glob("*/*")}
    assert all(body for body in table.column("body").to_pylist())
    assert verify(out) == []
    assert len(Manifest(out).done) == 6
    # the same command again: nothing to do, nothing rewritten
    before = {path: path.stat().st_mtime_ns for path in out.rglob("*.parquet")}
    again = run_batch([str(w.path) for w in warcs], out, cluster, progress=False, echo=lambda _: None)
    assert again.already_done == 6 and not again.finished and not again.failed
    assert {path: path.stat().st_mtime_ns for path in out.rglob("*.parquet")} == before
    # a part that went missing is made again by the next run
    part = next(iter(before))
    part.unlink()
    third = run_batch([str(w.path) for w in warcs], out, cluster, progress=False, echo=lambda _: None)
    assert len(third.finished) == 1 and sorted(record_ids(out)) == expected_ids(warcs)


def test_a_worker_killed_mid_run_loses_and_duplicates_nothing(
        cluster: DaskExecutor, warcs: list[Written], tmp_path: Path) -> None:
    out = tmp_path / "out"
    pids = cluster.client.run(os.getpid)
    killed: list[int] = []

    def kill_a_busy_worker() -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not killed:
            busy = [worker for worker, keys in cluster.client.processing().items() if keys]
            if busy and list((out / ".progress").glob("*.json")):  # a task is half-way through a file
                os.kill(pids[busy[0]], signal.SIGKILL)
                killed.append(pids[busy[0]])
            time.sleep(0.05)

    killer = threading.Thread(target=kill_a_busy_worker)
    killer.start()
    summary = run_batch([str(w.path) for w in warcs], out, cluster, progress=False, echo=lambda _: None)
    killer.join()
    assert killed, "no worker was killed"
    assert not summary.failed and len(summary.finished) == 6
    ids = record_ids(out)
    assert len(ids) == len(set(ids))  # nothing twice
    assert sorted(ids) == expected_ids(warcs)  # nothing missing
    assert not list(out.rglob("*.tmp"))
    cluster.client.wait_for_workers(2, timeout=60)  # the nanny restarted the one killed


def test_a_killed_local_process_is_redone(warcs: list[Written], tmp_path: Path) -> None:
    import psutil

    out = tmp_path / "out"
    killed: list[int] = []

    def kill_a_worker() -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not killed:
            if list((out / ".progress").glob("*.json")):
                children = [child for child in psutil.Process().children(recursive=True)
                            if "spawn_main" in " ".join(child.cmdline())]
                if children:
                    children[0].kill()
                    killed.append(children[0].pid)
            time.sleep(0.05)

    killer = threading.Thread(target=kill_a_worker)
    killer.start()
    summary = run_batch([str(w.path) for w in warcs[:2]], out, ProcessExecutor(2), progress=False,
                        echo=lambda _: None)
    killer.join()
    assert killed and not summary.failed
    ids = record_ids(out)
    assert len(ids) == len(set(ids)) and sorted(ids) == expected_ids(warcs[:2])


def test_a_truncated_file_keeps_the_records_before_the_break(
        cluster: DaskExecutor, warcs: list[Written], tmp_path: Path) -> None:
    whole = warcs[0]
    cut = whole.members[len(whole.members) // 2][0] + 40  # inside a record's gzip member
    truncated = tmp_path / "cut.warc.gz"
    truncated.write_bytes(whole.path.read_bytes()[:cut])
    out = tmp_path / "out"
    summary = run_batch([str(truncated), str(warcs[1].path)], out, cluster, progress=False,
                        echo=lambda _: None)
    assert not summary.failed
    before = [offset for offset in whole.html if offset < cut - 40]
    assert before and len(before) < len(whole.html)
    ids = sorted(record_ids(out))
    assert ids == sorted([f"{truncated.resolve()}@{offset}" for offset in before] + expected_ids(warcs[1:2]))
    errors = error_rows(out)
    assert len(errors) == 1
    assert errors[0]["input"] == str(truncated.resolve()) and errors[0]["stage"] == "read"
    assert errors[0]["offset"] == cut - 40 and "truncated" in str(errors[0]["reason"])


def html_responses(path: Path) -> int:
    """2xx responses with an HTML payload, counted with warcio, independently of newsdesk."""
    count = 0
    with path.open("rb") as handle:
        for record in ArchiveIterator(handle):
            if record.rec_type != "response" or record.http_headers is None:
                continue
            status = record.http_headers.get_statuscode()
            kind = record.http_headers.get_header("Content-Type") or ""
            if status.startswith("2") and "html" in kind.lower() and record.content_stream().read().strip():
                count += 1
    return count


def test_the_shared_warc_samples(cluster: DaskExecutor, tmp_path: Path) -> None:
    good = [WARC_SAMPLES / "warcio" / name for name in ("example.warc.gz", "example.warc",
                                                         "example-iana.org-chunked.warc")]
    good.append(WARC_SAMPLES / "whirlwind" / "whirlwind.warc.gz")
    broken = [WARC_SAMPLES / "warcio" / "example-trunc.warc",
              WARC_SAMPLES / "warcio" / "example-bad.warc.gz.bad"]
    wet = WARC_SAMPLES / "whirlwind" / "whirlwind.warc.wet.gz"
    missing = [path for path in [*good, *broken, wet] if not path.is_file()]
    assert not missing, f"the shared WARC samples are missing: {missing}"
    out = tmp_path / "out"
    listing = tmp_path / "warc.paths"
    listing.write_text("\n".join(str(path) for path in [*good, *broken, wet]) + "\n")
    summary = run_batch([str(listing)], out, cluster, progress=False, echo=lambda _: None)
    assert not summary.failed and len(summary.finished) == 7
    rows = {result.input: result.rows for result in summary.finished}
    for path in good:
        assert rows[str(path.resolve())] == html_responses(path) > 0, path
    assert rows[str(wet.resolve())] == 1  # one conversion record, as text
    errors = error_rows(out)
    assert {row["input"] for row in errors} >= {str(path.resolve()) for path in broken[:1]}
    assert all(row["offset"] is not None and row["reason"] for row in errors)


def test_language_filter(cluster: DaskExecutor, warcs: list[Written], tmp_path: Path) -> None:
    out = tmp_path / "out"
    summary = run_batch([str(warcs[0].path)], out, cluster, languages=["de"], progress=False,
                        echo=lambda _: None)
    assert summary.rows + sum(result.filtered for result in summary.finished) == len(warcs[0].html)
    assert summary.rows < len(warcs[0].html)
    if summary.rows:
        assert {p.name for p in (out / "articles").glob("*/*")} == {"language=de"}


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_load_twice_stores_each_article_once(kind: str, two_files_done: Path, tmp_path: Path) -> None:
    out = two_files_done
    rows = len(record_ids(out))

    def check(url: str) -> None:
        first = load_output(out, url, chunk=7)
        assert first.read == rows and first.stored == rows
        second = load_output(out, url, chunk=7)
        assert second.read == rows and second.stored == 0 and second.present == rows
        with open_store(url) as store:
            assert store.count() == rows
            found = store.get(f"https://news.example.org/{100}/story.html")
            assert found is not None and found.article.body

    if kind == "postgres":
        with postgres_schema() as url:
            check(url)
            with psycopg.connect(url) as connection:
                assert connection.execute("SELECT count(*) FROM article_search").fetchone() == (rows,)
    else:
        check(f"sqlite:///{tmp_path / 'store.db'}")


def test_a_postgres_load_keeps_the_prefix_groups_and_word_ranks_that_ranking_needs(
        two_files_done: Path) -> None:
    """The set-based load writes what the store's own writes keep beside each article's search row (the
    prefix groups and the ranks of its head's words, which PostgreSQL's bounded rankings read, and the
    day and words that count coverage): the same
    rows as put_many of the same articles writes, and searches rank the loaded store as the full ranking
    does."""
    from newsdesk.search.query import parse_query
    from newsdesk.store.postgres import PostgresStore

    with postgres_schema() as url:
        load_output(two_files_done, url, chunk=7)
        with open_store(url) as loaded, postgres_schema() as other_url, open_store(other_url) as put:
            assert isinstance(loaded, PostgresStore) and isinstance(put, PostgresStore)
            put.put_many([stored.article for stored in loaded.iter_articles()])
            for sql in ("SELECT u.url, p.groups FROM article_prefixes p "
                        "JOIN articles u ON u.id = p.article_id",
                        "SELECT u.url, r.word, r.rank, r.most3, r.most4 FROM article_word_ranks r "
                        "JOIN articles u ON u.id = r.article_id",
                        # The day and words that count coverage (schema 13, kept by a trigger).
                        "SELECT u.url, d.day, d.words::text FROM article_days d "
                        "JOIN articles u ON u.id = d.id"):
                found = sorted(map(tuple, loaded._read(sql)))
                assert found and found == sorted(map(tuple, put._read(sql))), sql
            for query in ("the", "news OR story"):
                tree = parse_query(query)
                assert tree is not None
                assert loaded._ranked(tree, SearchRequest(query), None, 5) == \
                    loaded._ranked_fully(tree, SearchRequest(query), None, 5)


def test_the_commands(cli: object, warcs: list[Written], tmp_path: Path) -> None:
    from click.testing import Result

    assert callable(cli)
    out = tmp_path / "out"
    result: Result = cli("batch", str(warcs[0].path), "--out", str(out), "--workers", "1")
    assert result.exit_code == 0, result.stderr
    assert "1 inputs done" in result.stderr and "[1/1]" in result.stderr
    db = f"sqlite:///{tmp_path / 'store.db'}"
    result = cli("load", str(out), "--no-stories", "--db", db)
    assert result.exit_code == 0, result.stderr
    assert f"{len(warcs[0].html)} stored" in result.stderr
    assert "in no duplicate group or story yet" in cli("stories", "--db", db).stderr
    result = cli("load", str(out), "--stories", "--db", db)
    assert result.exit_code == 0 and "0 stored" in result.stderr, result.stderr
    assert f"{len(warcs[0].html)} articles put into duplicate groups and stories" in result.stderr
    listed = cli("stories", "--db", db, "--format", "jsonl")
    assert listed.exit_code == 0 and listed.stdout and "in no duplicate group" not in listed.stderr
    other = cli("batch", str(warcs[0].path), "--out", str(out), "--language", "en")
    assert other.exit_code != 0 and "other options" in other.stderr
    assert "Parquet dataset" in cli("batch", "--help").stdout
    manifest = [json.loads(line) for line in (out / "manifest.jsonl").read_text().splitlines()]
    assert manifest[0]["input"] == str(warcs[0].path.resolve()) and manifest[0]["parts"]
    assert input_id(manifest[0]["input"]) in manifest[0]["parts"][0]["path"]


def test_stage_code_never_imports_dask() -> None:
    import subprocess
    import sys

    code = ("import sys, newsdesk.batch.stage, newsdesk.batch.run, newsdesk.batch.load, newsdesk.cli; "
            "assert not {'dask', 'distributed'} & set(sys.modules), sorted(sys.modules)")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_without_dask_the_message_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from newsdesk.pipeline.executors import ExecutorError

    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(ExecutorError, match=r"pip install 'newsdesk\[dask\]'"):
        DaskExecutor("local", 1)


def test_enrichment_fills_the_nested_columns(cluster: DaskExecutor, warcs: list[Written],
                                             tmp_path: Path) -> None:
    out = tmp_path / "out"
    small = write_warc(tmp_path / "small.warc.gz", scrapinghub_pages()[:4], 900)
    summary = run_batch([str(small.path)], out, cluster, enrich=True, progress=False, echo=lambda _: None)
    assert summary.rows == len(small.html) and summary.errors == 0
    table = ds.dataset(out / "articles", format="parquet", partitioning="hive").to_table(
        columns=["body", "entities", "quotes", "enrichment"])
    rows = table.to_pylist()
    assert all(dict(row["enrichment"]).get("version") for row in rows)
    assert sum(bool(row["entities"]) for row in rows) >= len(rows) // 2 > 0
    for row in rows:
        for entity in row["entities"]:
            for start, end in entity["mentions"]:
                assert 0 <= start < end <= len(row["body"])
    # the nested columns come back as Article records through load
    with open_store(f"sqlite:///{tmp_path / 'store.db'}") as store:
        assert store.count() == 0
    load_output(out, f"sqlite:///{tmp_path / 'store.db'}")
    with open_store(f"sqlite:///{tmp_path / 'store.db'}") as store:
        stored = next(store.iter_articles())
        assert stored.article.enrichment.get("version")
        assert all(isinstance(span, tuple) for entity in stored.article.entities for span in entity.mentions)
    # on PostgreSQL (batched COPY) the entity filters' tables are filled as the store's own writes do
    with postgres_schema() as url:
        load_output(out, url, chunk=3)
        with open_store(url) as store:
            top = store.entity_counts(limit=1)
            assert top and top[0].articles >= 1
            assert store.count(SearchRequest(entity=top[0].id)) == top[0].articles


def _enrich_then_break_on_the_second_page(articles: Sequence[Article], settings: Settings) -> None:
    """The project's enrichment, then a failure whenever the second page is among the articles: what
    an enrichment that breaks halfway through an article leaves behind."""
    enrich_articles(articles, settings)
    if any((article.url or "").endswith("/501/story.html") for article in articles):
        raise RuntimeError("broke after filling in part of the enrichment")


def test_an_article_that_cannot_be_enriched_is_written_without_any_enrichment(tmp_path: Path) -> None:
    """As ingest does: the article is kept, with an error row, and nothing half-filled (the batch task
    used to keep whatever the failed call had written into it)."""
    written = write_warc(tmp_path / "three.warc.gz", scrapinghub_pages()[:3], 500)
    out = tmp_path / "out"
    result = process_input(InputTask(str(written.path), str(out), enrich=True),
                           enrich=_enrich_then_break_on_the_second_page)
    assert result.rows == 3 and result.errors == 1
    errors = pq.read_table(out / "errors").to_pylist()
    assert [(row["stage"], row["offset"]) for row in errors] == [("enrich", written.html[1])]
    assert "broke after filling in part" in errors[0]["reason"]
    rows = {row["offset"]: row for row in ds.dataset(out / "articles", partitioning="hive").to_table(
        columns=["offset", "entities", "keywords", "enrichment"]).to_pylist()}
    broken = rows.pop(written.html[1])
    assert broken["entities"] == [] and broken["keywords"] == [] and not broken["enrichment"]
    assert all(dict(row["enrichment"]).get("version") and row["keywords"] for row in rows.values())


def test_ingest_runs_its_batches_on_the_same_dask_executor(cluster: DaskExecutor, warcs: list[Written],
                                                           tmp_path: Path) -> None:
    """One executor interface: ingest's work stages run on the Dask cluster the batch command uses,
    and store what they store in process, checkpoints included (a second run skips everything)."""
    from newsdesk.pipeline import Ingester

    url = f"sqlite:///{tmp_path / 'on-dask.db'}"
    with open_store(url) as store:
        counts = Ingester(store, batch_size=5, enrich=False, stories=False, executor=cluster).run(
            [str(warcs[0].path)])
        assert (counts.read, counts.stored, counts.failed) == (12, 12, 0)
        assert store.count(SearchRequest()) == 12
    with open_store(f"sqlite:///{tmp_path / 'in-process.db'}") as store:
        here = Ingester(store, batch_size=5, enrich=False, stories=False).run([str(warcs[0].path)])
        assert (here.read, here.stored, here.extracted) == (counts.read, counts.stored, counts.extracted)
    with open_store(url) as store:
        again = Ingester(store, batch_size=5, enrich=False, stories=False, executor=cluster).run(
            [str(warcs[0].path)])
        assert (again.read, again.stored, again.skipped) == (0, 0, 1)
