"""Pages from local files and folders: `.html`, `.htm`, `.html.gz`, `.txt`, `.txt.gz`, and `-` for stdin.

Each input yields either a `Page` or an `InputError` saying why it could not be read, so that one bad
file never stops a run.
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


def is_page_file(path: Path) -> bool:
    return path.name.lower().endswith(SUFFIXES)


def expand_paths(inputs: Iterable[str]) -> Iterator[str | Path]:
    """Folders are walked recursively (sorted, page files only); `-` stays as stdin."""
    for item in inputs:
        if item == "-":
            yield item
            continue
        path = Path(item)
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file() and is_page_file(p))
        else:
            yield path


def read_limited(stream: BinaryIO, limit: int, source: str) -> bytes:
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise InputError(f"larger than the {limit:,}-byte limit", source=source, stage="read")
    return data


def read_bytes(path: Path, limit: int) -> bytes:
    source = str(path)
    try:
        if path.name.lower().endswith(".gz"):
            with gzip.open(path, "rb") as stream:
                return read_limited(stream, limit, source)  # type: ignore[arg-type]
        with path.open("rb") as stream:
            return read_limited(stream, limit, source)
    except FileNotFoundError:
        raise InputError("no such file", source=source, stage="read") from None
    except IsADirectoryError:
        raise InputError("is a directory", source=source, stage="read") from None
    except PermissionError:
        raise InputError("permission denied", source=source, stage="read") from None
    except (OSError, EOFError, zlib.error) as exc:  # gzip.BadGzipFile is an OSError
        raise InputError(f"unreadable: {exc}", source=source, stage="read") from None


def content_type_for(name: str) -> str:
    return "text/plain" if name.lower().endswith(TEXT_SUFFIXES) else "text/html"


def read_pages(inputs: Iterable[str], limit: int, *, url: str | None = None) -> Iterator[Page | InputError]:
    for item in expand_paths(inputs):
        try:
            if item == "-":
                data = read_limited(sys.stdin.buffer, limit, "<stdin>")
                kind = "text/html" if b"<" in data[:4096] else "text/plain"
                yield Page(source="-", content=data, url=url, content_type=kind)
                continue
            assert isinstance(item, Path)
            data = read_bytes(item, limit)
            yield Page(source=str(item), content=data, url=url, content_type=content_type_for(item.name))
        except InputError as error:
            yield error
