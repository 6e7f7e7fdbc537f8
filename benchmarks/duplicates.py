"""Near-duplicates on the ScrapingHub pages: pair precision and recall, and online throughput.

    .venv/bin/python benchmarks/duplicates.py [--count 100000]

Quality. Every page of ../shared/data/scrapinghub is extracted with newsdesk (the original), and copies
are made of it as syndication makes them:

- `template`: the hand-made body of the page (ground truth) put in another site's page template (nav,
  share links, related stories, footer), then extracted by newsdesk like any page;
- `para+`: the extracted body with a paragraph of another article added at the end;
- `para-`: the extracted body with one middle paragraph removed (bodies of 3+ paragraphs);
- `headline`: the page with another headline (its <title> and <h1> changed), extracted again;
- `teaser`: the body cut after its first paragraphs (at least 40 words), ending in "...".

All originals and copies go through one `DuplicateIndex` in a shuffled order (seeded). Pairs of the same
article are the positives; every pair of different articles is a negative, and so are the 55 pairs of
different articles from the same site, reported on their own. The same-site hard case is also put
to the story tracker: every original page extracted with its site's template, through one tracker as
a stream (no enrichment): two different articles of one site must not be one story either. Pair
precision and recall are counted on the groups the index makes (a group is every copy of one article,
transitively).

Throughput. `--count` articles (default 100,000) made by drawing paragraphs of the ScrapingHub bodies at
random (a quarter of them are lightly edited copies of an earlier one) go through `DuplicateIndex.add`;
the table shows articles/s against a reference that only hashes the normalised body (exact duplicates),
and the resident memory at each quarter: it grows with the index only (a MinHash per article and the
LSH tables), never with the text.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import resource
import time
from collections import defaultdict
from itertools import combinations
from pathlib import Path
from urllib.parse import urlparse

from rich.console import Console
from rich.table import Table

from newsdesk.extract import extract_html
from newsdesk.stories.duplicates import DuplicateIndex, body_hash

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "scrapinghub"
TEMPLATE = """<!doctype html><html><head><meta charset="utf-8"><title>{title} | The Daily Syndicate</title>
</head><body><header><nav><a href="/">Home</a> <a href="/world">World</a> <a href="/business">Business</a>
<a href="/sport">Sport</a></nav></header><main><article><h1>{title}</h1>
<p class="byline">By Wire Staff, The Daily Syndicate</p>{paragraphs}</article>
<aside><h2>Related stories</h2><ul><li><a href="/a">Markets close higher on trade hopes</a></li>
<li><a href="/b">Storm warning issued for the coast</a></li></ul></aside></main>
<footer><p>Share this article: Facebook Twitter Email</p><p>© 2024 The Daily Syndicate. All rights
reserved.</p></footer></body></html>"""


def paragraphs(body: str) -> list[str]:
    return [p.strip() for p in body.split("\n") if p.strip()]


def pages() -> list[tuple[str, str, str, str]]:
    """(id, url, html, ground-truth body) of every ScrapingHub page."""
    truth_file = DATA / "ground-truth.json"
    if not truth_file.is_file():
        raise SystemExit(f"ScrapingHub data not found at {DATA}")
    truth = json.loads(truth_file.read_text(encoding="utf-8"))
    out = []
    for key, item in sorted(truth.items()):
        html = gzip.decompress((DATA / "html" / f"{key}.html.gz").read_bytes()).decode("utf-8", "replace")
        out.append((key, item["url"], html, item["articleBody"]))
    return out


def copies(rng: random.Random, data: list[tuple[str, str, str, str]]) -> list[tuple[str, str, str]]:
    """(article id, kind, body) for the originals and their copies."""
    import html as htmllib
    import re

    items: list[tuple[str, str, str]] = []
    for key, url, page, truth in data:
        original = extract_html(page, url=url).body
        if len(original.split()) < 50:
            continue  # a page whose body newsdesk cannot find is no test of duplicates
        items.append((key, "original", original))
        paras = paragraphs(original)
        title = htmllib.escape(paragraphs(truth)[0][:80])
        tagged = "".join(f"<p>{htmllib.escape(p)}</p>" for p in paragraphs(truth))
        items.append((key, "template", extract_html(TEMPLATE.format(title=title, paragraphs=tagged)).body))
        other = rng.choice([d for d in data if d[0] != key])
        extra = max(paragraphs(other[3]), key=len)
        items.append((key, "para+", "\n\n".join([*paras, extra])))
        if len(paras) >= 3:
            drop = rng.randrange(1, len(paras) - 1)
            items.append((key, "para-", "\n\n".join(p for i, p in enumerate(paras) if i != drop)))
        changed = re.sub(r"<title>.*?</title>", "<title>Updated: a new headline</title>", page, count=1,
                         flags=re.S | re.I)
        changed = re.sub(r"<h1([^>]*)>.*?</h1>", r"<h1\1>Updated: a new headline</h1>", changed, count=1,
                         flags=re.S | re.I)
        items.append((key, "headline", extract_html(changed, url=url).body))
        teaser: list[str] = []
        for para in paras:
            teaser.append(para)
            if len(" ".join(teaser).split()) >= 40:
                break
        if len(teaser) < len(paras):
            items.append((key, "teaser", "\n\n".join(teaser) + " ..."))
    return items


def quality(console: Console, seed: int) -> None:
    rng = random.Random(seed)
    data = pages()
    items = copies(rng, data)
    rng.shuffle(items)
    index = DuplicateIndex()
    for number, (_key, _kind, body) in enumerate(items):
        index.add(number, body)
    group = [index.group(n) for n in range(len(items))]
    host = {key: urlparse(url).netloc for key, url, _, _ in data}
    by_kind: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    tp = fp = fn = 0
    same_site = same_site_fp = 0
    for a, b in combinations(range(len(items)), 2):
        same_article = items[a][0] == items[b][0]
        predicted = group[a] == group[b]
        if same_article:
            tp += predicted
            fn += not predicted
            kinds = {items[a][1], items[b][1]}
            if "original" in kinds:
                kind = (kinds - {"original"} or {"original"}).pop()
                by_kind[kind][0] += predicted
                by_kind[kind][1] += 1
        else:
            fp += predicted
            if host[items[a][0]] == host[items[b][0]]:
                same_site += 1
                same_site_fp += predicted
    table = Table(title=f"Near-duplicates: {len(items)} bodies from {len(data)} ScrapingHub pages")
    table.add_column("pairs")
    table.add_column("count", justify="right")
    table.add_column("found", justify="right")
    table.add_column("rate", justify="right")
    for kind, (found, count) in sorted(by_kind.items()):
        table.add_row(f"original ~ {kind}", str(count), str(found), f"{found / count:.3f}")
    table.add_row("all positive pairs (recall)", str(tp + fn), str(tp), f"{tp / (tp + fn):.3f}")
    table.add_row("predicted pairs (precision)", str(tp + fp), str(tp), f"{tp / (tp + fp):.4f}")
    table.add_row("negatives: same site, different article", str(same_site), str(same_site_fp),
                  f"{same_site_fp / max(same_site, 1):.3f}")
    together, pairs = same_site_stories(data, rng)
    table.add_row("same site, different article, in one story (online, no enrichment)", str(pairs),
                  str(together), f"{together / max(pairs, 1):.3f}")
    console.print(table)


def same_site_stories(data: list[tuple[str, str, str, str]], rng: random.Random) -> tuple[int, int]:
    """The hard case of a template-heavy site: its different articles, extracted from their pages with
    the site's template around them, through one story tracker (shuffled, as a stream): how many pairs
    of them land in one story, of how many pairs."""
    from newsdesk.stories import StoryTracker

    articles = [(key, extract_html(page, url=url)) for key, url, page, _ in data]
    articles = [(key, a) for key, a in articles if len(a.body.split()) >= 50]
    rng.shuffle(articles)
    host = {key: urlparse(url).netloc for key, url, _, _ in data}
    for key, article in articles:
        article.site_name = article.site_name or host[key]
    story = {key: None if placed is None else placed.id
             for (key, _), placed in zip(articles, StoryTracker().add_many(articles), strict=True)}
    together = pairs = 0
    for (a, _), (b, _) in combinations(articles, 2):
        if host[a] == host[b]:
            pairs += 1
            together += story[a] is not None and story[a] == story[b]
    return together, pairs


def synthetic(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    paras = [p for _, _, _, truth in pages() for p in paragraphs(truth) if len(p.split()) >= 8]
    bodies: list[str] = []
    for _ in range(count):
        if bodies and rng.random() < 0.25:
            copy = paragraphs(rng.choice(bodies))
            if len(copy) > 2:
                copy.pop(rng.randrange(len(copy)))
            bodies.append("\n\n".join(copy))
        else:
            bodies.append("\n\n".join(rng.sample(paras, rng.randint(4, 12))))
    return bodies


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def throughput(console: Console, count: int, seed: int) -> None:
    bodies = synthetic(count, seed)
    start = time.perf_counter()
    seen: dict[str, int] = {}
    for number, body in enumerate(bodies):
        seen.setdefault(body_hash(body), number)
    exact_rate = count / (time.perf_counter() - start)
    index = DuplicateIndex()
    table = Table(title=f"Online duplicate assignment, {count:,} articles")
    for column in ("articles", "articles/s", "max RSS MiB", "duplicates found"):
        table.add_column(column, justify="right")
    base = rss_mib()
    found = 0
    start = time.perf_counter()
    for number, body in enumerate(bodies, start=1):
        found += index.add(number, body) is not None
        if number % (count // 4) == 0:
            table.add_row(f"{number:,}", f"{number / (time.perf_counter() - start):,.0f}",
                          f"{rss_mib():,.0f} (+{rss_mib() - base:,.0f})", f"{found:,}")
    rate = count / (time.perf_counter() - start)
    console.print(table)
    console.print(f"exact hash only: {exact_rate:,.0f} articles/s; DuplicateIndex is "
                  f"{exact_rate / rate:.1f}x slower (MinHash of every body and its opening, LSH look-ups)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    console = Console()
    quality(console, args.seed)
    throughput(console, args.count, args.seed)


if __name__ == "__main__":
    main()
