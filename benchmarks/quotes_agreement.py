"""How far PolNeAR's annotators agree with each other on direct quotations, scored exactly as
benchmarks/quotes.py scores newsdesk against them, and newsdesk beside them on the same articles:

    .venv/bin/python benchmarks/quotes_agreement.py [--data DIR]

* `annotator-training`: the 4 articles every one of the 6 annotators annotated (during their
  training). Each annotator is scored against each other one (30 ordered pairs an article: one is
  the gold, the other the prediction), and newsdesk against each of the 6 (selective parse, as
  enrichment parses). newsdesk was never tuned on these articles.
* `train`, `dev`: their articles with more than one annotator's file, annotator against annotator
  only (newsdesk was tuned on train; dev is read by `quotes.py` already).

A prediction matches a gold direct attribution when they share at least half of each one's word
tokens (`quotes.score`); the speaker is right when the predicted source overlaps the gold's. This
says how high a direct-quote F1 human annotators reach under PolNeAR's guidelines: a reference for
the issue's targets, not a target itself.
"""

from __future__ import annotations

import argparse
import itertools
import sys
from pathlib import Path

from newsdesk.enrich.quotes import MAX_PARSE_CHARS, load_pipeline
from newsdesk.enrich.selective import parse_selectively
from quotes import DATA, WORD, Gold, Prediction, Score, newsdesk_predictions, print_table, read_ann, score


def as_predictions(golds: list[Gold]) -> list[Prediction]:
    """One annotator's direct attributions, as predictions to score another annotator's against."""
    return [Prediction(list(g.content), g.source[0] if g.source else None, True, list(g.source))
            for g in golds if g.direct]


def compartment(data: Path, name: str, with_newsdesk: bool) -> list[list[str]]:
    folder = data / name
    if not (folder / "text").is_dir():
        raise SystemExit(f"PolNeAR compartment {name} not found at {folder}")
    people, ours = Score(), Score()
    articles = []
    for path in sorted((folder / "text").glob("*.txt")):
        anns = sorted((folder / "attributions").glob(path.stem + "_*.ann"))
        if len(anns) > 1:
            text = path.read_text(encoding="utf-8")
            articles.append((text, [read_ann(ann, text) for ann in anns]))
    docs = iter(parse_selectively(load_pipeline(), (t[:MAX_PARSE_CHARS] for t, _ in articles), "en")
                if with_newsdesk else [])
    for text, golds in articles:
        tokens = [(m.start(), m.end()) for m in WORD.finditer(text)]
        for i, j in itertools.permutations(range(len(golds)), 2):
            score(tokens, [g for g in golds[i] if g.direct], as_predictions(golds[j]), people)
        if with_newsdesk:
            preds = [p for p in newsdesk_predictions(text, next(docs)) if p.direct]
            for gold in golds:
                score(tokens, [g for g in gold if g.direct], preds, ours)
    rows = [[name, str(len(articles)), "annotator vs annotator", *people.row()]]
    if with_newsdesk:
        rows.append([name, str(len(articles)), "newsdesk vs each annotator", *ours.row()])
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DATA)
    args = parser.parse_args()
    rows = [*compartment(args.data, "annotator-training", True),
            *compartment(args.data, "train", False), *compartment(args.data, "dev", False)]
    print_table(["compartment", "articles", "who", "gold", "pred", "match", "P", "R", "F1", "speaker acc"],
                rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
