"""The evaluation data of benchmarks/topics.py: pages, their publishers' own labels, and silver topics.

    .venv/bin/python benchmarks/topics_data.py --write   # rebuilds benchmarks/topics_silver.tsv

Nobody on the project labelled these pages. What the publishers declared is read from each page by
newsdesk's own extractor: the section (`article:section`, JSON-LD `articleSection`, `parsely-section`,
...), the directories of the URL path (`/sports/...`, `/news/politics/...`), and the tags
(`article:tag`, `news_keywords`, JSON-LD `keywords`, `keywords`). A section name, URL directory or
tag becomes an IPTC topic only through SECTION_TOPICS below, which is keyed on whole section names
("business", "sports", "science & health" -> business + science + health), never on words of the
body; names that say nothing about a subject ("news", "world", "opinion", "local") map to nothing.
Pages are kept when their body is English (lingua) and at least one label was derived.

The split is fixed by a hash of the page id: "tune" (the thresholds and the lexicon's weights were
set looking at these only) and "test" (reported). topics_silver.tsv keeps ids and labels only.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

PROJECT = Path(__file__).resolve().parent.parent
DATA = PROJECT.parent / "shared" / "data"
SILVER = Path(__file__).resolve().parent / "topics_silver.tsv"
SETS = {"scrapinghub": "ground-truth.json", "trafilatura-dev": "truth.json"}

(ARTS, CRIME, DISASTER, ECONOMY, EDUCATION, ENVIRONMENT, HEALTH, HUMAN, LABOUR, LIFESTYLE, POLITICS, RELIGION,
 SCIENCE, SOCIETY, SPORT, CONFLICT, WEATHER) = (f"medtop:{n:02d}000000" for n in range(1, 18))

# Section names (lower case, "&" read as "and", split on "and", ",", "/", "-", ":") -> IPTC topics.
_TABLE = {
    ARTS: "arts entertainment culture music music-news movies movie film films tv tv-shows television books "
          "book-review celebrity celebrities awards theater theatre art visual-art museums "
          "gaming video-games games gaming-software media album-of-the-week company-town",
    CRIME: "crime crimes law law-and-order courts justice legal police vi-crime",
    DISASTER: "disaster disasters accidents emergencies",
    ECONOMY: "business economy finance financial markets market money investing investments stocks "
             "economy-business business-and-economy personal-finance ipos fundraising commercial-real-estate "
             "real-estate retail industry trade companies tech-business online-business auto-news autos "
             "auto-industry-news",
    EDUCATION: "education schools school higher-education",
    ENVIRONMENT: "environment climate climate-change energy-and-environment green",
    HEALTH: "health medicine medical wellness nutrition fitness diet weight-loss coronavirus",
    HUMAN: "odd-news offbeat weird-news human-interest advice",
    LABOUR: "jobs careers labour labor work workplace",
    LIFESTYLE: "lifestyle style travel food recipes cooking dining drink wine fashion beauty home "
               "garden gardening smart-living meal-plans vegan-desserts cars automotive motoring leisure "
               "things-to-do shopping deals parenting relationships",
    POLITICS: "politics political elections election government campaign-2020 politics-domestic policy "
              "white-house congress",
    RELIGION: "religion faith beliefs",
    SCIENCE: "science tech technology space sci-tech science-and-technology innovation ai "
             "artificial-intelligence machine-learning apple gadgets hardware software physics "
             "nanotech materials internet",
    SOCIETY: "society social-affairs community human-rights immigration",
    SPORT: "sport sports nfl nba mlb nhl soccer football tennis golf cricket rugby baseball basketball "
           "hockey college-football high-school motorsport racing olympics boxing cycling athletics",
    CONFLICT: "military war defense defence conflict terrorism",
    WEATHER: "weather",
}
SECTION_TOPICS: dict[str, frozenset[str]] = {}
for _topic, _names in _TABLE.items():
    for _name in _names.split():
        SECTION_TOPICS[_name] = SECTION_TOPICS.get(_name, frozenset()) | {_topic}
_PIECES = re.compile(r"\s*(?:,|/|\||:|\band\b|&|;)\s*")


@dataclass
class Page:
    set: str
    id: str
    url: str | None
    title: str | None
    body: str
    section: str | None
    tags: list[str]
    language: str | None = None
    topics: set[str] = field(default_factory=set)
    reasons: list[str] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"{self.set}/{self.id}"

    @property
    def split(self) -> str:
        return split_of(self.key)


def split_of(key: str) -> str:
    return "tune" if hashlib.blake2b(key.encode(), digest_size=2).digest()[0] % 2 == 0 else "test"


def section_topics(name: str) -> set[str]:
    """IPTC topics of a publisher's section name, whole or in parts ("Science & Health")."""
    norm = " ".join(name.lower().replace("_", "-").split())
    whole = norm.replace(" ", "-")
    if whole in SECTION_TOPICS:
        return set(SECTION_TOPICS[whole])
    topics: set[str] = set()
    for piece in _PIECES.split(norm):
        piece = piece.strip(" -.").replace(" ", "-")
        topics |= SECTION_TOPICS.get(piece, frozenset())
    return topics


def url_directories(url: str | None) -> list[str]:
    if not url or not url.startswith("http"):
        return []
    parts = [p for p in urlsplit(url).path.split("/") if p]
    return [p.lower() for p in parts[:-1] if not p.isdigit() and len(p) < 30]


def derive_topics(page: Page) -> None:
    """The page's silver topics with the reason for each (section, URL directory or tag)."""
    sources = [("section", page.section)] if page.section else []
    sources += [("url", part) for part in url_directories(page.url)]
    sources += [("tag", tag) for tag in page.tags if len(tag) < 40]
    for kind, name in sources:
        found = section_topics(name)
        if found:
            page.topics |= found
            page.reasons.append(f"{kind}:{name.lower()}")


def check_data(data: Path) -> None:
    for set_name, truth in SETS.items():
        if not (data / set_name / truth).is_file():
            sys.exit(f"missing evaluation data: {data / set_name / truth} (see ../shared/data/README.md)")


def read_pages(data: Path = DATA, *, progress: bool = True) -> list[Page]:
    """Every page of both sets through newsdesk's extractor, with its language and publisher labels."""
    from selectolax.lexbor import LexborHTMLParser

    from newsdesk.enrich.language import detect_language
    from newsdesk.errors import NewsdeskError
    from newsdesk.extract import extract
    from newsdesk.extract.encoding import decode_html
    from newsdesk.extract.html.metadata import extract_metadata

    check_data(data)
    pages: list[Page] = []
    for set_name, truth_file in SETS.items():
        truth = json.loads((data / set_name / truth_file).read_text(encoding="utf-8"))
        for n, (doc_id, known) in enumerate(truth.items(), 1):
            if progress and n % 50 == 0:
                print(f"  {set_name}: {n}/{len(truth)} pages extracted", file=sys.stderr)
            raw = gzip.decompress((data / set_name / "html" / f"{doc_id}.html.gz").read_bytes())
            url = known.get("url")
            try:
                article = extract(raw, url)
            except NewsdeskError:
                continue
            metadata = extract_metadata(LexborHTMLParser(decode_html(raw, None)), url)
            page = Page(set_name, doc_id, url, article.title, article.body, metadata.section, article.tags)
            page.language = detect_language(article.body[:3000]) if article.body.strip() else None
            derive_topics(page)
            pages.append(page)
    return pages


def read_silver(path: Path = SILVER) -> dict[str, tuple[str, set[str]]]:
    """{set/id: (split, topics)} from topics_silver.tsv."""
    silver: dict[str, tuple[str, set[str]]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        key, split, topics, _reasons = line.split("\t")
        silver[key] = (split, set(topics.split(",")))
    return silver


def write_silver(pages: list[Page], path: Path = SILVER) -> int:
    lines = ["# Silver IPTC topics of English pages, derived by benchmarks/topics_data.py from the "
             "publishers' sections, URL directories and tags.", "# page\tsplit\ttopics\twhy"]
    kept = [p for p in pages if p.language == "en" and p.topics]
    lines += [f"{p.key}\t{p.split}\t{','.join(sorted(p.topics))}\t{' | '.join(p.reasons)}" for p in kept]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(kept)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--write", action="store_true", help="rewrite topics_silver.tsv")
    parser.add_argument("--data", type=Path, default=DATA)
    args = parser.parse_args()
    pages = read_pages(args.data)
    english = [p for p in pages if p.language == "en"]
    labelled = [p for p in english if p.topics]
    tune = sum(p.split == "tune" for p in labelled)
    print(f"{len(pages)} pages, {len(english)} English, {len(labelled)} with silver topics "
          f"({tune} tune, {len(labelled) - tune} test)")
    if args.write:
        print(f"wrote {write_silver(pages)} pages to {SILVER}")


if __name__ == "__main__":
    main()
