"""The data of the ingest and search benchmarks, made from the shared ScrapingHub set: a WARC.gz of its
pages repeated under distinct URLs (ingest.py), and articles recombined from its hand-made bodies
and from trafilatura-dev's bodies as newsdesk extracts them (search.py). Both are deterministic; the
publishers' text is only read, never written into the project.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import random
import re
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

from newsdesk.article import Article

# Read by relative path from the project root, as the data's README asks.
PROJECT = Path(__file__).resolve().parent.parent
SCRAPINGHUB = PROJECT / ".." / "shared" / "data" / "scrapinghub"
TRAFILATURA = PROJECT / ".." / "shared" / "data" / "trafilatura-dev"
CACHE = Path(os.environ.get("NEWSDESK_BENCH_CACHE") or Path(tempfile.gettempdir()) / "newsdesk-bench")
CORPUS_VERSION = 2  # bump when make_articles changes: cached stores are then rebuilt
WARC_VERSION = 1  # bump when build_warc changes: the cached archive is then written again

_HEAD = re.compile(rb"<head\b[^>]*>", re.IGNORECASE)


def require_data() -> Path:
    """The ScrapingHub folder; exits with a message when it is not beside the project."""
    html, truth = SCRAPINGHUB / "html", SCRAPINGHUB / "ground-truth.json"
    pages = sorted(html.glob("*.html.gz")) if html.is_dir() else []
    if not pages or not truth.is_file():
        sys.exit(f"error: the ScrapingHub data is missing: expected {html.resolve()}/*.html.gz and "
                 f"{truth.resolve()}\n(the shared data must sit beside the project, at ../shared/data)")
    return SCRAPINGHUB


def require_trafilatura() -> Path:
    """The trafilatura-dev folder; exits with a message when it is not beside the project."""
    html, truth = TRAFILATURA / "html", TRAFILATURA / "truth.json"
    if not (html.is_dir() and any(html.glob("*.html.gz")) and truth.is_file()):
        sys.exit(f"error: the trafilatura-dev data is missing: expected {html.resolve()}/*.html.gz and "
                 f"{truth.resolve()}\n(the shared data must sit beside the project, at ../shared/data)")
    return TRAFILATURA


# --------------------------------------------------------------------------- ingest: a WARC.gz


def with_canonical(html: bytes, url: str) -> bytes:
    """The page declaring `url` as its canonical URL, ahead of its own declarations.

    Articles are keyed by canonical URL: without this every copy of a page would be the same article,
    and all but the first 181 records would be "unchanged" instead of stored.
    """
    link = f'<link rel="canonical" href="{url}">'.encode()
    head = _HEAD.search(html)
    return html[:head.end()] + link + html[head.end():] if head else link + html


def build_warc(path: Path, records: int) -> None:
    """Write `records` request+response pairs, page n being ScrapingHub page n % 181 under
    https://bench.example/<n // 181>/<id>. Written to a temporary name, renamed when complete."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    pages = [(file.name.removesuffix(".html.gz"), gzip.decompress(file.read_bytes()))
             for file in sorted((require_data() / "html").glob("*.html.gz"))]
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    with partial.open("wb") as out:
        writer = WARCWriter(out, gzip=True)
        for n in range(records):
            page_id, html = pages[n % len(pages)]
            url = f"https://bench.example/{n // len(pages)}/{page_id}"
            body = with_canonical(html, url)
            request = writer.create_warc_record(
                url, "request", payload=io.BytesIO(b""), length=0,
                http_headers=StatusAndHeaders(f"GET /{n // len(pages)}/{page_id} HTTP/1.1",
                                              [("Host", "bench.example")], is_http_request=True))
            response = writer.create_warc_record(
                url, "response", payload=io.BytesIO(body), length=len(body),
                http_headers=StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8"),
                                                         ("Content-Length", str(len(body)))],
                                              protocol="HTTP/1.1"))
            writer.write_request_response_pair(request, response)
    partial.replace(path)


# --------------------------------------------------------------------------- search: articles

_FIRST = ("Anna", "James", "Maria", "David", "Sarah", "Michael", "Laura", "Daniel", "Emma", "Thomas",
          "Sofia", "Peter", "Julia", "Robert", "Claire", "Ahmed", "Yuki", "Carlos", "Ingrid", "Kwame",
          "Priya", "Olga", "Luca", "Fatima", "Chen")
_LAST = ("Smith", "Garcia", "Müller", "Rossi", "Dubois", "Johnson", "Kowalski", "Nguyen", "Okafor",
         "Tanaka", "Silva", "Andersson", "Brown", "Martin", "Novak", "Hughes", "Fischer", "Moreau",
         "Lopez", "Kim", "Patel", "Ivanova", "Byrne", "Costa", "Schmidt")
# Language labels in these proportions (the bodies are mostly English: the labels are for the filter).
_LANGUAGES = (("en", 50), ("en-US", 15), ("en-GB", 10), ("de", 6), ("fr", 6), ("es", 5), ("pt-BR", 3),
              ("ko", 2), ("it", 2), ("", 1))


def _paragraphs(body: str) -> list[str]:
    return [p.strip() for p in body.split("\n") if len(p.strip()) > 40]


def _scrapinghub_sources() -> list[tuple[str, list[str]]]:
    """(host, paragraphs) of each ScrapingHub hand-made body, in id order."""
    truth = json.loads((require_data() / "ground-truth.json").read_text(encoding="utf-8"))
    out = []
    for _, entry in sorted(truth.items()):
        paragraphs = _paragraphs(entry["articleBody"])
        if paragraphs:
            host = (urlsplit(entry["url"]).hostname or "example.com").removeprefix("www.")
            out.append((host, paragraphs))
    return out


def _trafilatura_sources() -> list[tuple[str, list[str]]]:
    """(host, paragraphs) of each trafilatura-dev page's body as newsdesk extracts it (the set has no
    hand-made bodies; many languages). Extracted once and cached under CACHE: the publishers' text
    stays out of the project."""
    cached = CACHE / f"trafilatura-bodies-v{CORPUS_VERSION}.json"
    if cached.exists():
        return [(host, paragraphs) for host, paragraphs in json.loads(cached.read_text(encoding="utf-8"))]
    from newsdesk.article import Page
    from newsdesk.errors import NewsdeskError
    from newsdesk.extract import extract_page

    folder = require_trafilatura()
    truth = json.loads((folder / "truth.json").read_text(encoding="utf-8"))
    print("extracting the trafilatura-dev bodies (once) ...", file=sys.stderr, flush=True)
    out = []
    for page_id, entry in sorted(truth.items()):
        file = folder / "html" / f"{page_id}.html.gz"
        if not file.exists():
            continue
        url = entry.get("url") or f"https://example.com/{page_id}"
        try:
            html = gzip.decompress(file.read_bytes())
            article = extract_page(Page(source=str(file), content=html, url=url))
        except NewsdeskError:
            continue
        paragraphs = _paragraphs(article.body or "")
        if paragraphs:
            out.append(((urlsplit(url).hostname or "example.com").removeprefix("www."), paragraphs))
    CACHE.mkdir(parents=True, exist_ok=True)
    partial = cached.with_name(cached.name + ".partial")
    partial.write_text(json.dumps(out, ensure_ascii=False), encoding="utf-8")
    partial.replace(cached)
    return out


def _sources() -> list[tuple[str, list[str]]]:
    """(host, paragraphs) of every real body: ScrapingHub's hand-made ones, then trafilatura-dev's."""
    return _scrapinghub_sources() + _trafilatura_sources()


def _title(rng: random.Random, paragraph: str) -> str:
    words = paragraph.split()
    return " ".join(words[:rng.randint(5, 14)]).rstrip(",.;:")


def _published(rng: random.Random) -> str | None:
    if rng.random() < 0.04:
        return None
    year, month, day = rng.randint(2015, 2024), rng.randint(1, 12), rng.randint(1, 28)
    if rng.random() < 0.2:
        return f"{year}-{month:02d}-{day:02d}"
    return f"{year}-{month:02d}-{day:02d}T{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:00+00:00"


def make_articles(count: int, seed: int = 7) -> Iterator[Article]:
    """`count` articles, the same ones for the same seed: each takes a run of up to 8 paragraphs of one
    real body (ScrapingHub's or trafilatura-dev's) and up to 4 of each of 1-3 others, the first body's
    host as its site (one in five: another site), a title from its opening words, 0-3 authors, a date
    from 2015 to 2024 (4% undated) and a language label."""
    rng = random.Random(seed)
    sources = _sources()
    sites = sorted({host for host, _ in sources})
    languages, weights = zip(*_LANGUAGES, strict=True)
    for n in range(count):
        host, own = rng.choice(sources)
        start = rng.randrange(len(own))
        paragraphs = own[start:start + rng.randint(2, 8)]
        for _ in range(rng.randint(1, 3)):
            _, other = rng.choice(sources)
            first = rng.randrange(len(other))
            paragraphs += other[first:first + rng.randint(1, 4)]
        # One in five articles is filed under a site other than its main body's, so sites mix topics.
        site = rng.choice(sites) if rng.random() < 0.2 else host
        authors = [f"{rng.choice(_FIRST)} {rng.choice(_LAST)}" for _ in range(rng.choice((0, 1, 1, 1, 2, 3)))]
        yield Article(url=f"https://{site}/bench/{n:07d}", title=_title(rng, paragraphs[0]), authors=authors,
                      published=_published(rng), language=rng.choices(languages, weights)[0] or None,
                      site_name=None, body="\n\n".join(paragraphs))
