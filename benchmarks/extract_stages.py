"""Where extraction's time goes: CPU milliseconds a page in each stage of `newsdesk.extract`, per set.

    .venv/bin/python benchmarks/extract_stages.py [--sets scrapinghub,wcxb-dev] [--limit 150]

Runs `extract` on the first LIMIT pages (in id order) of each set of ../shared/data in this process,
with a timer (time.process_time) around each stage function where extract_html and the body model
call it: decoding, the markup guards, lexbor's parse, metadata (and htmldate, its last resort),
flatten, the rules, the block features, the two LightGBM stages, the second stage's structure and
rows, tidy, related links, the caption, and the page type (and its page reading). The page is read and
decompressed outside the timing; one warm-up page per set is not counted. Stages nest (htmldate is
part of metadata, page reading part of the page type), so the rows add up to more than the whole;
`other` is the whole less the top-level stages. Timing a stage adds about a microsecond a call.

For speed work on the extractor (issue 14), beside benchmarks/extract_equivalence.py, which checks
that the output did not change and measures the whole.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from extraction_data import DEFAULT_DATA, read_page
from extraction_tables import format_table

TRUTH = {"scrapinghub": "ground-truth.json", "trafilatura-dev": "truth.json", "wcxb-dev": "truth.json"}
PAGE = "newsdesk.extract.html.page"
# (module, function, label, nested: inside another stage): the stages as extract_html calls them.
STAGES = [
    (PAGE, "decode_html", "decode", False),
    (PAGE, "limit_nesting", "guard: nesting", False),
    (PAGE, "limit_attributes", "guard: attributes", False),
    (PAGE, "LexborHTMLParser", "lexbor parse", False),
    (PAGE, "extract_metadata", "metadata", False),
    ("newsdesk.extract.html.metadata", "_htmldate", "  htmldate", True),
    (PAGE, "flatten", "flatten", False),
    (PAGE, "_crawler_view", "noscript view", False),
    (PAGE, "choose_blocks", "rules", False),
    (PAGE, "page_hints", "page hints", False),
    ("newsdesk.extract.html.learned", "block_features", "model: block features", False),
    ("newsdesk.extract.html.learned", "structure", "model: structure", False),
    ("newsdesk.extract.html.learned", "stack_rows", "model: stage-2 rows", False),
    ("newsdesk.extract.html.learned", "tidy", "model: tidy", False),
    (PAGE, "related_links", "related links", False),
    (PAGE, "lead_image_caption", "image caption", False),
    (PAGE, "classify_page", "page type", False),
    ("newsdesk.extract.html.page_type", "read_page", "  page reading", True),
]
LIGHTGBM = ("model: LightGBM stage 1", "model: LightGBM stage 2")


def instrument(totals: dict[str, float]) -> list[str]:
    """Wrap each stage with a timer adding into `totals`; the labels of the top-level stages."""
    top: list[str] = []
    for module_name, name, label, nested in STAGES:
        module = importlib.import_module(module_name)
        function = getattr(module, name, None)
        if function is None:
            print(f"(no {module_name}.{name}: stage '{label.strip()}' not timed)", file=sys.stderr)
            continue
        setattr(module, name, _timed(function, label, totals))
        if not nested:
            top.append(label)
    learned = importlib.import_module("newsdesk.extract.html.learned")
    load_model = learned.load_model

    def timed_models(path: str = "") -> tuple[Any, Any]:
        first, second = load_model(path)
        return _TimedBooster(first, LIGHTGBM[0], totals), _TimedBooster(second, LIGHTGBM[1], totals)

    learned.load_model = timed_models
    return top + list(LIGHTGBM)


def _timed(function: Callable[..., Any], label: str, totals: dict[str, float]) -> Callable[..., Any]:
    def timed(*args: Any, **kwargs: Any) -> Any:
        start = time.process_time()
        try:
            return function(*args, **kwargs)
        finally:
            totals[label] += time.process_time() - start
    return timed


class _TimedBooster:
    def __init__(self, booster: Any, label: str, totals: dict[str, float]) -> None:
        self.booster, self.label, self.totals = booster, label, totals

    def predict(self, *args: Any, **kwargs: Any) -> Any:
        start = time.process_time()
        try:
            return self.booster.predict(*args, **kwargs)
        finally:
            self.totals[self.label] += time.process_time() - start


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sets", default="scrapinghub,trafilatura-dev,wcxb-dev", help="comma-separated sets")
    ap.add_argument("--limit", type=int, default=150, help="pages of each set (first in id order)")
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="shared data (default ../shared/data)")
    args = ap.parse_args(argv)
    from newsdesk.extract import extract

    sets = args.sets.split(",")
    totals: dict[str, float] = defaultdict(float)
    top = instrument(totals)
    labels = [label for _, _, label, _ in STAGES] + list(LIGHTGBM)
    columns: dict[str, dict[str, float]] = {}
    for set_name in sets:
        path = args.data / set_name / TRUTH[set_name]
        if not path.exists():
            raise SystemExit(f"missing evaluation data: {path}")
        truth: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        ids = sorted(truth)[: args.limit]
        pages = [(read_page(args.data, set_name, page_id), truth[page_id].get("url")) for page_id in ids]
        with contextlib.suppress(Exception):  # warm-up: imports, models
            extract(pages[0][0], url=pages[0][1])
        totals.clear()
        start = time.process_time()
        for html, url in pages:
            with contextlib.suppress(Exception):  # a bad page is timed as far as it goes
                extract(html, url=url)
        whole = time.process_time() - start
        n = len(pages)
        column = {label: 1000 * totals.get(label, 0.0) / n for label in labels}
        column["other"] = 1000 * (whole - sum(totals.get(label, 0.0) for label in top)) / n
        column["whole page"] = 1000 * whole / n
        columns[set_name] = column
    rows = [[label, *(f"{columns[s][label]:.2f}" for s in sets)]
            for label in [*labels, "other", "whole page"]]
    print(f"CPU ms a page by stage ({args.limit} pages a set; nested stages indented)")
    print(format_table(["stage", *sets], rows))


if __name__ == "__main__":
    main()
