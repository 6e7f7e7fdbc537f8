"""Quotations beyond English: newsdesk's direct quotes and speakers against hand annotations of news
pages in German, French, Spanish, Portuguese, Italian and Dutch (benchmarks/data/quotes_multi.tsv).

    .venv/bin/python benchmarks/quotes_multi.py [--data DIR] [--annotations PATH] [--split S]
        [--mode enriched|rules] [--errors]

The annotations (read, placed and paired by `newsdesk.enrich.quote_annotations`) are offsets into
newsdesk's extracted body of each page (pages read from
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
* Speaker accuracy over matched pairs, by what newsdesk reports as the speaker (the name the user
  sees; for a pronoun, the person it is resolved to), never by where its mention is: right when the
  reported name ends with the same word as the annotated mention naming the speaker ("Olaf Scholz"
  for "Scholz"; the cue mention when the text never names the speaker), or is the very words of a
  cue mention that is a description ("der Sprecher"); a pronoun on the annotated cue resolved to
  someone else is wrong; no predicted speaker is wrong, except for a quotation whose speaker the text
  does not give (annotated `-` `-`), where no speaker is right (`quote_annotations.speaker_right`).
* `--errors` (with `--split tuned` only, so that no held-out page's output is ever read) lists each
  wrong speaker with the annotated mentions and newsdesk's, each missed and each false quotation.
* "linked": of the matched quotations whose speaker is right, how many carry the id of one of the
  article's entities (only with `--mode enriched`).
"""

from __future__ import annotations

import argparse
import gzip
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from newsdesk import extract
from newsdesk.article import Article, Quote
from newsdesk.enrich.enricher import enrich_articles
from newsdesk.enrich.quote_annotations import (
    Gold,
    digest,
    direct_pairs,
    golds_of,
    read_annotations,
    speaker_right,
)
from newsdesk.enrich.quotes import quotes_from_doc

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
ANNOTATIONS = Path(__file__).resolve().parent / "data" / "quotes_multi.tsv"


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
