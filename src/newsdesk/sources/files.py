"""Pages from local files and folders: `.html`, `.htm`, `.html.gz`, `.txt`, `.txt.gz`, and `-` for stdin.

Each input yields either a `Page` or an `InputError` saying why it could not be read, so that one bad
file never stops a run. Reading stops at the size limit: a file (or a gzip bomb) is never held in
memory past it.
"""

from __future__ import annotations

import gzip
import sys
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from newsdesk.article import Page
from newsdesk.errors import InputError

HTML_SUFFIXES = (".html", ".htm", ".html.gz", ".htm.gz")
TEXT_SUFFIXES = (".txt", ".txt.gz")
SUFFIXES = HTML_SUFFIXES + TEXT_SUFFIXES
STDIN = "-"
_CHUNK = 1024 * 1024
_LIMIT_HINT = "set NEWSDESK_MAX_INPUT_BYTES to raise it"


def is_page_file(path: Path) -> bool:
    return path.name.lower().endswith(SUFFIXES)


def page_files(folder: Path) -> list[Path]:
    """The page files under a folder, recursively, in sorted order."""
    return sorted(p for p in folder.rglob("*") if p.is_file() and is_page_file(p))


def expand_paths(inputs: Iterable[str]) -> Iterator[str | Path]:
    """Folders are walked recursively (sorted, page files only); `-` stays as stdin."""
    for item in inputs:
        if item == STDIN:
            yield item
            continue
        path = Path(item)
        if path.is_dir():
            yield from page_files(path)
        else:
            yield path


def read_limited(stream: BinaryIO, limit: int, source: str, *, compressed: bool = False) -> bytes:
    """Read a stream to its end in chunks, failing as soon as it passes `limit` bytes."""
    chunks: list[bytes] = []
    size = 0
    while chunk := stream.read(min(_CHUNK, limit + 1 - size)):
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            what = "expands to more than" if compressed else "is larger than"
            raise InputError(f"{what} the {limit:,}-byte input limit ({_LIMIT_HINT})",
                             source=source, stage="read")
    return b"".join(chunks)


def read_bytes(path: Path, limit: int) -> bytes:
    source = str(path)
    compressed = path.name.lower().endswith(".gz")
    try:
        if compressed:
            with gzip.open(path, "rb") as stream:
                return read_limited(stream, limit, source, compressed=True)  # type: ignore[arg-type]
        if path.stat().st_size > limit:  # refused before reading a byte
            raise InputError(f"is larger than the {limit:,}-byte input limit ({_LIMIT_HINT})",
                             source=source, stage="read")
        with path.open("rb") as stream:
            return read_limited(stream, limit, source)
    except FileNotFoundError:
        raise InputError("no such file", source=source, stage="read") from None
    except IsADirectoryError:
        raise InputError("is a directory", source=source, stage="read") from None
    except PermissionError:
        raise InputError("permission denied", source=source, stage="read") from None
    except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
        raise InputError(f"corrupt gzip file: {exc}", source=source, stage="read") from None
    except OSError as exc:
        raise InputError(f"unreadable: {exc.strerror or exc}", source=source, stage="read") from None


def content_type_for(name: str) -> str:
    return "text/plain" if name.lower().endswith(TEXT_SUFFIXES) else "text/html"


def read_pages(inputs: Iterable[str], limit: int, *, url: str | None = None,
               stdin: BinaryIO | None = None) -> Iterator[Page | InputError]:
    """One `Page` or `InputError` per file; `-` reads `stdin` (default: the process's standard input)."""
    for item in inputs:
        if item == STDIN:
            yield _read_stdin(stdin or sys.stdin.buffer, limit, url)
            continue
        path = Path(item)
        if path.is_dir():
            files = page_files(path)
            if not files:
                yield InputError(f"no page files ({', '.join(SUFFIXES)}) in this folder",
                                 source=item, stage="read")
            for file in files:
                yield _read_file(file, limit, url)
        else:
            yield _read_file(path, limit, url)


def _read_file(path: Path, limit: int, url: str | None) -> Page | InputError:
    try:
        data = read_bytes(path, limit)
    except InputError as error:
        return error
    if not data:
        return InputError("is empty", source=str(path), stage="read")
    return Page(source=str(path), content=data, url=url, content_type=content_type_for(path.name))


def _read_stdin(stream: BinaryIO, limit: int, url: str | None) -> Page | InputError:
    try:
        data = read_limited(stream, limit, STDIN)
    except InputError as error:
        return error
    except OSError as exc:
        return InputError(f"unreadable: {exc}", source=STDIN, stage="read")
    if not data:
        return InputError("is empty", source=STDIN, stage="read")
    kind = "text/html" if b"<" in data[:4096] else "text/plain"
    return Page(source=STDIN, content=data, url=url, content_type=kind)
