"""Ranking a prefix query (`tech*`) on PostgreSQL from a bounded candidate set, exactly as ts_rank over
every match would (`ranked_by_prefix`), with each article's crowded prefix groups (`article_prefixes`,
schema 11).

Why a prefix needs more than the bounds of an OR of words (postgres_ranking.py): for a query of one
prefix, PostgreSQL's calc_rank_or adds up r(L) over *every* lexeme L of the article that starts with
the prefix (and divides by the number of query items, here 1), where r(L) = (m + sum_j p_j/(j+1)^2 -
m/(k+1)^2) / 1.64493 over L's positions (weights p_j in order, m the largest, first at index k). One
article may hold several such lexemes (technology, technical, technician, ...), so a match in the body
alone is bounded not by one BODY_BOUND but by BODY_BOUND times the number of its lexemes with the prefix.

What bounds that number: `article_prefixes`, kept beside each tsvector. For the first GROUP_LENGTHS (3 and 4)
characters of its lexemes, an article lists each group P of at least BUCKETS[0] distinct lexemes as
"P b" for every bucket b of BUCKETS up to the group's size (`crowded`); a GIN index finds the articles
with at least b lexemes that start with P. A prefix p of 3 characters or more has its group P (p
itself, or its first 4 characters), and every lexeme that starts with p starts with P: n_p(d) <= n_P(d).

The proof. For an article d, let H(d) be its lexemes with the prefix that are in its `head` (title and
authors) and B(d) the others (body only). Its full rank is

    S(d) = sum over H(d) of r_d(L) + sum over B(d) of r_d(L)
         <= head(d) + |H(d)| * TAIL_BOUND + |B(d)| * BODY_BOUND

because r_d(L) exceeds L's rank on the head alone by less than TAIL_BOUND (the body's positions come
after the head's: postgres_ranking.py), `head(d)` = ts_rank(head, prefix) is exactly the sum of those
head ranks, and a lexeme with only body positions (weight D, at most 255) has r < BODY_BOUND. Choose a
bucket b, and let R be the articles whose groups hold "P b". Any article d not in R has
n_p(d) <= n_P(d) <= b - 1, so:

* if it has no lexeme with the prefix in its head (not a head candidate): S(d) < (b - 1) * BODY_BOUND;
* if it is a head candidate: S(d) <= head(d) + |H(d)| * TAIL_BOUND + (n - |H(d)|) * BODY_BOUND (its
  bound), n = b' - 1 for the smallest bucket b' its own groups do not reach (at most b - 1; none: the
  candidate is ranked exactly);
* every article of R is ranked exactly.

So once the `limit`-th best exact rank (after the cursor's keyset) is above (b - 1) * BODY_BOUND and
above the bound of every head candidate not ranked yet, no other article can reach it: the page is the
full ranking's, same articles, order and scores. b is the largest bucket below the rank the head
candidates promise (the `limit`-th best head rank: a full rank is at least the head rank); when the
proof fails (too many candidates, too few head matches, a prefix shorter than 3) the caller ranks every
match (None). Floats: ts_rank sums in float4; the bounds are rounded up by more than its rounding.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from newsdesk.store.postgres_ranking import BODY_BOUND, MOST_CANDIDATES, TAIL_BOUND

Read = Callable[[str, Sequence[Any]], list[Any]]
SortKey = tuple[int, float]

GROUP_LENGTHS = (3, 4)  # the lexemes' first characters they are grouped by
BUCKETS = (3, 4, 5, 6, 8, 11, 16)  # "P b": at least b distinct lexemes start with P


def crowded(lexemes: Iterable[str]) -> list[str]:
    """The `crowded` entries of an article with these (distinct) lexemes, sorted."""
    groups = Counter(lexeme[:length] for lexeme in set(lexemes) for length in GROUP_LENGTHS
                     if len(lexeme) >= length)
    return sorted(f"{group} {bucket}" for group, size in groups.items() for bucket in BUCKETS
                  if bucket <= size)


def group_of(prefix: str) -> str | None:
    """The group every lexeme starting with `prefix` is in; None for a prefix shorter than 3."""
    if len(prefix) < GROUP_LENGTHS[0]:
        return None
    return prefix[:GROUP_LENGTHS[-1]]


def most_lexemes(groups: list[str], group: str) -> int | None:
    """How many distinct lexemes of `group` an article with these `groups` has at most (None: no bound
    beyond the largest bucket)."""
    above = [bucket for bucket in BUCKETS if f"{group} {bucket}" not in groups]
    return above[0] - 1 if above else None


def _bound(head: float, in_head: int, most: int | None) -> float:
    """A head candidate's full rank is at most this (the docstring's bound, with its own count of
    lexemes: `in_head` in its head, at most `most` in all)."""
    if most is None:
        return math.inf
    return head + in_head * TAIL_BOUND + max(0, most - in_head) * BODY_BOUND


def after_prefix(prefix: str) -> str | None:
    """The first string after every string that starts with `prefix`, in code point order (a column
    COLLATE "C": UTF-8's bytes compare as their code points); None when there is none to write."""
    last = ord(prefix[-1]) + 1
    if last == 0xD800:
        last = 0xE000  # (surrogates are no characters of a text)
    return None if last > 0x10FFFF else prefix[:-1] + chr(last)


def _stored_candidates(read: Read, prefix: str, where: str,
                       params: Sequence[Any]) -> list[tuple[int, float, int, int | None]] | None:
    """Per article with a word of `prefix` in its head: the sum of those words' stored ranks
    (article_word_ranks, schema 12: each is exactly the word's ts_rank on the whole tsvector), how many
    they are, and how many words of the article start with the prefix at most (None: no bound); None
    when there are too many, or the prefix has no end to its range."""
    end = after_prefix(prefix)
    if end is None:
        return None
    most = "most4" if len(prefix) >= GROUP_LENGTHS[-1] else "most3"
    join = " JOIN article_search a ON a.id = r.article_id" if where else ""
    found = read(f"SELECT r.article_id, sum(r.rank::float8), count(*), bool_or(r.{most} IS NULL), "
                 f"min(r.{most}) FROM article_word_ranks r{join} WHERE r.word >= ? AND r.word < ?{where} "
                 "GROUP BY r.article_id LIMIT ?", [prefix, end, *params, MOST_CANDIDATES + 1])
    if len(found) > MOST_CANDIDATES:
        return None
    return [(int(id), float(ranked), int(count), None if unbounded else int(most))
            for id, ranked, count, unbounded, most in found]


def ranked_by_prefix(read: Read, prefix: str, query: str, where: str, params: Sequence[Any],
                     after: tuple[float, int] | None, limit: int, *,
                     word_ranks: bool = True) -> list[SortKey] | None:
    """The first `limit` of the full ranking of the one-prefix tsquery `query` (`prefix`'s), among the
    articles `where` (clauses on `a` with `params`) keeps, after the keyset `after`; None when the bounds
    cannot prove it (the module's docstring).

    The head candidates come from the stored ranks of the head's words (schema 12; `word_ranks`): an
    index range of the small table, no row of article_search read without a filter. What a candidate
    brings is the exact sum over its head's words with the prefix, H(d) (each stored rank is r_d(L) on
    the whole tsvector, head and body positions), and the bound of its groups stored with them (`most`,
    most_lexemes of its groups): S(d) = sum over H(d) + sum over B(d) <= that sum + (min(b - 1, most) -
    |H(d)|) * BODY_BOUND for an article outside R, and S(d) >= that sum. Tighter than the head rank's
    bound, and nothing of each candidate to read beside the index. ts_rank adds in float4: sums and
    bounds are taken with SUM_MARGIN to spare.
    `word_ranks=False` ranks as schema 11 did (head ranks, each candidate's own groups)."""
    group = group_of(prefix)
    if group is None:
        return None
    if word_ranks:
        return _ranked_from_stored(read, prefix, group, query, where, params, after, limit)
    candidates = read(
        "SELECT a.id, ts_rank(a.head, q)::float8, (SELECT count(*) FROM unnest(a.head) u "
        "WHERE starts_with(u.lexeme, ?)), "
        "(SELECT p.groups FROM article_prefixes p WHERE p.article_id = a.id) "
        f"FROM article_search a, CAST(? AS tsquery) q WHERE a.head @@ q{where} LIMIT ?",
        [prefix, query, *params, MOST_CANDIDATES + 1])
    if not candidates or len(candidates) > MOST_CANDIDATES:
        return None
    heads = [float(rank) for _, rank, _, _ in candidates]

    def waiting_old(scores: dict[int, float], bucket: int) -> list[tuple[float, int]]:
        return [(_bound(float(rank), int(count), most_lexemes(groups or [], group)), int(id))
                for id, rank, count, groups in candidates if int(id) not in scores]

    return _rank_candidates(read, query, group, where, params, after, limit, heads, waiting_old)


SUM_MARGIN = 1e-5  # above what float4 sums of a few ranks below 4 (stored, or ts_rank's) can differ by


def _ranked_from_stored(read: Read, prefix: str, group: str, query: str, where: str, params: Sequence[Any],
                        after: tuple[float, int] | None, limit: int) -> list[SortKey] | None:
    candidates = _stored_candidates(read, prefix, where, params)
    if not candidates:
        return None
    lows = [ranked - SUM_MARGIN for _, ranked, _, _ in candidates]

    def waiting(scores: dict[int, float], bucket: int) -> list[tuple[float, int]]:
        # Outside R an article has at most bucket - 1 words with the prefix, and at most `most` by its
        # own groups.
        return [(ranked + max(0, min(bucket - 1, bucket if most is None else most) - count) * BODY_BOUND
                 + SUM_MARGIN, id) for id, ranked, count, most in candidates if id not in scores]

    return _rank_candidates(read, query, group, where, params, after, limit, lows, waiting)


def _rank_candidates(read: Read, query: str, group: str, where: str, params: Sequence[Any],
                     after: tuple[float, int] | None, limit: int, lows: list[float],
                     waiting_of: Callable[[dict[int, float], int], list[tuple[float, int]]]
                     ) -> list[SortKey] | None:
    """The ranking from head candidates: `lows` are ranks they have at least, `waiting_of(scores,
    bucket)` the bound of each one not in `scores` when R is the articles with "group bucket"."""
    heads = sorted(lows, reverse=True)
    # The rank the page's last article will have at least (a full rank is at least its head rank); at
    # most the cursor's, when there is one.
    promised = heads[limit - 1] if len(heads) >= limit else 0.0
    if after is not None:
        promised = min(promised, after[0])
    fitting = [bucket for bucket in BUCKETS if (bucket - 1) * BODY_BOUND < promised]
    bucket = fitting[-1] if fitting else BUCKETS[0]
    floor = (bucket - 1) * BODY_BOUND  # every article neither in R nor a head candidate ranks below it
    rare = read("SELECT a.id, ts_rank(a.tsv, CAST(? AS tsquery))::float8 FROM article_search a "
                "WHERE a.id IN (SELECT p.article_id FROM article_prefixes p "
                "WHERE p.groups @> CAST(? AS text[])) "
                f"AND a.tsv @@ CAST(? AS tsquery){where} LIMIT ?",
                [query, [f"{group} {bucket}"], query, *params, MOST_CANDIDATES + 1])
    if len(rare) > MOST_CANDIDATES:
        return None
    scores = {int(id): float(score) for id, score in rare}
    waiting = sorted(waiting_of(scores, bucket), reverse=True)
    done = 0  # waiting[:done] have their exact rank in `scores`
    want = min(len(waiting), limit)
    while True:
        if want > done:
            ids = [id for _, id in waiting[done:want]]
            found = read("SELECT a.id, ts_rank(a.tsv, CAST(? AS tsquery))::float8 FROM article_search a "
                         "WHERE a.id = ANY(?)", [query, ids])
            scores.update((int(id), float(score)) for id, score in found)
            done = want
        kept = sorted((-score, id) for id, score in scores.items()
                      if after is None or score < after[0] or (score == after[0] and id > after[1]))
        if len(kept) < limit:
            if done == len(waiting):
                return None  # fewer than a page among the candidates: the others may belong to it
            want = min(len(waiting), max(2 * done, done + limit))
            continue
        last = -kept[limit - 1][0]
        beyond = max(floor, waiting[done][0] if done < len(waiting) else 0.0)
        if last > beyond:
            return [(id, -score) for score, id in kept[:limit]]
        if last <= floor:
            return None
        # Every waiting candidate whose bound reaches `last` may still be above it: the next of them, in
        # order of their bounds, twice as many as ranked so far (each batch may raise `last`, which
        # leaves more of the rest below it).
        reach = done
        while reach < len(waiting) and waiting[reach][0] >= last:
            reach += 1
        want = min(reach, max(2 * done, done + limit))
