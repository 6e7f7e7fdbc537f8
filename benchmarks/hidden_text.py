"""How much of the truth sits in hidden elements, and how much hidden text is junk (issue 14).

    .venv/bin/python benchmarks/hidden_text.py [--sets wcxb-dev,scrapinghub,trafilatura-dev] [--show 40]

Every page is flattened with its hidden block-level elements kept (dom.flatten(keep_hidden=True)) and
its blocks labelled against the truth the way train.py labels them. Printed per set (and per WCXB
page type):
- the label oracle: the word F1 (WCXB's metric) of the body made of every block labelled main
  content, with only the shown blocks and with the hidden ones too (labelled as train.py labels
  them: hidden copies of shown text and hidden blocks of one or two words are not content): the
  ceiling the body model can reach without and with hidden text;
- pages whose hidden text is in the truth (hidden blocks labelled content, 10 words or more) and pages
  with hidden junk (hidden blocks labelled not content, 10 words or more), and the hidden words of
  each kind: in a tab/accordion-like box (a tab or region role, aria-labelledby, <details>, or class
  words tab/accordion/collapse/panel/faq/toggle), in a menu/dialog-like box (a navigation, menu or
  dialog role, aria-modal, or class words nav/menu/modal/popup/cookie/offcanvas/drawer/dropdown),
  other;
- on trafilatura-dev (snippet truth): the `with` snippets found only in hidden blocks, and the
  `without` snippets found in hidden blocks.
It also checks that the shown part (Flat.visible) is exactly what flatten gives without hidden text.
`--show N` prints N hidden boxes (kind, class words, label, first words) to look at by eye.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

from extraction_data import DEFAULT_DATA, read_page
from newsdesk.errors import NewsdeskError
from newsdesk.extract.html.dom import Flat, flatten
from newsdesk.extract.html.page import parse_page
from newsdesk.extract.html.train import full_labels, hidden_labels, snippet_labels, words
from newsdesk.extract.html.visible import MARK_INSIDE_HIDDEN, MARK_ROLE_CHROME, MARK_ROLE_TAB
from newsdesk.settings import Settings

TRUTH = {"wcxb-dev": "truth.json", "scrapinghub": "ground-truth.json", "trafilatura-dev": "truth.json"}
_TAB_WORDS = re.compile(r"tab|accordion|collaps|panel|faq|toggle|expand|spoiler|answer")
_MENU_WORDS = re.compile(r"nav|menu|modal|popup|cookie|consent|offcanvas|drawer|dropdown|overlay|search")


def word_f1(pred: str, ref: str) -> float:
    p, r = Counter(re.findall(r"\w+", pred.lower())), Counter(re.findall(r"\w+", ref.lower()))
    if not r:
        return 1.0 if not p else 0.0
    overlap = sum((p & r).values())
    if not overlap:
        return 0.0
    precision, recall = overlap / sum(p.values()), overlap / sum(r.values())
    return 2 * precision * recall / (precision + recall)


def hidden_root(flat: Flat, element: int) -> int:
    while flat.parents[element] >= 0 and flat.marks[flat.parents[element]] & MARK_INSIDE_HIDDEN:
        element = flat.parents[element]
    return element


def kind(flat: Flat, root: int) -> str:
    """tab, menu or other: the box's own marks and names, and those of its two nearest ancestors."""
    element, marks, names = root, 0, []
    for _ in range(3):
        if element < 0:
            break
        marks |= flat.marks[element]
        names.append(flat.names[element])
        if flat.tags[element] in ("nav", "header", "footer"):
            return "menu"
        element = flat.parents[element]
    joined = " ".join(names)
    if marks & MARK_ROLE_CHROME or _MENU_WORDS.search(joined):
        return "menu"
    if marks & MARK_ROLE_TAB or _TAB_WORDS.search(joined):
        return "tab"
    return "other"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--sets", default="wcxb-dev,scrapinghub,trafilatura-dev")
    parser.add_argument("--show", type=int, default=0, help="print this many hidden boxes")
    args = parser.parse_args()
    import json

    settings = Settings(body_model="rules")
    shown = 0
    for set_name in args.sets.split(","):
        truth = json.loads((args.data / set_name / TRUTH[set_name]).read_text(encoding="utf-8"))
        oracle: dict[str, list[tuple[float, float]]] = defaultdict(list)
        pages_truth: Counter[str] = Counter()
        pages_junk: Counter[str] = Counter()
        pages: Counter[str] = Counter()
        kind_words: Counter[tuple[str, str]] = Counter()
        snippets = Counter[str]()
        mismatches = 0
        for doc_id in sorted(truth):
            record = truth[doc_id]
            page_type = record.get("page_type") or "all"
            try:
                parsed = parse_page(read_page(args.data, set_name, doc_id), record.get("url"), settings)
            except NewsdeskError:
                continue
            root = parsed.tree.body or parsed.tree.root
            if root is None or parsed.flat is None:
                continue
            flat = flatten(root, settings.max_depth, keep_hidden=True)
            plain = flatten(root, settings.max_depth)
            view = flat.visible()[0]
            if described(view) != described(plain):
                mismatches += 1
            texts = [b.text for b in flat.blocks]
            hidden = [flat.is_hidden_block(i) for i in range(len(texts))]
            pages[page_type] += 1
            if set_name == "trafilatura-dev":
                for key, found in (("with", "in truth"), ("without", "junk")):
                    for snippet in record.get(key) or []:
                        wanted = " " + " ".join(words(snippet)) + " "
                        where = [h for t, h in zip(texts, hidden, strict=True)
                                 if wanted in " " + " ".join(words(t)) + " "]
                        if where and all(where) if key == "with" else any(where):
                            snippets[found] += 1
                labels, _ = snippet_labels(texts, record.get("with") or [], record.get("without") or [])
            else:
                reference = record.get("main_content") or record.get("articleBody") or ""
                labels, _ = full_labels(texts, reference)
                labels = hidden_labels(flat, texts, labels)
                both = "\n".join(t for t, y in zip(texts, labels, strict=True) if y)
                visible = "\n".join(t for t, y, h in zip(texts, labels, hidden, strict=True) if y and not h)
                oracle[page_type].append((word_f1(visible, reference), word_f1(both, reference)))
            positive = negative = 0
            roots: dict[int, list[int]] = defaultdict(list)
            for i, is_hidden in enumerate(hidden):
                if is_hidden:
                    roots[hidden_root(flat, flat.blocks[i].owner)].append(i)
            for box, members in roots.items():
                box_kind = kind(flat, box)
                for i in members:
                    count = len(words(texts[i]))
                    label = "truth" if labels[i] else "junk"
                    kind_words[(box_kind, label)] += count
                    positive += count if labels[i] else 0
                    negative += 0 if labels[i] else count
                if shown < args.show:
                    shown += 1
                    sample = " | ".join(texts[i] for i in members)[:150]
                    share = sum(labels[i] for i in members) / len(members)
                    print(f"{set_name} {doc_id} {page_type} [{box_kind}] <{flat.tags[box]} "
                          f"{flat.names[box].strip()[:50]!r}> content {share:.0%}: {sample}")
            pages_truth[page_type] += positive >= 10
            pages_junk[page_type] += negative >= 10
        print(f"\n== {set_name}: {sum(pages.values())} pages; shown part differs from flatten without "
              f"hidden text on {mismatches}")
        if oracle:
            print(f"{'type':<14} {'pages':>5} {'oracle shown':>12} {'with hidden':>11} "
                  f"{'hidden in truth':>15} {'hidden junk':>11}")
            rows = sorted(oracle) + (["all"] if len(oracle) > 1 else [])
            for page_type in rows:
                values = [v for t in oracle for v in oracle[t]] if page_type == "all" and len(oracle) > 1 \
                    else oracle[page_type]
                n_truth = sum(pages_truth.values()) if page_type == "all" else pages_truth[page_type]
                n_junk = sum(pages_junk.values()) if page_type == "all" else pages_junk[page_type]
                print(f"{page_type:<14} {len(values):>5} {sum(v[0] for v in values) / len(values):>12.3f} "
                      f"{sum(v[1] for v in values) / len(values):>11.3f} {n_truth:>15} {n_junk:>11}")
        else:
            print(f"pages with hidden text in the truth: {sum(pages_truth.values())}, with hidden junk: "
                  f"{sum(pages_junk.values())}; `with` snippets only in hidden blocks: "
                  f"{snippets['in truth']}, `without` snippets in hidden blocks: {snippets['junk']}")
        print("hidden words by kind of box: " + ", ".join(
            f"{box} {kind_words[(box, 'truth')]:,} in truth / {kind_words[(box, 'junk')]:,} junk"
            for box in ("tab", "menu", "other")))
        sys.stdout.flush()


def described(flat: Flat) -> tuple[object, ...]:
    """Everything flatten gives, as plain values."""
    return (flat.tags, flat.parents, flat.names, flat.ends,
            [(b.text, b.link_chars, b.owner, b.tag, b.link_first) for b in flat.blocks],
            [(a.element, a.href, a.text) for a in flat.anchors])


if __name__ == "__main__":
    main()
