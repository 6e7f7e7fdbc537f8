"""The PostgreSQL store's optional RUM index: made or dropped when the store is opened, as
$NEWSDESK_PG_RANKING asks (`ranking_index`)."""

from __future__ import annotations

import os

from newsdesk.errors import StoreError
from newsdesk.store.sql import Cursor

__all__ = ["RANKING_VARIABLE", "RUM_INDEX", "ranking_index"]

# A RUM index (the `rum` extension, Debian's postgresql-15-rum) on the tsvectors, when asked for
# ($NEWSDESK_PG_RANKING=rum when the store is opened; =ts_rank drops it again). It keeps each word's
# positions and weights beside its postings, so that a search of words ranked by relevance takes its top
# results from the index in order (`tsv <=> query`: RUM's distance, whose inverse is the score) instead
# of computing ts_rank over every match (`police NOT court`: 4,857 tsvectors of ~4 kB read per search in
# 100,000 articles, ten times as many in a million). It is not made by default: keeping it up to date
# makes storing articles 2.4-3.3 times slower (docs/benchmarks.md). Not a schema version: a store with or
# without it is the same store, and says which way it ranks (`PostgresStore.ranking`). The extension is
# made in `public`, not in the store's schema, so that dropping one store's schema leaves the others alone.
RUM_INDEX = "article_search_rum"
RANKING_VARIABLE = "NEWSDESK_PG_RANKING"


def _rum_schema(cur: Cursor) -> str | None:
    """The schema of the rum extension, created when missing and possible; None when it cannot be had."""
    found = _extension_schema(cur)
    if found is not None:
        return found
    cur.execute(b"SAVEPOINT newsdesk_rum")
    try:
        cur.execute(b"CREATE EXTENSION IF NOT EXISTS rum SCHEMA public")
    except Exception:  # not installed, or no right to create it
        cur.execute(b"ROLLBACK TO SAVEPOINT newsdesk_rum")
        return None
    cur.execute(b"RELEASE SAVEPOINT newsdesk_rum")
    return _extension_schema(cur)


def _extension_schema(cur: Cursor) -> str | None:
    cur.execute(b"SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
                b"WHERE e.extname = 'rum'")
    found = cur.fetchone()
    return str(found[0]) if found else None


def ranking_index(cur: Cursor, source: str) -> str | None:
    """Make or drop the RUM index as $NEWSDESK_PG_RANKING asks (`source` names the store in messages);
    the rum extension's schema when the store has the index (it then ranks with it), else None."""
    wanted = os.environ.get(RANKING_VARIABLE, "").strip().lower()
    if wanted not in ("", "rum", "ts_rank"):
        raise StoreError(f"{RANKING_VARIABLE} must be rum or ts_rank, not {wanted!r}", source=source,
                         stage="store")
    cur.execute(f"SELECT 1 FROM pg_indexes WHERE schemaname = current_schema() AND indexname = '{RUM_INDEX}'"
                .encode())
    exists = cur.fetchone() is not None
    if wanted == "rum" and not exists:
        schema = _rum_schema(cur)
        if schema is None:
            raise StoreError(f"{RANKING_VARIABLE}=rum: the server has no rum extension (Debian's package "
                             "postgresql-NN-rum), or this role may not create it (a superuser can, once per "
                             "database: CREATE EXTENSION rum SCHEMA public)", source=source,
                             stage="store")
        cur.execute(f'CREATE INDEX {RUM_INDEX} ON article_search USING rum (tsv "{schema}".rum_tsvector_ops)'
                    .encode())
        return schema
    if wanted == "ts_rank" and exists:
        cur.execute(f"DROP INDEX {RUM_INDEX}".encode())
        return None
    return _extension_schema(cur) if exists else None
