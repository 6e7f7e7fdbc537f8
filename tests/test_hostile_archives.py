"""Hostile web archives (issue 18, items 4 and 5): files that are no archive, WARC records under an ARC
name, old WARC/0.18 files as early crawls wrote them, skipped records that must say why, LZ4 archives,
clipped archives, and `newsdesk extract` on an archive. Archives are written here with warcio."""

from __future__ import annotations

import gzip
import io
import json
from collections.abc import Callable
from pathlib import Path

from click.testing import Result
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from conftest import article_html
from newsdesk.article import Page
from newsdesk.errors import ArchiveError
from newsdesk.pipeline import Ingester
from newsdesk.settings import Settings
from newsdesk.sources.warc import ArchiveReader
from newsdesk.store import Store


def warc_bytes(pages: list[tuple[str, bytes, str]], *, compress: bool = True, version: str = "1.0",
               encoding: str | None = None) -> bytes:
    """A WARC written by warcio: one response record per (url, body, content type)."""
    out = io.BytesIO()
    writer = WARCWriter(out, gzip=compress, warc_version=version)
    for url, body, kind in pages:
        headers = [("Content-Type", kind), ("Content-Length", str(len(body)))]
        if encoding:
            headers.append(("Content-Encoding", encoding))
        http = StatusAndHeaders("200 OK", headers, protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(body),
                                                      length=len(body), http_headers=http))
    return out.getvalue()


def story(number: int) -> tuple[str, bytes, str]:
    return (f"https://archive.example/{number}", article_html(f"Archived story {number}").encode(),
            "text/html; charset=utf-8")


def read(path: Path) -> tuple[list[Page], list[ArchiveError | object], ArchiveReader]:
    reader = ArchiveReader(path)
    items = list(reader)
    return ([item for item in items if isinstance(item, Page)],
            [item for item in items if not isinstance(item, Page)], reader)


def ingester(store: Store) -> Ingester:
    return Ingester(store, Settings(), enrich=False, stories=False)


# -- 4. malformed ARC files -------------------------------------------------------------------------


def test_a_file_named_arc_that_is_no_archive_is_one_error_and_the_other_inputs_are_stored(
        store: Store, tmp_path: Path, pages_dir: Path) -> None:
    bad = tmp_path / "t.arc"
    bad.write_bytes(b"hello\n")
    counts = ingester(store).run([str(pages_dir), str(bad)])
    assert counts.extracted == 3  # before: ArchiveLoadFailed ended the run and nothing was stored
    [error] = store.errors()
    assert error.source == str(bad) and "not a WARC or ARC archive" in error.reason
    assert error.location == "byte 0"


def test_warc_records_in_a_file_named_arc_gz_are_read(tmp_path: Path) -> None:
    path = tmp_path / "crawl.arc.gz"
    path.write_bytes(warc_bytes([story(1), story(2)]))
    pages, errors, _ = read(path)  # before: AttributeError from the ARC reader
    assert [page.url for page in pages] == ["https://archive.example/1", "https://archive.example/2"]
    assert errors == []


def test_a_broken_arc_body_is_an_archive_error_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "cut.arc"
    path.write_bytes(b"filedesc://cut.arc 0.0.0.0 20240301120000 text/plain 500\n1 0 test\n")
    pages, errors, _ = read(path)
    assert pages == [] and len(errors) == 1 and isinstance(errors[0], ArchiveError)


# -- 5. archives that lost pages silently -----------------------------------------------------------


def old_crawl_record(number: int, body: bytes) -> bytes:
    """A WARC/0.18 response as the 2009 crawls wrote it: LF line ends (warcio always writes CRLF, so
    this one is written by hand), a Content-Encoding header over a body stored decoded, a bad date."""
    http = (b"HTTP/1.1 200 OK\nContent-Type: text/html\nContent-Encoding: gzip\n"
            b"Content-Length: %d\n\n" % len(body)) + body
    head = (b"WARC/0.18\nWARC-Type: response\nWARC-Target-URI: http://old.example/%d\n"
            b"WARC-Date: 2009-03-65T08:43:19-0800\n"
            b"WARC-Record-ID: <urn:uuid:%08d-0000-0000-0000-000000000000>\n"
            b"Content-Type: application/http;msgtype=response\nWARC-Identified-Payload-Type: \n"
            b"Content-Length: %d\n\n") % (number, number, len(http))
    return head + http + b"\n\n"


def test_an_old_warc_018_with_stale_content_encoding_yields_its_pages(tmp_path: Path) -> None:
    body = article_html("Old crawl page").encode()
    lf = tmp_path / "old.warc.gz"
    lf.write_bytes(b"".join(gzip.compress(old_crawl_record(n, body)) for n in range(3)))
    crlf = tmp_path / "old-crlf.warc"  # the same by warcio, as WARC/0.18 with CRLF line ends
    crlf.write_bytes(warc_bytes([story(1), story(2)], compress=False, version="0.18", encoding="gzip"))
    pages, errors, _ = read(lf)
    assert len(pages) == 3 and errors == []  # before: 0 pages
    assert pages[0].content == body
    pages, errors, _ = read(crlf)
    assert len(pages) == 2 and errors == []  # before: "payload cannot be decoded" for each


def test_an_archive_whose_pages_are_all_skipped_says_why(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "images.warc.gz"
    png = b"\x89PNG\r\n\x1a\n" + bytes(100)
    path.write_bytes(warc_bytes([("https://archive.example/a.png", png, "image/png")] * 2))
    notices: list[str] = []
    counts = Ingester(store, Settings(), enrich=False, stories=False, notice=notices.append).run([str(path)])
    assert counts.skipped == 2
    [error] = store.errors()  # before: nothing in errors, no reason anywhere
    assert "no page in 2 records" in error.reason and "2 non-html" in error.reason
    assert any("not pages: 2 non-html" in notice for notice in notices)


def test_an_lz4_warc_is_read(store: Store, tmp_path: Path) -> None:
    from fastwarc.stream_io import Lz4Writer

    path = tmp_path / "crawl.warc.lz4"
    writer = Lz4Writer(str(path))
    writer.write(warc_bytes([story(1), story(2)], compress=False))
    writer.close()
    counts = ingester(store).run([str(path)])
    assert (counts.stored, counts.failed) == (2, 0)  # before: "binary content", no hint


def test_a_clipped_warc_gz_keeps_its_complete_response(tmp_path: Path) -> None:
    body = article_html("Long archived story", paragraphs=["A long paragraph of the story. " * 40] * 60)
    data = warc_bytes([("https://archive.example/long", body.encode(), "text/html")])
    path = tmp_path / "clipped.warc.gz"
    path.write_bytes(data[:-10])  # the gzip trailer and the record's closing line ends cut off
    pages, errors, _ = read(path)
    assert [len(page.content) for page in pages] == [len(body.encode())]
    assert len(errors) == 1 and "truncated" in getattr(errors[0], "reason", "")


def test_extract_reads_an_archive_record_by_record(cli: Callable[..., Result], tmp_path: Path) -> None:
    path = tmp_path / "crawl.warc.gz"
    path.write_bytes(warc_bytes([story(1), story(2)]))
    result = cli("extract", str(path))
    assert result.exit_code == 0, result.output
    articles = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    # before: the whole archive was one page
    urls = [article["url"] for article in articles]
    assert urls == ["https://archive.example/1", "https://archive.example/2"]
