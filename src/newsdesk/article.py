"""The records that flow through newsdesk: a `Page` is what was read, an `Article` what was made of it.

Every stage fills in an `Article`; its JSON form (`to_dict`/`from_dict`) is the project's stable
exchange format and round-trips losslessly.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, TypeVar

_R = TypeVar("_R", "Image", "Link")


@dataclass
class Page:
    """What a source yielded: raw bytes or text, and everything known about where it came from."""

    source: str
    content: bytes | str
    url: str | None = None
    content_type: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    fetched_at: datetime | None = None

    @property
    def is_text(self) -> bool:
        """True when the content is already flattened text (a WET record, a `.txt` file)."""
        if self.content_type:
            return self.content_type.split(";")[0].strip().lower() == "text/plain"
        return isinstance(self.content, str) and "<" not in self.content[:2000]


@dataclass
class Image:
    url: str | None = None
    caption: str | None = None


@dataclass
class Link:
    title: str
    url: str | None = None


@dataclass
class Article:
    """One article. Field names of the JSON form are stable; add, never rename."""

    source: str | None = None
    url: str | None = None
    canonical_url: str | None = None
    title: str | None = None
    authors: list[str] = field(default_factory=list)
    published: str | None = None
    modified: str | None = None
    language: str | None = None
    site_name: str | None = None
    description: str | None = None
    body: str = ""
    image: Image | None = None
    tags: list[str] = field(default_factory=list)
    related: list[Link] = field(default_factory=list)
    extraction: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_json(self, **kwargs: Any) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, **kwargs)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Article:
        """The inverse of `to_dict`. Unknown keys (from a newer newsdesk) are ignored."""
        known = {name: data[name] for name in cls.__dataclass_fields__ if name in data}
        image = known.get("image")
        if isinstance(image, dict):
            known["image"] = _record(Image, image)
        known["related"] = [_record(Link, link) if isinstance(link, dict) else link
                            for link in known.get("related", [])]
        for name in ("authors", "tags"):
            if name in known:
                known[name] = list(known[name])
        if "extraction" in known:
            known["extraction"] = dict(known["extraction"])
        return cls(**known)

    @classmethod
    def from_json(cls, text: str) -> Article:
        return cls.from_dict(json.loads(text))


def _record(kind: type[_R], data: dict[str, Any]) -> _R:
    fields: dict[str, Any] = getattr(kind, "__dataclass_fields__", {})
    return kind(**{name: value for name, value in data.items() if name in fields})
