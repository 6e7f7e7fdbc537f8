"""Web archives: real WARC/WET/ARC samples (some deliberately broken) and WARCs written here with warcio."""

from __future__ import annotations

import gzip
import io
import json
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from conftest import article_html
from newsdesk.article import Page
from newsdesk.errors import ArchiveError, InputError
from newsdesk.sources.warc import ArchiveReader

pytestmark = pytest.mark.timeout(60)

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "warc"
WARCIO = DATA / "warcio"
WHIRLWIND = DATA / "whirlwind"


def read_all(path: Path, **options: int) -> tuple[list[Page], list[InputError], ArchiveReader]:
    reader = ArchiveReader(path, **options)
    items = list(reader)
    pages = [item for item in items if isinstance(item, Page)]
    errors = [item for item in items if isinstance(item, InputError)]
    assert len(pages) + len(errors) == len(items)
    return pages, errors, reader


# -- real archives ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "offset"), [("whirlwind.warc", 1375), ("whirlwind.warc.gz", 1023)])
def test_a_common_crawl_warc_yields_its_one_html_response(name: str, offset: int) -> None:
    pages, errors, reader = read_all(WHIRLWIND / name)
    assert errors == []
    [page] = pages
    assert page.url == "https://an.wikipedia.org/wiki/Escopete"
    assert page.source == f"{WHIRLWIND / name}@{offset}"
    assert page.content_type == "text/html; charset=UTF-8"
    assert page.headers["content-type"] == "text/html; charset=UTF-8"
    assert page.fetched_at == datetime(2024, 5, 18, 1, 58, 10, tzinfo=UTC)
    assert isinstance(page.content, bytes)
    assert page.content.startswith(b"<!DOCTYPE html>") and len(page.content) == 72848
    assert (reader.counts.read, reader.counts.yielded, reader.counts.failed) == (4, 1, 0)
    assert reader.counts.skipped == {"warcinfo": 1, "request": 1, "metadata": 1}


@pytest.mark.parametrize("name", ["whirlwind.warc.wet", "whirlwind.warc.wet.gz"])
def test_a_wet_conversion_record_is_a_plain_text_page(name: str) -> None:
    pages, errors, reader = read_all(WHIRLWIND / name)
    assert errors == []
    [page] = pages
    assert page.url == "https://an.wikipedia.org/wiki/Escopete"
    assert page.content_type == "text/plain" and page.is_text
    assert isinstance(page.content, str) and page.content.startswith("Escopete - Biquipedia")
    assert reader.counts.skipped == {"warcinfo": 1}


@pytest.mark.parametrize("name", ["whirlwind.warc.wat", "whirlwind.warc.wat.gz"])
def test_a_wat_file_has_no_pages_only_counted_metadata(name: str) -> None:
    pages, errors, reader = read_all(WHIRLWIND / name)
    assert (pages, errors) == ([], [])
    assert reader.counts.skipped == {"warcinfo": 1, "metadata": 1}


@dataclass
class Expected:
    urls: list[str]
    error_offset: int | None = None
    skipped: dict[str, int] = field(default_factory=dict)


EXAMPLE = "http://example.com/"
WARCIO_SAMPLES = {
    "example.warc": Expected([EXAMPLE], skipped={"warcinfo": 2, "request": 2, "revisit": 1}),
    "example.warc.gz": Expected([EXAMPLE], skipped={"warcinfo": 2, "request": 2, "revisit": 1}),
    # one gzip member for the whole file: valid, though not seekable per record
    "example-bad-non-chunked.warc.gz": Expected([EXAMPLE]),
    "example-iana.org-chunked.warc": Expected(["http://www.iana.org/"]),
    "example-resource.warc.gz": Expected([EXAMPLE]),  # an HTML `resource` record
    "example-wrong-chunks.warc.gz": Expected([EXAMPLE]),  # chunk header kept on a de-chunked body
    "example-wget-bad-target-uri.warc.gz": Expected([EXAMPLE]),  # <http://...> target URIs
    "example-digest.warc": Expected([], skipped={"request": 4}),
    "post-test.warc.gz": Expected([], skipped={"non-html": 3, "request": 3}),  # JSON responses
    "example-space-in-target-uri.warc.gz": Expected([], skipped={"warcinfo": 1, "non-html": 1}),  # a PNG
    "example.arc": Expected([EXAMPLE]),
    "example.arc.gz": Expected([EXAMPLE]),
    # the response's Content-Length is 2 bytes short: it is read, then no record starts where it ends
    "example-trunc.warc": Expected([EXAMPLE], error_offset=2560),
    # the ARC record claims 12 bytes more than the file holds
    "example-space-in-url.arc": Expected([], error_offset=151),
}


@pytest.mark.parametrize("name", sorted(WARCIO_SAMPLES))
def test_warcio_samples_yield_their_pages_and_report_their_breaks(name: str) -> None:
    expected = WARCIO_SAMPLES[name]
    pages, errors, reader = read_all(WARCIO / name)
    assert [page.url for page in pages] == expected.urls
    for page in pages:
        assert isinstance(page.content, bytes)
        assert page.content.lstrip().lower().startswith((b"<!doctype html", b"<html"))
    if expected.error_offset is None:
        assert errors == []
    else:
        [error] = errors
        assert isinstance(error, ArchiveError) and error.offset == expected.error_offset
        assert str(error).startswith(f"{WARCIO / name} at byte {expected.error_offset:,}: ")
    for kind, count in expected.skipped.items():
        assert reader.counts.skipped[kind] == count
    assert reader.counts.yielded == len(pages) and reader.counts.failed == len(errors)


def test_chunked_and_gzip_encoded_payloads_are_decoded() -> None:
    [iana], _, _ = read_all(WARCIO / "example-iana.org-chunked.warc")
    assert iana.headers["transfer-encoding"] == "chunked"
    assert len(iana.content) == 7223 and b"\r\n1f4" not in iana.content
    [example], _, _ = read_all(WARCIO / "example.warc")
    assert example.headers["content-encoding"] == "gzip"
    assert isinstance(example.content, bytes) and b"<title>Example Domain</title>" in example.content


# -- archives written here -------------------------------------------------------------------------


@dataclass
class Record:
    url: str
    kind: str = "response"
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    status: str = "200 OK"
    date: str = "2024-03-01T12:00:00Z"


def write_warc(path: Path, records: Sequence[Record], *, compress: bool = True) -> list[int]:
    """Write the records with warcio's WARCWriter; returns each record's offset in the file."""
    offsets: list[int] = []
    with path.open("wb") as out:
        writer = WARCWriter(out, gzip=compress)
        for record in records:
            offsets.append(out.tell())
            warc_headers = {"WARC-Date": record.date}
            if record.kind in {"response", "revisit"}:
                http = StatusAndHeaders(record.status, [("Content-Type", record.content_type),
                                                        ("Content-Length", str(len(record.body)))],
                                        protocol="HTTP/1.1")
                made = writer.create_warc_record(record.url, record.kind, payload=io.BytesIO(record.body),
                                                 length=len(record.body), http_headers=http,
                                                 warc_headers_dict=warc_headers)
            elif record.kind == "request":
                http = StatusAndHeaders("GET / HTTP/1.1", [("Host", "example.com")], is_http_request=True)
                made = writer.create_warc_record(record.url, "request", payload=io.BytesIO(b""),
                                                 length=0, http_headers=http, warc_headers_dict=warc_headers)
            else:
                made = writer.create_warc_record(record.url, record.kind, payload=io.BytesIO(record.body),
                                                 length=len(record.body), warc_headers_dict=warc_headers,
                                                 warc_content_type=record.content_type)
            writer.write_record(made)
    return offsets


def story(number: int) -> Record:
    return Record(f"https://news.example/{number}",
                  body=article_html(f"Story number {number}").encode("utf-8"),
                  date=f"2024-03-01T12:{number % 60:02d}:00Z")


def mixed_archive() -> list[Record]:
    return [
        Record("urn:warcinfo", kind="warcinfo", body=b"software: test\r\n",
               content_type="application/warc-fields"),
        Record("https://news.example/1", kind="request"),
        story(1),
        Record("https://news.example/1", kind="metadata", body=b"fetchTimeMs: 1\r\n",
               content_type="application/warc-fields"),
        Record("https://news.example/logo.png", body=b"\x89PNG\r\n\x1a\n" + bytes(200),
               content_type="image/png"),
        Record("https://news.example/report.pdf", body=b"%PDF-1.7\n" + bytes(200),
               content_type="application/pdf"),
        Record("https://news.example/gone", body=article_html("Not found").encode(), status="404 Not Found"),
        Record("https://news.example/old", body=b"", status="301 Moved Permanently"),
        Record("https://news.example/1", kind="revisit"),
        Record("https://news.example/untyped", body=article_html("Sniffed").encode(),
               content_type="application/octet-stream"),
        Record("https://news.example/kept", kind="resource", body=article_html("A resource").encode(),
               content_type="text/html"),
        story(2),
    ]


@pytest.mark.parametrize("compress", [True, False], ids=["warc.gz", "warc"])
def test_only_html_responses_become_pages_and_everything_else_is_counted(tmp_path: Path,
                                                                        compress: bool) -> None:
    path = tmp_path / ("mixed.warc.gz" if compress else "mixed.warc")
    records = mixed_archive()
    offsets = write_warc(path, records, compress=compress)
    pages, errors, reader = read_all(path)
    assert errors == []
    assert [page.url for page in pages] == ["https://news.example/1", "https://news.example/untyped",
                                            "https://news.example/kept", "https://news.example/2"]
    assert [page.source for page in pages] == [f"{path}@{offsets[i]}" for i in (2, 9, 10, 11)]
    first = pages[0]
    assert first.content == records[2].body
    assert first.content_type == "text/html; charset=utf-8"
    assert first.headers == {"content-type": "text/html; charset=utf-8",
                             "content-length": str(len(records[2].body))}
    assert first.fetched_at == datetime(2024, 3, 1, 12, 1, tzinfo=UTC)
    counts = reader.counts
    assert (counts.read, counts.yielded, counts.failed) == (12, 4, 0)
    assert counts.skipped == {"warcinfo": 1, "request": 1, "metadata": 1, "revisit": 1,
                              "non-html": 2, "non-2xx": 2}


def test_a_truncated_warc_gz_yields_every_record_before_the_break_then_its_offset(tmp_path: Path) -> None:
    whole = tmp_path / "whole.warc.gz"
    offsets = write_warc(whole, [story(n) for n in range(6)])
    data = whole.read_bytes()
    cut = tmp_path / "cut.warc.gz"
    cut.write_bytes(data[: offsets[4] + 300])  # in the middle of the fifth record's gzip member
    pages, errors, reader = read_all(cut)
    assert [page.url for page in pages] == [f"https://news.example/{n}" for n in range(4)]
    [error] = errors
    assert isinstance(error, ArchiveError)
    assert error.offset == offsets[4] and error.source == str(cut)
    assert "truncated" in error.reason
    assert (reader.counts.yielded, reader.counts.failed) == (4, 1)


@pytest.mark.parametrize("cut_after", [3, 9], ids=["in-gzip-header", "in-deflate-stream"])
def test_a_cut_just_after_a_member_starts_is_noticed_too(tmp_path: Path, cut_after: int) -> None:
    whole = tmp_path / "whole.warc.gz"
    offsets = write_warc(whole, [story(n) for n in range(3)])
    cut = tmp_path / "cut.warc.gz"
    cut.write_bytes(whole.read_bytes()[: offsets[2] + cut_after])
    pages, errors, _ = read_all(cut)
    assert len(pages) == 2
    [error] = errors
    assert isinstance(error, ArchiveError) and error.offset == offsets[2]


def test_corrupt_gzip_data_is_reported_at_its_member(tmp_path: Path) -> None:
    path = tmp_path / "corrupt.warc.gz"
    offsets = write_warc(path, [story(n) for n in range(4)])
    data = bytearray(path.read_bytes())
    data[offsets[2] + 200: offsets[2] + 220] = bytes(20)
    path.write_bytes(bytes(data))
    pages, errors, _ = read_all(path)
    assert len(pages) == 2
    [error] = errors
    assert isinstance(error, ArchiveError) and error.offset == offsets[2]
    assert "corrupt gzip data" in error.reason


def test_a_truncated_plain_warc_reports_the_record_it_broke_in(tmp_path: Path) -> None:
    whole = tmp_path / "whole.warc"
    offsets = write_warc(whole, [story(n) for n in range(3)], compress=False)
    cut = tmp_path / "cut.warc"
    cut.write_bytes(whole.read_bytes()[: offsets[2] + 700])
    pages, errors, _ = read_all(cut)
    assert len(pages) == 2
    [error] = errors
    assert isinstance(error, ArchiveError) and error.offset == offsets[2]


def test_a_file_that_is_no_archive_is_one_error_at_byte_zero(tmp_path: Path) -> None:
    path = tmp_path / "page.warc"
    path.write_text(article_html(), encoding="utf-8")
    pages, errors, _ = read_all(path)
    assert pages == []
    [error] = errors
    assert isinstance(error, ArchiveError) and error.offset == 0


def test_a_missing_archive_is_an_input_error(tmp_path: Path) -> None:
    pages, errors, _ = read_all(tmp_path / "nothing.warc.gz")
    assert pages == [] and len(errors) == 1 and "unreadable" in errors[0].reason


def test_a_payload_over_the_limit_fails_alone_and_the_stream_goes_on(tmp_path: Path) -> None:
    big = Record("https://news.example/big", body=article_html("Big", ["word " * 20_000]).encode())
    path = tmp_path / "big.warc.gz"
    write_warc(path, [story(1), big, story(2)])
    pages, errors, reader = read_all(path, max_bytes=50_000)
    assert [page.url for page in pages] == ["https://news.example/1", "https://news.example/2"]
    [error] = errors
    assert "50,000-byte input limit" in error.reason and error.source
    assert error.source.startswith(f"{path}@")
    assert reader.counts.failed == 1


_MEASURE = """
import json, resource, sys
from newsdesk.sources.warc import ArchiveReader
reader = ArchiveReader(sys.argv[1], max_bytes=int(sys.argv[2]))
for item in reader:
    pass
print(json.dumps({"peak": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
                  "yielded": reader.counts.yielded, "failed": reader.counts.failed}))
"""


def measure(path: Path, max_bytes: int) -> dict[str, int]:
    child = subprocess.run([sys.executable, "-c", _MEASURE, str(path), str(max_bytes)], capture_output=True,
                           timeout=60, check=True)
    result: dict[str, int] = json.loads(child.stdout)
    return result


def test_memory_stays_flat_with_archive_size_and_record_size(tmp_path: Path) -> None:
    small, large = tmp_path / "small.warc.gz", tmp_path / "large.warc.gz"
    write_warc(small, [story(n) for n in range(20)])
    write_warc(large, [story(n) for n in range(2000)])
    # one record of 64 MiB (a few hundred KiB gzipped): refused at the limit, never held whole
    huge = tmp_path / "huge.warc.gz"
    with gzip.open(huge, "wb") as out:
        body = b"<html><body>" + b"<p>again</p>" * (64 * 1024 * 1024 // 12)
        head = (f"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {len(body)}\r\n\r\n").encode()
        block_length = len(head) + len(body)
        out.write(f"WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: https://news.example/huge\r\n"
                  f"WARC-Date: 2024-03-01T12:00:00Z\r\nContent-Length: {block_length}\r\n\r\n".encode())
        out.write(head + body + b"\r\n\r\n")
    del body
    base = measure(small, 1_000_000)
    grown = measure(large, 1_000_000)
    refused = measure(huge, 1_000_000)
    assert (base["yielded"], grown["yielded"]) == (20, 2000)
    assert (refused["yielded"], refused["failed"]) == (0, 1)
    assert grown["peak"] < base["peak"] + 10 * 1024 * 1024
    assert refused["peak"] < base["peak"] + 20 * 1024 * 1024


def _arc(records: list[tuple[str, bytes]]) -> bytes:
    """An ARC (version 1) file written by hand: its header record, then one record per page."""
    head = b"1 0 newsdesk-test\nURL IP-address Archive-date Content-type Archive-length\n"
    out = b"filedesc://test.arc 0.0.0.0 20240101000000 text/plain %d\n%s\n" % (len(head), head)
    for url, html in records:
        payload = b"HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n\r\n" + html
        out += b"%s 127.0.0.1 20240101000000 text/html %d\n%s\n" % (url.encode(), len(payload), payload)
    return out


def test_an_arc_whose_next_record_is_not_one_yields_its_pages_then_an_archive_error(tmp_path: Path) -> None:
    """warcio raises its own ArchiveLoadFailed on a line that starts no ARC record (found by
    benchmarks/fuzz.py): the reader reports it as the archive's error and ends, without a traceback."""
    path = tmp_path / "damaged.arc"
    page = _arc([("http://127.0.0.1/one", article_html("One").encode())])
    path.write_bytes(page + b"<body>\n<p>junk</p>\n")
    items = list(ArchiveReader(path))
    assert [item.url for item in items if isinstance(item, Page)] == ["http://127.0.0.1/one"]
    errors = [item for item in items if isinstance(item, ArchiveError)]
    assert len(errors) == 1 and "no readable record" in errors[0].reason
