"""What the SQLite store's ranking of one word or prefix is (FTS5's bm25 without column sizes, title 5,
authors 2, body 1): the ground any shortcut for ranking common words stands on (docs/benchmarks.md,
"SQLite search at 1,000,000 articles: where the time goes").

* One word, or one prefix, ranks its matches by the weighted count of their occurrences of it (5 per
  occurrence in the title, 2 in the authors, 1 in the body), then by id: bm25's IDF and its length term
  are the same for every match of one phrase.
* That count has no bound in the body: a match with the word only in its body outranks one with it
  once in its title as soon as the body holds it six times. So, unlike PostgreSQL's ts_rank (whose body
  part is bounded: store/postgres_ranking.py), the matches with the word in their title or authors are
  not a set that must hold the top of SQLite's ranking.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from newsdesk import SearchRequest
from newsdesk.article import Article
from newsdesk.store.sqlite import SQLiteStore

# Words that are not the ones searched: every body is long (bm25's length term turns negative for a
# store whose documents average fewer than 9 tokens; see newsdesk.store.sqlite's docstring).
FILLER = ("harbour council budget morning bridge traffic river station market weather school "
          "election hospital museum train").split()


def body(quorum: int, quorums: int, n: int) -> str:
    words = [FILLER[(n + i) % len(FILLER)] for i in range(40)]
    for i in range(quorum):
        words.insert(3 * i + 1, "quorum")
    for i in range(quorums):
        words.insert(2 * i + 2, "quorums.")
    return " ".join(words).capitalize() + "."


# (in the title, in an author's name, in the body; "quorums" in the body) for each article, and the
# weighted count of `quorum` (title 5, authors 2, body 1) and of `quor*`.
COUNTS = [(title, author, quorum, quorums)
          for title in (0, 1) for author in (0, 1) for quorum in (0, 1, 2, 4, 6, 9) for quorums in (0, 3)]


def weighted(title: int, author: int, quorum: int, quorums: int, prefix: bool) -> int:
    return 5 * title + 2 * author + quorum + (quorums if prefix else 0)


Ranked = tuple[SQLiteStore, dict[int, tuple[int, ...]]]  # the store, and each article's COUNTS by id


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Ranked]:
    store = SQLiteStore(Path(tmp_path_factory.mktemp("ranking")) / "store.db")
    articles = [Article(url=f"http://127.0.0.1/ranking/{n}",
                        title=("Quorum " if title else "") + f"report {n} from the council",
                        authors=["Ada Quorum" if author else "Ada Lovelace"],
                        body=body(quorum, quorums, n))
                for n, (title, author, quorum, quorums) in enumerate(COUNTS)]
    # Stored in a shuffled order, so that the ids do not follow the counts.
    order = sorted(range(len(articles)), key=lambda n: (n * 37) % len(articles))
    outcomes = store.put_many([articles[n] for n in order])
    yield store, {outcome.id: COUNTS[n] for outcome, n in zip(outcomes, order, strict=True)}
    store.close()


def pages(store: SQLiteStore, query: str, limit: int) -> list[tuple[int, float]]:
    """Every hit of `query`, page after page by cursor: (id, score)."""
    found: list[tuple[int, float]] = []
    cursor = None
    while True:
        page = store.search(SearchRequest(query, limit=limit, cursor=cursor))
        found += [(hit.id, hit.score) for hit in page.hits]
        if page.next_cursor is None:
            return found
        cursor = page.next_cursor


@pytest.mark.parametrize("query", ["quorum", "quor*"])
@pytest.mark.parametrize("limit", [1, 5, 20])
def test_one_word_ranks_by_its_weighted_count_then_id(store: Ranked, query: str, limit: int) -> None:
    found, counts = store
    prefix = query.endswith("*")
    count = {id: weighted(*values, prefix=prefix) for id, values in counts.items()}
    expected = sorted((id for id in count if count[id] > 0), key=lambda id: (-count[id], id))
    hits = pages(found, query, limit)
    assert [id for id, _ in hits] == expected
    # The score is a function of the count alone, rising with it.
    by_count: dict[int, set[float]] = {}
    for id, score in hits:
        by_count.setdefault(count[id], set()).add(score)
    assert all(len(scores) == 1 for scores in by_count.values())
    ordered = [by_count[n].pop() for n in sorted(by_count)]
    assert ordered == sorted(ordered) and len(set(ordered)) == len(ordered)


def test_a_match_in_the_body_only_outranks_one_in_the_title(store: Ranked) -> None:
    found, counts = store
    hits = [id for id, _ in pages(found, "quorum", 20)]
    title_once = next(id for id in hits if counts[id] == (1, 0, 0, 0))
    body_six = next(id for id in hits if counts[id] == (0, 0, 6, 0))
    body_four = next(id for id in hits if counts[id] == (0, 0, 4, 0))
    assert hits.index(body_six) < hits.index(title_once) < hits.index(body_four)
