"""Duplicate groups and stories in the SQL stores (the `StoryReader` and `StoryWriter` parts of the
Store): their tables, written as articles arrive by `newsdesk.stories.persist`, and read back."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping

from newsdesk.article import Article
from newsdesk.store import groups, rows
from newsdesk.store.base import (
    DuplicateEntry,
    DuplicateRecord,
    SearchRequest,
    StoredArticle,
    StoryAssignment,
    StoryRecord,
    StoryState,
    WindowArticle,
)
from newsdesk.store.sql_base import Cursor, SqlBase, chunks

# Migration 6 of both SQL stores: duplicate groups, stories and the state of the story tracker, kept as
# articles arrive (`newsdesk.stories.persist`). {int}, {blob} and {date} are the backend's types.
STORIES_SCHEMA = """
CREATE TABLE article_duplicates (
    article_id {int} PRIMARY KEY, seq {int} NOT NULL, root {int} NOT NULL, matched TEXT,
    grp {int} NOT NULL, kind TEXT NOT NULL, grp_order INTEGER NOT NULL, body_hash TEXT NOT NULL,
    signature {blob} NOT NULL, body_size INTEGER NOT NULL, lead_size INTEGER NOT NULL,
    lead_words INTEGER NOT NULL
);
CREATE INDEX article_duplicates_seq ON article_duplicates (seq);
CREATE INDEX article_duplicates_root ON article_duplicates (root);
CREATE INDEX article_duplicates_grp ON article_duplicates (grp, grp_order);
CREATE TABLE article_stories (article_id {int} PRIMARY KEY, story_id {int} NOT NULL);
CREATE INDEX article_stories_story ON article_stories (story_id);
CREATE TABLE stories (
    id {int} PRIMARY KEY, headline TEXT, first_seen {date}, last_seen {date}, articles TEXT NOT NULL,
    sources TEXT NOT NULL, entities TEXT NOT NULL, urls TEXT NOT NULL, article_count INTEGER NOT NULL,
    source_count INTEGER NOT NULL
);
CREATE TABLE story_state (
    name TEXT PRIMARY KEY, serial {int} NOT NULL, seq {int} NOT NULL, data_seq {int} NOT NULL, data {blob}
);
INSERT INTO story_state (name, serial, seq, data_seq) VALUES ('tracker', 0, 0, 0)
"""
_STORY_COLUMNS = "s.id, s.headline, s.first_seen, s.last_seen, s.articles, s.sources, s.entities, s.urls"
_ENTRY_COLUMNS = "seq, article_id, root, matched, body_hash, signature, body_size, lead_size, lead_words"
ENTRY_PAGE = 5_000  # duplicate entries read at a time


class SqlStories(SqlBase):
    """The story tables' statements, shared by the SQLite and PostgreSQL stores."""

    _COLUMNS = "id, data, version, stored_at, updated_at"

    def stories(self, since: str | None = None, until: str | None = None, top: int = 20,
                site: str | None = None) -> list[StoryRecord]:
        clauses, params = rows.filters(SearchRequest(since=since, until=until, site=site), "?")
        where = ""
        if clauses:
            where = ("WHERE s.id IN (SELECT m.story_id FROM article_stories m JOIN article_search a "
                     f"ON a.id = m.article_id WHERE {' AND '.join(clauses)})")
        found = self._read(f"SELECT {_STORY_COLUMNS} FROM stories s {where} ORDER BY {groups.RANKING} "
                           "LIMIT ?", [*params, max(top, 0)])
        return [groups.record_of(row) for row in found]

    def story(self, story_id: str) -> StoryRecord | None:
        number = groups.story_number(story_id)
        if number is None:
            return None
        found = self._read(f"SELECT {_STORY_COLUMNS} FROM stories s WHERE s.id = ?", [number])
        return groups.record_of(found[0]) if found else None

    def story_of(self, article_id: int) -> StoryRecord | None:
        found = self._read(f"SELECT {_STORY_COLUMNS} FROM article_stories m JOIN stories s "
                           "ON s.id = m.story_id WHERE m.article_id = ?", [article_id])
        return groups.record_of(found[0]) if found else None

    def duplicates_of(self, article_id: int) -> list[DuplicateRecord]:
        found = self._read(
            "SELECT e.article_id, e.grp, e.kind, a.published_key, r.key, a.title "
            "FROM article_duplicates d JOIN article_duplicates e ON e.grp = d.grp "
            "JOIN article_search a ON a.id = e.article_id JOIN articles r ON r.id = e.article_id "
            "WHERE d.article_id = ? ORDER BY e.grp_order", [article_id])
        return [DuplicateRecord(int(id), int(group), kind, published or None,
                                groups.key_url(key), title or None)
                for id, group, kind, published, key, title in found]

    def placements(self, ids: list[int]) -> dict[int, tuple[int, int | None]]:
        found: dict[int, tuple[int, int | None]] = {}
        for chunk, marks in chunks(ids):
            for id, group, story in self._read(
                    "SELECT d.article_id, d.grp, m.story_id FROM article_duplicates d "
                    "LEFT JOIN article_stories m ON m.article_id = d.article_id "
                    f"WHERE d.article_id IN ({marks})", chunk):
                found[int(id)] = (int(group), None if story is None else int(story))
        return found

    # arrivals() and unassigned() start their walk in id order at a floor below which every article is
    # known to be in a group, instead of at the first article (at 1,000,000 articles walking every
    # assigned one cost ~400 ms of CPU per batch of arrivals, more than assigning the batch). Groups are
    # only ever removed all at once (clear_stories, which resets story_state.seq, the count of
    # assignments, to 0 with them); each assignment adds one row and one to seq in one transaction, and
    # articles are never deleted. Two floors, the higher one used:
    # - proven from the store: when the highest assigned id equals seq, the seq assigned ids are exactly
    #   1..seq, so every article up to seq is assigned (ids are distinct positive integers);
    # - `_arrival_floor`, the first unassigned id the last walk of this object found (for ids with gaps,
    #   as PostgreSQL's after a rolled-back write): assignments take the lowest unassigned ids first, so
    #   it holds while seq is at least floor - 1 (the most articles there can be below it); a lower seq
    #   means the groups were cleared, perhaps by another process, and not yet assigned up to it again.
    # (An article committed by another PostgreSQL session with an id below `_arrival_floor`, after a later
    # id was assigned, is found by that session's catch-up, or by any store opened afterwards.)
    _arrival_floor = 0

    def _floor(self) -> int:
        seq, top = self._read("SELECT s.seq, (SELECT max(d.article_id) FROM article_duplicates d) "
                              "FROM story_state s WHERE s.name = ?", [groups.TRACKER])[0]
        proven = int(seq) + 1 if top is not None and int(top) == int(seq) else 0
        kept = self._arrival_floor if int(seq) >= self._arrival_floor - 1 else 0
        return max(proven, kept)

    def unassigned(self) -> int:
        return int(self._read("SELECT count(*) FROM article_search a WHERE a.id >= ? AND NOT EXISTS "
                              "(SELECT 1 FROM article_duplicates d WHERE d.article_id = a.id)",
                              [self._floor()])[0][0])

    def arrivals(self, limit: int) -> list[StoredArticle]:
        found = self._read("SELECT s.id FROM article_search s WHERE s.id >= ? AND NOT EXISTS (SELECT 1 FROM "
                           "article_duplicates d WHERE d.article_id = s.id) ORDER BY s.id LIMIT ?",
                           [self._floor(), limit])
        ids = [int(id) for id, in found]
        if ids:
            self._arrival_floor = ids[0]
        first = self.first_versions(ids)
        return [first[id] for id in ids if id in first]

    def first_versions(self, ids: list[int]) -> dict[int, StoredArticle]:
        articles: dict[int, StoredArticle] = {}
        for chunk, marks in chunks(ids):
            updated = []
            for id, data, version, stored_at, _ in self._read(
                    f"SELECT {self._COLUMNS} FROM articles WHERE id IN ({marks})", chunk):
                if version == 1:
                    articles[int(id)] = StoredArticle(int(id), Article.from_json(data), 1, stored_at,
                                                      stored_at)
                else:
                    updated.append((int(id), stored_at))
            if updated:
                at = dict(updated)
                # Version 1 of an article updated since is kept in article_versions.
                for id, data in self._read(f"SELECT article_id, data FROM article_versions WHERE version = 1 "
                                           f"AND article_id IN ({', '.join('?' * len(at))})", list(at)):
                    articles[int(id)] = StoredArticle(int(id), Article.from_json(data), 1, at[int(id)],
                                                      at[int(id)])
        return articles

    def duplicate_entries(self, after_seq: int = 0) -> Iterator[tuple[int, DuplicateEntry]]:
        while True:
            found = self._read(f"SELECT {_ENTRY_COLUMNS} FROM article_duplicates WHERE seq > ? ORDER BY seq "
                               "LIMIT ?", [after_seq, ENTRY_PAGE])
            for seq, id, root, matched, body_hash, signature, body, lead, lead_words in found:
                yield int(seq), DuplicateEntry(int(id), int(root), matched, body_hash, bytes(signature),
                                               int(body), int(lead), int(lead_words))
            if len(found) < ENTRY_PAGE:
                return
            after_seq = int(found[-1][0])

    def story_state(self) -> StoryState:
        serial, seq, data_seq, data = self._read("SELECT serial, seq, data_seq, data FROM story_state "
                                                 "WHERE name = ?", [groups.TRACKER])[0]
        return StoryState(int(serial), int(seq), int(data_seq), None if data is None else bytes(data))

    def save_assignments(self, assignments: list[StoryAssignment], entities: Mapping[int, list[str]],
                         serial: int, data: bytes | None = None) -> bool:
        with self._transaction() as cur:
            cur.execute(self._sql("UPDATE story_state SET serial = serial + 1, seq = seq + ? "
                                  "WHERE name = ? AND serial = ?"),
                        [len(assignments), groups.TRACKER, serial])
            if cur.rowcount != 1:
                return False
            cur.execute(self._sql("SELECT seq FROM story_state WHERE name = ?"), [groups.TRACKER])
            first = int(cur.fetchone()[0]) - len(assignments) + 1
            if assignments:
                cur.executemany(self._sql(
                    "INSERT INTO article_duplicates (article_id, seq, root, matched, grp, kind, grp_order, "
                    "body_hash, signature, body_size, lead_size, lead_words) "
                    "VALUES (?, ?, ?, ?, ?, 'earliest', 0, ?, ?, ?, ?, ?)"),
                    [[e.article_id, first + n, e.root, e.match, e.root, e.body_hash, e.signature, e.body_size,
                      e.lead_size, e.lead_words] for n, e in enumerate(a.entry for a in assignments)])
                cur.executemany(self._sql("INSERT INTO article_stories (article_id, story_id) VALUES (?, ?)"),
                                [[a.entry.article_id, a.story] for a in assignments if a.story is not None])
                self._name_groups(cur, sorted({a.entry.root for a in assignments}))
                self._write_stories(cur, sorted({a.story for a in assignments if a.story is not None}
                                                | set(entities)), entities)
            if data is not None:
                cur.execute(self._sql("UPDATE story_state SET data = ?, data_seq = seq WHERE name = ?"),
                            [data, groups.TRACKER])
        return True

    def window_stories(self, since: str) -> list[WindowArticle]:
        inside = "(a.published_key >= ? OR (a.published_key = '' AND r.stored_at >= ?))"
        found = self._read(
            f"SELECT m.article_id, m.story_id, d.grp, CASE WHEN {inside} THEN 1 ELSE 0 END "
            "FROM article_stories m JOIN article_duplicates d ON d.article_id = m.article_id "
            "JOIN article_search a ON a.id = m.article_id JOIN articles r ON r.id = m.article_id "
            "WHERE m.story_id IN (SELECT m.story_id FROM article_stories m JOIN article_search a "
            f"ON a.id = m.article_id JOIN articles r ON r.id = m.article_id WHERE {inside}) "
            "ORDER BY m.article_id", [since, since, since, since])
        return [WindowArticle(int(id), int(story), int(group), bool(inside))
                for id, story, group, inside in found]

    def save_stories(self, stories: Mapping[int, list[int]], entities: Mapping[int, list[str]],
                     serial: int, data: bytes) -> bool:
        articles = sorted(id for ids in stories.values() for id in ids)
        with self._transaction() as cur:
            cur.execute(self._sql("UPDATE story_state SET serial = serial + 1, data = ?, data_seq = seq "
                                  "WHERE name = ? AND serial = ?"), [data, groups.TRACKER, serial])
            if cur.rowcount != 1:
                return False
            old: set[int] = set(stories)
            for chunk, marks in chunks(articles):
                cur.execute(self._sql(f"SELECT DISTINCT story_id FROM article_stories "
                                      f"WHERE article_id IN ({marks})"), chunk)
                old.update(int(story) for story, in cur.fetchall())
                cur.execute(self._sql(f"DELETE FROM article_stories WHERE article_id IN ({marks})"), chunk)
            cur.executemany(self._sql("INSERT INTO article_stories (article_id, story_id) VALUES (?, ?)"),
                            [[id, story] for story, ids in sorted(stories.items()) for id in ids])
            self._write_stories(cur, sorted(old), entities)  # the old ones that kept other articles too
            for chunk, marks in chunks(sorted(old)):
                cur.execute(self._sql(f"DELETE FROM stories WHERE id IN ({marks}) AND NOT EXISTS (SELECT 1 "
                                      "FROM article_stories m WHERE m.story_id = stories.id)"), chunk)
        return True

    def _name_groups(self, cur: Cursor, roots: list[int]) -> None:
        """Name the groups found on arrival by `roots` after their earliest published copy."""
        members: dict[int, list[groups.Member]] = {}
        for chunk, marks in chunks(roots):
            cur.execute(self._sql(f"SELECT d.root, d.article_id, d.matched, d.body_hash, a.published_key "
                                  f"FROM article_duplicates d JOIN article_search a ON a.id = d.article_id "
                                  f"WHERE d.root IN ({marks})"), chunk)
            for root, id, matched, body_hash, published in cur.fetchall():
                member = groups.Member(int(id), matched, body_hash, published)
                members.setdefault(int(root), []).append(member)
        cur.executemany(self._sql("UPDATE article_duplicates SET grp = ?, kind = ?, grp_order = ? "
                                  "WHERE article_id = ?"),
                        [[n.group, n.kind, n.order, n.id] for group in members.values()
                         for n in groups.name_group(group)])

    def _write_stories(self, cur: Cursor, stories: list[int], entities: Mapping[int, list[str]]) -> None:
        """Write the records of `stories` again from their articles (entities: those given, else kept)."""
        members: dict[int, list[groups.StoryMember]] = {}
        kept: dict[int, list[str]] = {}
        for chunk, marks in chunks(stories):
            # The article's source (where it was read) only for an article without a site.
            cur.execute(self._sql(f"SELECT m.story_id, m.article_id, a.title, a.site, a.published_key, "
                                  f"r.key, CASE WHEN a.site = '' THEN r.data END FROM article_stories m "
                                  f"JOIN article_search a ON a.id = m.article_id JOIN articles r "
                                  f"ON r.id = m.article_id WHERE m.story_id IN ({marks})"),
                        chunk)
            for story, id, title, site, published, key, data in cur.fetchall():
                source = json.loads(data).get("source") if data else None
                members.setdefault(int(story), []).append(
                    groups.StoryMember(int(id), title, site, published, key, source))
            cur.execute(self._sql(f"SELECT id, entities FROM stories WHERE id IN ({marks})"), chunk)
            kept.update((int(id), json.loads(names)) for id, names in cur.fetchall())
        records = [groups.story_record(story, found, list(entities.get(story, kept.get(story, []))))
                   for story, found in members.items()]
        cur.executemany(self._sql("DELETE FROM stories WHERE id = ?"), [[story] for story in members])
        cur.executemany(self._sql("INSERT INTO stories (id, headline, first_seen, last_seen, articles, "
                                  "sources, entities, urls, article_count, source_count) "
                                  "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
                        [[groups.story_number(r.id), *groups.record_columns(r)] for r in records])

    def clear_stories(self) -> None:
        self._arrival_floor = 0
        with self._transaction() as cur:
            for table in ("article_duplicates", "article_stories", "stories"):
                cur.execute(f"DELETE FROM {table}")
            cur.execute(self._sql("UPDATE story_state SET serial = serial + 1, seq = 0, data_seq = 0, "
                                  "data = NULL WHERE name = ?"), [groups.TRACKER])
