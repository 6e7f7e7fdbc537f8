"""Coverage counts on the SQLite store: matching articles per day published, without sorting them.

Grouping a common word's matches by day in SQL (`GROUP BY substr(published_key, 1, 10)`) looks up each
match's row and then sorts them all: at 1,000,000 articles `said`'s 345,000 matches cost 260 ms of CPU,
150 ms of them the sort. Here the day of every article is read once per store generation, walking the
date index from day to day (`DAY_IDS`: each day's articles are one range of the index), into an array
indexed by article id; a search then only asks the full-text index for its ids (one string, parsed by
numpy) and counts them per day with `numpy.bincount` (`said`: 25 ms). The walk also gives every day's
total, which the coverage shares divide by. Whatever the array cannot answer exactly (a write between
the walk and the search, an id it does not hold) is counted by the SQL grouping instead.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

# Each day's ids (the day: the first ten characters of published_key, as written; "" when undated), in one
# pass along the date index: the first key of each day is found by a seek past the day before, and the
# ids of a day are the index's range from it to the next day's first key. A key shorter than ten
# characters is a day of its own; a key past its day's first ten characters and U+10FFFF (the largest
# character) starts a range of its day per such key, each seeking past itself, never back to the same key
# (the caller adds the ranges of a day up).
DAY_IDS = """
WITH RECURSIVE starts(k) AS (
    SELECT (SELECT published_key FROM article_search ORDER BY published_key LIMIT 1)
    UNION ALL
    SELECT (SELECT s.published_key FROM article_search s
            WHERE s.published_key > CASE WHEN length(starts.k) < 10 THEN starts.k
                                         ELSE max(starts.k, substr(starts.k, 1, 10) || char(1114111)) END
            ORDER BY s.published_key LIMIT 1)
    FROM starts WHERE starts.k IS NOT NULL
), days(k, next) AS (SELECT k, lead(k) OVER (ORDER BY k) FROM starts WHERE k IS NOT NULL)
SELECT substr(k, 1, 10), CASE WHEN days.next IS NULL
    THEN (SELECT group_concat(c.id) FROM article_search c WHERE c.published_key >= days.k)
    ELSE (SELECT group_concat(c.id) FROM article_search c
          WHERE c.published_key >= days.k AND c.published_key < days.next)
    END
FROM days"""

# An array of one int32 per id up to the largest: kept only while ids are this dense (ids are given in
# order; deleting most of a store's articles could leave them sparse).
MAX_IDS_PER_ARTICLE = 8
SLACK_IDS = 1_024


def parse_ids(text: str | None) -> npt.NDArray[np.int64]:
    """The ids of a `group_concat(id)` (None when there are none)."""
    if not text:
        return np.zeros(0, dtype=np.int64)
    return np.fromstring(text, dtype=np.int64, sep=",")


@dataclass(frozen=True)
class DayIndex:
    """The day of every article of one store generation: `day_of[id]` indexes `days` (-1: no article)."""

    generation: Any
    days: list[str]
    day_of: npt.NDArray[np.int32]
    totals: list[tuple[str, int]]  # every article per day

    @classmethod
    def read(cls, generation: Any, read: Callable[[str, Sequence[Any]], list[Any]]) -> DayIndex | None:
        """The index as the store's reads give it, or None when its ids are too sparse for an array."""
        found = [(day or "", parse_ids(ids)) for day, ids in read(DAY_IDS, [])]
        top = max((int(ids.max()) for _, ids in found if len(ids)), default=-1)
        count = sum(len(ids) for _, ids in found)
        if top < 0 or top >= MAX_IDS_PER_ARTICLE * count + SLACK_IDS:
            return None
        day_of = np.full(top + 1, -1, dtype=np.int32)
        for number, (_, ids) in enumerate(found):
            day_of[ids] = number
        days = [day for day, _ in found]
        return cls(generation, days, day_of, summed(days, [len(ids) for _, ids in found]))

    def count(self, ids: npt.NDArray[np.int64]) -> list[tuple[str, int]] | None:
        """The ids per day, or None when some id is not in the index (stored after it was read)."""
        if not len(ids):
            return []
        if int(ids.min()) < 0 or int(ids.max()) >= len(self.day_of):
            return None
        numbers = self.day_of[ids]
        if int(numbers.min()) < 0:
            return None
        return summed(self.days, np.bincount(numbers, minlength=len(self.days)).tolist())


def summed(days: list[str], counts: list[int]) -> list[tuple[str, int]]:
    """(day, count) for each day with a count, the counts of a day given twice added up."""
    found: dict[str, int] = {}
    for day, count in zip(days, counts, strict=True):
        if count:
            found[day] = found.get(day, 0) + count
    return list(found.items())
