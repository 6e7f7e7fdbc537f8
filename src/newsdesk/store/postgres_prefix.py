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


def ranked_by_prefix(read: Read, prefix: str, query: str, where: str, params: Sequence[Any],
                     after: tuple[float, int] | None, limit: int) -> list[SortKey] | None:
    """The first `limit` of the full ranking of the one-prefix tsquery `query` (`prefix`'s), among the
    articles `where` (clauses on `a` with `params`) keeps, after the keyset `after`; None when the bounds
    cannot prove it (the module's docstring)."""
    group = group_of(prefix)
    if group is None:
        return None
    candidates = read(
        "SELECT a.id, ts_rank(a.head, q)::float8, (SELECT count(*) FROM unnest(a.head) u "
        "WHERE starts_with(u.lexeme, ?)), "
        "(SELECT p.groups FROM article_prefixes p WHERE p.article_id = a.id) "
        f"FROM article_search a, CAST(? AS tsquery) q WHERE a.head @@ q{where} LIMIT ?",
        [prefix, query, *params, MOST_CANDIDATES + 1])
    if not candidates or len(candidates) > MOST_CANDIDATES:
        return None
    heads = sorted((float(rank) for _, rank, _, _ in candidates), reverse=True)
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
    waiting = sorted(((_bound(float(rank), int(count), most_lexemes(groups or [], group)), int(id))
                      for id, rank, count, groups in candidates if int(id) not in scores), reverse=True)
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
