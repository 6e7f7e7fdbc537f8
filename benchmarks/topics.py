"""Topics and keywords benchmark: newsdesk against labels its publishers wrote, and against baselines.

    .venv/bin/python benchmarks/topics.py [--split test|tune|all] [--show N] [--no-conll] [--no-polnear]

What it measures (details and figures in docs/topics.md):

* Topics, web pages: the silver IPTC topics of benchmarks/topics_silver.tsv (the publishers' sections,
  URL directories and tags mapped by benchmarks/topics_data.py) of English pages of scrapinghub and
  trafilatura-dev. Per topic and micro precision/recall/F1, and top-1 accuracy (the best topic is one of
  the page's). Silver labels are incomplete (a page filed under "politics" may also be about crime), so
  precision is a lower bound; the hand check in docs/topics.md estimates how much.
* Topics, Reuters sport: CoNLL++ documents whose headline carries a Reuters sport slug ("SOCCER - ...",
  "TENNIS - ...") are sport, the others not; the slug is removed before the text is classified.
  Precision/recall/F1 of assigning "sport". Dev is reported; train (--conll-split train) for tuning.
* Topics, PolNeAR dev: US political news; the share that gets "politics" (recall only).
* Baselines for topics: "majority" (every page gets the most frequent silver topic of the tune split)
  and "topic names" (a topic is assigned when the lemmas of its own IPTC name occur, the best one).
* Keywords: publishers' tags (`article:tag`, `news_keywords`, JSON-LD `keywords`; cleaned of site
  codes) as the reference. A keyword matches a tag when both normalise (lower case, crude singular) to
  the same words (strict), or one is a run of words of the other (lenient). Recall@10 against all tags
  and against the tags that occur in the body (what any extractive method can find), precision@10;
  yake and textacy's textrank on the same text (textacy on the same Doc) as baselines; textacy's
  sgrank too with --sgrank (slow: about 15 s an article on a loaded machine).
  Pages in other languages: newsdesk's language-agnostic fallback against yake with the language.
* Speed: ms per article of each method given the parsed Doc (spaCy's parse, reported too, is shared by
  the whole enrichment stage), with the machine's load.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from topics_data import DATA, Page, read_pages, read_silver, split_of

CONLL = DATA / "conllpp"
POLNEAR = DATA / "polnear"
# Reuters' sport slugs as they occur in CoNLL-2003 headlines ("SOCCER - ...", "Boxing-...").
SPORT_SLUGS = frozenset(
    "SOCCER CRICKET BASEBALL TENNIS CYCLING GOLF ATHLETICS RALLYING BASKETBALL BADMINTON MOTORCYCLING SQUASH "
    "MOTOCROSS SWIMMING ROWING HOCKEY BOXING BASKETBALLSOCCER SAILING YACHTING TRIATHLON JUDO".split()
) | {"RUGBY UNION", "RUGBY LEAGUE", "MOTOR RACING", "HORSE RACING", "ICE HOCKEY", "NFL AMERICAN FOOTBALL",
     "ALPINE SKIING"}
SPORT = "medtop:15000000"
POLITICS = "medtop:11000000"
_JUNK_TAG = re.compile(r"[@_/=#|]|^\d+$|serversidehawk|videoarticle|no autolink|front page|uncategorized")
_TAG_PREFIX = re.compile(r"^(?:category|topic|section|tag)\s*:\s*", re.IGNORECASE)
_WORDS = re.compile(r"[^\W_]+(?:[-'’.][^\W_]+)*")


# ---------------------------------------------------------------- scoring helpers

@dataclass
class PRF:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, gold: set[str], predicted: set[str]) -> None:
        self.tp += len(gold & predicted)
        self.fp += len(predicted - gold)
        self.fn += len(gold - predicted)

    @property
    def p(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def r(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        return 2 * self.p * self.r / (self.p + self.r) if self.p + self.r else 0.0

    def cells(self) -> list[str]:
        return [f"{self.p:.2f}", f"{self.r:.2f}", f"{self.f1:.2f}"]


@dataclass
class TopicScore:
    micro: PRF = field(default_factory=PRF)
    per_topic: dict[str, PRF] = field(default_factory=dict)
    top1: int = 0
    pages: int = 0
    with_topic: int = 0

    def add(self, gold: set[str], ranked: Sequence[str]) -> None:
        predicted = set(ranked)
        self.micro.add(gold, predicted)
        for topic in gold | predicted:
            self.per_topic.setdefault(topic, PRF()).add(gold & {topic}, predicted & {topic})
        self.pages += 1
        self.with_topic += bool(ranked)
        self.top1 += bool(ranked) and ranked[0] in gold


def table(title: str, header: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    print(f"\n{title}")
    for row in [header, *rows]:
        print("  ".join(str(c).ljust(w) if i == 0 else str(c).rjust(w)
                        for i, (c, w) in enumerate(zip(row, widths, strict=True))))


# ---------------------------------------------------------------- topic systems

TopicSystem = Callable[[str | None, str, Any, list[Any]], list[str]]


def newsdesk_topics(title: str | None, body: str, doc: Any, entities: list[Any]) -> list[str]:
    from newsdesk.enrich.topics import assign_topics

    return [t.id for t in assign_topics(title, body, doc, entities)]


def majority_system(topic: str) -> TopicSystem:
    def system(title: str | None, body: str, doc: Any, entities: list[Any]) -> list[str]:
        return [topic]
    return system


def topic_names_system() -> TopicSystem:
    """The trivial lexicon: each topic's cue words are the words of its own IPTC name."""
    from newsdesk.enrich.topics import taxonomy

    stop = {"and", "of", "the"}
    names = {tid: {w.rstrip(",") for w in name.split()} - stop for tid, name in taxonomy()}
    names = {tid: words | {"sport"} if tid == SPORT else words for tid, words in names.items()}

    def system(title: str | None, body: str, doc: Any, entities: list[Any]) -> list[str]:
        if doc is None:
            return []
        counts = Counter(t.lemma_.lower() for t in doc)
        scores = {tid: sum(counts[w] for w in words) for tid, words in names.items()}
        best = max(scores, key=lambda tid: scores[tid])
        return [best] if scores[best] else []
    return system


# ---------------------------------------------------------------- keyword scoring

def norm_words(text: str) -> tuple[str, ...]:
    words = [w.lower().replace("’", "'") for w in _WORDS.findall(text)]
    if words and words[0] == "the":
        words = words[1:]
    return tuple(w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is")) else w
                 for w in words)


def clean_tags(page: Page) -> list[tuple[str, ...]]:
    out: list[tuple[str, ...]] = []
    for tag in page.tags:
        tag = _TAG_PREFIX.sub("", tag.strip())
        words = norm_words(tag)
        if not words or _JUNK_TAG.search(tag.lower()) or len(words) > 6:
            continue
        if tag.lower() == (page.section or "").lower():
            continue
        if words not in out:
            out.append(words)
    return out


def _run_in(short: tuple[str, ...], long: tuple[str, ...]) -> bool:
    n = len(short)
    return 0 < n <= len(long) and any(long[i:i + n] == short for i in range(len(long) - n + 1))


def matches(keyword: tuple[str, ...], tag: tuple[str, ...], lenient: bool) -> bool:
    if keyword == tag:
        return True
    return lenient and (_run_in(keyword, tag) or _run_in(tag, keyword))


@dataclass
class KeywordScore:
    pages: int = 0
    tags: int = 0
    present: int = 0
    found: dict[bool, int] = field(default_factory=lambda: {False: 0, True: 0})
    found_present: dict[bool, int] = field(default_factory=lambda: {False: 0, True: 0})
    returned: int = 0
    right: dict[bool, int] = field(default_factory=lambda: {False: 0, True: 0})
    seconds: float = 0.0

    def add(self, tags: list[tuple[str, ...]], body_words: str, keywords: list[str]) -> None:
        kws = [norm_words(k) for k in keywords]
        kws = [k for k in kws if k]
        self.pages += 1
        self.tags += len(tags)
        self.returned += len(kws)
        for lenient in (False, True):
            for tag in tags:
                hit = any(matches(k, tag, lenient) for k in kws)
                present = f" {' '.join(tag)} " in body_words
                self.found[lenient] += hit
                if present:
                    self.found_present[lenient] += hit
            self.right[lenient] += sum(any(matches(k, tag, lenient) for tag in tags) for k in kws)
        self.present += sum(f" {' '.join(tag)} " in body_words for tag in tags)

    def cells(self) -> list[str]:
        cells = []
        for lenient in (False, True):
            cells += [f"{self.found[lenient] / max(self.tags, 1):.2f}",
                      f"{self.found_present[lenient] / max(self.present, 1):.2f}",
                      f"{self.right[lenient] / max(self.returned, 1):.2f}"]
        return [*cells, f"{1000 * self.seconds / max(self.pages, 1):.1f}"]


KeywordSystem = Callable[[str | None, str, Any, list[Any], str], list[str]]


def newsdesk_keywords(title: str | None, body: str, doc: Any, entities: list[Any], lang: str) -> list[str]:
    from newsdesk.enrich.keywords import extract_keywords

    return [k.text for k in extract_keywords(title, body, doc, entities, top=10)]


def yake_keywords(title: str | None, body: str, doc: Any, entities: list[Any], lang: str) -> list[str]:
    import yake

    extractor = yake.KeywordExtractor(lan=lang or "en", n=3, top=10)
    text = f"{title}\n\n{body}" if title else body
    return [k for k, _ in extractor.extract_keywords(text[:100_000])]


def textacy_system(name: str) -> KeywordSystem:
    def system(title: str | None, body: str, doc: Any, entities: list[Any], lang: str) -> list[str]:
        from textacy.extract import keyterms

        algorithm = getattr(keyterms, name)
        return [k for k, _ in algorithm(doc, normalize="lemma", topn=10)]
    return system


# ---------------------------------------------------------------- corpora

def conll_documents(split: str) -> list[tuple[str, str, bool]]:
    """(headline without its slug, body, is sport) of each CoNLL++ document of the split."""
    from entities import read_conll

    path = CONLL / f"conllpp_{split}.txt"
    if not path.is_file():
        sys.exit(f"missing {path}: see ../shared/data/README.md")
    documents = []
    for document in read_conll(path):
        headline, _, body = document.text.partition("\n")
        headline = headline.removeprefix("RTRS - ")
        slug, dash, rest = headline.partition(" - ")
        if not dash:
            slug, dash, rest = headline.partition("-")
        sport = bool(dash) and slug.strip().upper() in SPORT_SLUGS
        title = rest.strip() if sport or (dash and slug.isupper() and len(slug) < 25) else headline
        documents.append((title, body.strip(), sport))
    return documents


def polnear_documents() -> list[tuple[str, str]]:
    folder = POLNEAR / "dev" / "text"
    if not folder.is_dir():
        sys.exit(f"missing {folder}: see ../shared/data/README.md")
    titles = {}
    for line in (POLNEAR / "metadata.tsv").read_text(encoding="utf-8").splitlines()[1:]:
        cells = line.split("\t")
        titles[cells[1]] = cells[7]
    return [(titles.get(path.stem, ""), path.read_text(encoding="utf-8"))
            for path in sorted(folder.glob("*.txt"))]


# ---------------------------------------------------------------- main

def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--split", choices=("test", "tune", "all"), default="test",
                        help="which half of the labelled pages to score (default: test, the held-out half)")
    parser.add_argument("--conll-split", choices=("dev", "train"), default="dev")
    parser.add_argument("--no-conll", action="store_true", help="skip the Reuters sport check")
    parser.add_argument("--no-polnear", action="store_true", help="skip the PolNeAR politics check")
    parser.add_argument("--no-baselines", action="store_true", help="newsdesk only (no yake/textacy)")
    parser.add_argument("--sgrank", action="store_true",
                        help="add textacy's sgrank (about 15 s an article on a loaded machine)")
    parser.add_argument("--show", type=int, default=0, help="print N scored pages for a hand check")
    args = parser.parse_args()

    from newsdesk.enrich.entities import extract_entities
    from newsdesk.enrich.nlp import MAX_PARSE_CHARS, load_pipeline
    from newsdesk.enrich.topics import explain_topics, taxonomy

    print(f"load: {os.getloadavg()[0]:.2f} (1 min) on {os.cpu_count()} cores", file=sys.stderr)
    silver = read_silver()
    pages = read_pages()
    wanted = (lambda key: True) if args.split == "all" else (lambda key: split_of(key) == args.split)
    english = [p for p in pages if p.language == "en"]
    scored = [p for p in english if p.key in silver and wanted(p.key)]
    tune_topics = Counter(t for split, topics in silver.values() if split == "tune" for t in topics)
    majority = tune_topics.most_common(1)[0][0]
    names = dict(taxonomy())

    nlp = load_pipeline()
    keyword_pages = [p for p in english if wanted(p.key) and clean_tags(p)]
    to_parse = {p.key: p for p in [*scored, *keyword_pages]}
    print(f"parsing {len(to_parse)} English pages", file=sys.stderr)
    started = time.perf_counter()
    parsed = nlp.pipe(p.body[:MAX_PARSE_CHARS] for p in to_parse.values())
    docs = dict(zip(to_parse, parsed, strict=True))
    parse_ms = 1000 * (time.perf_counter() - started) / max(len(docs), 1)
    entities = {key: extract_entities(to_parse[key].body, doc) for key, doc in docs.items()}

    topic_systems: dict[str, TopicSystem] = {"newsdesk": newsdesk_topics,
                                             f"majority ({names[majority]})": majority_system(majority),
                                             "topic names": topic_names_system()}
    seconds = Counter[str]()
    results = {name: TopicScore() for name in topic_systems}
    for page in scored:
        gold = silver[page.key][1]
        for name, system in topic_systems.items():
            started = time.perf_counter()
            ranked = system(page.title, page.body, docs[page.key], entities[page.key])
            seconds[name] += time.perf_counter() - started
            results[name].add(gold, ranked)
    print(f"\nTopics on {len(scored)} English web pages with silver labels ({args.split} split); "
          f"precision is a lower bound (silver labels are incomplete)")
    table("micro-averaged", ["system", "P", "R", "F1", "top-1 acc", "pages with a topic", "ms/article"],
          [[name, *r.micro.cells(), f"{r.top1 / max(r.pages, 1):.2f}", f"{r.with_topic}/{r.pages}",
            f"{1000 * seconds[name] / max(r.pages, 1):.2f}"] for name, r in results.items()])
    ours = results["newsdesk"]
    rows = []
    for tid, name in taxonomy():
        prf = ours.per_topic.get(tid, PRF())
        rows.append([name, str(prf.tp + prf.fn), str(prf.tp + prf.fp), *prf.cells()])
    table("newsdesk per topic", ["topic", "gold", "predicted", "P", "R", "F1"], rows)

    if not args.no_conll:
        conll_check(args.conll_split, nlp, topic_systems, names)
    if not args.no_polnear:
        polnear_check(nlp, topic_systems)

    keyword_systems: dict[str, KeywordSystem] = {"newsdesk": newsdesk_keywords}
    if not args.no_baselines:
        keyword_systems |= {"yake 0.7.3 (n=3)": yake_keywords, "textacy textrank": textacy_system("textrank")}
    if args.sgrank:
        keyword_systems["textacy sgrank"] = textacy_system("sgrank")
    kw_results = score_keywords(keyword_pages, keyword_systems,
                                lambda system, page: system(page.title, page.body, docs[page.key],
                                                            entities[page.key], "en"))
    some = next(iter(kw_results.values()))
    print(f"\nKeywords on {some.pages} English pages with publisher tags ({args.split} split): "
          f"{some.tags} tags, {some.present} of them in the body")
    table("top 10 against publisher tags (strict | lenient)",
          ["system", "R@10", "R@10 in body", "P@10", "R@10 ~", "R@10 in body ~", "P@10 ~", "ms/article"],
          [[name, *r.cells()] for name, r in kw_results.items()])
    other_languages(pages, wanted, args.no_baselines)
    print(f"\nspaCy parse (shared by all of enrichment): {parse_ms:.1f} ms/article; "
          f"load now {os.getloadavg()[0]:.2f}")

    if args.show:
        print("\nHand check sample")
        for page in scored[: args.show]:
            doc = docs[page.key]
            gold = sorted(names[t] for t in silver[page.key][1])
            predicted = [names[t] for t in newsdesk_topics(page.title, page.body, doc, entities[page.key])]
            print(f"- {page.key[:40]} {page.title!r}\n    silver {gold}\n    newsdesk {predicted}\n"
                  f"    why {explain_topics(page.title, doc, top=4)}\n"
                  f"    keywords {newsdesk_keywords(page.title, page.body, doc, entities[page.key], 'en')}\n"
                  f"    tags {[' '.join(t) for t in clean_tags(page)]}")
    return 0


def conll_check(split: str, nlp: Any, systems: dict[str, TopicSystem], names: dict[str, str]) -> None:
    documents = conll_documents(split)
    from newsdesk.enrich.entities import extract_entities

    scores = {name: PRF() for name in systems}
    for (title, body, sport), doc in zip(documents, nlp.pipe(body for _, body, _ in documents), strict=True):
        entities = extract_entities(body, doc)
        for name, system in systems.items():
            scores[name].add({SPORT} if sport else set(), {SPORT} & set(system(title, body, doc, entities)))
    print(f"\nReuters sport (CoNLL++ {split}: {len(documents)} documents, "
          f"{sum(s for *_, s in documents)} with a sport slug)")
    table("assigning 'sport'", ["system", "P", "R", "F1"], [[n, *s.cells()] for n, s in scores.items()])


def polnear_check(nlp: Any, systems: dict[str, TopicSystem]) -> None:
    documents = polnear_documents()
    from newsdesk.enrich.entities import extract_entities

    hits = Counter[str]()
    top1 = Counter[str]()
    for (title, body), doc in zip(documents, nlp.pipe(body[:100_000] for _, body in documents), strict=True):
        entities = extract_entities(body, doc)
        for name, system in systems.items():
            ranked = system(title, body, doc, entities)
            hits[name] += POLITICS in ranked
            top1[name] += bool(ranked) and ranked[0] == POLITICS
    print(f"\nPolNeAR dev ({len(documents)} US political news articles)")
    table("'politics' assigned", ["system", "recall", "as best topic"],
          [[n, f"{hits[n] / len(documents):.2f}", f"{top1[n] / len(documents):.2f}"] for n in systems])


def score_keywords(pages: list[Page], systems: dict[str, KeywordSystem],
                   call: Callable[[KeywordSystem, Page], list[str]]) -> dict[str, KeywordScore]:
    """Each system's keywords for each page (`call` gives them), scored against the page's tags, timed."""
    results = {name: KeywordScore() for name in systems}
    for page in pages:
        tags = clean_tags(page)
        body_words = f" {' '.join(norm_words(page.body))} "
        for name, system in systems.items():
            started = time.perf_counter()
            found = call(system, page)
            results[name].seconds += time.perf_counter() - started
            results[name].add(tags, body_words, found)
    return results


def other_languages(pages: list[Page], wanted: Callable[[str], bool], no_baselines: bool) -> None:
    """newsdesk's fallback (no Doc) against yake given the language, on pages in other languages."""
    others = [p for p in pages if p.language and p.language != "en" and wanted(p.key) and clean_tags(p)]
    systems: dict[str, KeywordSystem] = {"newsdesk (no Doc)": newsdesk_keywords}
    if not no_baselines:
        systems["yake 0.7.3 (n=3)"] = yake_keywords
    results = score_keywords(others, systems, lambda system, page: system(page.title, page.body, None, [],
                                                                          page.language or "en"))
    languages = Counter(p.language for p in others)
    print(f"\nKeywords on {len(others)} pages in other languages ({dict(languages.most_common(6))} ...)")
    table("top 10 against publisher tags (strict | lenient)",
          ["system", "R@10", "R@10 in body", "P@10", "R@10 ~", "R@10 in body ~", "P@10 ~", "ms/article"],
          [[name, *r.cells()] for name, r in results.items()])


if __name__ == "__main__":
    sys.exit(main())
