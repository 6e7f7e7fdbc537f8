"""What every backend derives the same way from the stored duplicate groups and stories: which copy of
a group is its earliest, how the others copy it, and a story's record from its articles.

A duplicate group is found in order of arrival (`newsdesk.stories.duplicates`: each article joins the
group of an earlier one it copies), but it is *named* by its earliest published copy, so that an
article read late still leads the group it was first to publish: the group is renamed when such a copy
arrives. Undated copies come after dated ones; ties go to the order of arrival (store id).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from newsdesk.store.base import StoryRecord

# The story_state row's name (one tracker per store).
TRACKER = "tracker"


@dataclass(frozen=True)
class Member:
    """An article of a duplicate group, as the naming needs it."""

    id: int
    match: str | None  # how it matched on arrival: "exact", "near", "teaser"; None for the group's root
    body_hash: str
    published: str  # "" when unknown


@dataclass(frozen=True)
class Naming:
    id: int
    group: int  # the group's earliest copy
    kind: str  # "earliest", "exact", "near" or "teaser"
    order: int  # its place in the group, earliest first (0 for the earliest)


def earliest_first(published: str, id: int) -> tuple[bool, str, int]:
    """The sort key of "earliest": by published date as written, undated last, then store id."""
    return (not published, published, id)


def name_group(members: Sequence[Member]) -> list[Naming]:
    """The group's earliest copy, and how each other member copies it.

    "exact": the same normalised body; else how it matched on arrival ("near", "teaser"); a copy that
    matched exactly a copy of another body takes that copy's kind; the copy the group was first found
    by (its root) is "near" once an earlier published copy arrived (the likeness is mutual).
    """
    ordered = sorted(members, key=lambda m: earliest_first(m.published, m.id))
    first = ordered[0]
    by_hash = {m.body_hash: m for m in sorted(members, key=lambda m: m.id) if m.match != "exact"}

    def kind(member: Member) -> str:
        if member.id == first.id:
            return "earliest"
        if member.body_hash == first.body_hash:
            return "exact"
        if member.match == "exact":
            member = by_hash.get(member.body_hash, member)
        return member.match if member.match in ("near", "teaser") else "near"

    return [Naming(m.id, first.id, kind(m), order) for order, m in enumerate(ordered)]


@dataclass(frozen=True)
class StoryMember:
    id: int
    title: str
    site: str
    published: str  # "" when unknown
    key: str  # the article's key: canonical URL, else URL, else "sha256:" + body hash


def story_record(story: int, members: Iterable[StoryMember], entities: list[str]) -> StoryRecord:
    """The record of story `story` (the id of its first article) from its articles."""
    by_arrival = sorted(members, key=lambda m: m.id)
    by_date = sorted(by_arrival, key=lambda m: earliest_first(m.published, m.id))
    dates = [m.published for m in by_date if m.published]
    return StoryRecord(
        id=f"S{story}",
        headline=next((m.title for m in by_date if m.title), None),
        first_seen=dates[0] if dates else None,
        last_seen=max(dates) if dates else None,
        articles=[m.id for m in by_arrival],
        sources=list(dict.fromkeys(m.site for m in by_date if m.site)),
        entities=list(entities),
        urls=[m.key if not m.key.startswith("sha256:") else "" for m in by_arrival],
    )


def story_number(story_id: str) -> int | None:
    """12 for "S12" or "s12"; None when it is no story id."""
    text = story_id.strip()
    # At most 18 digits: a larger number is no store's id (and overflows a 64-bit column).
    if not 2 <= len(text) <= 19 or text[0] not in "sS" or not text[1:].isdigit() or not text[1:].isascii():
        return None
    return int(text[1:])


def record_columns(record: StoryRecord) -> list[object]:
    """The stories table's columns after the id, in order."""
    return [record.headline, record.first_seen, record.last_seen, json.dumps(record.articles),
            json.dumps(record.sources, ensure_ascii=False), json.dumps(record.entities, ensure_ascii=False),
            json.dumps(record.urls, ensure_ascii=False), len(record.articles), len(record.sources)]


def record_of(row: Sequence[object]) -> StoryRecord:
    """A StoryRecord from (id, headline, first_seen, last_seen, articles, sources, entities, urls)."""
    id, headline, first, last, articles, sources, entities, urls = row
    return StoryRecord(f"S{id}", _text(headline), _text(first), _text(last), json.loads(str(articles)),
                       json.loads(str(sources)), json.loads(str(entities)), json.loads(str(urls)))


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def coverage_key(record: StoryRecord) -> tuple[int, int, bool, str, int]:
    """Most widely covered first: sources desc, articles desc, first seen (undated last), id."""
    number = story_number(record.id) or 0
    return (-len(record.sources), -len(record.articles), record.first_seen is None, record.first_seen or "",
            number)
