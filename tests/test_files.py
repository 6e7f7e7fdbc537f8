"""Reading pages from files, folders and stdin: one Page or one clear InputError per input."""

from __future__ import annotations

import gzip
import io
import time
import tracemalloc
import zlib
from pathlib import Path

import pytest

from conftest import article_html
from newsdesk.article import Page
from newsdesk.errors import InputError
from newsdesk.sources.files import expand_paths, read_bytes, read_pages

LIMIT = 1024 * 1024


def read_one(path: Path | str, limit: int = LIMIT, **kwargs: object) -> Page | InputError:
    [item] = list(read_pages([str(path)], limit, **kwargs))  # type: ignore[arg-type]
    return item


def gzip_bomb(path: Path, expanded_bytes: int) -> Path:
    """A .gz of zeros that expands to `expanded_bytes` (100 MB compresses to about 100 KB)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: gzip framing
    block = bytes(1024 * 1024)
    with path.open("wb") as out:
        for _ in range(expanded_bytes // len(block)):
            out.write(compressor.compress(block))
        out.write(compressor.flush())
    return path


@pytest.mark.parametrize(("name", "content_type"), [
    ("story.html", "text/html"), ("story.htm", "text/html"), ("STORY.HTML", "text/html"),
    ("story.txt", "text/plain"),
])
def test_plain_page_files_are_read_whole(tmp_path: Path, name: str, content_type: str) -> None:
    data = article_html().encode("utf-8")
    (tmp_path / name).write_bytes(data)
    page = read_one(tmp_path / name, url="https://example.com/story")
    assert isinstance(page, Page)
    assert page.content == data
    assert page.source == str(tmp_path / name)
    assert page.url == "https://example.com/story"
    assert page.content_type == content_type


@pytest.mark.parametrize(("name", "content_type"), [("story.html.gz", "text/html"),
                                                    ("story.htm.gz", "text/html"),
                                                    ("story.txt.gz", "text/plain")])
def test_gzipped_page_files_are_decompressed(tmp_path: Path, name: str, content_type: str) -> None:
    data = article_html().encode("utf-8")
    (tmp_path / name).write_bytes(gzip.compress(data))
    page = read_one(tmp_path / name)
    assert isinstance(page, Page)
    assert page.content == data
    assert page.content_type == content_type


def test_folders_are_walked_recursively_in_sorted_order_keeping_only_page_files(pages_dir: Path) -> None:
    expected = [pages_dir / "a.html", pages_dir / "b" / "c.htm", pages_dir / "b" / "deeper" / "d.txt"]
    assert list(expand_paths([str(pages_dir)])) == expected
    pages = list(read_pages([str(pages_dir)], LIMIT))
    assert [page.source for page in pages if isinstance(page, Page)] == [str(p) for p in expected]


def test_inputs_keep_the_order_they_were_given_in(tmp_path: Path, pages_dir: Path) -> None:
    single = tmp_path / "z.html"
    single.write_text(article_html())
    sources = [p.source for p in read_pages([str(single), str(pages_dir)], LIMIT) if isinstance(p, Page)]
    assert sources[0] == str(single)
    assert len(sources) == 4


def test_a_folder_without_pages_is_an_error_not_silence(tmp_path: Path) -> None:
    (tmp_path / "readme.md").write_text("nothing here")
    error = read_one(tmp_path)
    assert isinstance(error, InputError)
    assert "no page files" in error.reason
    assert error.source == str(tmp_path)


def test_dash_reads_stdin_and_sniffs_html_from_text() -> None:
    html = read_one("-", stdin=io.BytesIO(article_html().encode()), url="https://example.com/a")
    assert isinstance(html, Page)
    assert (html.source, html.content_type, html.url) == ("-", "text/html", "https://example.com/a")
    text = read_one("-", stdin=io.BytesIO(b"Headline\n\nA paragraph of text."))
    assert isinstance(text, Page)
    assert text.content_type == "text/plain"


def test_stdin_over_the_limit_is_an_input_error() -> None:
    error = read_one("-", limit=1000, stdin=io.BytesIO(b"x" * 5000))
    assert isinstance(error, InputError)
    assert "1,000-byte input limit" in error.reason


def test_missing_file_is_an_input_error_naming_the_path(tmp_path: Path) -> None:
    error = read_one(tmp_path / "gone.html")
    assert isinstance(error, InputError)
    assert str(error) == f"{tmp_path / 'gone.html'}: no such file"
    assert error.stage == "read"


def test_path_through_a_file_is_an_input_error(tmp_path: Path) -> None:
    (tmp_path / "page.html").write_text("<p>x</p>")
    error = read_one(tmp_path / "page.html" / "inner.html")
    assert isinstance(error, InputError)
    assert error.reason == "unreadable: Not a directory"


def test_empty_file_is_an_input_error(tmp_path: Path) -> None:
    (tmp_path / "empty.html").write_bytes(b"")
    error = read_one(tmp_path / "empty.html")
    assert isinstance(error, InputError)
    assert error.reason == "is empty"


@pytest.mark.parametrize(("content", "reason"), [
    (b"<html>this was never compressed</html>", "corrupt gzip file"),
    (gzip.compress(article_html().encode(), mtime=0)[:200], "corrupt gzip file"),  # cut short
    (b"\x1f\x8b\x08\x00" + bytes(20), "corrupt gzip file"),
])
def test_corrupt_gzip_is_an_input_error(tmp_path: Path, content: bytes, reason: str) -> None:
    (tmp_path / "bad.html.gz").write_bytes(content)
    error = read_one(tmp_path / "bad.html.gz")
    assert isinstance(error, InputError)
    assert error.reason.startswith(reason)


def test_file_over_the_limit_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "big.html"
    path.write_bytes(b"<p>" + b"x" * (2 * LIMIT) + b"</p>")
    tracemalloc.start()
    try:
        error = read_one(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert isinstance(error, InputError)
    assert error.reason == (f"is larger than the {LIMIT:,}-byte input limit "
                            "(set NEWSDESK_MAX_INPUT_BYTES to raise it)")
    assert peak < LIMIT // 4


def test_file_exactly_at_the_limit_is_read(tmp_path: Path) -> None:
    path = tmp_path / "edge.html"
    path.write_bytes(b"x" * LIMIT)
    assert read_bytes(path, LIMIT) == b"x" * LIMIT
    gzip_bomb(tmp_path / "edge.html.gz", LIMIT)
    assert read_bytes(tmp_path / "edge.html.gz", LIMIT) == bytes(LIMIT)


@pytest.mark.timeout(60)
def test_gzip_bomb_stops_at_the_limit_without_expanding_the_rest(tmp_path: Path) -> None:
    bomb = gzip_bomb(tmp_path / "bomb.html.gz", 100 * 1024 * 1024)
    assert bomb.stat().st_size < 1024 * 1024
    tracemalloc.start()
    started = time.perf_counter()
    try:
        error = read_one(bomb)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert isinstance(error, InputError)
    assert error.reason == (f"expands to more than the {LIMIT:,}-byte input limit "
                            "(set NEWSDESK_MAX_INPUT_BYTES to raise it)")
    assert str(error).startswith(f"{bomb}: ")
    assert peak < 4 * LIMIT  # the chunks read so far, never the 100 MB
    assert time.perf_counter() - started < 5


def test_one_bad_input_does_not_stop_the_others(tmp_path: Path) -> None:
    good = tmp_path / "good.html"
    good.write_text(article_html())
    items = list(read_pages([str(tmp_path / "missing.html"), str(good)], LIMIT))
    assert [type(item) for item in items] == [InputError, Page]
