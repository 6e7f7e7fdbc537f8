"""kill -9 in the middle of writing: the store opens fine and holds only whole batches."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import fresh_store_url
from newsdesk import Article, SearchRequest, open_store

BATCH = 40
BATCHES = 200  # far more than are written before the kill

_WRITER = """
import sys
from newsdesk import open_store
sys.path.insert(0, sys.argv[2])
from test_store_durability import batch

with open_store(sys.argv[1]) as store:
    for number in range(int(sys.argv[3])):
        store.put_many(batch(number))
        print(number, flush=True)
"""


def batch(number: int) -> list[Article]:
    words = " ".join(f"filler{n}" for n in range(1500))
    return [Article(url=f"https://durable.example/{number}/{n}", title=f"Batch {number} article {n}",
                    body=f"batch{number} {words} end{number}x{n}") for n in range(BATCH)]


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_a_writer_killed_mid_batch_leaves_only_whole_batches(kind: str, tmp_path: Path) -> None:
    with fresh_store_url(kind, tmp_path) as url:
        open_store(url).close()  # created and migrated before the writer starts
        command = [sys.executable, "-c", _WRITER, url, str(Path(__file__).parent), str(BATCHES)]
        writer = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert writer.stdout is not None
        reported = -1
        deadline = time.monotonic() + 120
        while reported < 2 and time.monotonic() < deadline:
            line = writer.stdout.readline()
            assert line, f"the writer stopped early: {writer.stderr.read() if writer.stderr else ''}"
            reported = int(line)
        time.sleep(0.05)  # well inside the next batch
        writer.send_signal(signal.SIGKILL)
        writer.wait(timeout=30)
        assert writer.returncode == -signal.SIGKILL
        writer.stdout.close()
        if writer.stderr:
            writer.stderr.close()

        if kind == "sqlite":
            path = url.removeprefix("sqlite:///")
            with sqlite3.connect(path) as connection:
                assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
                connection.execute("INSERT INTO articles_fts (articles_fts) VALUES ('integrity-check')")
        with open_store(url) as store:
            stored = store.count()
            assert stored % BATCH == 0, f"{stored} articles: a batch was stored in part"
            whole = stored // BATCH
            assert reported + 1 <= whole < BATCHES
            for number in range(whole):
                assert store.count(SearchRequest(f"batch{number}")) == BATCH
                found = store.get(f"https://durable.example/{number}/{BATCH - 1}")
                assert found is not None and found.article == batch(number)[-1]
            assert store.count(SearchRequest(f"batch{whole}")) == 0
            # Running the same work again finishes it without duplicating anything.
            outcomes = [o.status for number in range(whole + 2) for o in store.put_many(batch(number))]
            assert outcomes == ["unchanged"] * stored + ["stored"] * 2 * BATCH
            assert store.count() == stored + 2 * BATCH
