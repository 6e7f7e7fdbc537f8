"""Where the direct-quote F1 of `benchmarks/quotes.py` is lost on PolNeAR train, by class, with counts,
over cross-validated predictions (train only; the dev split is never read):

    .venv/bin/python benchmarks/quotes_errors.py [--docs CACHE.spacy] [--examples N]

Each train article's quotations are found by the rules, and the paraphrases around a quoted piece
(`quote_fragments`) scored by a model fitted on the other four folds (by article, as
`python -m newsdesk.enrich.train_quotes` does, with the thresholds of models/quotes/policy.tsv; the
cuts of `quote_bounds` and the filter of `quote_filter` are left out: `train_bounds` and
`train_filter` report their cross-validated effect), then grouped
and matched to the direct gold as `benchmarks/quotes.py` does. Every direct gold attribution
that no prediction matches and every prediction that matches no gold is put in one class:

* missed gold: no prediction shares a word with it (then: is a candidate of `quote_fragments` a match,
  below its threshold; does a candidate overlap it; else none, by the kind of gold cue), or a
  prediction overlaps it but shares fewer than half of one's words (ours shorter / ours longer), or the
  overlapping prediction is matched to another gold;
* unmatched prediction: no direct gold shares a word with it, or only an indirect one; it overlaps a
  gold matched to another prediction (a further quoted piece PolNeAR folds into one attribution); or
  it overlaps a missed gold (a boundary).

`--examples N` prints N examples of each class (train text only).
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from pathlib import Path

from newsdesk.enrich.quote_fragments import POLICY, keep, merge, probabilities
from newsdesk.enrich.train_quotes import FOLDS, MARKS, Article, _matches, direct_groups, feature_names, fit
from newsdesk.enrich.train_speakers import DATA, parses, train_articles

Spans = list[tuple[int, int]]


def gold_cues(data: Path) -> list[list[tuple[Spans, Spans]]]:
    """(content, cue) fragments of every attribution of every train article, in `train_articles` order."""
    found = []
    for path in sorted((data / "train" / "text").glob("*.txt")):
        ann = sorted((data / "train" / "attributions").glob(path.stem + "_*.ann"))
        if not ann:
            continue
        spans: dict[str, Spans] = {}
        article = []
        for line in ann[0].read_text(encoding="utf-8").splitlines():
            if re.match(r"T\d+\t", line):
                ident, info, _ = line.split("\t", 2)
                offsets = info.split(" ", 1)[1]
                spans[ident] = [(int(a), int(b)) for a, b in (p.split() for p in offsets.split(";"))]
            elif re.match(r"E\d+\t", line):
                parts = dict(p.split(":", 1) for p in line.split("\t", 1)[1].split())
                content = spans.get(parts.get("Content", ""), [])
                if content:
                    article.append((content, spans.get(parts.get("Cue", ""), [])))
        found.append(article)
    return found


def cue_kind(text: str, doc: object, cue: Spans) -> str:
    """A coarse class of a gold cue: none, colon, according to, passive, noun, verb, other."""
    if not cue:
        return "no cue"
    words = " ".join(text[s:e] for s, e in cue).lower()
    if "according" in words:
        return "according to"
    tokens = [t for s, e in cue for t in doc.char_span(s, e, alignment_mode="expand") or []]  # type: ignore[attr-defined]
    if not tokens:
        return "cue past the parse"
    if any(t.tag_ == "VBN" for t in tokens) and any(t.lower_ in {"was", "were", "is", "are", "been", "be"}
                                                    for t in tokens):
        return "passive"
    if any(t.pos_ == "VERB" for t in tokens):
        return "verb"
    if any(t.pos_ == "NOUN" for t in tokens):
        return "noun"
    if text[cue[0][0] : cue[-1][1]].strip() in {":", "—", "-"}:
        return "punctuation"
    return "other"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--docs", type=Path, default=None, help="DocBin file caching the train parses")
    parser.add_argument("--examples", type=int, default=0)
    args = parser.parse_args()
    from newsdesk.enrich.quote_fragments import fragment_candidates
    from newsdesk.enrich.quotes import quotes_from_doc

    raw = train_articles(args.data)
    cues = gold_cues(args.data)
    docs = parses([text for text, _ in raw], args.docs)
    articles = []
    for (text, golds), doc in zip(raw, docs, strict=True):
        quotes = quotes_from_doc(text, doc, choose=False, fragments=False)
        articles.append(Article(text, golds, quotes, fragment_candidates(doc, text, quotes)))
    names = feature_names(articles)
    held_out: list[list[float]] = [[] for _ in articles]
    for fold in range(FOLDS):
        model = fit([a for i, a in enumerate(articles) if i % FOLDS != fold], names)
        for i, a in enumerate(articles):
            if i % FOLDS == fold and a.candidates:
                held_out[i] = probabilities(model, a.candidates)
    values = dict(line.split("\t") for line in POLICY.read_text().splitlines() if not line.startswith("#"))
    from newsdesk.enrich.quote_fragments import Thresholds

    thresholds = Thresholds(float(values["threshold"]), float(values["replace"]))
    classes: Counter[str] = Counter()
    examples: dict[str, list[str]] = {}
    totals = [0, 0, 0]

    def note(kind: str, what: str) -> None:
        classes[kind] += 1
        if len(examples.setdefault(kind, [])) < args.examples:
            examples[kind].append(what)

    for i, (a, doc) in enumerate(zip(articles, docs, strict=True)):
        merged = merge(a.quotes, keep(a.candidates, held_out[i], thresholds))
        preds = [a.ids(spans) for spans in direct_groups(a.text, merged)]
        pred_spans = direct_groups(a.text, merged)
        direct = [(content, cue) for content, cue in cues[i]
                  if any(ch in MARKS for s, e in content for ch in a.text[s:e])]
        indirect = [a.ids(content) for content, _ in cues[i]
                    if not any(ch in MARKS for s, e in content for ch in a.text[s:e])]
        golds = a.golds
        pairs = sorted(((len(g & p), gi, pi) for gi, g in enumerate(golds) for pi, p in enumerate(preds)
                        if _matches(g, p)), reverse=True)
        used_g: dict[int, int] = {}
        used_p: dict[int, int] = {}
        for _, gi, pi in pairs:
            if gi not in used_g and pi not in used_p:
                used_g[gi] = pi
                used_p[pi] = gi
        totals[0] += len(golds)
        totals[1] += len(preds)
        totals[2] += len(used_g)
        all_quotes = [a.ids([q.span]) for q in merged]
        for gi, g in enumerate(golds):
            if gi in used_g:
                continue
            content, cue = direct[gi]
            shown = " | ".join(a.text[s:e] for s, e in content)[:300]
            over = [pi for pi, p in enumerate(preds) if g & p]
            if not over:
                cands = [c for c in a.candidates if g & a.ids([c.span])]
                if any(_matches(g, a.ids([c.span])) for c in cands):
                    kind = "missed: no prediction; a matching candidate below its threshold"
                elif cands:
                    kind = "missed: no prediction; candidates overlap, none matches"
                elif any(g & q for q in all_quotes):
                    kind = "missed: only an unmarked (indirect) prediction overlaps"
                else:
                    kind = f"missed: no prediction, no candidate; cue: {cue_kind(a.text, doc, cue)}"
                note(kind, f"{shown}  [cue: {' '.join(a.text[s:e] for s, e in cue)}]")
                continue
            free = [pi for pi in over if pi not in used_p]
            if not free:
                note("missed: the overlapping prediction matches another gold", shown)
                continue
            pi = max(free, key=lambda k: len(g & preds[k]))
            longer = len(preds[pi]) > len(g)
            frags = "several gold fragments" if len(content) > 1 else "one gold fragment"
            ours = " | ".join(a.text[s:e] for s, e in pred_spans[pi])[:300]
            note(f"missed: boundary, ours {'longer' if longer else 'shorter'} ({frags})",
                 f"GOLD {shown}\n      OURS {ours}")
        for pi, p in enumerate(preds):
            if pi in used_p:
                continue
            ours = " | ".join(a.text[s:e] for s, e in pred_spans[pi])[:300]
            over = [gi for gi, g in enumerate(golds) if g & p]
            if not over:
                if any(g & p for g in indirect):
                    note("unmatched: overlaps only an indirect (unmarked) gold", ours)
                else:
                    note("unmatched: no gold at all", ours)
            elif all(gi in used_g for gi in over):
                note("unmatched: overlaps a gold matched to another prediction (folded piece)", ours)
            else:
                note("unmatched: overlaps a missed gold (boundary)", ours)
    gold, predicted, matched = totals
    p, r = matched / predicted, matched / gold
    print(f"PolNeAR train, {FOLDS}-fold cross-validated: {gold} direct gold, {predicted} predicted, "
          f"{matched} matched: F1 {2 * p * r / (p + r):.3f} (P {p:.3f} R {r:.3f})")
    for kind, n in sorted(classes.items(), key=lambda x: (x[0].split(":")[0], -x[1])):
        print(f"{n:6d}  {kind}")
    for kind, shown in examples.items():
        print(f"\n== {kind}")
        for s in shown:
            print("    " + s.replace("\n", " "))
    return 0


if __name__ == "__main__":
    sys.exit(main())
