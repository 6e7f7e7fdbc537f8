"""Offline re-clustering: the stories of a window of articles once all of them are known.

Online assignment (`clustering.StoryClusterer.add`) places each article once, on what arrived before it:
an article that reached a story before the report that would have tied it to another stays apart, and
the first two reports of an event that arrive far apart in a stream of other news may never meet.
`recluster` looks at every article of the window at once: average-link agglomerative clustering over
the clusterer's own pair score (`StoryClusterer.alike`: the pair p, 0 without SHARED items of shared
rare evidence), so two groups merge when their members agree *on average* once all are known, and a
group whose members do not agree is never formed. Time is hard evidence, as online: two groups merge
only when their spans are within the window of their kind (an event's 14 days, a developing story's
60: `clustering.EVENT_WINDOW`, `DEVELOPING_WINDOW`).

Only pairs that share rare evidence are scored (an inverted index over the evidence items), so the
cost grows with the pairs of articles that have something specific in common, not with the square of
the window. The result depends on the articles (and their order, only through the document
frequencies each was weighted with as it arrived), never on ties: equal links merge the older
groups first.

    >>> clusterer = StoryClusterer()
    >>> members = [clusterer.member(features, when) for features, when in arrivals]
    >>> labels = recluster(clusterer, members)   # one story number per article: the first member's index
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta

from newsdesk.stories import clustering
from newsdesk.stories.clustering import Member, StoryClusterer

# Average p two groups' members must reach to merge: chosen on ECB+ topics 1-22 and the false-merge
# benchmark's folds 0-2 (docs/benchmarks.md, round 4): 0.4 gave ECB+ 1-22 F1 0.860 (0.5: 0.857), as
# many false stories on folds 0-2 without enrichment (0.6%) but more enriched (4.1% against 3.6%).
LINK = 0.5
# An evidence item more common than this in the window says nothing specific (it is skipped when pairs
# are gathered; the clusterer's own rarity test applies as well).
COMMON = 200


def recluster(clusterer: StoryClusterer, members: Sequence[Member], link: float = LINK,
              window: timedelta | None = clustering.WINDOW) -> list[int]:
    """A story label per member (the index of the story's earliest member), by average link."""
    pairs = _pairs(clusterer, members, window)
    size = [1] * len(members)
    links: list[dict[int, float]] = [{} for _ in members]  # group -> other group -> sum of p
    for (i, j), p in pairs.items():
        links[i][j] = links[j][i] = p
    heap = [(-p, i, j) for (i, j), p in pairs.items() if p >= link]
    heapq.heapify(heap)
    parent = list(range(len(members)))
    spans = [(m.when, m.when) for m in members]
    while heap:
        negative, i, j = heapq.heappop(heap)
        if parent[i] != i or parent[j] != j or j not in links[i]:
            continue
        if links[i][j] / (size[i] * size[j]) != -negative:
            continue  # a stale entry: the groups changed since
        if window is not None and not _in_window(spans[i], spans[j], window):
            continue
        # Merge j into i (i < j: the older group keeps its label).
        parent[j] = i
        size[i] += size[j]
        spans[i] = _union(spans[i], spans[j])
        del links[i][j]
        for k, total in links[j].items():
            if k == i:
                continue
            del links[k][j]
            links[i][k] = links[k][i] = links[i].get(k, 0.0) + total
        links[j] = {}
        for k, total in links[i].items():
            average = total / (size[i] * size[k])
            if average >= link:
                heapq.heappush(heap, (-average, min(i, k), max(i, k)))
    return [_root(parent, i) for i in range(len(members))]


Span = tuple[datetime | None, datetime | None]


def _in_window(one: Span, other: Span, window: timedelta) -> bool:
    """Whether two groups' spans are close enough to merge, as online (`StoryClusterer._in_window`): a
    group of one or two days' reports (an event) takes what is within EVENT_WINDOW of it, a developing
    one within DEVELOPING_WINDOW."""
    if one[0] is None or one[1] is None or other[0] is None or other[1] is None:
        return True
    developing = one[1] - one[0] > clustering.SPAN_EVENT or other[1] - other[0] > clustering.SPAN_EVENT
    limit = min(window, clustering.DEVELOPING_WINDOW if developing else clustering.EVENT_WINDOW)
    return other[0] - limit <= one[1] and one[0] - limit <= other[1]


def _union(one: Span, other: Span) -> Span:
    if one[0] is None or one[1] is None:
        return other
    if other[0] is None or other[1] is None:
        return one
    return min(one[0], other[0]), max(one[1], other[1])


def _root(parent: list[int], i: int) -> int:
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return i


def _pairs(clusterer: StoryClusterer, members: Sequence[Member],
           window: timedelta | None) -> dict[tuple[int, int], float]:
    """(i, j) with i < j -> p, for the pairs of members that share SHARED items of evidence or more."""
    holders: dict[str, list[int]] = defaultdict(list)
    for index, member in enumerate(members):
        for item in member.evidence:
            holders[item].append(index)
    shared: dict[tuple[int, int], int] = defaultdict(int)
    for indices in holders.values():
        if len(indices) < 2 or len(indices) > COMMON:
            continue
        for a, i in enumerate(indices):
            for j in indices[a + 1:]:
                shared[i, j] += 1
    found = {}
    for (i, j), count in sorted(shared.items()):
        if count < clustering.SHARED:
            continue
        one, other = members[i], members[j]
        if window is not None and one.when is not None and other.when is not None \
                and abs(one.when - other.when) > window:
            continue
        p = clusterer.alike(one, other)
        if p > 0.0:
            found[i, j] = p
    return found
