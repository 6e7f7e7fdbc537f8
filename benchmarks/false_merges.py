"""False stories on pages that cover different events: how many pages land in a story they do not share.

    .venv/bin/python benchmarks/false_merges.py [--seed 1] [--no-enrich]

The pages: the ScrapingHub pages, the trafilatura-dev pages and the WCXB-dev pages whose page type is
article (../shared/data), one page per site (the site as benchmarks/folds.py names it: the first page
by id), so that no two come from one outlet's coverage of one event. Pages that report the same event
as another page of the set were found by reading (`--check N` prints the N most alike pairs of the whole
set by TF-IDF, every fold, and every pair the tracker puts in one story) and are listed, each with the
page it shares its event with and why, in benchmarks/data/false_merges_removed.tsv: they are left out
(and their site with them: no other page of it takes its place). Each page is
extracted and enriched (as `newsdesk ingest` does; cached in benchmarks/results/, delete it to redo),
then the pages are given to the story tracker in one shuffled order, as a stream. A page's time is its
publication date, else the time of the run (what the store does with an undated page: the time it was
stored).

Scored: the share of pages that sit in a story with a page that is not a copy of it (copies found by
the duplicate index: the same report on two sets is not a false story), per language (the language
enrichment found), for the pages of folds 0-2 (where the clustering may be tuned), of folds 3-4 (held
out) and of all; each part is its own stream. Target: at most 2% in every language.

`--stream` adds the WCXB-dev pages of every other page type (their page type taken from the truth, as
the page-type classifier would give it) to the stream: they must neither form nor join stories.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import sys
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from rich.console import Console
from rich.table import Table

from folds import DATA, load_folds, site_of
from newsdesk.article import Article, Page
from newsdesk.stories import DuplicateIndex, StoryTracker
from newsdesk.stories.features import language_of
from newsdesk.stories.tracker import is_article, published_at

HERE = Path(__file__).resolve().parent
CACHE = HERE / "results"
TUNE = {0, 1, 2}
HELD = {3, 4}
# Pages left out because they share an event with another page of the set, each with its reason, found
# by reading the pairs `--check` lists (set, id, the page it shares the event with, reason).
REMOVED_FILE = HERE / "data" / "false_merges_removed.tsv"


def removed(path: Path = REMOVED_FILE) -> dict[tuple[str, str], str]:
    """(set, id) -> why the page is left out of the benchmark (benchmarks/data/false_merges_removed.tsv)."""
    out: dict[tuple[str, str], str] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines()[1:], start=2):
        if not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) != 4:
            sys.exit(f"false_merges: {path}:{number}: expected set, id, shares with, reason")
        out[fields[0], fields[1]] = f"shares its event with {fields[2]}: {fields[3]}"
    return out


REMOVED = removed()
RUN_TIME = datetime(2026, 12, 3)  # the time of a run, for `why` (any fixed time)
SETS = (("scrapinghub", "ground-truth.json"), ("trafilatura-dev", "truth.json"), ("wcxb-dev", "truth.json"))


@dataclass
class Item:
    name: str  # set/id
    fold: int
    article: Article


def truth() -> list[tuple[str, str, dict[str, object]]]:
    found = []
    for name, file in SETS:
        path = DATA / name / file
        if not path.exists():
            sys.exit(f"false_merges: {path} is missing (the shared data must sit beside the project)")
        for page_id, record in sorted(json.loads(path.read_text(encoding="utf-8")).items()):
            found.append((name, page_id, record))
    return found


def chosen(stream: bool) -> list[tuple[str, str, str | None, str | None]]:
    """(set, id, url, page type) of the pages: one article page per site, and (`stream`) the rest."""
    seen: set[str] = set()
    pages: list[tuple[str, str, str | None, str | None]] = []
    for name, page_id, record in truth():
        url = str(record.get("url") or "") or None
        kind = record.get("page_type") if name == "wcxb-dev" else None
        if kind not in (None, "article"):
            if stream:
                pages.append((name, page_id, url, str(kind)))
            continue
        site = site_of(url, page_id)
        if site in seen:
            continue
        seen.add(site)
        if (name, page_id) not in REMOVED:  # its site is then left out: no other page of it comes in
            pages.append((name, page_id, url, None))
    return pages


def load(pages: list[tuple[str, str, str | None, str | None]], enrich: bool) -> dict[str, Article]:
    """The extracted (and enriched) article of every page, from the cache when it has them."""
    from newsdesk.enrich import enrich_articles
    from newsdesk.extract import extract_page
    from newsdesk.settings import Settings

    CACHE.mkdir(exist_ok=True)
    cache = CACHE / f"false-merges{'-enriched' if enrich else ''}.jsonl"
    found: dict[str, Article] = {}
    if cache.exists():
        for line in cache.read_text(encoding="utf-8").splitlines():
            key, data = line.split("\t", 1)
            found[key] = Article.from_json(data)
    # Article pages first (the pages of other types are extracted, never enriched: they are left out
    # of stories by their page type alone).
    missing = sorted((p for p in pages if f"{p[0]}/{p[1]}" not in found), key=lambda p: p[3] is not None)
    settings = Settings.from_env()
    for start in range(0, len(missing), 64):
        batch = []
        for name, page_id, url, kind in missing[start:start + 64]:
            raw = gzip.decompress((DATA / name / "html" / f"{page_id}.html.gz").read_bytes())
            try:
                article = extract_page(Page(source=f"{name}/{page_id}", content=raw, url=url), settings)
            except Exception as error:  # a page that cannot be extracted is reported and left out
                print(f"{name}/{page_id}: {error}", file=sys.stderr)
                article = Article(source=f"{name}/{page_id}", url=url)
            article.page_type = kind
            batch.append((f"{name}/{page_id}", article))
        if enrich:
            enrich_articles([a for _, a in batch if a.body and a.page_type is None], settings)
        with cache.open("a", encoding="utf-8") as handle:
            for key, article in batch:
                found[key] = article
                handle.write(f"{key}\t{article.to_json()}\n")
        print(f"prepared {min(start + 64, len(missing))} of {len(missing)} pages", file=sys.stderr)
    return found


def run(items: list[Item], seed: int, offline: bool = False, link: float | None = None) -> dict[str, int]:
    """The stream: duplicates folded, the rest through the tracker (`offline`: then the offline pass
    over all of them, `StoryTracker.recluster`); page -> its story (-1: none)."""
    order = list(items)
    random.Random(seed).shuffle(order)
    duplicates = DuplicateIndex()
    tracker = StoryTracker()
    story: dict[str, int] = {}
    roots: dict[str, str] = {}
    originals = []
    for item in order:
        match = duplicates.add(item.name, item.article.body)
        if match is None:
            originals.append(item)
        else:
            roots[item.name] = str(match.group)
    if offline:
        labels = tracker.recluster((i.article for i in originals), link)
        for item, label in zip(originals, labels, strict=True):
            story[item.name] = -1 if label is None else label
    else:
        for item, placed in zip(originals, tracker.add_many((i.name, i.article) for i in originals),
                                strict=True):
            story[item.name] = -1 if placed is None else placed.id
    kinds = {item.name: item.article for item in items}
    for name, root in roots.items():  # a copy is in its original's story, unless it is no article
        story[name] = story[root] if is_article(kinds[name]) else -1
    return story


def false_merges(items: list[Item], story: dict[str, int]) -> dict[str, list[str]]:
    """Page -> the pages of its story that are not its copies (only pages with some)."""
    members: dict[int, list[str]] = defaultdict(list)
    for item in items:
        if story[item.name] >= 0:
            members[story[item.name]].append(item.name)
    index = DuplicateIndex()
    group = {}
    for item in items:
        match = index.add(item.name, item.article.body)
        group[item.name] = item.name if match is None else str(match.group)
    out = {}
    for item in items:
        if story[item.name] < 0:
            continue
        others = [m for m in members[story[item.name]] if group[m] != group[item.name]]
        if others:
            out[item.name] = others
    return out


def kind_of(item: str, kinds: Mapping[str, str]) -> str:
    """An evidence item's kind: `c:` (a name by capitalisation), `n:` (a figure), `q:` (a quoted
    phrase), `h:` (a headline word), or `e:TYPE` (an entity or place of enrichment, by its type)."""
    return f"e:{kinds.get(item[2:], '?')}" if item.startswith("e:") else item[:2]


def why(items: list[Item], seed: int) -> tuple[Counter[str], Counter[str], int]:
    """Print every pair of pages of different events the tracker scores as alike (p at least the
    threshold, with the shared rare evidence it requires) in this part's stream, and what joined them:
    each shared rare item with its kind and how many articles had it, whether each page is dated (by
    its publication date or the date its opening or address gives) or only at the time of the run;
    returns the kinds of the shared items counted over those pairs, the number of those pairs sharing
    each kind, and the number of pairs."""
    from newsdesk.stories import clustering

    order = list(items)  # the order `run` gives
    random.Random(seed).shuffle(order)
    duplicates = DuplicateIndex()
    originals = [i for i in order if duplicates.add(i.name, i.article.body) is None and is_article(i.article)]
    tracker = StoryTracker()
    kinds = {entity.id: entity.type for item in originals for entity in item.article.entities}
    members = [tracker.clusterer.member(features, published_at(item.article) or RUN_TIME)
               for item, features in zip(originals, tracker.features([i.article for i in originals]),
                                         strict=True)]
    df = tracker.clusterer._evidence_df
    story = run(items, seed)
    counted: Counter[str] = Counter()
    having: Counter[str] = Counter()
    found = 0

    def kind(item: str) -> str:
        return kind_of(item, kinds)

    for j, (later, b) in enumerate(zip(originals, members, strict=True)):
        for earlier, a in zip(originals[:j], members[:j], strict=True):
            p = tracker.clusterer.alike(a, b)
            apart = a.when and b.when and abs(a.when - b.when) > clustering.EVENT_WINDOW
            if p < clustering.THRESHOLD or apart:
                continue
            shared = sorted(a.evidence & b.evidence)
            counted.update(kind(item) for item in shared)
            having.update({kind(item) for item in shared})
            found += 1
            joined = "in one story" if story[earlier.name] == story[later.name] >= 0 else "apart"
            print(f"== {joined}, p {p:.2f}; dated: {a.dated}/{b.dated}; "
                  + ", ".join(f"{kind(x)} {tracker.names.get(x[2:], x[2:])!r} ({df[x]})" for x in shared))
            for item in (earlier, later):
                print(f"   {item.name} {item.article.published or 'undated'} {item.article.title!r}")
    return counted, having, found


def ecb_kinds() -> tuple[Counter[str], int]:
    """What the same-event pairs of ECB+ topics 1-22 (tuning) that the clusterer scores share: the
    number of pairs sharing each kind of rare evidence (`kind_of`), and the number of pairs (one
    shuffled stream, seed 1, as `benchmarks/pair_model.py` takes them)."""
    from ecbplus_data import documents
    from stories import articles_of

    docs = documents(range(1, 23))
    random.Random(1).shuffle(docs)
    articles = articles_of(docs)
    kinds = {entity.id: entity.type for article in articles.values() for entity in article.entities}
    tracker = StoryTracker()
    chosen_articles = [articles[d.name] for d in docs]
    members = [tracker.clusterer.member(features, published_at(article) or RUN_TIME)
               for article, features in zip(chosen_articles, tracker.features(chosen_articles), strict=True)]
    having: Counter[str] = Counter()
    pairs = 0
    for j, b in enumerate(members):
        for i, a in enumerate(members[:j]):
            if docs[i].event != docs[j].event or not tracker.clusterer.comparable(a, b):
                continue
            pairs += 1
            having.update({kind_of(item, kinds) for item in a.evidence & b.evidence})
    return having, pairs


def shares(having: Counter[str], pairs: int) -> str:
    return ", ".join(f"{kind} {n / max(1, pairs):.0%}" for kind, n in having.most_common())


def check(items: list[Item], count: int, seed: int) -> None:
    """Print, for reading by hand, the `count` most alike pairs of article pages of the whole set (TF-IDF
    of word 1-2-grams, cosine; every fold, every language) and every pair the tracker puts in one story
    (each part a stream, as scored), with their titles, dates and openings."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    pages = [i for i in items if (i.article.page_type or "article") == "article"]
    matrix = TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2), min_df=1).fit_transform(
        [f"{i.article.title or ''}\n{i.article.body}" for i in pages])
    similar = (matrix @ matrix.T).tocoo()
    ranked = sorted(((float(v), int(a), int(b)) for a, b, v in zip(similar.row, similar.col, similar.data,
                                                                    strict=True) if a < b), reverse=True)
    together: dict[tuple[str, str], str] = {}
    for label, wanted in (("tracker, folds 0-2", TUNE), ("tracker, folds 3-4", HELD)):
        part = [i for i in pages if i.fold in wanted]
        for name, others in false_merges(part, run(part, seed)).items():
            for other in others:
                together[min(name, other), max(name, other)] = label

    def show(one: Item, other: Item, why: str) -> None:
        print(f"== {why}")
        for item in (one, other):
            article = item.article
            opening = " ".join(article.body.split())[:300]
            print(f"   {item.name} (fold {item.fold}, {article.published or 'undated'}, {article.url})\n"
                  f"     {article.title!r}\n     {opening}")

    by_name = {i.name: i for i in pages}
    for value, a, b in ranked[:count]:
        key = (min(pages[a].name, pages[b].name), max(pages[a].name, pages[b].name))
        found = f"; {together.pop(key)}" if key in together else ""
        show(pages[a], pages[b], f"TF-IDF cosine {value:.3f}{found}")
    for (first, second), label in sorted(together.items()):
        show(by_name[first], by_name[second], label)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=1, help="seed of the arrival order")
    parser.add_argument("--enrich", action=argparse.BooleanOptionalAction, default=True,
                        help="enrich the pages first, as ingest does (default: yes)")
    parser.add_argument("--stream", action="store_true",
                        help="mix in the WCXB-dev pages of every other page type")
    parser.add_argument("--show", action="store_true", help="print every false story")
    parser.add_argument("--offline", action="store_true",
                        help="the offline pass over each part (average link) instead of online assignment")
    parser.add_argument("--link", type=float, default=None, help="the offline pass's link (default: LINK)")
    parser.add_argument("--why", action="store_true",
                        help="print every pair of pages the tracker scores as alike, with the evidence that "
                             "joined them, per part (--why-parts), beside what the same-event pairs of ECB+ "
                             "topics 1-22 share, and stop")
    parser.add_argument("--why-parts", nargs="+", choices=("tune", "held", "all"), default=["tune", "all"],
                        help="the parts --why reads: folds 0-2 (tune), folds 3-4 (held), the whole set as "
                             "one stream (all; it shows what held-out streams suffer without reading "
                             "their errors); default: tune all")
    parser.add_argument("--check", type=int, metavar="N", default=0,
                        help="print the N most alike pairs of the set and every pair the tracker puts in a "
                             "story, for reading by hand (pages found to share an event go into "
                             f"{REMOVED_FILE.relative_to(HERE.parent)}), and stop")
    args = parser.parse_args()
    pages = chosen(args.stream)
    articles = load(pages, args.enrich)
    folds = load_folds()
    items = []
    for name, page_id, _, kind in pages:
        article = articles[f"{name}/{page_id}"]
        if not article.body:
            continue
        if kind:  # the type the truth gives, as sure (the classifier's probability was of its own guess)
            article.page_type, article.page_type_probability = kind, None
        items.append(Item(f"{name}/{page_id}", folds[(name, page_id)], article))
    if args.check:
        check(items, args.check, args.seed)
        return
    if args.why:
        named = {"tune": ("folds 0-2 (tuning)", TUNE), "held": ("folds 3-4 (held out)", HELD),
                 "all": ("the whole set as one stream (includes tuning)", TUNE | HELD)}
        for label, wanted in (named[part] for part in args.why_parts):
            print(f"# {label}")
            counted, having, found = why([i for i in items if i.fold in wanted], args.seed)
            print(f"# {label}: shared rare items of the {found} pairs by kind: "
                  f"{dict(counted.most_common())}; pairs sharing each kind: {shares(having, found)}")
        having, pairs = ecb_kinds()
        print(f"# ECB+ topics 1-22, the {pairs} same-event pairs the clusterer scores: pairs sharing each "
              f"kind: {shares(having, pairs)}")
        return
    console = Console()
    kinds = Counter(i.article.page_type or "article" for i in items)
    console.print(f"{len(items)} pages ({', '.join(f'{k} {n}' for k, n in sorted(kinds.items()))}), "
                  f"one article page per site; arrival order seed {args.seed}")
    table = Table(title="Pages in a story with a page that is not a copy of them (target <= 2%)")
    for column in ("folds", "language", "article pages", "in a false story", "share", "stories > 1"):
        table.add_column(column, justify="left" if column in ("folds", "language") else "right")
    parts = (("0-2 (tuning)", TUNE), ("3-4 (held out)", HELD), ("all (includes tuning)", TUNE | HELD))
    for label, wanted in parts:
        part = [i for i in items if i.fold in wanted]
        story = run(part, args.seed, args.offline, args.link)
        wrong = false_merges(part, story)
        sizes = Counter(s for s in story.values() if s >= 0)
        articles_only = [i for i in part if (i.article.page_type or "article") == "article"]
        by_language: dict[str, list[Item]] = defaultdict(list)
        for item in articles_only:
            by_language[language_of(item.article)].append(item)  # as the tracker takes it
        rows = sorted(by_language.items(), key=lambda kv: (-len(kv[1]), kv[0]))
        total = sum(1 for i in articles_only if i.name in wrong)
        table.add_row(label, "every language", str(len(articles_only)), str(total),
                      f"{total / max(1, len(articles_only)):.1%}",
                      str(sum(1 for n in sizes.values() if n > 1)), style="bold")
        for language, group in rows:
            bad = sum(1 for i in group if i.name in wrong)
            table.add_row("", language, str(len(group)), str(bad), f"{bad / len(group):.1%}", "")
        others = [i for i in part if (i.article.page_type or "article") != "article"]
        if others:
            placed = sum(1 for i in others if story[i.name] >= 0)
            table.add_row("", "other page types in a story", str(len(others)), str(placed),
                          f"{placed / len(others):.1%}", "")
        if args.show:
            titles = {i.name: i.article.title for i in part}
            for name in sorted(wrong):
                console.print(f"[{label}] {name} {titles[name]!r} with "
                              + "; ".join(f"{o} {titles[o]!r}" for o in wrong[name]), markup=False)
    console.print(table)


if __name__ == "__main__":
    main()
