"""One place for every tunable: each setting has a name, a default and help text.

`Settings()` gives the defaults; `Settings.from_env()` reads `NEWSDESK_<NAME>` overrides.
tests/test_settings.py fails when a setting has no help text.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import MISSING, dataclass, field, fields
from typing import Any

from newsdesk.errors import SettingsError

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def setting(default: Any, help: str) -> Any:
    return field(default=default, metadata={"help": help})


@dataclass(frozen=True)
class Settings:
    max_input_bytes: int = setting(
        32 * 1024 * 1024,
        "Largest page accepted, in bytes, after decompression. The file reader stops reading at this "
        "size (a .gz file is never expanded past it) and extract() refuses larger pages, both with an "
        "InputError, before any parsing. A page at the limit is extracted in well under a minute with "
        "peak memory of about 30 times its size (about 1 GB at the default 32 MiB).",
    )
    max_html_nodes: int = setting(
        400_000,
        "Element count above which the DOM scoring is skipped and only metadata and paragraph text are used.",
    )
    max_depth: int = setting(
        2_000,
        "Deepest element nesting the extractor walks; markup nested deeper is flattened into its ancestor.",
    )

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if type(f.default) is int and (type(value) is not int or value <= 0):
                raise SettingsError(f"must be a positive whole number, not {value!r}", source=f.name,
                                    stage="settings")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """The defaults, overridden by `NEWSDESK_<NAME>` variables (e.g. NEWSDESK_MAX_INPUT_BYTES)."""
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            variable = f"NEWSDESK_{f.name.upper()}"
            raw = environ.get(variable)
            if raw is not None:
                values[f.name] = _parse(raw, f.default, variable)
        try:
            return cls(**values)
        except SettingsError as error:
            raise SettingsError(error.reason, source=f"NEWSDESK_{(error.source or '').upper()}",
                                stage="settings") from None

    @classmethod
    def help(cls) -> dict[str, str]:
        return {f.name: f.metadata.get("help", "") for f in fields(cls)}


def _parse(raw: str, default: Any, variable: str) -> Any:
    if default is MISSING:
        return raw
    text = raw.strip().replace("_", "") if isinstance(default, int) else raw.strip()
    try:
        if isinstance(default, bool):
            if text.lower() in _TRUE | _FALSE:
                return text.lower() in _TRUE
            raise ValueError(raw)
        return type(default)(text)
    except ValueError:
        kind = type(default).__name__
        raise SettingsError(f"expected {kind}, got {raw!r}", source=variable, stage="settings") from None
