"""Metadata benchmark: title, author and date accuracy of newsdesk beside trafilatura and htmldate alone.

    .venv/bin/python benchmarks/metadata.py [--sets trafilatura-dev,wcxb-dev] [--only NAME,...]
                                            [--json OUT] [--per-doc DIR] [--reuse DIR]

Needs the `bench` extra (`scripts/bootstrap dev,bench`) for trafilatura and htmldate. Every extractor
runs in this one process, one after another, on the raw bytes of each page and its URL:

* newsdesk: `newsdesk.extract(raw, url=url)`, its title, authors and published date; the table also
  gives the share of pages whose date came from htmldate (`extraction["published"] == "htmldate"`).
* trafilatura: `trafilatura.extract_metadata(raw, default_url=url)` (title, author, date).
* htmldate: `htmldate.find_date(raw, url=url, original_date=True)`, its documented use for the
  publication date, dates only.

Accuracy follows TRAFILATURA_RULES of extraction_scoring.py (the same normalisation as
benchmarks/extraction.py), over the pages whose truth has the field. Figures are given per
cross-validation fold of benchmarks/data/folds.tsv (five folds grouped by site, see folds.py) and in
total, per set and over both sets. newsdesk's metadata rules are written by hand, not fitted: no
fold is held out from anything, the per-fold figures show how much the accuracy varies from site
group to site group. Speed is benchmarks/extraction.py's business, not this one's.

`--reuse DIR` keeps each competitor's predictions in DIR and reads them back on the next run (they do
not change while newsdesk does); leave it out for a run where every figure is computed afresh.
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from extraction_data import DEFAULT_DATA, read_page
from extraction_scoring import TRAFILATURA_RULES, norm_authors, norm_day, norm_title
from folds import K, load_folds

SETS = ("trafilatura-dev", "wcxb-dev")
FIELDS = ("title", "author", "date")
Prediction = dict[str, Any]  # {"title", "authors", "date", "date_method"}


def _newsdesk() -> Callable[[bytes, str], Prediction]:
    import newsdesk

    def run(raw: bytes, url: str) -> Prediction:
        article = newsdesk.extract(raw, url=url)
        return {"title": article.title, "authors": article.authors, "date": article.published,
                "date_method": article.extraction.get("published")}
    return run


def _trafilatura() -> Callable[[bytes, str], Prediction]:
    import trafilatura

    def run(raw: bytes, url: str) -> Prediction:
        meta = trafilatura.extract_metadata(raw, default_url=url)
        if meta is None:
            return {}
        return {"title": meta.title, "authors": meta.author, "date": meta.date}
    return run


def _htmldate() -> Callable[[bytes, str], Prediction]:
    from htmldate import find_date

    def run(raw: bytes, url: str) -> Prediction:
        return {"date": find_date(raw, url=url, original_date=True)}
    return run


EXTRACTORS: dict[str, tuple[Callable[[], Callable[[bytes, str], Prediction]], tuple[str, ...]]] = {
    "newsdesk": (_newsdesk, FIELDS),
    "trafilatura": (_trafilatura, FIELDS),
    "htmldate": (_htmldate, ("date",)),
}


def predict(name: str, set_name: str, truth: dict[str, Any], data: Path) -> dict[str, Prediction]:
    import logging

    logging.disable(logging.CRITICAL)  # htmldate and trafilatura log every page they find odd
    run = EXTRACTORS[name][0]()
    out: dict[str, Prediction] = {}
    for doc_id, item in truth.items():
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                out[doc_id] = run(read_page(data, set_name, doc_id), item.get("url") or "")
        except Exception as exc:  # one bad page must not end the run; it scores as empty
            out[doc_id] = {"error": f"{type(exc).__name__}: {exc}"[:300]}
    return out


def correct(field: str, truth: dict[str, Any], doc: Prediction) -> bool:
    if field == "title":
        return bool(doc.get("title")) and norm_title(doc["title"]) == norm_title(truth["title"])
    if field == "author":
        found = norm_authors(doc.get("authors"))
        return bool(found) and found == norm_authors(truth["author"])
    return norm_day(doc.get("date")) == truth["date"][:10]


def score(truths: dict[str, dict[str, Any]], predictions: dict[str, dict[str, Prediction]],
          folds: dict[tuple[str, str], int], field: str) -> tuple[list[tuple[int, int]], tuple[int, int]]:
    """(right, pages) per fold and in total, over the pages whose truth has `field`."""
    per_fold = [[0, 0] for _ in range(K)]
    for set_name, truth in truths.items():
        for doc_id, item in truth.items():
            if not item.get(field):
                continue
            fold = folds[(set_name, doc_id)]
            per_fold[fold][1] += 1
            per_fold[fold][0] += correct(field, item, predictions[set_name].get(doc_id, {}))
    right, pages = sum(f[0] for f in per_fold), sum(f[1] for f in per_fold)
    return [(f[0], f[1]) for f in per_fold], (right, pages)


def _cell(right: int, pages: int) -> str:
    return f"{right / pages:.3f}" if pages else "-"


def render(title: str, truths: dict[str, dict[str, Any]],
           predictions: dict[str, dict[str, dict[str, Prediction]]],
           folds: dict[tuple[str, str], int]) -> tuple[str, dict[str, Any]]:
    header = f"{'field':<7}{'extractor':<13}" + "".join(f"{'fold ' + str(k):>8}" for k in range(K)) + \
        f"{'all':>8}{'pages':>7}"
    lines = [title, header, "-" * len(header)]
    figures: dict[str, Any] = {}
    for field in FIELDS:
        for name, (_, fields) in EXTRACTORS.items():
            if name not in predictions or field not in fields:
                continue
            per_fold, (right, pages) = score(truths, predictions[name], folds, field)
            figures[f"{name}:{field}"] = {"folds": [r / n if n else None for r, n in per_fold],
                                          "all": right / pages if pages else None, "pages": pages}
            lines.append(f"{field:<7}{name:<13}" + "".join(f"{_cell(*f):>8}" for f in per_fold)
                         + f"{_cell(right, pages):>8}{pages:>7}")
    if "newsdesk" in predictions:
        docs = [doc for set_name in truths for doc in predictions["newsdesk"][set_name].values()]
        fallback = sum(1 for doc in docs if doc.get("date_method") == "htmldate")
        dated = sum(1 for doc in docs if doc.get("date"))
        figures["newsdesk:htmldate_share"] = fallback / len(docs) if docs else None
        lines.append(f"newsdesk: date from htmldate on {fallback} of {len(docs)} pages "
                     f"({fallback / max(len(docs), 1):.1%}); a date given on {dated}")
    return "\n".join(lines), figures


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sets", default=",".join(SETS), help=f"comma-separated sets: {','.join(SETS)}")
    ap.add_argument("--only", help=f"comma-separated extractors (default all): {','.join(EXTRACTORS)}")
    ap.add_argument("--json", type=Path, help="also write every figure to this JSON file")
    ap.add_argument("--per-doc", type=Path, help="write each extractor's predictions under DIR")
    ap.add_argument("--reuse", type=Path, help="keep competitors' predictions in DIR and reuse them")
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="shared data (default ../shared/data)")
    args = ap.parse_args(argv)
    set_names = args.sets.split(",")
    names = args.only.split(",") if args.only else list(EXTRACTORS)
    unknown = [s for s in set_names if s not in SETS] + [n for n in names if n not in EXTRACTORS]
    if unknown:
        ap.error(f"unknown set or extractor: {', '.join(unknown)}")
    missing = [str(args.data / s / "truth.json") for s in set_names
               if not (args.data / s / "truth.json").is_file()]
    if missing:
        sys.exit("error: benchmark data not found: " + ", ".join(missing))
    folds = load_folds()
    truths = {s: json.loads((args.data / s / "truth.json").read_text(encoding="utf-8")) for s in set_names}
    predictions: dict[str, dict[str, dict[str, Prediction]]] = {}
    for name in names:
        predictions[name] = {}
        for set_name in set_names:
            cached = args.reuse / f"{name}-{set_name}.json" if args.reuse and name != "newsdesk" else None
            if cached is not None and cached.is_file():
                predictions[name][set_name] = json.loads(cached.read_text(encoding="utf-8"))
                continue
            print(f"[{set_name}] {name} ...", file=sys.stderr, flush=True)
            found = predict(name, set_name, truths[set_name], args.data)
            predictions[name][set_name] = found
            for path in [p for p in (cached, args.per_doc and args.per_doc / f"{name}-{set_name}.json") if p]:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(json.dumps(found, ensure_ascii=False, indent=0, default=str),
                                encoding="utf-8")
    report: dict[str, Any] = {}
    tables = [(s, {s: truths[s]}) for s in set_names]
    if len(set_names) > 1:
        tables.append(("+".join(set_names), truths))
    for label, subset in tables:
        text, figures = render(f"\n{label} ({sum(len(t) for t in subset.values())} pages)", subset,
                               predictions, folds)
        print(text)
        report[label] = figures
    print("\nrules (as benchmarks/extraction.py): accuracy over the pages whose truth has the field;")
    fields = ("  title", "  author", "  date")
    print("\n".join(line for line in TRAFILATURA_RULES.splitlines() if line.startswith(fields)))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
