"""What a researcher keeps in the store besides articles (schema version 10): source collections (named
groups of sites with a country, language and kind), saved searches (a query with its filters and the
newest article seen, for "what is new since I last looked"), and the state of scheduled runs.

Kept apart from the Store protocol: `desk_state(store)` gives the `DeskState` of any store, SQL tables
on SQLite and PostgreSQL (`DESK_SCHEMA`, added by migration 10) and dictionaries on the memory store.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from newsdesk.errors import QueryError
from newsdesk.store.base import SearchRequest, Store, StoryRecord

DESK_SCHEMA = """
CREATE TABLE collections (
    name TEXT PRIMARY KEY, country TEXT NOT NULL, language TEXT NOT NULL, kind TEXT NOT NULL,
    description TEXT NOT NULL
);
CREATE TABLE collection_sites (
    collection TEXT NOT NULL, site TEXT NOT NULL, PRIMARY KEY (collection, site)
);
CREATE TABLE saved_searches (
    name TEXT PRIMARY KEY, filters TEXT NOT NULL, created_at TEXT NOT NULL, seen_id {int} NOT NULL,
    seen_at TEXT
);
CREATE TABLE run_state (name TEXT PRIMARY KEY, value TEXT NOT NULL, at TEXT NOT NULL)
"""

NAME = re.compile(r"^[^\x00-\x1f\x7f]{1,100}$")
MAX_SITES = 2000

# The filters a saved search keeps: SearchRequest's fields as the CLI and the API name them.
SAVED_FILTERS = ("query", "site", "since", "until", "author", "language", "entity", "speaker", "topic",
                 "page_type", "collection", "fold_duplicates")


@dataclass
class Collection:
    name: str
    sites: list[str] = field(default_factory=list)  # site names or hosts, as --source takes them
    country: str = ""  # ISO 3166 code or a name, as the researcher writes it
    language: str = ""
    kind: str = ""  # national, regional, wire, broadcaster, blog...
    description: str = ""


@dataclass
class SavedSearch:
    name: str
    filters: dict[str, Any]  # SAVED_FILTERS given
    created_at: str
    seen_id: int = 0  # the newest article id seen when last looked (0: never looked)
    seen_at: str | None = None


COLLECTION_CSV = ["collection", "site", "country", "language", "kind", "description"]


def write_collections_csv(collections: Iterable[Collection], stream: Any) -> None:
    """Collections as CSV: one row per site (COLLECTION_CSV); a collection without sites is one row with
    an empty site."""
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(COLLECTION_CSV)
    for item in collections:
        for site in item.sites or [""]:
            writer.writerow([item.name, site, item.country, item.language, item.kind, item.description])


def read_collections_csv(lines: Iterable[str]) -> list[Collection]:
    """The collections of a CSV written by `write_collections_csv` (collection and site columns at
    least); a ValueError names the line at fault. csv.Error passes through."""
    reader = csv.DictReader(lines)
    if not reader.fieldnames or not {"collection", "site"} <= set(reader.fieldnames):
        raise ValueError(f"a CSV with the columns {', '.join(COLLECTION_CSV)} (collection and site at least)")
    made: dict[str, Collection] = {}
    for row in reader:
        name = (row.get("collection") or "").strip()
        if not name:
            raise ValueError(f"line {reader.line_num}: no collection name")
        item = made.setdefault(name, Collection(name))
        if (row.get("site") or "").strip():
            item.sites.append((row.get("site") or "").strip())
        for column in ("country", "language", "kind", "description"):
            if (row.get(column) or "").strip():
                setattr(item, column, (row.get(column) or "").strip())
    return list(made.values())


def check_name(name: str, what: str) -> str:
    name = name.strip()
    if not NAME.match(name):
        raise QueryError(f"a {what} name has 1 to 100 characters and no control characters: {name[:40]!r}",
                         stage="store")
    return name


class DeskState(Protocol):
    def collections(self) -> list[Collection]: ...
    def collection(self, name: str) -> Collection | None: ...
    def save_collection(self, collection: Collection) -> None: ...
    def delete_collection(self, name: str) -> bool: ...
    def saved_searches(self) -> list[SavedSearch]: ...
    def saved_search(self, name: str) -> SavedSearch | None: ...
    def save_search(self, name: str, filters: dict[str, Any], at: str) -> None: ...
    def mark_seen(self, name: str, seen_id: int, at: str) -> None: ...
    def delete_search(self, name: str) -> bool: ...
    def state(self, name: str) -> str | None: ...
    def set_state(self, name: str, value: str, at: str) -> None: ...


def desk_state(store: Store) -> DeskState:
    """The researcher's state kept in `store`'s tables (every store is SQL: memory:// is SQLite)."""
    if not (hasattr(store, "_transaction") and hasattr(store, "_read")):
        raise TypeError(f"{type(store).__name__} keeps no desk state")
    return _SqlDesk(store)


def _clean(collection: Collection) -> Collection:
    sites = list(dict.fromkeys(site.strip() for site in collection.sites if site.strip()))
    if len(sites) > MAX_SITES:
        raise QueryError(f"a collection has at most {MAX_SITES} sites, not {len(sites)}", stage="store")
    if any(len(site) > 300 for site in sites):
        raise QueryError("a site of a collection has at most 300 characters", stage="store")
    return Collection(check_name(collection.name, "collection"), sites, collection.country.strip()[:100],
                      collection.language.strip()[:20], collection.kind.strip()[:100],
                      collection.description.strip()[:1000])


class _SqlDesk:
    def __init__(self, store: Any) -> None:
        self._store = store

    def _read(self, sql: str, params: list[Any]) -> list[Any]:
        found: list[Any] = self._store._read(sql, params)
        return found

    def _write(self, statements: list[tuple[str, list[Any]]]) -> int:
        changed = 0
        with self._store._transaction() as cur:
            for sql, params in statements:
                cur.execute(self._store._sql(sql), params)
                changed += max(cur.rowcount or 0, 0)
        return changed

    def collections(self) -> list[Collection]:
        sites: dict[str, list[str]] = {}
        for name, site in self._read("SELECT collection, site FROM collection_sites ORDER BY site", []):
            sites.setdefault(name, []).append(site)
        found = [Collection(name, sites.get(name, []), country, language, kind, description)
                 for name, country, language, kind, description in self._read(
                     "SELECT name, country, language, kind, description FROM collections", [])]
        return sorted(found, key=lambda c: c.name.casefold())

    def collection(self, name: str) -> Collection | None:
        return next((c for c in self.collections() if c.name == name.strip()), None)

    def save_collection(self, collection: Collection) -> None:
        clean = _clean(collection)
        self._write([("DELETE FROM collection_sites WHERE collection = ?", [clean.name]),
                     ("DELETE FROM collections WHERE name = ?", [clean.name]),
                     ("INSERT INTO collections (name, country, language, kind, description) "
                      "VALUES (?, ?, ?, ?, ?)",
                      [clean.name, clean.country, clean.language, clean.kind, clean.description]),
                     *[("INSERT INTO collection_sites (collection, site) VALUES (?, ?)", [clean.name, site])
                       for site in clean.sites]])

    def delete_collection(self, name: str) -> bool:
        return self._write([("DELETE FROM collection_sites WHERE collection = ?", [name.strip()]),
                            ("DELETE FROM collections WHERE name = ?", [name.strip()])]) > 0

    def saved_searches(self) -> list[SavedSearch]:
        found = [SavedSearch(name, json.loads(filters), created, int(seen), seen_at) for
                 name, filters, created, seen, seen_at in self._read(
                     "SELECT name, filters, created_at, seen_id, seen_at FROM saved_searches", [])]
        return sorted(found, key=lambda s: s.name.casefold())

    def saved_search(self, name: str) -> SavedSearch | None:
        return next((s for s in self.saved_searches() if s.name == name.strip()), None)

    def save_search(self, name: str, filters: dict[str, Any], at: str) -> None:
        name = check_name(name, "saved search")
        text = json.dumps(filters, ensure_ascii=False, sort_keys=True)
        if self.saved_search(name) is not None:
            self._write([("UPDATE saved_searches SET filters = ? WHERE name = ?", [text, name])])
        else:
            self._write([("INSERT INTO saved_searches (name, filters, created_at, seen_id) "
                          "VALUES (?, ?, ?, 0)", [name, text, at])])

    def mark_seen(self, name: str, seen_id: int, at: str) -> None:
        self._write([("UPDATE saved_searches SET seen_id = ?, seen_at = ? WHERE name = ? AND seen_id <= ?",
                      [seen_id, at, name.strip(), seen_id])])

    def delete_search(self, name: str) -> bool:
        return self._write([("DELETE FROM saved_searches WHERE name = ?", [name.strip()])]) > 0

    def state(self, name: str) -> str | None:
        found = self._read("SELECT value FROM run_state WHERE name = ?", [name])
        return str(found[0][0]) if found else None

    def set_state(self, name: str, value: str, at: str) -> None:
        self._write([("DELETE FROM run_state WHERE name = ?", [name]),
                     ("INSERT INTO run_state (name, value, at) VALUES (?, ?, ?)", [name, value, at])])


def with_collection(store: Store, request: SearchRequest, name: str | None) -> SearchRequest:
    """`request` narrowed to the sites of the collection `name` (QueryError when there is none)."""
    from dataclasses import replace

    if not name or not name.strip():
        return request
    found = desk_state(store).collection(name)
    if found is None:
        known = ", ".join(c.name for c in desk_state(store).collections()[:20]) or "none yet"
        raise QueryError(f"no collection {name.strip()[:60]!r} (known: {known}); make one with "
                         "`newsdesk collections add`", stage="search")
    if not found.sites:
        raise QueryError(f"the collection {found.name!r} has no sites yet: add some with "
                         "`newsdesk collections add NAME SITE...`", stage="search")
    return replace(request, sites=tuple(found.sites))


def newest_id(store: Store) -> int:
    """The largest article id in the store (ids only grow: an article stored later has a larger one)."""
    read = getattr(store, "_read", None)
    if read is not None:
        found = read("SELECT max(id) FROM articles")
        return int(found[0][0] or 0)
    entries = getattr(store, "_entries", {})
    return max(entries, default=0)


def saved_request(store: Store, saved: SavedSearch) -> SearchRequest:
    """The SearchRequest of a saved search (its collection's sites as they are now)."""
    given = {name: value for name, value in saved.filters.items() if name in SAVED_FILTERS and value}
    collection = given.pop("collection", None)
    return with_collection(store, SearchRequest(sort="date", **given), collection)


def new_matches(store: Store, saved: SavedSearch, limit: int = 1000) -> tuple[list[int], int]:
    """The ids of the saved search's matches stored since it was last looked at (newest first, at most
    `limit`) and how many there are in all."""
    found = [stored.id for stored in store.iter_articles(saved_request(store, saved))
             if stored.id > saved.seen_id]
    found.sort(reverse=True)
    return found[:limit], len(found)


def collection_stories(store: Store, since: str | None, until: str | None, top: int,
                       collection: str) -> list[StoryRecord]:
    """The `top` most widely covered stories with an article from a site of the collection: each site's
    own top stories, merged in the stories' order (`groups.coverage_key`)."""
    from newsdesk.store.groups import coverage_key

    sites = with_collection(store, SearchRequest(), collection).sites
    found = {record.id: record for site in sites for record in store.stories(since, until, top, site)}
    return sorted(found.values(), key=coverage_key)[:top]
