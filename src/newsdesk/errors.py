"""The exception tree. Every error carries where it happened (source) and in which stage.

    NewsdeskError
     ├── SettingsError         a setting has an invalid value (e.g. a bad NEWSDESK_* variable)
     ├── InputError            the input could not be read at all (missing file, too large, binary)
     └── ExtractionError       the input was read but yielded no article
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
