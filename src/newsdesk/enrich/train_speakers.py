"""Fit the English speaker chooser (`quote_chooser`) on PolNeAR train, and only train:

    python -m newsdesk.enrich.train_speakers [--data ../shared/data/polnear] [--out PATH]
                                             [--docs CACHE.spacy]

Each train article is parsed as enrichment parses it (`parse_selectively`; `--docs` keeps the parses
in a DocBin file and reads them back on the next run), its quotations found by the rules alone
(`quotes_from_doc(..., choose=False)`), and every quotation that matches a PolNeAR attribution with a
Source (at least half of the quotation's words in its Content) gives its candidates, labelled 1 when
the candidate is the Source (its span overlaps it, or it names a person one of whose mentions does:
what `benchmarks/quotes.py` counts as right). A LightGBM binary model (200 rounds of 15 leaves, one
thread, deterministic) is fitted on the candidates. The policy (least probability to name a speaker the rules
left out, least margin to replace the rules' choice) is chosen by 5-fold cross-validation over the
train articles, and the speaker accuracy over those folds is printed (a cross-validated figure: each
article scored by a model that did not see it). The dev split is never read.

Writes `src/newsdesk/enrich/models/speakers/en.txt` (the model, LightGBM's text format) and
`policy.tsv` beside it. About 8 minutes of parsing without `--docs`, then about 3 minutes of CPU
for the six fits.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import numpy

from newsdesk.enrich import booster_ensemble
from newsdesk.enrich.quote_chooser import MODEL, Candidate, Policy, candidates_of, decide, probabilities
from newsdesk.lightgbm_import import import_lightgbm

if TYPE_CHECKING:
    import lightgbm
    from spacy.tokens import Doc

DATA = Path(__file__).resolve().parents[4] / "shared" / "data" / "polnear"
OUT = MODEL
WORD = re.compile(r"\w+")
FOLDS = 5
Spans = list[tuple[int, int]]
# (features, label) of every candidate of one quotation, and the index of the rules' own choice.
Example = tuple[list[Candidate], list[int]]


def read_attributions(path: Path) -> list[tuple[Spans, Spans]]:
    """(content fragments, source fragments) of every attribution (`E` line) of a brat file."""
    spans: dict[str, Spans] = {}
    found: list[tuple[Spans, Spans]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if re.match(r"T\d+\t", line):
            ident, info, _ = line.split("\t", 2)
            offsets = info.split(" ", 1)[1]
            spans[ident] = [(int(a), int(b)) for a, b in (part.split() for part in offsets.split(";"))]
        elif re.match(r"E\d+\t", line):
            parts = dict(part.split(":", 1) for part in line.split("\t", 1)[1].split())
            content = spans.get(parts.get("Content", ""), [])
            if content:
                found.append((content, spans.get(parts.get("Source", ""), [])))
    return found


def train_articles(data: Path) -> list[tuple[str, list[tuple[Spans, Spans]]]]:
    """Text and attributions of every PolNeAR train article (the first annotator's file)."""
    found = []
    for path in sorted((data / "train" / "text").glob("*.txt")):
        ann = sorted((data / "train" / "attributions").glob(path.stem + "_*.ann"))
        if ann:
            found.append((path.read_text(encoding="utf-8"), read_attributions(ann[0])))
    return found


def parses(texts: list[str], cache: Path | None) -> list[Doc]:
    from spacy.tokens import DocBin

    from newsdesk.enrich.nlp import MAX_PARSE_CHARS, load_pipeline
    from newsdesk.enrich.selective import parse_selectively

    nlp = load_pipeline()
    if cache is not None and cache.exists():
        docs = list(DocBin().from_bytes(cache.read_bytes()).get_docs(nlp.vocab))
        if len(docs) == len(texts) and all(t.startswith(d.text) for t, d in zip(texts, docs, strict=True)):
            return docs
    docs = list(parse_selectively(nlp, (t[:MAX_PARSE_CHARS] for t in texts), "en"))
    if cache is not None:
        bin_ = DocBin()
        for doc in docs:
            bin_.add(doc)
        cache.write_bytes(bin_.to_bytes())
    return docs


def _overlaps(span: tuple[int, int], spans: Spans) -> bool:
    return any(span[0] < e and s < span[1] for s, e in spans)


def examples_of(text: str, doc: Doc, golds: list[tuple[Spans, Spans]]) -> list[Example]:
    """The labelled candidates of every quotation of `text` that matches an attribution with a Source."""
    from newsdesk.enrich.quotes import quotes_from_doc

    words = [(m.start(), m.end()) for m in WORD.finditer(text)]
    quotes = quotes_from_doc(text, doc, choose=False)
    people = [e for e in doc.ents if e.label_ == "PERSON" and e.text.split()]
    found: list[Example] = []
    for quote, candidates in zip(quotes, candidates_of(doc, quotes), strict=True):
        mine = {i for i, w in enumerate(words) if _overlaps(w, [quote.span])}
        best, shared = None, 0
        for content, source in golds:
            common = sum(1 for i in mine if _overlaps(words[i], content))
            if common > shared:
                best, shared = (content, source), common
        if best is None or not best[1] or 2 * shared < len(mine) or not candidates:
            continue
        source = best[1]
        labels = []
        for c in candidates:
            last = c.name.split()[-1] if c.name and c.name.split() else None
            mentions = [(e.start_char, e.end_char) for e in people if last and e.text.split()[-1] == last]
            labels.append(int(_overlaps(c.span, source) or any(_overlaps(m, source) for m in mentions)))
        found.append((candidates, labels))
    return found


PARAMS = {"objective": "binary", "learning_rate": 0.05, "num_leaves": 15, "min_data_in_leaf": 20,
          "deterministic": True, "force_row_wise": True, "num_threads": 1, "seed": 0, "verbose": -1}
ROUNDS = 200


def fit(examples: list[Example]) -> lightgbm.Booster:
    import lightgbm

    names = sorted({k for candidates, _ in examples for c in candidates for k in c.features})
    rows = numpy.array([[c.features.get(k, 0.0) for k in names] for candidates, _ in examples
                        for c in candidates], dtype=float)
    labels = numpy.array([label for _, found in examples for label in found], dtype=float)
    data = lightgbm.Dataset(rows, labels, feature_name=names, free_raw_data=False)
    return lightgbm.train(PARAMS, data, num_boost_round=ROUNDS)


def right(scored: list[tuple[float, Candidate, int]], policy: Policy) -> bool:
    """Whether the chooser under `policy` keeps a candidate that is the speaker."""
    choice = decide([(p, c) for p, c, _ in scored], policy)
    return any(c is choice and label for _, c, label in scored)


def training_arguments(description: str, out: Path, ensemble: bool = False) -> argparse.Namespace | None:
    """The options every PolNeAR training command takes (--data, --out, --docs; with `ensemble`,
    --members and --seed of `booster_ensemble`, applied), parsed; None (after saying why on stderr)
    when the train split is missing. LightGBM is imported, or a clear error."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--out", type=Path, default=out)
    parser.add_argument("--docs", type=Path, default=None, help="DocBin file caching the train parses")
    if ensemble:
        parser.add_argument("--members", type=int, default=booster_ensemble.MEMBERS,
                            help="LightGBM boosters averaged (seeds differ; 1: one booster, no bagging)")
        parser.add_argument("--seed", type=int, default=0,
                            help="member j is fitted with seed SEED * MEMBERS + j (the shipped models: 0)")
    args = parser.parse_args()
    if ensemble:
        booster_ensemble.configure(args.members, args.seed)
    if not (args.data / "train" / "text").is_dir():
        print(f"PolNeAR train split not found at {args.data / 'train'}", file=sys.stderr)
        return None
    import_lightgbm()
    return args


def main() -> int:
    args = training_arguments(__doc__.split("\n")[0], OUT)
    if args is None:
        return 2
    articles = train_articles(args.data)
    docs = parses([text for text, _ in articles], args.docs)
    per_article = [examples_of(text, doc, golds) for (text, golds), doc in zip(articles, docs, strict=True)]
    # Policy by cross-validation: every article scored by a model fitted on the other folds.
    held_out: list[list[tuple[float, Candidate, int]]] = []
    for fold in range(FOLDS):
        train = [e for i, found in enumerate(per_article) if i % FOLDS != fold for e in found]
        model = fit(train)
        for i, found in enumerate(per_article):
            if i % FOLDS == fold:
                for candidates, labels in found:
                    scores = probabilities(model, candidates)
                    held_out.append(list(zip(scores, candidates, labels, strict=True)))
    direct = [scored for scored in held_out if scored[0][1].features.get("direct")]
    grid = [x / 20 for x in range(21)]
    # The policy that keeps the most right speakers over all held-out quotations; ties: the most careful.
    policy = max((Policy(fill, override) for fill in grid for override in [*grid[1:], 2.0]),
                 key=lambda p: (sum(right(s, p) for s in held_out), p.fill, p.override))
    for name, scope in (("all", held_out), ("direct", direct)):
        rules = sum(1 for s in scope if any(c.features.get("rule_choice") and label for _, c, label in s))
        chosen = sum(right(s, policy) for s in scope)
        print(f"{name}: {len(scope)} quotations matching an attribution with a Source; speaker right by the "
              f"rules {rules / len(scope):.3f}, with the chooser {chosen / len(scope):.3f} "
              f"({FOLDS}-fold cross-validated)")
    print(f"policy: fill {policy.fill}, override {policy.override}")
    save_model(args.out, fit([e for found in per_article for e in found]),
               "Speaker chooser policy, chosen by cross-validation on PolNeAR train "
               "(python -m newsdesk.enrich.train_speakers)",
               [("fill", policy.fill), ("override", policy.override)])
    return 0


def save_model(out: Path, model: lightgbm.Booster, comment: str, policy: list[tuple[str, object]]) -> None:
    """Write a fitted model to `out` and its policy (`name<TAB>value` lines under a comment saying how
    they were chosen) to policy.tsv beside it, as quote_chooser.read_model reads them."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(model.model_to_string(), encoding="utf-8")
    lines = "".join(f"{name}\t{value}\n" for name, value in policy)
    out.with_name("policy.tsv").write_text(f"# {comment}\n{lines}", encoding="utf-8")
    print(f"wrote {out} and its policy.tsv")


if __name__ == "__main__":
    sys.exit(main())
