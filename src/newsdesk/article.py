"""The records that flow through newsdesk: a `Page` is what was read, an `Article` what was made of it.

Every stage fills in an `Article`; its JSON form (`to_dict`/`from_dict`) is the project's stable
exchange format and round-trips losslessly.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields, is_dataclass
from datetime import datetime
from typing import Any, Literal, TypeVar

_R = TypeVar("_R", "Image", "Link", "Entity", "Quote", "Topic", "Keyword")
Span = tuple[int, int]  # [start, end) character offsets into an article's body
EntityType = Literal["person", "org", "place", "group"]
QuoteType = Literal["direct", "indirect"]


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


@dataclass(slots=True)
class Entity:
    """A person, organisation, place or group (nationality, religious or political group) an article
    names, with every span that names it: `mentions` in the body, `caption_mentions` in the lead
    image's caption (an entity named only there has no body mentions). `id` is the same for the same
    type and canonical name in every article (see `newsdesk.enrich.entities.entity_id`)."""

    id: str
    name: str
    type: EntityType
    mentions: list[Span] = field(default_factory=list)
    caption_mentions: list[Span] = field(default_factory=list)


@dataclass(slots=True)
class Quote:
    """A quotation: `span` covers its words (inside the marks for a direct one, the reported clause for
    an indirect one); `speaker` is the speaker's entity id when the speaker is one of the article's
    entities, `speaker_span` the mention that names or refers to the speaker ("he")."""

    text: str
    type: QuoteType
    span: Span
    speaker_name: str | None = None
    speaker_span: Span | None = None
    cue: str | None = None
    cue_span: Span | None = None
    speaker: str | None = None


@dataclass(slots=True)
class Topic:
    """A subject from newsdesk's taxonomy (IPTC Media Topics, top level): `id` such as
    "medtop:11000000", `name` such as "politics", `score` in [0, 1]."""

    id: str
    name: str
    score: float


@dataclass(slots=True)
class Keyword:
    """A word or phrase that says what an article is about, with its score and where the body has it."""

    text: str
    score: float
    mentions: list[Span] = field(default_factory=list)


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
    # Enrichment (empty until `newsdesk.enrich` has run; `enrichment` then names what made it).
    entities: list[Entity] = field(default_factory=list)
    quotes: list[Quote] = field(default_factory=list)
    topics: list[Topic] = field(default_factory=list)
    keywords: list[Keyword] = field(default_factory=list)
    enrichment: dict[str, str] = field(default_factory=dict)
    # What kind of page this is (article, listing, collection, forum, product, documentation,
    # service) and the classifier's probability for it; None when no classifier has run.
    page_type: str | None = None
    page_type_probability: float | None = None
    # The section of the site the page declares ("Politics", "Sport"); None when it declares none.
    section: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain dicts, lists and tuples (what `dataclasses.asdict` gives, without its deep copies of
        every value: an enriched article has thousands of spans, and asdict took 8 ms for them)."""
        return _plain(self)  # type: ignore[no-any-return]

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
        for name in ("extraction", "enrichment"):
            if name in known:
                known[name] = dict(known[name])
        known["entities"] = [_record(Entity, entity) for entity in known.get("entities", [])]
        known["quotes"] = [_record(Quote, quote) for quote in known.get("quotes", [])]
        known["topics"] = [_record(Topic, topic) for topic in known.get("topics", [])]
        known["keywords"] = [_record(Keyword, keyword) for keyword in known.get("keywords", [])]
        return cls(**known)

    @classmethod
    def from_json(cls, text: str) -> Article:
        return cls.from_dict(json.loads(text))


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _plain(value: Any) -> Any:
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, tuple):  # spans: two ints, kept as they are
        return value if all(type(item) is int for item in value) else tuple(_plain(item) for item in value)
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if is_dataclass(value) and not isinstance(value, type):
        names = _FIELD_NAMES.get(type(value))
        if names is None:
            names = _FIELD_NAMES[type(value)] = tuple(f.name for f in fields(value))
        return {name: _plain(getattr(value, name)) for name in names}
    return value


def _record(kind: type[_R], data: dict[str, Any]) -> _R:
    fields: dict[str, Any] = getattr(kind, "__dataclass_fields__", {})
    return kind(**{name: _span(name, value) for name, value in data.items() if name in fields})


def _span(name: str, value: Any) -> Any:
    """JSON has no tuples: spans come back as lists and are made tuples again."""
    if name in ("mentions", "caption_mentions"):
        return [tuple(span) for span in value]
    if name in ("span", "speaker_span", "cue_span") and value is not None:
        return tuple(value)
    return value
