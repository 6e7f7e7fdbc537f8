"""The exception tree. Every error carries where it happened (source) and in which stage.

    NewsdeskError
     ├── SettingsError         a setting has an invalid value (e.g. a bad NEWSDESK_* variable)
     ├── InputError            the input could not be read at all (missing file, too large, binary)
     │    ├── ArchiveError     a WARC/ARC file is truncated or corrupt; `offset` is the byte where it broke
     │    ├── FetchError       a URL could not be fetched (refused, robots.txt, timeout, HTTP error, too big)
     │    └── UnsafeXMLError   a feed or sitemap declares a DTD or entities: refused, nothing expanded
     ├── ExtractionError       the input was read but yielded no article
     ├── StoreError            the store cannot be opened or used (bad --db URL, missing driver, newer schema)
     └── QueryError            a search query or cursor that cannot be searched (e.g. only NOT terms)
"""

from __future__ import annotations


class NewsdeskError(Exception):
    """Base of every error newsdesk raises on purpose."""

    def __init__(self, reason: str, *, source: str | None = None, stage: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.source = source
        self.stage = stage

    def __str__(self) -> str:
        where = f"{self.source}: " if self.source else ""
        return f"{where}{self.reason}"


class SettingsError(NewsdeskError, ValueError):
    """A setting has an invalid value; `source` names the setting or its environment variable."""


class InputError(NewsdeskError):
    """The input could not be read: missing, unreadable, over a size limit, or binary."""


class ExtractionError(NewsdeskError):
    """The input was read but no article could be made of it (no text at all)."""


class ArchiveError(InputError):
    """A web archive is truncated or corrupt. `offset` is the byte in the file (for .gz, the compressed
    offset of the gzip member) where it broke; every record before it was read."""

    def __init__(self, reason: str, *, source: str | None = None, offset: int = 0,
                 stage: str | None = "read") -> None:
        super().__init__(reason, source=source, stage=stage)
        self.offset = offset

    def __str__(self) -> str:
        return f"{self.source} at byte {self.offset:,}: {self.reason}"


class FetchError(InputError):
    """A URL could not be fetched. `source` is the URL; `status` the HTTP status when a server answered;
    `retry_after` the seconds the server asked to wait, when it did."""

    def __init__(self, reason: str, *, source: str | None = None, stage: str | None = "fetch",
                 status: int | None = None, retry_after: float | None = None) -> None:
        super().__init__(reason, source=source, stage=stage)
        self.status = status
        self.retry_after = retry_after


class UnsafeXMLError(InputError):
    """An XML document (a feed, a sitemap) declares a DTD or entities; it is refused before parsing, so
    no entity is ever expanded (billion laughs) or fetched (external entities)."""


class StoreError(NewsdeskError):
    """The store cannot be opened or used: a bad URL, a missing driver, a schema newer than this code."""


class QueryError(NewsdeskError, ValueError):
    """A search query or cursor that cannot be searched; the same on every backend."""
