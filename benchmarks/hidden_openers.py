"""What opens the hidden boxes whose text is main content, and what opens those whose text is not.

    .venv/bin/python benchmarks/hidden_openers.py [--sets wcxb-dev,scrapinghub,trafilatura-dev]

Every page is flattened with every hidden block-level box kept (dom.flatten(keep_hidden=True,
openers=None): no guard) and its blocks labelled against the truth as train.py labels them. Each
hidden box is a *truth box* when 10 or more of its words are in blocks labelled main content, a *junk
box* when 10 or more are in blocks labelled not content (trafilatura-dev: only the blocks a snippet
speaks of are labelled). For each kind of opener (openers.box_openers: OPEN_ARIA, OPEN_TARGET, OPEN_ROLE,
OPEN_CONTROL, OPEN_MORE, OPEN_WORDS) the table gives the pages with a truth box that has it, the truth
words in such boxes, and the same for junk; "first" classifies each box by its first opener in that
order (so the rows add up), "none" is a box with no opener, or one in a navigation, menu or dialog:
what the guard drops. Per WCXB page type, the truth words in boxes without an opener. `--show N`
prints N truth boxes without an opener.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter, defaultdict
from pathlib import Path

from extraction_data import DEFAULT_DATA, read_page
from newsdesk.errors import NewsdeskError
from newsdesk.extract.html.dom import flatten
from newsdesk.extract.html.openers import (
    OPEN_ARIA,
    OPEN_CONTROL,
    OPEN_MORE,
    OPEN_PAGE,
    OPEN_ROLE,
    OPEN_SCRIPT,
    OPEN_TARGET,
    OPEN_WORDS,
)
from newsdesk.extract.html.page import parse_page
from newsdesk.extract.html.train import full_labels, hidden_labels, snippet_labels, words
from newsdesk.extract.html.visible import MARK_INSIDE_HIDDEN
from newsdesk.settings import Settings

TRUTH = {"wcxb-dev": "truth.json", "scrapinghub": "ground-truth.json", "trafilatura-dev": "truth.json"}
KINDS = [("aria", OPEN_ARIA), ("target", OPEN_TARGET), ("role", OPEN_ROLE), ("control+more", OPEN_MORE),
         ("control", OPEN_CONTROL), ("words", OPEN_WORDS), ("script", OPEN_SCRIPT), ("page", OPEN_PAGE),
         ("none", 0)]


def first_kind(bits: int) -> str:
    for name, bit in KINDS:
        if bit and bits & bit:
            return name
    return "none"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--sets", default="wcxb-dev,scrapinghub,trafilatura-dev")
    parser.add_argument("--show", type=int, default=0, help="print this many truth boxes without an opener")
    args = parser.parse_args()
    settings = Settings(body_model="rules")
    shown = 0
    for set_name in args.sets.split(","):
        truth = json.loads((args.data / set_name / TRUTH[set_name]).read_text(encoding="utf-8"))
        # (label, kind, inclusive?) -> pages, words
        pages: dict[tuple[str, str, str], set[str]] = defaultdict(set)
        counts: Counter[tuple[str, str, str]] = Counter()
        none_by_type: Counter[str] = Counter()
        type_pages: Counter[str] = Counter()
        total_pages = 0
        for doc_id in sorted(truth):
            record = truth[doc_id]
            page_type = record.get("page_type") or "-"
            try:
                parsed = parse_page(read_page(args.data, set_name, doc_id), record.get("url"), settings)
            except NewsdeskError:
                continue
            root = parsed.tree.body or parsed.tree.root
            if root is None or parsed.flat is None:
                continue
            total_pages += 1
            type_pages[page_type] += 1
            flat = flatten(root, settings.max_depth, keep_hidden=True, openers=None)
            texts = [b.text for b in flat.blocks]
            if set_name == "trafilatura-dev":
                labels, weights = snippet_labels(texts, record.get("with") or [], record.get("without") or [])
            else:
                reference = record.get("main_content") or record.get("articleBody") or ""
                labels, weights = full_labels(texts, reference)
            labels = hidden_labels(flat, texts, labels)
            boxes: dict[int, list[int]] = defaultdict(list)
            for i, block in enumerate(flat.blocks):
                if flat.marks[block.owner] & MARK_INSIDE_HIDDEN:
                    element = block.owner
                    while element not in flat.openers:
                        element = flat.parents[element]
                    boxes[element].append(i)
            for box, members in boxes.items():
                good = sum(len(words(texts[i])) for i in members if labels[i])
                bad = sum(len(words(texts[i])) for i in members if not labels[i] and weights[i])
                bits = flat.openers[box]
                for label, count in (("truth", good), ("junk", bad)):
                    if count < 10:
                        continue
                    kinds = [name for name, bit in KINDS if bit and bits & bit] or ["none"]
                    for name in kinds:
                        pages[(label, name, "any")].add(doc_id)
                        counts[(label, name, "any")] += count
                    first = first_kind(bits)
                    pages[(label, first, "first")].add(doc_id)
                    counts[(label, first, "first")] += count
                    if first == "none" and label == "truth":
                        none_by_type[page_type] += count
                        if shown < args.show:
                            shown += 1
                            sample = " | ".join(texts[i] for i in members)[:160]
                            print(f"  {set_name} {doc_id} {page_type} <{flat.tags[box]} "
                                  f"{flat.names[box].strip()[:40]!r}> {good} words: {sample}")
        print(f"\n== {set_name}: {total_pages} pages")
        print(f"{'opener':<14} {'truth pages':>11} {'truth words':>11} {'(first) pages':>13} {'words':>7}   "
              f"{'junk pages':>10} {'junk words':>10} {'(first) pages':>13} {'words':>7}")
        for name, _ in KINDS:
            cells = []
            for label in ("truth", "junk"):
                cells.append(f"{len(pages[(label, name, 'any')]):>11} {counts[(label, name, 'any')]:>11,} "
                             f"{len(pages[(label, name, 'first')]):>13} {counts[(label, name, 'first')]:>7,}")
            print(f"{name:<14} " + "   ".join(cells))
        if set_name == "wcxb-dev":
            print("truth words in boxes without an opener, by page type: " + ", ".join(
                f"{t} {none_by_type[t]:,}" for t in sorted(type_pages)))


if __name__ == "__main__":
    main()
