"""Quotations beyond English: newsdesk's direct quotes and speakers against hand annotations of news
pages in German, French, Spanish, Portuguese, Italian and Dutch (benchmarks/data/quotes_multi.tsv).

    .venv/bin/python benchmarks/quotes_multi.py [--data DIR] [--annotations PATH]

The annotations are offsets into newsdesk's extracted body of each page (pages read from
../shared/data/<set>/html/<page>.html.gz; no page text is kept here), with the first 12 hex digits of
the body's SHA-256: a page whose extraction changed is reported and left out, never scored against
stale offsets. Guidelines: docs/quotes-annotation.md.

Scoring, per language:

* Direct-quote P/R/F1: newsdesk's direct quotations (`quotes_from_doc(body, doc, language=...)`, the
  language's rules; the parse's entities when `--pipelines` names one) against the annotated ones.
  A prediction matches a gold quote when the word tokens they share are at least half of each one's;
  one-to-one, greedy by shared tokens (as benchmarks/quotes.py scores PolNeAR).
* Each page is marked "tuned" (the rules were adjusted after reading it) or "held-out" (annotated
  after the rules were frozen, never tuned on); the table has a row for each language and split.
* Speaker accuracy over matched pairs: right when the predicted speaker's span overlaps the mention
  the cue names or the mention naming the speaker, or the predicted name ends with the same word as
  that naming mention ("Olaf Scholz" for "Scholz"); no predicted speaker is wrong.
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
from newsdesk.article import Quote
from newsdesk.enrich.quotes import quotes_from_doc
from quotes import matched_pairs

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
ANNOTATIONS = Path(__file__).resolve().parent / "data" / "quotes_multi.tsv"
WORD = re.compile(r"\w+")
Span = tuple[int, int]


@dataclass
class Gold:
    span: Span
    cue_mention: Span | None
    name_mention: Span | None


@dataclass
class Score:
    pages: int = 0
    gold: int = 0
    predicted: int = 0
    matched: int = 0
    speaker_right: int = 0
    stale: list[str] = field(default_factory=list)

    def row(self, language: str) -> list[str]:
        p = self.matched / self.predicted if self.predicted else 0.0
        r = self.matched / self.gold if self.gold else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        acc = self.speaker_right / self.matched if self.matched else 0.0
        return [language, str(self.pages), str(self.gold), str(self.predicted), str(self.matched), f"{p:.3f}",
                f"{r:.3f}", f"{f:.3f}", f"{acc:.3f} ({self.speaker_right}/{self.matched})"]


def read_annotations(path: Path) -> dict[tuple[str, str, str, str], list[Gold]]:
    pages: dict[tuple[str, str, str, str], list[Gold]] = defaultdict(list)
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        dataset, page, language, digest, start, end, cue, name, split = line.split("\t")
        gold = Gold((int(start), int(end)), _span(cue), _span(name))
        pages[(dataset, page, f"{language} {split}", digest)].append(gold)
    return pages


def _span(text: str) -> Span | None:
    if text == "-":
        return None
    start, end = text.split("-")
    return int(start), int(end)


def tokens_of(body: str, span: Span) -> set[int]:
    return {m.start() for m in WORD.finditer(body, span[0], span[1])}


def score_page(body: str, golds: list[Gold], quotes: list[Quote], total: Score) -> None:
    preds = [q for q in quotes if q.type == "direct"]
    gold_tokens = [tokens_of(body, g.span) for g in golds]
    pred_tokens = [tokens_of(body, q.span) for q in preds]
    for gi, pi in matched_pairs(gold_tokens, pred_tokens):
        total.matched += 1
        total.speaker_right += speaker_right(body, golds[gi], preds[pi])
    total.gold += len(golds)
    total.predicted += len(preds)
    total.pages += 1


def speaker_right(body: str, gold: Gold, quote: Quote) -> bool:
    mentions = [m for m in (gold.cue_mention, gold.name_mention) if m is not None]
    if quote.speaker_span is not None and any(
            s < quote.speaker_span[1] and quote.speaker_span[0] < e for s, e in mentions):
        return True
    if quote.speaker_name and gold.name_mention is not None:
        name = body[slice(*gold.name_mention)].split()
        said = quote.speaker_name.split()
        return bool(name and said) and said[-1].casefold() == name[-1].casefold()
    return False


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--annotations", type=Path, default=ANNOTATIONS)
    args = parser.parse_args()
    pages = read_annotations(args.annotations)
    scores: dict[str, Score] = defaultdict(Score)
    for (dataset, page, language, digest), golds in sorted(pages.items()):
        path = args.data / dataset / "html" / f"{page}.html.gz"
        if not path.is_file():
            print(f"page not found: {path}", file=sys.stderr)
            return 2
        body = extract(gzip.decompress(path.read_bytes())).body
        if hashlib.sha256(body.encode()).hexdigest()[:12] != digest:
            scores[language].stale.append(f"{dataset}/{page}")
            continue
        quotes = quotes_from_doc(body, None, language=language.split()[0])
        score_page(body, golds, quotes, scores[language])
    header = ["language, split", "pages", "gold", "pred", "match", "P", "R", "F1", "speaker acc"]
    rows = [scores[language].row(language) for language in sorted(scores)]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)))
    for language, score in sorted(scores.items()):
        if score.stale:
            print(f"{language}: extraction changed, not scored: {', '.join(score.stale)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
