"""Quotation benchmark: newsdesk's quotations against PolNeAR's attribution annotations, with
textacy's `direct_quotations` as the baseline on the same parses.

    .venv/bin/python benchmarks/quotes.py [--split train|dev|both] [--limit N] [--data DIR]
                                       [--parse selective|full]

How it scores (per article, summed over the split):

* Gold: every PolNeAR attribution (brat `E` line; the first annotator's file where there are
  several) with its Content and Source spans (`T` lines, fragments joined by ";" kept apart).
  "Direct" gold = contents containing a quotation mark.
* Tokens are word tokens (`\\w+`) of the article. A prediction matches a gold content when the
  tokens they share are at least half of each one's tokens; matching is one-to-one, greedy by the
  number of shared tokens. Precision, recall and F1 over matches.
* (a) direct: our `direct` quotes, and indirect ones whose text holds a quotation mark (the gold
  criterion), against direct gold (textacy: all its quotes); (b) all: every
  prediction against every gold attribution.
* newsdesk's quotes are scored grouped into attributions (see `newsdesk_predictions`) and, on the
  "ungrouped" rows, one by one.
* Speaker accuracy: over matched pairs whose gold has a Source, right when the predicted speaker
  span overlaps a Source fragment or the speaker has a mention that does (until the entity linker
  fills `speaker`, a speaker's mentions are the PERSON mentions ending in the same last name); no
  predicted speaker counts as wrong.

Each article is parsed once as enrichment parses it (`--parse selective`: the dependency parse only
over sentences that may hold an attribution) or with spaCy's full pipeline (`--parse full`); both
systems read that Doc. Results on
stdout as a table (train, then dev), each followed by the speed of each system in articles/s on
the shared parses; progress on stderr. Tune on train only.
"""

from __future__ import annotations

import argparse
import bisect
import functools
import os
import re
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from newsdesk.enrich.quote_annotations import matched_pairs
from newsdesk.enrich.quotes import MAX_PARSE_CHARS, load_pipeline, quotes_from_doc
from newsdesk.enrich.selective import parse_selectively

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "polnear"
QUOTE_MARKS = set('"“”«»„')
WORD = re.compile(r"\w+")
Spans = list[tuple[int, int]]


@dataclass
class Gold:
    content: Spans
    source: Spans
    direct: bool


@dataclass
class Prediction:
    spans: Spans
    speaker_span: tuple[int, int] | None
    direct: bool
    speaker_mentions: Spans = field(default_factory=list)


@dataclass
class Score:
    gold: int = 0
    predicted: int = 0
    matched: int = 0
    with_source: int = 0
    speaker_right: int = 0
    notes: list[str] = field(default_factory=list)

    def row(self) -> list[str]:
        p = self.matched / self.predicted if self.predicted else 0.0
        r = self.matched / self.gold if self.gold else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        acc = self.speaker_right / self.with_source if self.with_source else 0.0
        return [str(self.gold), str(self.predicted), str(self.matched), f"{p:.3f}", f"{r:.3f}", f"{f:.3f}",
                f"{acc:.3f} ({self.speaker_right}/{self.with_source})"]


def read_ann(path: Path, text: str) -> list[Gold]:
    spans: dict[str, tuple[str, Spans]] = {}
    golds: list[Gold] = []
    events: list[dict[str, str]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if re.match(r"T\d+\t", line):  # (a span's text may run on over lines of its own)
            ident, info, _ = line.split("\t", 2)
            label, offsets = info.split(" ", 1)
            frags = [(int(a), int(b)) for a, b in (part.split() for part in offsets.split(";"))]
            spans[ident] = (label, frags)
        elif re.match(r"E\d+\t", line):
            _, info = line.split("\t", 1)
            events.append(dict(part.split(":", 1) for part in info.split()))
    for event in events:
        content = spans.get(event.get("Content", ""), ("", []))[1]
        if not content:
            continue
        source = spans.get(event.get("Source", ""), ("", []))[1]
        direct = any(ch in QUOTE_MARKS for s, e in content for ch in text[s:e])
        golds.append(Gold(content, source, direct))
    return golds


def token_ids(tokens: Spans, spans: Spans) -> set[int]:
    """Indexes of the (sorted, disjoint) tokens overlapping any of `spans`."""
    ends = [te for _, te in tokens]
    found: set[int] = set()
    for s, e in spans:
        i = bisect.bisect_right(ends, s)
        while i < len(tokens) and tokens[i][0] < e:
            found.add(i)
            i += 1
    return found


def score(tokens: Spans, golds: list[Gold], preds: list[Prediction], total: Score) -> None:
    gold_ids = [token_ids(tokens, g.content) for g in golds]
    pred_ids = [token_ids(tokens, p.spans) for p in preds]
    for gi, pi in matched_pairs(gold_ids, pred_ids):
        total.matched += 1
        if golds[gi].source:
            total.with_source += 1
            pred = preds[pi]
            mentions = [pred.speaker_span, *pred.speaker_mentions] if pred.speaker_span else []
            if any(m[0] < e and s < m[1] for m in mentions for s, e in golds[gi].source):
                total.speaker_right += 1
    total.gold += len(golds)
    total.predicted += len(preds)


def newsdesk_predictions(text: str, doc: Any, *, grouped: bool = True) -> list[Prediction]:
    """Our quotes as attributions: with `grouped`, consecutive quotes sharing one cue (a quote split
    around "he said", or continued in the next paragraph) are one attribution, as PolNeAR's `E`
    lines group the fragments of one content."""
    found: list[Prediction] = []
    last_cue: tuple[int, int] | None = None
    for q in quotes_from_doc(text, doc):
        # The gold criterion, on the quote with its marks: ''…'' (NYT copy) counts under "all" only.
        direct = bool(QUOTE_MARKS & set(text[max(q.span[0] - 1, 0) : q.span[1] + 1]))
        same_cue = q.cue_span is not None and q.cue_span == last_cue
        if grouped and found and same_cue and direct == found[-1].direct:
            found[-1].spans.append(q.span)
            continue
        found.append(Prediction([q.span], q.speaker_span, direct, speaker_mentions(doc, q.speaker_name)))
        last_cue = q.cue_span
    return found


def speaker_mentions(doc: Any, name: str | None) -> Spans:
    """Stand-in for the entity linker: the PERSON mentions sharing the speaker's last name."""
    if not name:
        return []
    last = name.split()[-1]
    people = [e for e in doc.ents if e.label_ == "PERSON"]
    return [(e.start_char, e.end_char) for e in people if e.text.split()[-1] == last]


def textacy_predictions(text: str, doc: Any) -> list[Prediction]:
    from textacy.extract.triples import direct_quotations

    found = []
    for triple in direct_quotations(doc):
        content = triple.content
        speaker = (min(t.idx for t in triple.speaker), max(t.idx + len(t.text) for t in triple.speaker))
        found.append(Prediction([(content.start_char, content.end_char)], speaker, True))
    return found


def articles(data: Path, split: str, limit: int | None) -> Iterator[tuple[str, list[Gold]]]:
    paths = sorted((data / split / "text").glob("*.txt"))[:limit]
    for path in paths:
        text = path.read_text(encoding="utf-8")
        # One .ann per annotator (NAME_ANNOTATOR.ann); articles annotated by several: the first one.
        ann = sorted((data / split / "attributions").glob(path.stem + "_*.ann"))
        if ann:
            yield text, read_ann(ann[0], text)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--split", choices=["train", "dev", "both"], default="both",
                        help="PolNeAR split to score (default: train, then dev)")
    parser.add_argument("--limit", type=int, default=None, help="only the first N articles of each split")
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--parse", choices=["selective", "full"], default="selective",
                        help="enrichment's parse (default) or spaCy's full pipeline over every sentence")
    args = parser.parse_args()
    splits = ["train", "dev"] if args.split == "both" else [args.split]
    for split in splits:
        if not (args.data / split / "text").is_dir():
            print(f"PolNeAR {split} split not found at {args.data / split}", file=sys.stderr)
            return 2
    systems: dict[str, Callable[[str, Any], list[Prediction]]] = {
        "newsdesk": newsdesk_predictions,
        "newsdesk, ungrouped": functools.partial(newsdesk_predictions, grouped=False),
    }
    textacy_note = ""
    try:
        import textacy.extract.triples  # noqa: F401

        systems["textacy 0.13"] = textacy_predictions
    except ImportError as error:
        textacy_note = f"textacy not installed ({error}); `scripts/bootstrap dev,bench` installs it"
    for split in splits:
        run_split(args.data, split, args.limit, systems, args.parse)
    if textacy_note:
        print(textacy_note)
    return 0


def run_split(data_dir: Path, split: str, limit: int | None,
              systems: dict[str, Callable[[str, Any], list[Prediction]]], parse: str = "selective") -> None:
    scores = {(name, scope): Score() for name in systems for scope in ("direct", "all")}
    seconds = dict.fromkeys(systems, 0.0)
    nlp = load_pipeline()
    data = list(articles(data_dir, split, limit))
    started = time.monotonic()
    parse_seconds = 0.0
    texts = (text[:MAX_PARSE_CHARS] for text, _ in data)
    docs = iter(nlp.pipe(texts, batch_size=32) if parse == "full"
                else parse_selectively(nlp, texts, "en", batch_size=32))
    for n, (text, golds) in enumerate(data, 1):
        tick = time.perf_counter()
        doc = next(docs)
        parse_seconds += time.perf_counter() - tick
        tokens = [(m.start(), m.end()) for m in WORD.finditer(text)]
        for name, predict in systems.items():
            tick = time.perf_counter()
            try:
                preds = predict(text, doc)
            except Exception as error:  # a baseline failing on one article is counted, not fatal
                scores[(name, "direct")].notes.append(f"{type(error).__name__}: {error}")
                preds = []
            seconds[name] += time.perf_counter() - tick
            score(tokens, [g for g in golds if g.direct], [p for p in preds if p.direct],
                  scores[(name, "direct")])
            score(tokens, golds, preds, scores[(name, "all")])
        if n % 100 == 0:
            print(f"{split}: {n}/{len(data)} articles, {time.monotonic() - started:.0f} s", file=sys.stderr)
    header = ["system", "scope", "gold", "pred", "match", "P", "R", "F1", "speaker acc"]
    rows = [[name, scope, *s.row()] for (name, scope), s in scores.items()]
    print(f"PolNeAR {split}: {len(data)} articles, {parse} parse")
    print_table(header, rows)
    for (name, _), s in scores.items():
        if s.notes:
            print(f"{name}: failed on {len(s.notes)} articles, first: {s.notes[0]}")
    # Speed: each system on the same parsed Docs; the parse (shared, spaCy's) apart. Noisy on a shared
    # machine: compare the ratios, measured in one run.
    load = os.getloadavg()[0]
    n = len(data)
    textacy_s = seconds.get("textacy 0.13")
    timing = [["spaCy parse (shared)", f"{n / parse_seconds:.1f}" if parse_seconds else "-", "", ""]]
    for name, spent in seconds.items():
        ratio = f"{spent / textacy_s:.2f}" if textacy_s else "-"
        with_parse = n / (spent + parse_seconds) if spent + parse_seconds else 0.0
        timing.append([name, f"{n / spent:.1f}" if spent else "-", f"{with_parse:.1f}", ratio])
    print(f"\nSpeed on PolNeAR {split} (articles/s, one process; load average {load:.1f})")
    print_table(["stage", "articles/s", "with parse", "time vs textacy"], timing)
    print()


def print_table(header: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)))


if __name__ == "__main__":
    sys.exit(main())
