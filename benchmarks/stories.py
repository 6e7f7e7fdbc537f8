"""Story clustering on ECB+: `newsdesk cluster` against TF-IDF + agglomerative clustering.

    .venv/bin/python benchmarks/stories.py [--seeds 1 2 3] [--cli]

ECB+ topics 1-35 (../shared/data/ecbplus; topics 15 and 17 are not there) are rejoined into .txt files
(ecbplus_data.py), shuffled into one arrival order per seed (news arrives from all topics at once) and
given to `newsdesk cluster` in one run per seed (online clustering depends on the order: the table
shows each order and the mean). By default the documents are read and enriched once, as `newsdesk
cluster` reads and enriches them, each with the address its first line records (an ecbplus document's
source, given as a crawl record gives a page's address: `newsdesk extract --url`), cached in
benchmarks/results/ecbplus-articles-2.jsonl (delete it after changing extraction or enrichment), and
each order goes through the same `StoryTracker` in this process; `--cli` runs `newsdesk cluster`
itself for each order instead (slower: it enriches every time; it has no address to give, so the
ecbplus documents whose date only their address gives are undated there). The gold event of a
document is its topic plus its ecb/ecbplus suffix (two similar but different events per topic).
Scores: B-cubed precision, recall and F1 and the adjusted Rand index at the event level, on topics
1-22 (where newsdesk's weights and threshold were tuned), 23-35 (held out) and all. `--why` counts, on
topics 1-22, why the same-event documents online assignment left apart are apart (time, evidence,
score or order), and for the offline pass also which of an event's stories (fragments) it keeps apart
and why, in pairs of documents, with the F1 a perfect merge of those fragments would reach (time kept:
dated and undated documents apart). A run takes about 2 minutes per seed on a quiet machine (most of it
enrichment; 20 s with the cache), plus 1 for the baseline.

The baseline, as issue 15 describes it: TF-IDF over word 1-2-grams (sublinear tf, English stop words)
of the same texts, average-link agglomerative clustering on cosine distance; its distance threshold is
the best on topics 1-22 alone of 0.50, 0.51, ..., 0.99, then it clusters all the documents together,
like newsdesk. (Before issue 15's round 4 it took single words and a grid of 0.025: held out 0.835
instead of 0.858. Held-out F1 moves with the threshold: 0.873 at 0.92, the figure the issue quotes,
0.855-0.858 at 0.93, the best on 1-22.)
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

from rich.console import Console
from rich.table import Table

from ecbplus_data import Document, documents, write_texts
from newsdesk.article import Article, Page

TUNE = range(1, 23)
HELD = range(23, 36)
NEWSDESK = Path(sys.executable).parent / "newsdesk"
# The baseline's distance thresholds tried on topics 1-22: 0.50, 0.51, ..., 0.99.
THRESHOLDS = [round(0.5 + 0.01 * i, 2) for i in range(50)]


def bcubed(gold: list[str], pred: list[str]) -> tuple[float, float, float]:
    by_gold: dict[str, set[int]] = defaultdict(set)
    by_pred: dict[str, set[int]] = defaultdict(set)
    for i, (g, p) in enumerate(zip(gold, pred, strict=True)):
        by_gold[g].add(i)
        by_pred[p].add(i)
    precision = recall = 0.0
    for g, p in zip(gold, pred, strict=True):
        both = len(by_gold[g] & by_pred[p])
        precision += both / len(by_pred[p])
        recall += both / len(by_gold[g])
    precision, recall = precision / len(gold), recall / len(gold)
    return precision, recall, 2 * precision * recall / (precision + recall)


def scores(docs: list[Document], pred: dict[str, str], topics: range) -> tuple[float, ...]:
    from sklearn.metrics import adjusted_rand_score

    chosen = [d for d in docs if d.topic in topics]
    gold = [d.event for d in chosen]
    labels = [pred[d.name] for d in chosen]
    return (*bcubed(gold, labels), adjusted_rand_score(gold, labels))


def run_newsdesk(docs: list[Document], folder: Path) -> dict[str, str]:
    paths = write_texts(docs, folder)
    result = subprocess.run([str(NEWSDESK), "cluster", *map(str, paths)], capture_output=True, text=True,
                            check=True)
    return {Path(json.loads(line)["input"]).stem: json.loads(line)["story"]
            for line in result.stdout.splitlines()}


def articles_of(docs: list[Document]) -> dict[str, Article]:
    """Each document read and enriched as `newsdesk cluster` does, from the cache when it is there."""
    from newsdesk.enrich import enrich_articles
    from newsdesk.extract import extract_page
    from newsdesk.settings import Settings

    cache = Path(__file__).resolve().parent / "results" / "ecbplus-articles-2.jsonl"
    found: dict[str, Article] = {}
    if cache.exists():
        for line in cache.read_text(encoding="utf-8").splitlines():
            name, data = line.split("\t", 1)
            found[name] = Article.from_json(data)
    missing = [d for d in docs if d.name not in found]
    if missing:
        settings = Settings.from_env()
        made = [(d.name, extract_page(Page(source=f"{d.name}.txt", content=d.text, url=d.url,
                                           content_type="text/plain"), settings)) for d in missing]
        enrich_articles([a for _, a in made], settings)
        cache.parent.mkdir(exist_ok=True)
        with cache.open("a", encoding="utf-8") as handle:
            for name, article in made:
                found[name] = article
                handle.write(f"{name}\t{article.to_json()}\n")
    return found


def run_tracker(order: list[Document], articles: dict[str, Article]) -> dict[str, str]:
    """What `newsdesk cluster` gives for this order, the documents enriched already."""
    from newsdesk.stories import StoryTracker

    tracker = StoryTracker()
    placed = tracker.add_many((d.name, articles[d.name]) for d in order)
    return {d.name: "none" if story is None else str(story.id)
            for d, story in zip(order, placed, strict=True)}


def run_offline(order: list[Document], articles: dict[str, Article], link: float | None) -> dict[str, str]:
    """The offline pass (`StoryTracker.recluster`: average link over the pair score) over this order."""
    from newsdesk.stories import StoryTracker

    labels = StoryTracker().recluster((articles[d.name] for d in order), link)
    return {d.name: "none" if label is None else str(label) for d, label in zip(order, labels, strict=True)}


def why_apart(order: list[Document], articles: dict[str, Article], pred: dict[str, str],
              topics: range) -> Counter[str]:
    """Every pair of documents of one gold event (of `topics`) that `pred` (online assignment, or the
    offline pass) put in two stories, by the first reason that applies: one dated and one undated (at
    the time of the run), both dated but further apart than the offline pass's story merge reaches
    (FOLLOW_UP), or than an event's window, too little shared rare evidence, a pair score under the
    threshold; else the order of arrival or the average link (the pair alone would link)."""
    from newsdesk.stories import StoryTracker, clustering, offline
    from newsdesk.stories.tracker import published_at

    tracker = StoryTracker()
    now = datetime.now(UTC).replace(tzinfo=None)
    found = tracker.features([articles[d.name] for d in order])
    members = {d.name: tracker.clusterer.member(features, published_at(articles[d.name]) or now)
               for d, features in zip(order, found, strict=True)}
    reasons: Counter[str] = Counter()
    for i, one in enumerate(order):
        for other in order[i + 1:]:
            if one.event != other.event or one.topic not in topics or pred[one.name] == pred[other.name]:
                continue
            a, b = members[one.name], members[other.name]
            shared = len(a.evidence & b.evidence)
            apart = abs(a.when - b.when) if a.when is not None and b.when is not None else timedelta(0)
            if a.dated != b.dated:
                reasons["one dated, one undated"] += 1
            elif a.dated and apart > offline.FOLLOW_UP:
                reasons["both dated, further apart than the offline pass's FOLLOW_UP"] += 1
            elif a.dated and apart > clustering.EVENT_WINDOW:
                reasons["both dated, further apart than an event's window (within FOLLOW_UP)"] += 1
            elif shared < clustering.SHARED:
                reasons[f"fewer than {clustering.SHARED} shared rare items"] += 1
            elif tracker.clusterer.probability(a, b) < clustering.THRESHOLD:
                reasons["pair score under the threshold"] += 1
            else:
                reasons["order of arrival or average link (the pair alone would link)"] += 1
    return reasons


def why_fragments(order: list[Document], articles: dict[str, Article], pred: dict[str, str],
                  topics: range) -> tuple[Counter[str], dict[str, float]]:
    """For the offline pass: every two stories (fragments) of one gold event of `topics` that `pred`
    keeps apart, by the first reason that applies, counted in pairs of documents (|A| x |B|): one all
    dated and the other all undated (at the time of the run), further apart than the story merge's
    window of their kind (FOLLOW_UP, FOLLOW_UP_WIDE), two stories whose mean p is under STORY_LINK, an
    article alone whose 3 closest members score under JOIN or that is beyond its story's window. Also
    the F1 on `topics` of two ceilings: every event's fragments of one dated-ness merged, and only
    those within the windows of their kind."""
    from newsdesk.stories import StoryTracker, clustering, offline
    from newsdesk.stories.tracker import published_at

    tracker = StoryTracker()
    now = datetime.now(UTC).replace(tzinfo=None)
    found = tracker.features([articles[d.name] for d in order])
    times = [published_at(articles[d.name]) or now for d in order]
    for features, when in zip(found, times, strict=True):
        tracker.clusterer.member(features, when)
    members = [tracker.clusterer.member(features, when, count=False)
               for features, when in zip(found, times, strict=True)]
    pairs = offline._pairs(tracker.clusterer, members, None)
    reasons: Counter[str] = Counter()
    merged_all, merged_window = dict(pred), dict(pred)
    for event in sorted({d.event for d in order if d.topic in topics}):
        fragments: dict[str, list[int]] = defaultdict(list)
        for i, d in enumerate(order):
            if d.event == event:
                fragments[pred[d.name]].append(i)
        ranked = sorted(fragments.values(), key=len, reverse=True)
        for a, one in enumerate(ranked):
            for other in ranked[a + 1:]:
                dated = {members[i].dated for i in one}, {members[i].dated for i in other}
                spans = (offline._span([members[i].when for i in one]),
                         offline._span([members[i].when for i in other]))
                gap = offline._apart(*spans)
                scores = [pairs.get((min(i, j), max(i, j)), 0.0) for i in one for j in other]
                big = max(len(one), len(other))
                limit = offline.FOLLOW_UP_WIDE if big >= offline.WIDELY else offline.FOLLOW_UP
                if len(dated[0]) == len(dated[1]) == 1 and dated[0] != dated[1]:
                    reason = "one dated, one undated (at the time of the run)"
                elif min(len(one), len(other)) >= offline.STORY_MEMBERS:
                    reason = ("two stories further apart than their follow-up window" if gap > limit
                              else f"two stories, mean p under {offline.STORY_LINK}")
                elif gap > (limit if big >= offline.WIDELY else clustering.DEVELOPING_WINDOW):
                    reason = "an article alone beyond its story's window"
                elif max(scores) <= 0.0:
                    reason = "an article alone sharing too little rare evidence with every member"
                else:
                    reason = f"an article alone whose closest members score under {offline.JOIN}"
                reasons[reason] += len(one) * len(other)
        for fragment in ranked[1:]:
            kind = {members[i].dated for i in fragment}
            same = next((f for f in ranked if {members[i].dated for i in f} == kind), None)
            if same is None or same is fragment:
                continue
            for i in fragment:
                merged_all[order[i].name] = pred[order[same[0]].name]
                spans = (offline._span([members[j].when for j in same]), (members[i].when, members[i].when))
                limit = offline.FOLLOW_UP_WIDE if max(len(same), len(fragment)) >= offline.WIDELY \
                    else offline.FOLLOW_UP
                if offline._apart(*spans) <= limit:
                    merged_window[order[i].name] = pred[order[same[0]].name]
    ceilings = {"every event's fragments of one dated-ness merged": scores_of(order, merged_all, topics),
                "... those within their follow-up window only": scores_of(order, merged_window, topics)}
    return reasons, ceilings


def scores_of(docs: list[Document], pred: dict[str, str], topics: range) -> float:
    """B-cubed F1 on `topics`."""
    chosen = [d for d in docs if d.topic in topics]
    return bcubed([d.event for d in chosen], [pred[d.name] for d in chosen])[2]


def baseline(docs: list[Document]) -> tuple[dict[str, str], float]:
    """The issue's baseline: TF-IDF over word 1-2-grams (sublinear tf, English stop words) of the same
    texts, average-link agglomerative clustering on cosine distance, its distance threshold the best on
    topics 1-22 of THRESHOLDS (clustered alone); then all the documents are clustered together at that
    threshold, as newsdesk clusters them (one stream of every topic)."""
    import numpy as np
    from sklearn.cluster import AgglomerativeClustering
    from sklearn.feature_extraction.text import TfidfVectorizer

    def distances(chosen: list[Document]) -> np.ndarray:
        # Rows are L2-normalised, so 1 - X.X' is the cosine distance (as metric="cosine" computes it,
        # without a dense copy of a 1-2-gram matrix).
        matrix = TfidfVectorizer(sublinear_tf=True, stop_words="english", ngram_range=(1, 2)).fit_transform(
            [d.text for d in chosen])
        distance = np.clip(1.0 - (matrix @ matrix.T).toarray(), 0.0, None)
        np.fill_diagonal(distance, 0.0)
        return distance

    def labels(distance: np.ndarray, threshold: float) -> list[str]:
        model = AgglomerativeClustering(n_clusters=None, metric="precomputed", linkage="average",
                                        distance_threshold=threshold)
        return [str(label) for label in model.fit_predict(distance)]

    tuning = [d for d in docs if d.topic in TUNE]
    gold = [d.event for d in tuning]
    tuning_distance = distances(tuning)
    best = max(THRESHOLDS, key=lambda t: (bcubed(gold, labels(tuning_distance, t))[2], -t))
    return dict(zip((d.name for d in docs), labels(distances(docs), best), strict=True)), best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3],
                        help="seeds of the arrival orders (one newsdesk run each)")
    parser.add_argument("--cli", action="store_true",
                        help="run `newsdesk cluster` for each order (default: its tracker, in this process)")
    parser.add_argument("--why", action="store_true",
                        help="also count, on topics 1-22, why same-event documents were left apart "
                             "(first seed)")
    parser.add_argument("--link", type=float, nargs="+", default=[None],
                        help="the offline pass's average link (default: LINK; several: one row each)")
    args = parser.parse_args()
    docs = documents(range(1, 36))
    console = Console()
    console.print(f"{len(docs)} ECB+ documents, {len({d.event for d in docs})} events, arrival orders "
                  f"shuffled with seeds {', '.join(map(str, args.seeds))}")
    runs: list[tuple[str, list[Document], dict[str, str]]] = []
    articles = {} if args.cli else articles_of(docs)
    for seed in args.seeds:
        order = list(docs)
        random.Random(seed).shuffle(order)
        with tempfile.TemporaryDirectory() as tmp:
            start = time.perf_counter()
            ours = run_newsdesk(order, Path(tmp)) if args.cli else run_tracker(order, articles)
            runs.append((f"newsdesk cluster, seed {seed} ({time.perf_counter() - start:.0f} s)", order, ours))
    if args.why and runs and articles:
        _, order, pred = runs[0]
        console.print(f"Same-event pairs of topics 1-22 left in two stories (seed {args.seeds[0]}):",
                      dict(why_apart(order, articles, pred, TUNE).most_common()))
    offline: list[tuple[str, list[Document], dict[str, str]]] = []
    for link in [] if args.cli else args.link:
        for seed in args.seeds:
            order = list(docs)
            random.Random(seed).shuffle(order)
            start = time.perf_counter()
            ours = run_offline(order, articles, link)
            offline.append((f"offline pass{'' if link is None else f' {link}'}, seed {seed} "
                            f"({time.perf_counter() - start:.0f} s)", order, ours))
    if args.why and offline and articles:
        _, order, pred = offline[0]
        console.print(f"... left in two stories by the offline pass ({offline[0][0]}):",
                      dict(why_apart(order, articles, pred, TUNE).most_common()))
        reasons, ceilings = why_fragments(order, articles, pred, TUNE)
        console.print("... the offline pass's fragments of one event on topics 1-22, in pairs of documents:",
                      dict(reasons.most_common()))
        console.print("... ceilings on topics 1-22 (F1):", {k: round(v, 3) for k, v in ceilings.items()})
    start = time.perf_counter()
    theirs, threshold = baseline(docs)
    theirs_time = time.perf_counter() - start
    table = Table(title="Event-level clustering on ECB+ (B-cubed, adjusted Rand index)")
    for column in ("method", "topics", "P", "R", "F1", "ARI"):
        table.add_column(column, justify="left" if column in ("method", "topics") else "right")
    parts = (("1-22 (tuning)", TUNE), ("23-35 (held out)", HELD), ("1-35", range(1, 36)))
    groups = [("newsdesk cluster", runs)]
    for link in [] if args.cli else args.link:
        name = f"offline pass{'' if link is None else f' {link}'}"
        groups.append((name, [run for run in offline if run[0].startswith(name + ",")]))
    for method, group in groups:
        for name, order, pred in group:
            for label, topics in parts:
                table.add_row(name, label, *(f"{x:.3f}" for x in scores(order, pred, topics)))
        if len(group) > 1:
            for label, topics in parts:
                each = [scores(order, pred, topics) for _, order, pred in group]
                table.add_row(f"{method}, mean of {len(group)} orders", label,
                              *(f"{sum(s[i] for s in each) / len(each):.3f}" for i in range(4)), style="bold")
    for label, topics in parts:
        table.add_row(f"TF-IDF 1-2-grams + agglomerative, threshold {threshold} ({theirs_time:.0f} s)", label,
                      *(f"{x:.3f}" for x in scores(docs, theirs, topics)))
    console.print(table)


if __name__ == "__main__":
    main()
