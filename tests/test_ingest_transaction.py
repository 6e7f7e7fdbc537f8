"""A batch's articles and the checkpoints of the inputs they finish commit in one transaction.

An ingest runs in a real subprocess that kills itself with SIGKILL at the moment the store, having
written a batch's articles, starts writing its checkpoints. Afterwards every stored article has its
checkpoint and every checkpoint its article, and the same command run again stores each page once.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import article_html, fresh_store_url
from newsdesk import open_store
from newsdesk.pipeline import Ingester
from newsdesk.pipeline.local import file_checkpoint

PAGES = 12
BATCH = 4

# Kills the process when a statement writing checkpoints starts after one that wrote articles: on
# SQLite seen by the connection's statement trace, on PostgreSQL by the store's cursor.
_INGEST = """
import os, signal, sys
from newsdesk import open_store
from newsdesk.pipeline import Ingester

seen = []

def watch(sql):
    text = sql.decode() if isinstance(sql, bytes) else str(sql)
    if "INSERT INTO articles" in text:
        seen.append(text)
    elif "INSERT INTO tasks" in text and seen:
        os.kill(os.getpid(), signal.SIGKILL)

store = open_store(sys.argv[1])
if sys.argv[1].startswith("sqlite"):
    store._connection.set_trace_callback(watch)
else:
    from newsdesk.store import postgres

    for name in ("execute", "executemany", "insert_returning_ids"):
        def wrapped(self, query, *args, _original=getattr(postgres._Converting, name), **kwargs):
            watch(query)
            return _original(self, query, *args, **kwargs)
        setattr(postgres._Converting, name, wrapped)
Ingester(store, batch_size=int(sys.argv[3]), enrich=False, stories=False).run([sys.argv[2]])
print("finished without being killed")
"""


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_a_kill_between_articles_and_checkpoints_leaves_both_or_neither(kind: str, tmp_path: Path) -> None:
    pages = tmp_path / "pages"
    pages.mkdir()
    for number in range(PAGES):
        canonical = f'<link rel="canonical" href="http://127.0.0.1/news/{number}">'
        (pages / f"{number:02}.html").write_text(
            article_html(f"Story number {number} of the transaction test", head=canonical), encoding="utf-8")
    with fresh_store_url(kind, tmp_path) as url:
        open_store(url).close()  # created and migrated before the ingest starts
        killed = subprocess.run([sys.executable, "-c", _INGEST, url, str(pages), str(BATCH)],
                                capture_output=True, text=True, timeout=300)
        assert killed.returncode == -signal.SIGKILL, killed.stdout + killed.stderr

        with open_store(url) as store:
            stored = {number for number in range(PAGES)
                      if store.get(f"http://127.0.0.1/news/{number}") is not None}
            done = {number for number in range(PAGES)
                    if store.is_done(file_checkpoint(pages / f"{number:02}.html") or "")}
            assert stored == done, f"stored {sorted(stored)} but checkpointed {sorted(done)}"

            again = Ingester(store, batch_size=BATCH, enrich=False, stories=False).run([str(pages)])
            assert again.skipped == len(done)
            assert (again.stored, again.unchanged, again.updated) == (PAGES - len(stored), 0, 0)
            assert store.count() == PAGES
