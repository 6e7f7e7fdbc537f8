"""One place for every tunable: each setting has a name, a default and help text.

`Settings()` gives the defaults; `Settings.from_env()` reads `NEWSDESK_<NAME>` overrides.
tests/test_settings.py fails when a setting has no help text.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from typing import Any


def setting(default: Any, help: str) -> Any:
    return field(default=default, metadata={"help": help})


@dataclass(frozen=True)
class Settings:
    max_input_bytes: int = setting(
        32 * 1024 * 1024,
        "Largest page accepted, in bytes, after decompression; larger inputs fail with a clear error.",
    )
    max_html_nodes: int = setting(
        400_000,
        "Element count above which the DOM scoring is skipped and only metadata and paragraph text are used.",
    )
    max_depth: int = setting(
        2_000,
        "Deepest element nesting the extractor walks; markup nested deeper is flattened into its ancestor.",
    )

    @classmethod
    def from_env(cls) -> Settings:
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = os.environ.get(f"NEWSDESK_{f.name.upper()}")
            if raw is not None:
                values[f.name] = type(f.default)(raw)
        return cls(**values)

    @classmethod
    def help(cls) -> dict[str, str]:
        return {f.name: f.metadata.get("help", "") for f in fields(cls)}
