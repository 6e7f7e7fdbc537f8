"""Pages from web archives: WARC and WARC.gz response records, WET conversion records, and ARC files.

HTML responses (and HTML `resource` records) become `Page`s with their target URI, HTTP headers, decoded
payload and WARC-Date; WET conversion records become plain-text Pages. Every other record is skipped and
counted. Memory stays constant: a payload is read up to the size limit and the rest skipped unread.

A broken archive never raises: the records before the break are yielded, then one `ArchiveError` whose
`offset` is where it broke (for a .gz file, the compressed offset of the gzip member that is cut short
or corrupt, which is where a reader would seek to), and the stream ends. Gzip is decompressed by
gzip_members.py rather than inside fastwarc because a file cut between or inside members must be
noticed, not read as a shorter file; a record is complete only when its whole declared length was read.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any, BinaryIO

from newsdesk.article import Page
from newsdesk.errors import ArchiveError, InputError
from newsdesk.settings import Settings
from newsdesk.sources.decoding import BoundedDecoder, DecodingError, encodings
from newsdesk.sources.detect import is_html_type, looks_like_html
from newsdesk.sources.gzip_members import Broken, GzipMembers

_CHUNK = 256 * 1024
_PAGE_RECORDS = {"response", "resource", "conversion"}
# Reasons a page-carrying record (response, resource, conversion) is skipped, as counted in `skipped`.
SKIPPED_PAGES = ("non-2xx", "non-html", "empty")
_GZIP = b"\x1f\x8b"
_FRAMED = {b"\x04\x22\x4d\x18": "lz4", b"\x28\xb5\x2f\xfd": "zstd"}
_HEAD = 512


def _backend(head: bytes, name: str) -> str | None:
    """Which reader suits the archive, by its first (decompressed) bytes: fastwarc for WARC/1.x with
    CRLF line ends, warcio for older WARC versions (0.17, 0.18), LF-only WARC and ARC files; None when
    the archive is neither (an ARC file's first record starts with `filedesc://`)."""
    start = head.lstrip(b"\r\n")
    first = start.split(b"\n", 1)[0]
    if start.startswith(b"WARC/1.") and first.endswith(b"\r"):
        return "fastwarc"
    if start.startswith(b"WARC/"):
        return "warcio"
    if start.startswith(b"filedesc://"):
        return "warcio"
    if not head:
        return "fastwarc"  # an empty (or unreadable) file: what there is to say comes from reading it
    return None


@dataclass
class ArchiveCounts:
    """What one archive held: records read, Pages yielded, records skipped (by reason), records failed."""

    read: int = 0
    yielded: int = 0
    failed: int = 0
    skipped: Counter[str] = field(default_factory=Counter)


@dataclass
class _Record:
    """One record as either backend sees it; `payload` reads the (still encoded) payload up to a limit."""

    kind: str
    position: int  # in the decompressed stream
    url: str | None
    date: str | None
    content_type: str | None  # of the WARC block, for records without HTTP headers
    status: int | None
    headers: dict[str, str]
    payload: Callable[[int], bytes]
    finish: Callable[[], bool]  # skips the rest of the record; False if the file ended inside it


class ArchiveReader:
    """`for item in ArchiveReader(path)` yields `Page | InputError`; `counts` fills in as it goes."""

    def __init__(self, path: str | Path, *, max_bytes: int | None = None) -> None:
        self.path = Path(path)
        self.max_bytes = max_bytes or Settings().max_input_bytes
        self.counts = ArchiveCounts()

    def __iter__(self) -> Iterator[Page | InputError]:
        source = str(self.path)
        try:
            raw = self.path.open("rb")
        except OSError as exc:
            self.counts.failed += 1
            yield InputError(f"unreadable: {exc.strerror or exc}", source=source, stage="read")
            return
        with raw:
            magic = raw.read(4)
            raw.seek(0)
            members = GzipMembers(raw) if magic[:2] == _GZIP else None
            stream: Any = members or raw
            offset: Callable[[int], int] = members.file_offset if members else int
            if magic in _FRAMED:  # LZ4 or Zstandard frames: offsets are in the decompressed stream
                from fastwarc.stream_io import Lz4Reader, ZstdReader

                stream = (Lz4Reader if _FRAMED[magic] == "lz4" else ZstdReader)(raw)
            head = self._head(_FRAMED.get(magic) or ("gzip" if members else None))
            backend = _backend(head, self.path.name.lower())
            if backend is None:
                self.counts.failed += 1
                shown = head[:60].split(b"\n", 1)[0]
                yield ArchiveError(f"not a WARC or ARC archive: it starts with {shown!r}"
                                   + (f" ({_FRAMED[magic]}-compressed)" if magic in _FRAMED else ""),
                                   source=source, offset=0)
                return
            records = _warcio_records(stream) if backend == "warcio" else _fastwarc_records(stream)
            last = -1
            try:
                for record in records:
                    last = record.position
                    self.counts.read += 1
                    item = self._page(record, offset(record.position))
                    if not record.finish():
                        raise (members and members.broken) or Broken(
                            offset(record.position), "the file ends inside this record (truncated)")
                    if isinstance(item, Page):
                        self.counts.yielded += 1
                    if item is not None:
                        yield item
                if members and members.broken:
                    raise members.broken
                if members is None and backend == "fastwarc" and magic not in _FRAMED:
                    _check_tail(raw, last)
            except Broken as broken:
                self.counts.failed += 1
                yield ArchiveError(broken.reason, source=source, offset=broken.offset)
            except Exception as exc:  # whatever the backend raised on what it read: the run goes on
                self.counts.failed += 1
                if magic in _FRAMED:
                    where = max(last, 0)
                else:
                    where = _after(raw, last) if members is None else _next_member(members, last)
                reason = " ".join(str(exc).split())[:300]
                yield ArchiveError(f"no readable record here ({type(exc).__name__}: {reason})",
                                   source=source, offset=where)

    def _head(self, compression: str | None) -> bytes:
        """The first bytes of the archive, decompressed."""
        try:
            if compression == "gzip":
                with gzip.open(self.path, "rb") as stream:
                    return stream.read(_HEAD)
            if compression is not None:
                from fastwarc.stream_io import Lz4Reader, ZstdReader

                reader = (Lz4Reader if compression == "lz4" else ZstdReader)(str(self.path))
                try:
                    return bytes(reader.read(_HEAD))
                finally:
                    reader.close()
            with self.path.open("rb") as stream:
                return stream.read(_HEAD)
        except (OSError, EOFError, zlib.error):
            return b""

    def _page(self, record: _Record, offset: int) -> Page | InputError | None:
        if record.kind not in _PAGE_RECORDS:
            self.counts.skipped[record.kind] += 1
            return None
        source = f"{self.path}@{offset}"
        if record.status is not None and not 200 <= record.status < 300:
            self.counts.skipped["non-2xx"] += 1
            return None
        declared = record.headers.get("content-type") or record.content_type
        if record.kind == "conversion":
            declared = "text/plain"
        elif declared and not is_html_type(declared) and not _maybe_html(declared):
            self.counts.skipped["non-html"] += 1
            return None
        try:
            data = _decode(_read_up_to(record.payload, self.max_bytes + 1), record.headers, self.max_bytes)
        except InputError as error:
            self.counts.failed += 1
            error.source = source
            return error
        if len(data) > self.max_bytes:
            self.counts.failed += 1
            return InputError(f"payload is larger than the {self.max_bytes:,}-byte input limit "
                              "(set NEWSDESK_MAX_INPUT_BYTES to raise it)", source=source, stage="read")
        if not data.strip():
            self.counts.skipped["empty"] += 1
            return None
        if record.kind != "conversion" and not (declared and is_html_type(declared)) \
                and not looks_like_html(data):
            self.counts.skipped["non-html"] += 1
            return None
        content: bytes | str = data.decode("utf-8", "replace") if record.kind == "conversion" else data
        return Page(source=source, content=content, url=record.url, content_type=declared or "text/html",
                    headers=record.headers, fetched_at=_date(record.date))


def read_archive(path: str | Path, *, max_bytes: int | None = None) -> Iterator[Page | InputError]:
    return iter(ArchiveReader(path, max_bytes=max_bytes))


def _read_up_to(read: Callable[[int], bytes], limit: int) -> bytes:
    """Read at most `limit` bytes in chunks (a single huge read would allocate the whole limit)."""
    chunks: list[bytes] = []
    size = 0
    while size < limit and (chunk := read(min(_CHUNK, limit - size))):
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def _maybe_html(content_type: str) -> bool:
    """Types servers send for anything: the payload is sniffed instead."""
    kind = content_type.split(";")[0].strip().lower()
    return kind in {"", "text/plain", "application/octet-stream", "unk", "no-type", "text/unknown"}


def _decode(data: bytes, headers: dict[str, str], limit: int) -> bytes:
    """The payload with its transfer and content codings undone, at most `limit` + 1 bytes of it.

    Archivers often store the decoded body with the HTTP headers left as they were (Transfer-Encoding:
    chunked, Content-Encoding: gzip over plain HTML): a payload that is not what its header says is kept
    as it is when it reads as HTML."""
    from fastwarc.stream_io import ChunkedReader

    if "chunked" in headers.get("transfer-encoding", "").lower():
        with contextlib.suppress(OSError):
            data = ChunkedReader(io.BytesIO(data)).read(limit + 1)
    header = headers.get("content-encoding")
    applied = encodings(header)
    if not applied or not data:
        return data
    if applied[-1] == "gzip" and not data.startswith(_GZIP) and looks_like_html(data):
        return data  # stored decoded, header left in
    pieces: list[bytes] = []
    size = 0
    try:
        for piece in BoundedDecoder(header).feed(data):  # never inflates past a piece at a time
            pieces.append(piece)
            size += len(piece)
            if size > limit:
                break
    except DecodingError as error:
        if looks_like_html(data):
            return data
        raise InputError(f"payload cannot be decoded ({', '.join(applied)}: {error})", stage="read") from None
    return b"".join(pieces)  # a payload the crawler cut short keeps what it decodes to


def _date(value: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if value else None
    except ValueError:
        return None


def _after(raw: BinaryIO, position: int) -> int:
    """Where the record at `position` of an uncompressed file ends: the break is right after it."""
    if position < 0:
        return 0
    raw.seek(position)
    length = 0
    while line := raw.readline(65536):
        position += len(line)
        if not line.strip():
            return position + length
        name, _, value = line.decode("latin-1").partition(":")
        if name.strip().lower() == "content-length" and value.strip().isdigit():
            length = int(value)
    return position


def _check_tail(raw: BinaryIO, last: int) -> None:
    """An uncompressed archive cut inside its last record, or inside the headers of a record after it,
    can end the backend's iteration without a complaint: read the last record's headers and compare its
    declared end with the file."""
    size = raw.seek(0, io.SEEK_END)
    position = max(last, 0)
    raw.seek(position)
    length = None
    while True:
        line = raw.readline(65536)
        if not line:
            if last >= 0 or size > 0:
                raise Broken(max(last, 0), "the file ends inside this record's headers (truncated)")
            return
        position += len(line)
        if not line.strip():
            break
        name, _, value = line.decode("latin-1").partition(":")
        if name.strip().lower() == "content-length" and value.strip().isdigit():
            length = int(value)
    end = position + (length or 0)
    if size < end:
        raise Broken(max(last, 0), "the file ends inside this record (truncated)")
    raw.seek(end)
    if raw.read(65536).strip():
        raise Broken(end, "the file ends inside a record's headers (truncated)")


def _next_member(members: GzipMembers, position: int) -> int:
    later = [start for decompressed, start in members.starts if decompressed > position]
    return later[0] if later else members.file_offset(max(position, 0))


def _fastwarc_records(stream: BinaryIO) -> Iterator[_Record]:
    from fastwarc.warc import ArchiveIterator, WarcRecordPayloadReader

    for record in ArchiveIterator(stream, parse_http=True, auto_decode="none", stream_detect=False):
        http = record.http_headers if record.is_http else None
        headers: dict[str, str] = {}
        for name, value in http.items() if http is not None else ():
            key = name.lower()
            headers[key] = f"{headers[key]}, {value}" if key in headers else value
        warc = record.headers
        reader = record.reader

        def finish(reader: WarcRecordPayloadReader = reader, expected: int = record.content_length) -> bool:
            reader.consume()
            return reader.tell() >= expected

        yield _Record(kind=str(record.record_type), position=record.stream_pos,
                      url=_uri(warc.get("WARC-Target-URI")), date=warc.get("WARC-Date"),
                      content_type=warc.get("Content-Type"),
                      status=http.status_code if http is not None else None, headers=headers,
                      payload=reader.read, finish=finish)


def _warcio_records(stream: BinaryIO) -> Iterator[_Record]:
    from warcio.archiveiterator import ArchiveIterator

    records = ArchiveIterator(stream, arc2warc=True)
    for record in records:
        http = record.http_headers
        headers = {name.lower(): value for name, value in http.headers} if http is not None else {}
        status = http.get_statuscode() if http is not None else None
        yield _Record(kind=record.rec_type, position=records.offset,  # get_record_offset() reads it all
                      url=_uri(record.rec_headers.get_header("WARC-Target-URI")),
                      date=record.rec_headers.get_header("WARC-Date"),
                      content_type=record.rec_headers.get_header("Content-Type"),
                      status=int(status) if status and status.isdigit() else None, headers=headers,
                      payload=record.raw_stream.read, finish=partial(_drain, record.raw_stream))


def _drain(stream: Any) -> bool:
    """Skip the rest of a warcio record; True when all of its declared length was there."""
    while stream.read(_CHUNK):
        pass
    return bool(stream.limit == 0)


def _uri(value: str | None) -> str | None:
    return value.strip().strip("<>") if value else None
