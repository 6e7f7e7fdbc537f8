"""The decompressed bytes of a multi-member gzip file, with the file offset where each member starts.

A WARC.gz holds one gzip member per record; a reader seeks to a record by its member's offset, so that
is the offset an archive error reports. A cut or corrupt member is noticed (zlib's own readers treat a
file cut between members as a shorter file) and kept in `broken` rather than raised.
"""

from __future__ import annotations

import zlib
from typing import BinaryIO

_INPUT_CHUNK = 16 * 1024


class Broken(Exception):
    """Where and why a compressed archive broke."""

    def __init__(self, offset: int, reason: str) -> None:
        super().__init__(reason)
        self.offset = offset
        self.reason = reason


class GzipMembers:
    """The decompressed bytes of a (multi-member) gzip file, remembering where each member starts.

    A cut or corrupt member ends the stream (read returns b"") and is kept in `broken`: raising inside
    the parser's read-ahead would lose the complete record just before the break.
    """

    def __init__(self, raw: BinaryIO) -> None:
        self._raw = raw
        self._pending = b""  # compressed bytes not yet given to a decompressor
        self._pending_at = 0  # their offset in the file
        self._inflate: zlib._Decompress | None = None
        self._out = 0
        self._out_buffer = bytearray()
        self.starts: list[tuple[int, int]] = []  # (decompressed offset, file offset) of each member
        self.broken: Broken | None = None

    def tell(self) -> int:
        return self._out

    def read(self, size: int = -1) -> bytes:
        if not self._out_buffer:
            self._fill()
        size = size if size > 0 else len(self._out_buffer)
        data = bytes(self._out_buffer[:size])
        del self._out_buffer[:size]
        self._out += len(data)
        return data

    def _fill(self) -> None:
        # Small input chunks without an output cap: a bomb expands 16 KiB to at most ~16 MiB here,
        # and no unconsumed tail is copied over and over.
        while self.broken is None and not self._out_buffer:
            if not self._pending:
                self._pending = self._raw.read(_INPUT_CHUNK)
                if not self._pending:
                    if self._inflate is not None:
                        self.broken = Broken(self.starts[-1][1], "the file ends inside a gzip member "
                                              "(truncated)")
                    return
            if self._inflate is None:
                self._inflate = zlib.decompressobj(wbits=31)
                self.starts.append((self._out + len(self._out_buffer), self._pending_at))
            data, self._pending = self._pending, b""
            try:
                self._out_buffer += self._inflate.decompress(data)
            except zlib.error as error:
                self.broken = Broken(self.starts[-1][1], f"corrupt gzip data ({error})")
                return
            if self._inflate.eof:
                self._pending = self._inflate.unused_data
                self._inflate = None
            self._pending_at += len(data) - len(self._pending)

    def file_offset(self, position: int) -> int:
        """The file offset of the gzip member holding decompressed `position`."""
        while len(self.starts) > 1 and self.starts[1][0] <= position:
            del self.starts[0]  # records come in order: earlier members are never asked for again
        return self.starts[0][1] if self.starts else 0
