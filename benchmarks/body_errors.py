"""Where the body model loses words on WCXB-dev, held out: each page read by the fold model that never
saw its site, its body scored against the truth, its lost words sorted by cause.

    .venv/bin/python -m newsdesk.extract.html.train      # once: the 5 fold models in .cache/body-cv
    .venv/bin/python benchmarks/body_errors.py [--page-cut] [--types T,...] [--limit N] [--dump FILE]

Every block of a page is labelled as training labels it (train.full_labels against the truth's
main_content). The model's errors are the truth blocks it drops and the junk blocks it keeps; each
is put in one kind by what the block is (hidden, a heading, a list item, a table cell, code, a
link-heavy block, a short line of under six words, a thread item, other prose) and by how sure the
model was (a probability within 0.2 of the page's threshold is "near"). For each kind the table gives the
words lost (truth words dropped, junk words kept, per page on average) and the gap it explains: the
mean word F1 gained when the model's decision on the blocks of that kind alone is replaced by the
label's (the rest of the page as the model chose). "oracle" keeps exactly the labelled blocks (the
best any block chooser can do); "page threshold" keeps the blocks at or above the one threshold
that suits the page best (what a perfect page-level threshold would give). The model decides as the
extractor does (the fold model's page cut, page_cut.py); `--page-cut` tries the unfitted page cut of
expected word F1 instead (not kept).
Figures are held out: no fold model saw the pages it reads here.
"""

from __future__ import annotations

import argparse
import gzip
import json
import runpy
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from extraction_cv import MODELS, PAGE_TYPE_MODELS, fold_settings
from folds import load_folds

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent
DATA = PROJECT.parent / "shared" / "data" / "wcxb-dev"
TOOLS = PROJECT.parent / "shared" / "tools"
KINDS = ("hidden", "heading", "list item", "table cell", "code", "link-heavy", "short", "thread item",
         "other prose")
NEAR = 0.2
PAGE_CUT = "--page-cut" in sys.argv
CUTS = [c / 20 for c in range(1, 20)]  # 0.05 to 0.95


def page_threshold(p: Any, n: Any) -> float:
    """Tried (and not kept, docs/benchmarks.md): the cut of CUTS whose body has the highest expected
    word F1 by the model's own probabilities (a block of n words at p counts n p words of body and
    n (1 - p) of not-body); ties go to the cut nearest 0.5."""
    import numpy as np

    p, n = np.asarray(p, np.float64), np.asarray(n, np.float64) + 1.0
    if not len(p):
        return 0.5
    cuts = np.array(CUTS)
    kept = p[None, :] >= cuts[:, None]
    tp = (kept * n * p).sum(axis=1)
    fp = (kept * n * (1 - p)).sum(axis=1)
    fn = float((n * p).sum()) - tp
    f1 = np.where(tp > 0, 2 * tp / np.maximum(2 * tp + fp + fn, 1e-12), 0.0)
    best = np.flatnonzero(f1 >= f1.max() - 1e-12)
    return float(cuts[best[np.argmin(np.abs(cuts[best] - 0.5))]])


def block_cuts(hidden: list[bool], p: Any, n: list[int]) -> Any:
    """Each block's cut with --page-cut: the page's (page_threshold of its shown blocks) for a shown
    block, 0.5 for a block of a hidden box."""
    import numpy as np

    shown = [i for i, h in enumerate(hidden) if not h]
    cut = page_threshold(p[shown], [n[i] for i in shown])
    return np.array([0.5 if h else cut for h in hidden])


def kind_of(tag: str, hidden: bool, link_density: float, words: int, thread: bool) -> str:
    if hidden:
        return "hidden"
    if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
        return "heading"
    if thread:
        return "thread item"
    if tag in ("pre", "code"):
        return "code"
    if link_density > 0.5:
        return "link-heavy"
    if tag in ("td", "th", "tr", "table", "dt", "dd"):
        return "table cell"
    if tag == "li":
        return "list item"
    if words < 6:
        return "short"
    return "other prose"


def parsed_page(page_id: str, record: dict[str, Any], settings: Any = None) -> Any:
    """The WCXB-dev page parsed (newsdesk.extract.html.page.Parsed) with `settings` (None: the shipped
    models), None when it cannot be read or gives no blocks."""
    from newsdesk.errors import NewsdeskError
    from newsdesk.extract.html.page import parse_page
    from newsdesk.settings import Settings

    try:
        parsed = parse_page(gzip.decompress((DATA / "html" / f"{page_id}.html.gz").read_bytes()),
                            record.get("url"), settings or Settings())
    except NewsdeskError:
        return None
    return parsed if parsed.flat is not None and parsed.flat.blocks else None


def read_page(page_id: str, record: dict[str, Any], fold: int, word_prf: Any) -> dict[str, Any] | None:
    import numpy as np

    from newsdesk.extract.html.blocks import FEATURES, block_features, page_hints
    from newsdesk.extract.html.body import body_text, choose_blocks
    from newsdesk.extract.html.learned import load_model, page_cuts
    from newsdesk.extract.html.page import _without_byline, _without_headline
    from newsdesk.extract.html.stack import stack_rows, structure
    from newsdesk.extract.html.tidy import Furniture, tidy
    from newsdesk.extract.html.train import full_labels, hidden_labels, words
    from newsdesk.extract.stamps import drop_trailing_stamps

    settings = fold_settings(str(MODELS), str(PAGE_TYPE_MODELS), fold)
    parsed = parsed_page(page_id, record, settings)
    if parsed is None or parsed.flat is None:
        return None
    flat = parsed.flat
    truth = record.get("main_content") or ""
    choice = choose_blocks(flat, parsed.metadata.description)
    rows = block_features(flat, choice, page_hints(parsed.text, parsed.page_type.probabilities),
                          parsed.metadata.title, parsed.metadata.description)
    first, second = load_model(settings.body_model)
    p1 = np.asarray(first.predict(rows, num_threads=1), np.float64)
    furniture = Furniture(flat)
    struct = structure(flat, choice, furniture)
    p = np.asarray(second.predict(stack_rows(rows, p1, struct), num_threads=1), np.float64)
    texts = [b.text for b in flat.blocks]
    labels = hidden_labels(flat, texts, full_labels(texts, truth)[0])
    title = parsed.metadata.title

    def finish(chosen: list[int]) -> list[int]:
        kept = tidy(flat, sorted(chosen), furniture) or choice.kept
        return _without_byline(flat, _without_headline(flat, kept, title))

    def f1(kept: list[int]) -> float:
        return float(word_prf(drop_trailing_stamps(body_text(flat, kept)), truth)[2])

    cuts = block_cuts([flat.is_hidden_block(i) for i in range(len(p))], p, [len(words(t)) for t in texts]
                      ) if PAGE_CUT else page_cuts(rows, p, settings.body_model)
    cut = float(np.median(cuts))  # the page's (that of most of its blocks)
    model = finish([i for i in range(len(p)) if p[i] >= cuts[i]])
    model_set = set(model)
    link = FEATURES.index("link_density")
    blocks = []
    for i, block in enumerate(flat.blocks):
        n = len(words(block.text))
        kind = kind_of(block.tag, flat.is_hidden_block(i), float(rows[i, link]), n, bool(struct[i, 2]))
        blocks.append((kind, n, int(labels[i]), i in model_set, float(p[i])))
    oracle = [i for i, b in enumerate(blocks) if b[2]]
    result: dict[str, Any] = {"id": page_id, "type": record.get("page_type"), "fold": fold,
                              "model": f1(model), "oracle": f1(oracle) if oracle else 0.0}
    # Per kind: words dropped (truth) and kept (junk), near the threshold or not; the F1 with that
    # kind's decisions taken from the labels.
    lost: dict[str, list[float]] = {}
    for kind in KINDS:
        idx = [i for i, b in enumerate(blocks) if b[0] == kind]
        if not idx:
            continue
        dropped = [i for i in idx if blocks[i][2] and not blocks[i][3]]
        junk = [i for i in idx if not blocks[i][2] and blocks[i][3]]
        if not dropped and not junk:
            continue
        near_d = sum(blocks[i][1] for i in dropped if abs(blocks[i][4] - cut) < NEAR)
        near_j = sum(blocks[i][1] for i in junk if abs(blocks[i][4] - cut) < NEAR)
        fixed = (model_set - set(junk)) | set(dropped)
        lost[kind] = [sum(blocks[i][1] for i in dropped), sum(blocks[i][1] for i in junk), near_d, near_j,
                      f1(sorted(fixed)) - result["model"]]
    result["lost"] = lost
    # The best single threshold for this page (over the probabilities' own values).
    best = result["model"]
    for other in CUTS:
        if other != cut:
            best = max(best, f1(finish([i for i in range(len(p)) if p[i] >= other])))
    result["page_threshold"] = best
    result["blocks"] = [[b[0], b[1], b[2], int(b[3]), round(b[4], 4)] for b in blocks]
    return result


def _job(job: tuple[str, dict[str, Any], int]) -> dict[str, Any] | None:
    word_prf = _job.__dict__.setdefault("prf", runpy.run_path(str(TOOLS / "score-wcxb"))["word_prf"])
    return read_page(*job, word_prf)


def table(results: list[dict[str, Any]]) -> str:
    by_type: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in results:
        by_type[r["type"]].append(r)
    lines = []
    lines.append("| type | pages | model F1 | page threshold | oracle | gap |")
    lines.append("|---|---:|---:|---:|---:|---:|")
    for t in [*sorted(by_type, key=lambda t: (t == "article", t)), "all"]:
        rs = results if t == "all" else by_type[t]
        m = sum(r["model"] for r in rs) / len(rs)
        o = sum(r["oracle"] for r in rs) / len(rs)
        pt = sum(r["page_threshold"] for r in rs) / len(rs)
        lines.append(f"| {t} | {len(rs)} | {m:.3f} | {pt:.3f} | {o:.3f} | {o - m:.3f} |")
    lines.append("")
    lines.append("Lost words per page (truth dropped / junk kept; in brackets the share within 0.2 of the "
                 "threshold) and the F1 each kind explains (mean gain when its decisions come from the "
                 "labels), by page type:")
    lines.append("")
    for t in [*sorted(by_type, key=lambda t: (t == "article", t)), "all"]:
        rs = results if t == "all" else by_type[t]
        lines.append(f"| {t} ({len(rs)}) | dropped words | kept junk words | F1 explained |")
        lines.append("|---|---:|---:|---:|")
        rows = []
        for kind in KINDS:
            d = sum(r["lost"].get(kind, [0] * 5)[0] for r in rs) / len(rs)
            j = sum(r["lost"].get(kind, [0] * 5)[1] for r in rs) / len(rs)
            nd = sum(r["lost"].get(kind, [0] * 5)[2] for r in rs) / len(rs)
            nj = sum(r["lost"].get(kind, [0] * 5)[3] for r in rs) / len(rs)
            gain = sum(r["lost"].get(kind, [0] * 5)[4] for r in rs) / len(rs)
            rows.append((gain, f"| {kind} | {d:.0f} ({nd / d if d else 0:.0%}) | "
                               f"{j:.0f} ({nj / j if j else 0:.0%}) | {gain:+.3f} |"))
        lines.extend(row for _, row in sorted(rows, reverse=True))
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--types", default="", help="page types to read (default all)")
    parser.add_argument("--limit", type=int, default=0, help="at most N pages per type (default all)")
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--page-cut", action="store_true",
                        help="cut each page where the model's probabilities expect the best word F1 "
                             "(tried, not kept: see docs/benchmarks.md)")
    parser.add_argument("--dump", type=Path, help="write every page's figures and blocks here (JSON)")
    args = parser.parse_args()
    truth_path = DATA / "truth.json"
    if not truth_path.exists() or not (MODELS / "fold0.txt").exists():
        sys.exit(f"body_errors: needs {truth_path} and the fold models in {MODELS}")
    truth = json.loads(truth_path.read_text(encoding="utf-8"))
    folds = load_folds()
    types = set(filter(None, args.types.split(",")))
    taken: dict[str, int] = defaultdict(int)
    jobs = []
    for page_id in sorted(truth):
        t = truth[page_id].get("page_type")
        if (types and t not in types) or (args.limit and taken[t] >= args.limit):
            continue
        taken[t] += 1
        jobs.append((page_id, truth[page_id], folds[("wcxb-dev", page_id)]))
    results = read_pages(_job, jobs, args.processes, "body_errors", args.dump)
    print(table(results))


def read_pages(job: Any, jobs: list[Any], processes: int, name: str, dump: Path | None
               ) -> list[dict[str, Any]]:
    """Every job's result (None left out) on `processes` processes, a line of progress every 200
    pages; written to `dump` as JSON when given. (oracle_loss.py reads its pages with it too.)"""
    from multiprocessing import Pool

    started = time.monotonic()
    results = []
    with Pool(processes) as pool:
        for count, found in enumerate(pool.imap(job, jobs, chunksize=4), 1):
            if found is not None:
                results.append(found)
            if count % 200 == 0:
                print(f"{name}: {count} pages ({time.monotonic() - started:.0f} s)", file=sys.stderr)
    if dump:
        dump.write_text(json.dumps(results), encoding="utf-8")
    return results


if __name__ == "__main__":
    main()
