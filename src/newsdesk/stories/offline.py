"""Offline re-clustering: the stories of a window of articles once all of them are known.

Online assignment (`clustering.StoryClusterer.add`) places each article once, on what arrived before it:
an article that reached a story before the report that would have tied it to another stays apart, and
the first two reports of an event that arrive far apart in a stream of other news may never meet.
`recluster` looks at every article of the window at once: average-link agglomerative clustering over
the clusterer's own pair score (`StoryClusterer.alike`: the pair p, 0 without SHARED items of shared
rare evidence), so two groups merge when their members agree *on average* once all are known, and a
group whose members do not agree is never formed. Time is hard evidence, as online: two groups merge
only when their spans are within the window of their kind (an event's 14 days, a developing story's
60: `clustering.EVENT_WINDOW`, `DEVELOPING_WINDOW`). Then two more steps that online assignment cannot
take: stories of STORY_MEMBERS articles or more merge with their follow-ups (`merge_stories`: the mean
p over their members' pairs at least STORY_LINK, spans within FOLLOW_UP: a trial months after a
shooting), and an article left alone joins the story it fits best by online assignment's own rule
(`join_stories`), now that every story is known. A story of WIDELY reports or more (a *widely covered*
story, a kind of its own) takes follow-ups, stories or single articles, within FOLLOW_UP_WIDE of its
span: a verdict a year or two after the event, but not a new edition of a recurring event (beyond
FOLLOW_UP, two whose texts name different edition years stay apart: `_editions_differ`). An article
alone otherwise keeps the window of the story's kind (14 or 60 days), so a page of an evergreen topic
met months after a story of a few reports is not pulled in.

Only pairs that share rare evidence are scored (an inverted index over the evidence items), then the
pairs of at most MOST members of each of two stories so linked, so the cost grows with the pairs of
articles that have something specific in common, not with the square of the window. The result
depends on the articles (and their order, only through the document frequencies each was weighted
with as it arrived), never on ties: equal links merge the older groups first.

    >>> clusterer = StoryClusterer()
    >>> members = [clusterer.member(features, when) for features, when in arrivals]
    >>> labels = recluster(clusterer, members)   # one story number per article: the first member's index
"""

from __future__ import annotations

import heapq
from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
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
# Stories of at least STORY_MEMBERS articles each are merged afterwards (`merge_stories`) when the mean
# p over their members' pairs is at least STORY_LINK and their spans are within FOLLOW_UP of each other.
STORY_LINK = 0.4
STORY_MEMBERS = 2
FOLLOW_UP = timedelta(days=180)
# A story kind of its own: a *widely covered* story, told by WIDELY reports or more, merges with a
# follow-up story within FOLLOW_UP_WIDE (a trial or a verdict a year or two after a shooting). On ECB+
# topics 1-22 (docs/benchmarks.md, round 6): 0.877 -> 0.887 F1 for the story merge, the same at WIDELY 3
# and 5 (8 and 10: 0.881) and at 730 and 3,650 days (365: no gain); an article alone joining such a
# story within FOLLOW_UP_WIDE (`join_stories`) 0.887 -> 0.891 (WIDELY 10: 0.889). Two stories of 2-4
# reports each keep FOLLOW_UP, an article alone the window of the story's kind. The false-merge
# benchmark's figures stay the same (a story of several of its pages, one per site, is a false story
# already).
WIDELY = 5
FOLLOW_UP_WIDE = timedelta(days=730)
# A follow-up further than FOLLOW_UP from a story (only a widely covered story takes one) is no new
# edition of a recurring event: two stories (or a story and an article) whose texts name different
# edition years (`_editions_differ`: a year named by at least half of the members of each, none shared)
# never merge that far apart. Last year's and this year's festival, budget or results season share
# their names, places and people; a trial months after a shooting names the shooting's year, or none.
# Two stories linked by evidence are compared on at most MOST members of each (`story_pairs`: those
# nearest in time to the other story), so a pair of stories costs at most MOST * MOST pair scores: the
# clusterer compares an article with the last MEMBERS of a story online, as many.
MOST = clustering.MEMBERS
# An article left alone joins the story it fits best, by online assignment's rule and threshold.
JOIN = clustering.THRESHOLD


def recluster(clusterer: StoryClusterer, members: Sequence[Member], link: float = LINK,
              window: timedelta | None = clustering.WINDOW, story_link: float | None = STORY_LINK,
              follow_up: timedelta = FOLLOW_UP, join: float | None = JOIN,
              wide: timedelta = FOLLOW_UP_WIDE, anchors: Sequence[Sequence[int]] = ()) -> list[int]:
    """A story label per member (the index of the story's earliest member), by average link; then, unless
    `story_link` is None, stories of STORY_MEMBERS articles or more merged by average link at
    `story_link` within `follow_up` of each other, `wide` when one of them has WIDELY articles or more
    (`merge_stories`); then, unless `join` is None, each article left alone joins the story it fits best
    (`join_stories`). `anchors`: disjoint groups of members (their indices) that start as one group each
    and never merge with one another in any step (the articles of a stored story from before the window
    re-clustered: `StoryKeeper.recluster`); other members may join them."""
    start = _anchored_labels(len(members), anchors)
    fixed = {index: n for n, group in enumerate(anchors) for index in group}
    if story_link is None or window is None:
        return _average_link(members, _pairs(clusterer, members, window, fixed), link, window, start)
    # Every pair that shares rare evidence, however far apart: the story merge's mean is over every pair
    # of two stories' members (the days term lowers the p of reports far apart); a pair left out for
    # its distance alone would count 0 and make a long story look unlike its follow-up.
    pairs = _pairs(clusterer, members, None, fixed)
    near = {pair: p for pair, p in pairs.items() if _within(members, pair, window)}
    labels = _average_link(members, near, link, window, start)
    linked = story_links(clusterer, members, pairs, labels, follow_up=follow_up, wide=(WIDELY, wide))
    labels = merge_stories(members, pairs, labels, story_link, follow_up, wide=wide, links=linked,
                           anchored=_anchored(labels, anchors))
    if join is not None:
        labels = join_stories(members, pairs, labels, join, clusterer.closest, window, wide=wide,
                              follow_up=follow_up, anchored=_anchored(labels, anchors))
    return labels


def _anchored_labels(count: int, anchors: Sequence[Sequence[int]]) -> tuple[list[int], set[int]] | None:
    """The starting labels (each anchor's members labelled by its first member, every other member by
    itself) and the anchored labels; None without anchors."""
    if not anchors:
        return None
    labels = list(range(count))
    for group in anchors:
        first = min(group)
        for index in group:
            labels[index] = first
    return labels, {min(group) for group in anchors}


def _anchored(labels: list[int], anchors: Sequence[Sequence[int]]) -> frozenset[int]:
    """The labels of the groups that hold an anchor's members."""
    return frozenset(labels[group[0]] for group in anchors)


def story_pairs(clusterer: StoryClusterer, members: Sequence[Member], pairs: dict[tuple[int, int], float],
                labels: list[int], smallest: int = STORY_MEMBERS, follow_up: timedelta | None = None,
                wide: tuple[int, timedelta] | None = None, most: int = MOST) -> dict[tuple[int, int], float]:
    """`pairs`, and for two stories (of `smallest` members or more) that `pairs` links at all (two of their
    members share SHARED rare items), every other pair of their compared members scored by the pair score
    without the evidence requirement (`StoryClusterer.probability`; but for two undated pages that speak
    to their reader, never compared): once two stories share specific evidence, a short report of one
    that shares too few rare items with a report of the other is judged on its words, names and time, not
    counted 0. On ECB+ topics 1-22 the story merge gains 0.891 -> 0.894 F1 with it at STORY_LINK 0.35,
    0.4 and 0.45 alike (docs/benchmarks.md, round 6). A story's compared members are all of them, or the
    `most` nearest in time to the other story's span when it has more (`_compared`): a pair of stories
    costs at most `most` * `most` scores, however large they are. Two stories further apart than
    `follow_up` (`wide`'s window when one has at least its count of members), which cannot merge, are
    left as `pairs` has them."""
    return _story_pairs(clusterer, members, pairs, labels, smallest, follow_up, wide, most)[0]


def story_links(clusterer: StoryClusterer, members: Sequence[Member], pairs: dict[tuple[int, int], float],
                labels: list[int], smallest: int = STORY_MEMBERS, follow_up: timedelta | None = None,
                wide: tuple[int, timedelta] | None = None,
                most: int = MOST) -> dict[tuple[int, int], float]:
    """(story, story) -> the mean p over the pairs of their compared members (`story_pairs`; 0 for a pair
    not scored): for two stories of at most `most` members each, the mean over every pair of their
    members; for a larger one, over its `most` members nearest in time to the other story. For
    `merge_stories`' `links`."""
    scored, compared = _story_pairs(clusterer, members, pairs, labels, smallest, follow_up, wide, most)
    sums: dict[tuple[int, int], float] = defaultdict(float)
    for (i, j), p in scored.items():
        a, b = labels[i], labels[j]
        if a == b:
            continue
        key = (min(a, b), max(a, b))
        chosen = compared.get(key)
        if chosen is None or (i in chosen and j in chosen):
            sums[key] += p
    groups: Counter[int] = Counter(labels)
    out = {}
    for (a, b), total in sums.items():
        if groups[a] < smallest or groups[b] < smallest:
            continue
        chosen = compared.get((a, b))
        if chosen is None:
            out[a, b] = total / (groups[a] * groups[b])
        else:
            one = sum(1 for i in chosen if labels[i] == a)
            out[a, b] = total / (one * (len(chosen) - one))
    return out


def _story_pairs(clusterer: StoryClusterer, members: Sequence[Member], pairs: dict[tuple[int, int], float],
                 labels: list[int], smallest: int, follow_up: timedelta | None,
                 wide: tuple[int, timedelta] | None,
                 most: int) -> tuple[dict[tuple[int, int], float], dict[tuple[int, int], frozenset[int]]]:
    """`story_pairs`' pairs, and for each pair of stories of which fewer than all members were compared,
    the members compared."""
    groups: dict[int, list[int]] = defaultdict(list)
    for index, label in enumerate(labels):
        groups[label].append(index)
    linked = {(min(labels[i], labels[j]), max(labels[i], labels[j])) for i, j in pairs
              if labels[i] != labels[j] and len(groups[labels[i]]) >= smallest
              and len(groups[labels[j]]) >= smallest}
    out = dict(pairs)
    compared: dict[tuple[int, int], frozenset[int]] = {}
    spans = {label: _span([members[i].when for i in groups[label]]) for pair in linked for label in pair}
    for a, b in sorted(linked):
        if follow_up is not None and \
                _apart(spans[a], spans[b]) > _limit(follow_up, wide, len(groups[a]), len(groups[b])):
            continue
        ones = _compared(members, groups[a], spans[b], most)
        others = _compared(members, groups[b], spans[a], most)
        if len(ones) < len(groups[a]) or len(others) < len(groups[b]):
            compared[a, b] = frozenset(ones) | frozenset(others)
        for i in ones:
            for j in others:
                key = (min(i, j), max(i, j))
                one, other = members[key[0]], members[key[1]]
                if key not in out and (one.dated or other.dated or not one.reader or not other.reader):
                    out[key] = clusterer.probability(one, other)
    return out, compared


def _compared(members: Sequence[Member], indices: list[int], other: Span, most: int) -> list[int]:
    """The story's members compared with another story of span `other`: all of them, or the `most`
    nearest in time to it (ties: the earlier member)."""
    if len(indices) <= most:
        return indices
    return sorted(heapq.nsmallest(most, indices, key=lambda i: (_apart(_span([members[i].when]), other), i)))


def join_stories(members: Sequence[Member], pairs: dict[tuple[int, int], float], labels: list[int],
                 threshold: float = JOIN, closest: int = clustering.CLOSEST,
                 window: timedelta = clustering.WINDOW, smallest: int = STORY_MEMBERS,
                 wide: timedelta | None = FOLLOW_UP_WIDE, widely: int = WIDELY,
                 follow_up: timedelta = FOLLOW_UP, anchored: frozenset[int] = frozenset()) -> list[int]:
    """Each article alone in its story joins the story (of `smallest` articles or more) it fits best once
    all are known, by online assignment's rule (`StoryClusterer.add`): the mean p of its `closest`
    closest members (`pairs` within `window` of it; 0 for a pair not in it), at least `threshold`, the
    story's span within the window of its kind (`_in_window`); ties go to the older story. A widely
    covered story (`widely` articles or more) takes an article within `wide` of its span (None: no
    such kind), its members' pairs with the article counted however far apart; but not further than
    `follow_up` from it when the article and the story name different years (`_editions_differ`: a
    report of a recurring event's next edition). An article of `anchored` (a label holding an anchor:
    `recluster`) never joins another such story, nor one another such article joined before it."""
    groups: dict[int, list[int]] = defaultdict(list)
    for index, label in enumerate(labels):
        groups[label].append(index)
    spans: dict[int, Span] = {label: _span([members[i].when for i in indices])
                              for label, indices in groups.items()}
    neighbours: dict[int, dict[int, float]] = defaultdict(dict)
    for (i, j), p in pairs.items():
        neighbours[i][j] = neighbours[j][i] = p
    out = list(labels)
    holding = set(anchored)  # the labels holding an anchor, as anchored articles join them
    for index, label in enumerate(labels):
        if len(groups[label]) != 1:
            continue
        found: dict[int, list[float]] = defaultdict(list)
        for other, p in neighbours[index].items():
            size = len(groups[labels[other]])
            if label in anchored and labels[other] in holding:
                continue
            if size >= smallest and ((wide is not None and size >= widely)
                                     or _within(members, (index, other), window)):
                found[labels[other]].append(p)
        best, best_p = None, threshold
        when = members[index].when
        for story, scores in sorted(found.items()):
            count = min(closest, len(groups[story]))
            p = sum(heapq.nlargest(count, scores)) / count
            if p >= best_p and (best is None or p > best_p) \
                    and _joins((when, when), spans[story], window, len(groups[story]), wide, widely) \
                    and not (_apart((when, when), spans[story]) > follow_up
                             and _editions_differ(_years(members, [index]), _years(members, groups[story]),
                                                 1, len(groups[story]))):
                best, best_p = story, p
        if best is not None:
            out[index] = best
            if label in anchored:
                holding.add(best)
    return out


def _joins(one: Span, story: Span, window: timedelta, size: int, wide: timedelta | None, widely: int) -> bool:
    """Whether an article (`one`) is close enough in time to a story of `size` members to join it: within
    `wide` of a widely covered story's span, else within the window of the story's kind (`_in_window`)."""
    if wide is not None and size >= widely:
        return _apart(one, story) <= max(window, wide)
    return _in_window(one, story, window, size >= clustering.COVERED)


def merge_stories(members: Sequence[Member], pairs: dict[tuple[int, int], float], labels: list[int],
                  link: float = STORY_LINK, follow_up: timedelta = FOLLOW_UP,
                  smallest: int = STORY_MEMBERS, wide: timedelta | None = FOLLOW_UP_WIDE,
                  widely: int = WIDELY, links: dict[tuple[int, int], float] | None = None,
                  anchored: frozenset[int] = frozenset()) -> list[int]:
    """The stories `labels` gives (a label per member), those of `smallest` members or more merged by
    average link: two such stories merge while the mean p over every pair of their members (`pairs`;
    0 for a pair not in it; or `links`' mean for the two stories when given: `story_links`) is at least
    `link` and their spans are within `follow_up` of each other (within `wide` when one of them has
    `widely` members or more: a widely covered story; None: never), but never further apart than
    `follow_up` when their texts name different years (`_editions_differ`: two editions of a recurring
    event). A story smaller than `smallest` is left as it is; two of `anchored` never merge."""
    groups: dict[int, list[int]] = defaultdict(list)
    for index, label in enumerate(labels):
        groups[label].append(index)
    size = {label: len(indices) for label, indices in groups.items()}
    spans: dict[int, Span] = {label: _span([members[i].when for i in indices])
                              for label, indices in groups.items()}
    years = {label: _years(members, indices) for label, indices in groups.items()}
    found: dict[int, dict[int, float]] = defaultdict(dict)
    if links is None:
        for (i, j), p in pairs.items():
            a, b = labels[i], labels[j]
            if a != b and size[a] >= smallest and size[b] >= smallest:
                found[a][b] = found[b][a] = found[a].get(b, 0.0) + p
    else:
        for (a, b), mean in links.items():
            if a != b and size[a] >= smallest and size[b] >= smallest:
                found[a][b] = found[b][a] = mean * size[a] * size[b]
    return _merge(found, size, spans, labels, link, follow_up, gap=True,
                  wide=None if wide is None else (widely, wide), years=years, anchored=set(anchored))


def _years(members: Sequence[Member], indices: Sequence[int]) -> Counter[str]:
    """Year -> how many of the members name it in their text (the `times` bag's years)."""
    found: Counter[str] = Counter()
    for index in indices:
        found.update({term for term in members[index].vectors.get("times", {}) if len(term) == 4})
    return found


def _editions_differ(one: Counter[str], other: Counter[str], size: int, other_size: int) -> bool:
    """Whether two stories (of `size` and `other_size` members, naming the years `one` and `other`: year ->
    members) are two editions of a recurring event: each has an edition year, a year that at least half
    of its members name ("the festival of 2023", "fourth-quarter 2023 results", "Budget 2024"), and
    they share none. A year that a few reports name in passing is background; a follow-up names its
    event's year, or none."""
    editions = {year for year, count in one.items() if 2 * count >= size}
    others = {year for year, count in other.items() if 2 * count >= other_size}
    return bool(editions) and bool(others) and not editions & others


def _average_link(members: Sequence[Member], pairs: dict[tuple[int, int], float],
                  link: float, window: timedelta | None,
                  start: tuple[list[int], set[int]] | None = None) -> list[int]:
    """Average-link clustering of the members over the pairs' p, within the windows of `_in_window`; from
    `start`'s groups (labels, and the anchored ones that never merge with one another: `recluster`),
    else from one group per member."""
    links: dict[int, dict[int, float]] = defaultdict(dict)  # group -> other group -> sum of p
    if start is None:
        for (i, j), p in pairs.items():
            links[i][j] = links[j][i] = p
        size = dict.fromkeys(range(len(members)), 1)
        spans: dict[int, Span] = {i: (m.when, m.when) for i, m in enumerate(members)}
        return _merge(links, size, spans, list(range(len(members))), link, window, gap=False)
    labels, anchored = start
    for (i, j), p in pairs.items():
        a, b = labels[i], labels[j]
        if a != b:
            links[a][b] = links[b][a] = links[a].get(b, 0.0) + p
    size = dict(Counter(labels))
    spans = {}
    for index, label in enumerate(labels):
        when = members[index].when
        spans[label] = _union(spans.get(label, (None, None)), (when, when))
    return _merge(links, size, spans, labels, link, window, gap=False, anchored=set(anchored))


def _merge(links: dict[int, dict[int, float]], size: dict[int, int], spans: dict[int, Span],
           labels: list[int], link: float, window: timedelta | None, gap: bool,
           wide: tuple[int, timedelta] | None = None,
           years: dict[int, Counter[str]] | None = None, anchored: set[int] | None = None) -> list[int]:
    """Greedy average link over groups (label -> size, span; links: sum of p between two groups): the
    pair of groups with the highest mean p merges first while it is at least `link`, the older group
    keeping its label; two groups merge only within `window` (`gap`: of each other's spans, or within
    `wide`'s window when one of them has at least `wide`'s count of members; else `_in_window`'s rule per
    story kind); with `years` (label -> years its members name), two groups further apart than `window`
    merge only when their texts do not name different years (`_editions_differ`); two groups of
    `anchored` (changed as groups merge) never merge. Returns each member's final label."""
    heap = [(-total / (size[i] * size[j]), i, j) for i, others in links.items() for j, total in others.items()
            if i < j and total / (size[i] * size[j]) >= link]
    heapq.heapify(heap)
    parent = {label: label for label in size}
    while heap:
        negative, i, j = heapq.heappop(heap)
        if parent[i] != i or parent[j] != j or j not in links[i]:
            continue
        if links[i][j] / (size[i] * size[j]) != -negative:
            continue  # a stale entry: the groups changed since
        if window is not None and not (_apart(spans[i], spans[j]) <= _limit(window, wide, size[i], size[j])
                                       if gap else _in_window(spans[i], spans[j], window,
                                                              max(size[i], size[j]) >= clustering.COVERED)):
            continue
        if years is not None and window is not None and _apart(spans[i], spans[j]) > window \
                and _editions_differ(years[i], years[j], size[i], size[j]):
            continue
        if anchored is not None and i in anchored and j in anchored:
            continue
        # Merge j into i (i < j: the older group keeps its label).
        parent[j] = i
        if anchored is not None and j in anchored:
            anchored.add(i)
        size[i] += size[j]
        spans[i] = _union(spans[i], spans[j])
        if years is not None:
            years[i] = years[i] + years[j]
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
    return [_root(parent, label) for label in labels]


Span = tuple[datetime | None, datetime | None]


def _limit(window: timedelta, wide: tuple[int, timedelta] | None, one: int, other: int) -> timedelta:
    """How far apart two stories of `one` and `other` members may be to merge: `wide`'s window when one
    of them has at least its count of members, else `window`."""
    return max(window, wide[1]) if wide is not None and max(one, other) >= wide[0] else window


def _in_window(one: Span, other: Span, window: timedelta, covered: bool = False) -> bool:
    """Whether two groups' spans are close enough to merge, as online (`StoryClusterer._in_window`): a
    group of one or two days' reports (an event) takes what is within EVENT_WINDOW of it, a developing
    one, or one of `covered` (COVERED reports or more), within DEVELOPING_WINDOW."""
    if one[0] is None or one[1] is None or other[0] is None or other[1] is None:
        return True
    developing = (covered or one[1] - one[0] > clustering.SPAN_EVENT
                  or other[1] - other[0] > clustering.SPAN_EVENT)
    limit = min(window, clustering.DEVELOPING_WINDOW if developing else clustering.EVENT_WINDOW)
    return other[0] - limit <= one[1] and one[0] - limit <= other[1]


def _apart(one: Span, other: Span) -> timedelta:
    """The time between two spans (zero when they overlap or either is undated)."""
    if one[0] is None or one[1] is None or other[0] is None or other[1] is None:
        return timedelta(0)
    return max(timedelta(0), max(one[0], other[0]) - min(one[1], other[1]))


def _span(times: Sequence[datetime | None]) -> Span:
    dated = [when for when in times if when is not None]
    return (min(dated), max(dated)) if dated else (None, None)


def _within(members: Sequence[Member], pair: tuple[int, int], window: timedelta | None) -> bool:
    one, other = members[pair[0]].when, members[pair[1]].when
    return window is None or one is None or other is None or abs(one - other) <= window


def _union(one: Span, other: Span) -> Span:
    if one[0] is None or one[1] is None:
        return other
    if other[0] is None or other[1] is None:
        return one
    return min(one[0], other[0]), max(one[1], other[1])


def _root(parent: dict[int, int], i: int) -> int:
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return i


def _pairs(clusterer: StoryClusterer, members: Sequence[Member], window: timedelta | None,
           anchor_of: Mapping[int, int] | None = None) -> dict[tuple[int, int], float]:
    """(i, j) with i < j -> p, for the pairs of members that share SHARED items of evidence or more. An
    item held by more than COMMON members (not counting the anchored: `recluster`) is skipped. Two
    members of one anchor (`anchor_of`: member -> its anchor) are never paired: they are one group
    from the start, and an anchor of thousands would otherwise mean millions of pairs."""
    anchor_of = anchor_of or {}
    holders: dict[str, list[int]] = defaultdict(list)
    for index, member in enumerate(members):
        for item in member.evidence:
            holders[item].append(index)

    def common(indices: list[int]) -> bool:
        return len(indices) > COMMON and \
            (not anchor_of or sum(1 for i in indices if i not in anchor_of) > COMMON)

    kept = {item: indices for item, indices in holders.items() if len(indices) >= 2 and not common(indices)}
    del holders
    found = {}
    # Member by member (i), the later members (j) it shares items with, counted: the counts of one member
    # at a time, not of every pair of the window at once (what a large window's memory was).
    for i, member in enumerate(members):
        shared: Counter[int] = Counter()
        for item in member.evidence:
            indices = kept.get(item)
            if indices is not None:
                shared.update(indices[bisect_right(indices, i):])
        anchor = anchor_of.get(i)
        for j in sorted(shared):
            if shared[j] < clustering.SHARED or (anchor is not None and anchor_of.get(j) == anchor):
                continue
            one, other = member, members[j]
            if window is not None and one.when is not None and other.when is not None \
                    and abs(one.when - other.when) > window:
                continue
            p = clusterer.alike(one, other)
            if p > 0.0:
                found[i, j] = p
    return found
