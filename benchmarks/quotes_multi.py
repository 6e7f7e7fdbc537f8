"""Quotations beyond English: newsdesk's direct quotes and speakers against hand annotations of news
pages in German, French, Spanish, Portuguese, Italian and Dutch (benchmarks/data/quotes_multi.tsv).

    .venv/bin/python benchmarks/quotes_multi.py [--data DIR] [--annotations PATH] [--split S]
        [--mode enriched|rules] [--errors]

The annotations are offsets into newsdesk's extracted body of each page (pages read from
../shared/data/<set>/html/<page>.html.gz; no page text is kept here), with the first 12 hex digits of
the body's SHA-256 and of each annotated span's text (the quotation, the cue mention, the name
mention). When a page's body changed (a new extraction), each span is re-found in the new body: the
substring of the same length and hash nearest its old offset. A page any of whose spans cannot be
re-found is reported and left out, never scored against stale offsets. Guidelines:
docs/quotes-annotation.md.

Scoring, per language:

* Direct-quote P/R/F1: newsdesk's direct quotations against the annotated ones. `--mode enriched`
  (the default) enriches the extracted article as newsdesk does (`enrich_articles`: its language
  detected, the language's shipped entity model where there is one, the quotation rules reading
  those entities, speakers linked to entity ids); `--mode rules` runs the language's rules alone
  (`quotes_from_doc(body, None, language=...)`, no entities), as the first round measured.
  A prediction matches a gold quote when the word tokens they share are at least half of each one's;
  one-to-one, greedy by shared tokens (as benchmarks/quotes.py scores PolNeAR).
* Each page is marked "tuned" (the rules were adjusted after reading it) or "held-out" (annotated
  after the rules were frozen, never tuned on); the table has a row for each language and split.
* Speaker accuracy over matched pairs: right when the predicted speaker's span overlaps the mention
  the cue names or the mention naming the speaker, or the predicted name ends with the same word as
  that naming mention ("Olaf Scholz" for "Scholz"); no predicted speaker is wrong, except for a
  quotation whose speaker the text does not give (annotated `-` `-`), where no speaker is right.
* `--errors` (with `--split tuned` only, so that no held-out page's output is ever read) lists each
  wrong speaker with the annotated mentions and newsdesk's, each missed and each false quotation.
* "linked": of the matched quotations whose speaker is right, how many carry the id of one of the
  article's entities (only with `--mode enriched`).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import re
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from newsdesk import extract
from newsdesk.article import Article, Quote
from newsdesk.enrich.enricher import enrich_articles
from newsdesk.enrich.quotes import quotes_from_doc
from quotes import matched_pairs

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
ANNOTATIONS = Path(__file__).resolve().parent / "data" / "quotes_multi.tsv"
WORD = re.compile(r"\w+")
Span = tuple[int, int]
COLUMNS = ("set", "page", "language", "body_sha256_12", "quote_start", "quote_end", "quote_sha256_12",
           "cue_mention", "cue_sha256_12", "name_mention", "name_sha256_12", "split")


def digest(text: str) -> str:
    """The first 12 hex digits of the SHA-256 of `text` (UTF-8): how a body or a span is recognised."""
    return hashlib.sha256(text.encode()).hexdigest()[:12]


@dataclass(frozen=True)
class Marked:
    """An annotated span: where it was in the annotated body, and the hash of its text there."""

    span: Span
    sha: str


@dataclass
class Gold:
    span: Span
    cue_mention: Span | None
    name_mention: Span | None


@dataclass
class GoldLine:
    """One line of the annotations, before it is placed in the body of today's extraction."""

    quote: Marked
    cue: Marked | None
    name: Marked | None


@dataclass
class Page:
    dataset: str
    page: str
    language: str
    split: str
    body_sha: str
    lines: list[GoldLine] = field(default_factory=list)


@dataclass
class Score:
    pages: int = 0
    gold: int = 0
    predicted: int = 0
    matched: int = 0
    speaker_right: int = 0
    linked: int = 0
    moved: int = 0
    stale: list[str] = field(default_factory=list)

    def row(self, language: str) -> list[str]:
        p = self.matched / self.predicted if self.predicted else 0.0
        r = self.matched / self.gold if self.gold else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        acc = self.speaker_right / self.matched if self.matched else 0.0
        return [language, str(self.pages), str(self.gold), str(self.predicted), str(self.matched), f"{p:.3f}",
                f"{r:.3f}", f"{f:.3f}", f"{acc:.3f} ({self.speaker_right}/{self.matched})",
                f"{self.linked}/{self.speaker_right}"]


def read_annotations(path: Path) -> list[Page]:
    """The annotated pages in file order. A page with no quotation has one line whose quotation
    columns are `-` (annotated, and nothing in it is a quotation)."""
    pages: dict[tuple[str, str], Page] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        cells = line.split("\t")
        if len(cells) != len(COLUMNS):
            raise ValueError(f"{path}:{number}: {len(cells)} columns, expected {len(COLUMNS)}")
        row = dict(zip(COLUMNS, cells, strict=True))
        key = (row["set"], row["page"])
        page = pages.setdefault(key, Page(row["set"], row["page"], row["language"], row["split"],
                                          row["body_sha256_12"]))
        if (page.language, page.split, page.body_sha) != (row["language"], row["split"],
                                                          row["body_sha256_12"]):
            raise ValueError(f"{path}:{number}: language, split or body hash differ from the page's first")
        if row["quote_start"] == "-":
            continue
        quote = Marked((int(row["quote_start"]), int(row["quote_end"])), row["quote_sha256_12"])
        page.lines.append(GoldLine(quote, _marked(row["cue_mention"], row["cue_sha256_12"]),
                                   _marked(row["name_mention"], row["name_sha256_12"])))
    return list(pages.values())


def _marked(span: str, sha: str) -> Marked | None:
    if span == "-":
        return None
    start, end = span.split("-")
    return Marked((int(start), int(end)), sha)


def refind(body: str, marked: Marked, shift: int = 0) -> Span | None:
    """Where the annotated span is in `body`: the substring of the same length and hash nearest its
    old start moved by `shift` (how far the page's previous quotation moved); None when there is none."""
    start, end = marked.span
    length = end - start
    start += shift
    if length <= 0:
        return None
    for distance in range(len(body) + 1):
        candidates = (start - distance, start + distance) if distance else (start,)
        inside = [c for c in candidates if c >= 0 and c + length <= len(body)]
        if not inside and start - distance < 0 and start + distance + length > len(body):
            return None
        for candidate in inside:
            if digest(body[candidate : candidate + length]) == marked.sha:
                return candidate, candidate + length
    return None


def place(body: str, page: Page) -> list[Gold] | None:
    """The page's gold quotations in `body` (today's extraction), or None when a span is lost."""
    golds: list[Gold] = []
    shift = 0
    for line in page.lines:
        quote = refind(body, line.quote, shift)
        if quote is not None:
            shift = quote[0] - line.quote.span[0]
        cue = refind(body, line.cue, shift) if line.cue is not None else None
        name = refind(body, line.name, shift) if line.name is not None else None
        lost = (line.cue is not None and cue is None) or (line.name is not None and name is None)
        if quote is None or lost:
            return None
        golds.append(Gold(quote, cue, name))
    return golds


def golds_of(body: str, page: Page) -> list[Gold] | None:
    """The page's gold quotations in `body` (today's extraction): as annotated when the body is the
    one annotated, else re-found (`place`); None when a span is lost, or when the body of a page with
    no quotation changed (nothing to re-find it by)."""
    if digest(body) == page.body_sha:
        return [Gold(line.quote.span, line.cue.span if line.cue else None,
                     line.name.span if line.name else None) for line in page.lines]
    return place(body, page) if page.lines else None


def tokens_of(body: str, span: Span) -> set[int]:
    return {m.start() for m in WORD.finditer(body, span[0], span[1])}


def score_page(body: str, golds: list[Gold], quotes: list[Quote], total: Score,
               errors: list[str] | None = None) -> None:
    """Add a page's counts to `total`; with `errors`, one line per wrong speaker, missed quotation and
    false quotation (for reading the tuned pages only)."""
    preds = [q for q in quotes if q.type == "direct"]
    pairs = direct_pairs(body, golds, preds)
    for gi, pi in pairs:
        total.matched += 1
        right = speaker_right(body, golds[gi], preds[pi])
        total.speaker_right += right
        total.linked += right and preds[pi].speaker is not None
        if errors is not None and not right:
            gold = golds[gi]
            said = [body[slice(*m)] if m else "-" for m in (gold.cue_mention, gold.name_mention)]
            errors.append(f"speaker {gold.span[0]} {body[slice(*gold.span)][:40]!r}: gold cue {said[0]!r} "
                          f"name {said[1]!r}; newsdesk {preds[pi].speaker_name!r} (cue {preds[pi].cue!r})")
    if errors is not None:
        found = {gi for gi, _ in pairs}
        said_by = {pi for _, pi in pairs}
        errors += [f"missed {g.span[0]} {body[slice(*g.span)][:50]!r}" for i, g in enumerate(golds)
                   if i not in found]
        errors += [f"false {q.span[0]} {q.text[:50]!r}" for i, q in enumerate(preds) if i not in said_by]
    total.gold += len(golds)
    total.predicted += len(preds)
    total.pages += 1


def direct_pairs(body: str, golds: list[Gold], preds: list[Quote]) -> list[tuple[int, int]]:
    """Gold and predicted direct quotations paired one to one (indices), as the scores pair them."""
    return matched_pairs([tokens_of(body, g.span) for g in golds], [tokens_of(body, q.span) for q in preds])


def speaker_right(body: str, gold: Gold, quote: Quote) -> bool:
    mentions = [m for m in (gold.cue_mention, gold.name_mention) if m is not None]
    if not mentions:
        # The text gives no speaker (a decree's wording): right when newsdesk gives none either.
        return quote.speaker_span is None and not quote.speaker_name
    if quote.speaker_span is not None and any(
            s < quote.speaker_span[1] and quote.speaker_span[0] < e for s, e in mentions):
        return True
    if quote.speaker_name and gold.name_mention is not None:
        name = body[slice(*gold.name_mention)].split()
        said = quote.speaker_name.split()
        return bool(name and said) and said[-1].casefold() == name[-1].casefold()
    return False


def article_of(path: Path) -> Article:
    return extract(gzip.decompress(path.read_bytes()))


def body_of(path: Path) -> str:
    return article_of(path).body


def quotes_of(article: Article, language: str, mode: str) -> list[Quote]:
    if mode == "rules":
        return quotes_from_doc(article.body, None, language=language)
    enrich_articles([article])
    return article.quotes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--annotations", type=Path, default=ANNOTATIONS)
    parser.add_argument("--split", choices=("tuned", "held-out"), help="score only the pages of this split")
    parser.add_argument("--mode", choices=("enriched", "rules"), default="enriched",
                        help="enrich as newsdesk does (entities, linking), or the language's rules alone")
    parser.add_argument("--errors", action="store_true",
                        help="list each wrong speaker, missed and false quotation (tuned pages only)")
    args = parser.parse_args()
    if args.errors and args.split != "tuned":
        parser.error("--errors lists the tuned pages' errors only: give --split tuned")
    scores: dict[str, Score] = defaultdict(Score)
    for page in sorted(read_annotations(args.annotations), key=lambda p: (p.dataset, p.page)):
        if args.split is not None and page.split != args.split:
            continue
        path = args.data / page.dataset / "html" / f"{page.page}.html.gz"
        if not path.is_file():
            print(f"page not found: {path}", file=sys.stderr)
            return 2
        article = article_of(path)
        body = article.body
        key = f"{page.language} {page.split}"
        golds = golds_of(body, page)
        scores[key].moved += golds is not None and digest(body) != page.body_sha
        if golds is None:
            scores[key].stale.append(f"{page.dataset}/{page.page}")
            continue
        quotes = quotes_of(article, page.language, args.mode)
        errors: list[str] | None = [] if args.errors else None
        score_page(body, golds, quotes, scores[key], errors)
        for error in errors or []:
            print(f"{page.language} {page.page} {error}")
    header = ["language, split", "pages", "gold", "pred", "match", "P", "R", "F1", "speaker acc", "linked"]
    rows = [scores[language].row(language) for language in sorted(scores)]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)))
    for language, score in sorted(scores.items()):
        if score.moved:
            print(f"{language}: {score.moved} page(s) extracted anew, all annotations re-found and scored")
        if score.stale:
            print(f"{language}: extraction changed, annotations not all re-found, not scored: "
                  f"{', '.join(score.stale)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
