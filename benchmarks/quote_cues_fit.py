"""Fit the English attribution-verb table (`src/newsdesk/enrich/data/attribution_verbs_en.tsv`) on
PolNeAR train, and only train:

    .venv/bin/python benchmarks/quote_cues_fit.py [--data DIR] [--out PATH] [--min-count 5] [--min-rate 0.4]

For every verb of a train article that has a subject and a complement (a clause, an infinitive or a
direct object after it), count how often it is, and is not, the cue of a PolNeAR attribution (the
verb lies in an annotated Cue span). A lemma seen at least `--min-count` times as such and a cue at
least `--min-rate` of them is written out, with its counts. The reporting verbs of
`newsdesk.enrich.quote_cues` are left out (they are cues already). Deterministic: the same data give
the same table (sorted by lemma). The dev split is never read.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from pathlib import Path

from newsdesk.enrich.nlp import MAX_PARSE_CHARS, load_pipeline
from newsdesk.enrich.quote_cues import REPORTING_VERBS

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "polnear"
OUT = Path(__file__).resolve().parents[1] / "src/newsdesk/enrich/data/attribution_verbs_en.tsv"
COMPLEMENTS = frozenset({"ccomp", "xcomp", "dobj"})


def cue_spans(ann: Path) -> list[tuple[int, int]]:
    found = []
    for line in ann.read_text(encoding="utf-8").splitlines():
        match = re.match(r"T\d+\tCue ([\d ;]+)\t", line)
        if match:
            for part in match.group(1).split(";"):
                start, end = part.split()
                found.append((int(start), int(end)))
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--min-count", type=int, default=5)
    parser.add_argument("--min-rate", type=float, default=0.4)
    args = parser.parse_args()
    texts = sorted((args.data / "train" / "text").glob("*.txt"))
    if not texts:
        print(f"PolNeAR train split not found at {args.data / 'train'}", file=sys.stderr)
        return 2
    pairs = []
    for path in texts:
        ann = sorted((args.data / "train" / "attributions").glob(path.stem + "_*.ann"))
        if ann:  # the first annotator's file, as benchmarks/quotes.py reads it
            pairs.append((path.read_text(encoding="utf-8")[:MAX_PARSE_CHARS], cue_spans(ann[0])))
    seen: Counter[str] = Counter()
    cue: Counter[str] = Counter()
    nlp = load_pipeline()
    docs = nlp.pipe((t for t, _ in pairs), batch_size=32)
    for n, ((_, spans), doc) in enumerate(zip(pairs, docs, strict=True), 1):
        starts = sorted(spans)
        for token in doc:
            if token.pos_ != "VERB":
                continue
            deps = {c.dep_ for c in token.children if c.i > token.i}
            if not deps & COMPLEMENTS or not any(c.dep_ in {"nsubj", "nsubjpass"} for c in token.children):
                continue
            lemma = token.lemma_.lower()
            seen[lemma] += 1
            if any(s <= token.idx < e for s, e in starts):
                cue[lemma] += 1
        if n % 100 == 0:
            print(f"{n}/{len(pairs)} articles", file=sys.stderr)
    rows = sorted(lemma for lemma, count in seen.items()
                  if count >= args.min_count and cue[lemma] / count >= args.min_rate
                  and lemma not in REPORTING_VERBS["en"] and lemma.isalpha())
    lines = ["# lemma\tcue\tseen  (benchmarks/quote_cues_fit.py on PolNeAR train; "
             f"min count {args.min_count}, min rate {args.min_rate})"]
    lines += [f"{lemma}\t{cue[lemma]}\t{seen[lemma]}" for lemma in rows]
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(rows)} verbs written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
