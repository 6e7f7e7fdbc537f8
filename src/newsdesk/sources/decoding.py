"""Content-Encoding decoded as a stream, never inflating more than a small piece at a time.

httpx decodes a whole network chunk at once, so 6 KB of brotli (or gzip inside gzip) can become
gigabytes before any size check sees it. Here every layer (gzip, deflate, br, in any stack) is a
streaming decompressor asked for at most `PIECE` bytes per call, and pieces are pulled lazily through
the stack: the caller counts decoded bytes as they come and stops at its limit, so memory stays at the
limit plus a few pieces whatever the compression ratio.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from typing import Protocol

PIECE = 64 * 1024
SUPPORTED = ("gzip", "deflate", "br")
ACCEPT_ENCODING = "gzip, deflate, br"
_IDENTITY = {"", "identity", "none"}
_UNSUPPORTED = {"zstd", "compress", "x-compress", "lzma", "xz", "bzip2", "lz4", "exi", "pack200-gzip"}


class DecodingError(Exception):
    """The body cannot be decoded as its Content-Encoding says (corrupt, truncated or unsupported)."""


class _Layer(Protocol):
    def feed(self, data: bytes) -> Iterator[bytes]: ...

    def end(self) -> None: ...


class _Zlib:
    """gzip (every member of a multi-member body) or deflate (zlib-wrapped, or raw as some servers send)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._inflate: zlib._Decompress | None = None
        self._started = False
        self._carry = b""  # a first byte held until the second comes (to tell what starts here)
        self._done = False  # the rest of the body is trailing bytes, ignored (as zlib's readers do)

    def _new(self, first: bytes) -> zlib._Decompress:
        if self.name == "gzip":
            return zlib.decompressobj(wbits=31)
        wrapped = len(first) >= 2 and first[0] & 0x0F == 8 and (first[0] << 8 | first[1]) % 31 == 0
        return zlib.decompressobj(wbits=15 if wrapped else -15)

    def feed(self, data: bytes) -> Iterator[bytes]:
        while data and not self._done:
            if self._inflate is None:
                data, self._carry = self._carry + data, b""
                if len(data) < 2:
                    self._carry = data
                    return
                if self._started and (self.name != "gzip" or not data.startswith(b"\x1f\x8b")):
                    # deflate is one stream; after a gzip member, only another member is read:
                    # padding or junk after the last one is ignored
                    self._done = True
                    return
                self._inflate, self._started = self._new(data), True
            inflate = self._inflate
            try:
                out = inflate.decompress(data, PIECE)
                if out:
                    yield out
                while len(out) == PIECE and not inflate.unconsumed_tail and not inflate.eof:
                    out = inflate.decompress(b"", PIECE)  # output still held inside zlib
                    if out:
                        yield out
            except zlib.error as error:
                raise DecodingError(f"corrupt {self.name} data ({error})") from None
            data = inflate.unconsumed_tail
            if inflate.eof:
                data = inflate.unused_data + data
                self._inflate = None

    def end(self) -> None:
        if self._inflate is not None or (self._carry and not self._started):
            raise DecodingError(f"the {self.name} data ends early (truncated)")


class _Brotli:
    def __init__(self) -> None:
        import brotli

        self._brotli = brotli
        self._decompress = brotli.Decompressor()

    def feed(self, data: bytes) -> Iterator[bytes]:
        if not data:
            return
        try:
            out = self._decompress.process(data, output_buffer_limit=PIECE)
            if out:
                yield out
            # Output still held inside: empty input drains it (can_accept_more_data() alone is not
            # a reliable sign that none is left).
            while out and not self._decompress.is_finished():
                out = self._decompress.process(b"", output_buffer_limit=PIECE)
                if out:
                    yield out
        except self._brotli.error as error:
            raise DecodingError(f"corrupt br data ({error})") from None

    def end(self) -> None:
        if not self._decompress.is_finished():
            raise DecodingError("the br data ends early (truncated)")


def encodings(header: str | None) -> list[str]:
    """The codings of a Content-Encoding header, in the order they were applied (identity left out)."""
    names = [name.strip().lower() for name in (header or "").split(",")]
    return ["gzip" if name == "x-gzip" else name for name in names if name not in _IDENTITY]


class BoundedDecoder:
    """`for piece in decoder.feed(raw_chunk)` yields decoded pieces of at most PIECE bytes; `end()` at the
    end of the body raises DecodingError if a layer was cut short. Unsupported codings raise at once."""

    def __init__(self, header: str | None) -> None:
        applied = encodings(header)
        unknown = [name for name in applied if name in _UNSUPPORTED]
        if unknown:
            raise DecodingError(f"unsupported Content-Encoding {', '.join(unknown)} (only "
                                f"{ACCEPT_ENCODING} are decoded)")
        # Decoding undoes the last coding applied first.
        # Other names (a charset, "binary", ...) are misconfigured servers sending the body as it is.
        self._layers: list[_Layer] = [_Brotli() if name == "br" else _Zlib(name)
                                      for name in reversed(applied) if name in SUPPORTED]

    def feed(self, data: bytes) -> Iterator[bytes]:
        return self._through(0, data)

    def _through(self, depth: int, data: bytes) -> Iterator[bytes]:
        if depth == len(self._layers):
            if data:
                yield data
            return
        for piece in self._layers[depth].feed(data):
            yield from self._through(depth + 1, piece)

    def end(self) -> None:
        for layer in self._layers:
            layer.end()
