"""Fit the speaker chooser of a rule language (`quote_chooser_multi`) on the `tuned` pages of the
hand annotations (benchmarks/data/quotes_multi.tsv), and only on those:

    python -m newsdesk.enrich.train_speakers_multi [--language de] [--data ../shared/data]
                                                   [--annotations PATH] [--out PATH] [--pages CACHE.json]

Each tuned page of the language is extracted and enriched as newsdesk does (its entities from the
language's shipped entity model), its quotations found by the rules alone (`quotes_from_doc(...,
choose=False)`), and every direct quotation that matches an annotated one (as
benchmarks/quotes_multi.py pairs them, `quote_annotations.direct_pairs`) gives its candidates, labelled 1
when the candidate would be scored right as its speaker (`quote_annotations.speaker_right`: its name,
for a pronoun the person it names, is the annotated speaker). A quotation whose speaker the text does
not give (`-` `-`) has every candidate labelled 0, and is right when the chooser names nobody. A
LightGBM binary model (`PARAMS`, `ROUNDS`; one thread, deterministic) is fitted on the candidates.

Cross-validation by page (`FOLDS` folds, page i in fold i mod FOLDS, pages in file-name order): every
page's quotations are scored by a model fitted on the other folds' pages. The policy (least
probability to name a speaker the rules left out, least margin to replace the rules' choice) is the
one keeping the most right speakers over those out-of-fold scores; the figure printed for it is
nested (each fold scored with the policy chosen on the other folds' out-of-fold scores), beside the
rules alone on the same quotations. When the nested figure does not beat the rules alone, the policy
written never fills nor overrides (`NEVER`): the rules alone stay. Held-out pages are never read.

Writes `src/newsdesk/enrich/models/speakers-multi/LANGUAGE/model.txt` (LightGBM's text format) and
`policy.tsv` beside it (`--pages` keeps the extracted bodies and entities in a JSON file and reads
them back on the next run). About 80 seconds for German (39 pages) at load 9-10, most of it the
extraction and the entity model.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy

from newsdesk.enrich.quote_annotations import Page, direct_pairs, golds_of, read_annotations, speaker_right
from newsdesk.enrich.quote_chooser import Candidate, Policy, decide, probabilities
from newsdesk.enrich.quote_chooser_multi import candidates_of, model_path
from newsdesk.enrich.train_speakers import save_model
from newsdesk.lightgbm_import import import_lightgbm

if TYPE_CHECKING:
    import lightgbm

REPOSITORY = Path(__file__).resolve().parents[3]
DATA = REPOSITORY.parent / "shared" / "data"
ANNOTATIONS = REPOSITORY / "benchmarks" / "data" / "quotes_multi.tsv"
FOLDS = 5
PARAMS = {"objective": "binary", "learning_rate": 0.05, "num_leaves": 7, "min_data_in_leaf": 10,
          "deterministic": True, "force_row_wise": True, "num_threads": 1, "seed": 0, "verbose": -1}
ROUNDS = 150
NEVER = 2.0  # a threshold no probability (nor difference of two) reaches


@dataclass
class Example:
    """A matched quotation's candidates and labels, and whether the text names no speaker for it."""

    candidates: list[Candidate]
    labels: list[int]
    nobody: bool


def enriched(path: Path, cache: dict[str, Any] | None) -> tuple[str, list[tuple[int, int, str]]]:
    """A page's body and its speaker mentions as enrichment finds them (kept in `cache` by path)."""
    from newsdesk import extract
    from newsdesk.enrich.enricher import enrich_articles, speaker_mentions

    key = str(path)
    if cache is not None and key in cache:
        body, mentions = cache[key]
        return body, [(int(s), int(e), str(label)) for s, e, label in mentions]
    article = extract(gzip.decompress(path.read_bytes()))
    enrich_articles([article])
    found = (article.body, speaker_mentions(article.entities))
    if cache is not None:
        cache[key] = found
    return found


def page_examples(path: Path, page: Page, language: str,
                  cache: dict[str, Any] | None = None) -> list[Example] | None:
    """The labelled candidates of one annotated page; None when its annotations are stale."""
    from newsdesk.enrich.quotes import quotes_from_doc

    body, entities = enriched(path, cache)
    golds = golds_of(body, page)
    if golds is None:
        return None
    quotes = quotes_from_doc(body, None, language=language, entities=entities, choose=False)
    direct = [q for q in quotes if q.type == "direct"]
    found = candidates_of(body, language, direct, entities)
    examples = []
    for gi, pi in direct_pairs(body, golds, direct):
        gold = golds[gi]
        labels = [int(speaker_right(body, gold, replace(direct[pi], speaker_span=c.span,
                                                              speaker_name=c.name)))
                  for c in found[pi]]
        nobody = gold.cue_mention is None and gold.name_mention is None
        examples.append(Example(found[pi], labels, nobody))
    return examples


def fit(examples: list[Example]) -> lightgbm.Booster:
    import lightgbm

    names = sorted({k for e in examples for c in e.candidates for k in c.features})
    rows = numpy.array([[c.features.get(k, 0.0) for k in names] for e in examples for c in e.candidates],
                       dtype=float)
    labels = numpy.array([label for e in examples for label in e.labels], dtype=float)
    data = lightgbm.Dataset(rows, labels, feature_name=names, free_raw_data=False)
    return lightgbm.train(PARAMS, data, num_boost_round=ROUNDS)


Scored = tuple[list[tuple[float, Candidate]], Example]


def right(scored: Scored, policy: Policy | None) -> bool:
    """Whether the chooser under `policy` (None: the rules alone) gives the quotation's speaker."""
    pairs, example = scored
    if policy is None:
        choice = next((c for _, c in pairs if c.features.get("rule_choice")), None)
    else:
        choice = decide(pairs, policy)
    if choice is None:
        return example.nobody
    return any(c is choice and label for c, label in zip(example.candidates, example.labels, strict=True))


def best_policy(scored: list[Scored]) -> Policy:
    """The policy keeping the most right speakers over `scored`; ties: the most careful."""
    grid = [x / 20 for x in range(21)]
    return max((Policy(fill, override) for fill in grid for override in [*grid[1:], NEVER]),
               key=lambda p: (sum(right(s, p) for s in scored), p.fill, p.override))


def shipped_policy(policy: Policy, nested: int, rules: int) -> Policy:
    """`policy` when the chooser under it beat the rules out of fold (`nested` right speakers against
    the rules' `rules`), else one that never fills nor overrides: the rules alone."""
    return policy if nested > rules else Policy(NEVER, NEVER)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--language", default="de")
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--annotations", type=Path, default=ANNOTATIONS)
    parser.add_argument("--out", type=Path, default=None, help="default: the language's shipped model")
    parser.add_argument("--pages", type=Path, default=None,
                        help="JSON file keeping the pages' bodies and entities between runs")
    args = parser.parse_args()
    cache: dict[str, Any] | None = None
    if args.pages is not None:
        cache = json.loads(args.pages.read_text(encoding="utf-8")) if args.pages.exists() else {}
    import_lightgbm()
    pages = sorted((p for p in read_annotations(args.annotations)
                    if p.split == "tuned" and p.language == args.language), key=lambda p: (p.dataset, p.page))
    per_page: list[list[Example]] = []
    for page in pages:
        path = args.data / page.dataset / "html" / f"{page.page}.html.gz"
        if not path.is_file():
            print(f"page not found: {path}", file=sys.stderr)
            return 2
        examples = page_examples(path, page, args.language, cache)
        if examples is None:
            print(f"stale annotations, page left out: {page.page}", file=sys.stderr)
            continue
        per_page.append(examples)
    if cache is not None:
        args.pages.write_text(json.dumps(cache), encoding="utf-8")
    everyone = [e for found in per_page for e in found]
    if not any(label for e in everyone for label in e.labels):
        print(f"no labelled speaker among the tuned {args.language} pages", file=sys.stderr)
        return 2
    folds: list[list[Scored]] = [[] for _ in range(FOLDS)]
    for fold in range(FOLDS):
        model = fit([e for i, found in enumerate(per_page) if i % FOLDS != fold for e in found])
        for i, found in enumerate(per_page):
            if i % FOLDS == fold:
                for example in found:
                    scores = probabilities(model, example.candidates) if example.candidates else []
                    folds[fold].append((list(zip(scores, example.candidates, strict=True)), example))
    scored = [s for fold in folds for s in fold]
    nested = sum(right(s, best_policy([o for j, other in enumerate(folds) if j != fold for o in other]))
                 for fold in range(FOLDS) for s in folds[fold])
    rules = sum(right(s, None) for s in scored)
    policy = best_policy(scored)
    chosen = sum(right(s, policy) for s in scored)
    rows = sum(len(e.candidates) for e in everyone)
    print(f"{args.language}: {len(per_page)} tuned pages, {len(scored)} matched direct quotations, {rows} "
          f"candidates ({sum(sum(e.labels) for e in everyone)} right)")
    print(f"speaker right, {FOLDS}-fold cross-validated by page: rules alone {rules / len(scored):.3f} "
          f"({rules}/{len(scored)}); chooser, policy nested {nested / len(scored):.3f} ({nested}); "
          f"chooser, one policy over all folds {chosen / len(scored):.3f} ({chosen})")
    if shipped_policy(policy, nested, rules) != policy:
        print(f"the chooser does not beat the rules cross-validated ({nested} <= {rules}): "
              "policy never fills nor overrides")
        policy = shipped_policy(policy, nested, rules)
    print(f"policy: fill {policy.fill}, override {policy.override}")
    out = args.out or model_path(args.language)
    save_model(out, fit(everyone), "Speaker chooser policy, chosen by cross-validation by page on the tuned "
               f"{args.language} pages of quotes_multi.tsv (python -m newsdesk.enrich.train_speakers_multi)",
               [("fill", policy.fill), ("override", policy.override)])
    return 0


if __name__ == "__main__":
    sys.exit(main())
