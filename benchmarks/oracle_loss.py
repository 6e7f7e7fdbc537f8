"""Where the label oracle loses words on WCXB-dev: the body made of every block labelled content (as
training labels it), scored like score-wcxb, and each word it misses or adds put down to a cause.

    .venv/bin/python benchmarks/oracle_loss.py [--folds 0,1,2] [--types T,...] [--limit N] [--dump FILE]

No model is read: the oracle keeps exactly the labelled blocks (train.full_labels and hidden_labels
against the truth's main_content), then the body is finished as the extractor finishes it (tidy, the
headline and byline taken off, trailing stamps dropped). For every page, the truth's words missing
from that body and the body's words not in the truth (bags of lower-cased \\w+ words, as the scorer
counts them) are put in one cause each:

* missing: taken off by a finishing step (headline, byline, tidy, stamps); in a shown block labelled
  not content (by the block's tag: a block that mixes truth and chrome); in a hidden block labelled not
  content; glued into a longer word of the body (inline elements run together) or split; only in text
  flatten never reads (by the tag it sits in: img alt, button, select, script ...), in an attribute
  (alt, title, aria-label), in the head; or nowhere on the page;
* added: by the tag of the labelled block it comes from, "repeated" when the truth has the word but
  fewer times.

Each cause's "F1" is the mean word F1 the oracle gains when that cause's words alone are put right
(missing words added to the body, added words taken out). The default folds are the tuning folds
0-2 (benchmarks/data/folds.tsv); decisions are made on them, folds 3-4 are kept for checking.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from body_errors import parsed_page, read_pages
from folds import load_folds

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent
DATA = PROJECT.parent / "shared" / "data" / "wcxb-dev"
TOOLS = PROJECT.parent / "shared" / "tools"
ATTRIBUTES = ("alt", "title", "aria-label", "placeholder", "value", "content", "data-title")


def _f1(pred: Counter[str], ref: Counter[str]) -> float:
    p, r = sum(pred.values()), sum(ref.values())
    if not r:
        return 1.0 if not p else 0.0
    if not p:
        return 0.0
    overlap = sum((pred & ref).values())
    if not overlap:
        return 0.0
    return 2 * overlap / (p + r)


def _elsewhere(tree: Any) -> dict[str, Counter[str]]:
    """Words of the page flatten never makes blocks of, by where they sit."""
    from newsdesk.extract.html.train import words
    from newsdesk.extract.html.visible import SKIP_TAGS

    found: dict[str, Counter[str]] = defaultdict(Counter)
    root = tree.root
    if root is None:
        return found
    for node in root.traverse(include_text=False):
        tag = node.tag or ""
        attrs = node.attributes
        for name in ATTRIBUTES:
            value = attrs.get(name) if attrs else None
            if value and not (name == "content" and tag != "meta"):
                found["attr " + name].update(words(value))
        if tag in SKIP_TAGS and tag not in ("head", "-comment", "!doctype", "meta", "link"):
            key = "script/style" if tag in ("script", "style", "template", "noscript") else tag
            found["tag " + key].update(words(node.text(deep=True) or ""))
    head = tree.head
    if head is not None:
        title = head.css_first("title")
        if title is not None:
            found["head title"].update(words(title.text() or ""))
    return found


def read_page(page_id: str, record: dict[str, Any]) -> dict[str, Any] | None:
    from newsdesk.extract.html.body import body_text, choose_blocks
    from newsdesk.extract.html.page import _without_byline, _without_headline
    from newsdesk.extract.html.tidy import Furniture, tidy
    from newsdesk.extract.html.train import full_labels, hidden_labels, words
    from newsdesk.extract.stamps import drop_trailing_stamps

    parsed = parsed_page(page_id, record)
    if parsed is None or parsed.flat is None:
        return None
    flat = parsed.flat
    truth_text = record.get("main_content") or ""
    truth = Counter(words(truth_text))
    texts = [b.text for b in flat.blocks]
    labels = hidden_labels(flat, texts, full_labels(texts, truth_text)[0])
    labelled = [i for i, label in enumerate(labels) if label]
    choice = choose_blocks(flat, parsed.metadata.description)
    furniture = Furniture(flat)
    tidied = (tidy(flat, labelled, furniture) or choice.kept) if labelled else []
    headless = _without_headline(flat, tidied, parsed.metadata.title)
    final = _without_byline(flat, headless)
    body = drop_trailing_stamps(body_text(flat, final)) if final else ""
    got = Counter(words(body))
    steps = [("finish: tidy", labelled, tidied), ("finish: headline", tidied, headless),
             ("finish: byline", headless, final)]
    missing = truth - got
    added = got - truth
    causes: dict[str, Counter[str]] = defaultdict(Counter)  # cause -> missing words
    more: dict[str, Counter[str]] = defaultdict(Counter)  # cause -> added words
    left = Counter(missing)

    def take(cause: str, available: Counter[str]) -> None:
        share = left & available
        if share:
            causes[cause] += share
            left.subtract(share)
            for word in [w for w, c in left.items() if c <= 0]:
                del left[word]

    for name, before, after in steps:
        gone = set(before) - set(after)
        take(name, Counter(w for i in gone for w in words(texts[i])))
    take("finish: stamps", Counter(words(body_text(flat, final))) - got)
    kept_blocks = set(final)
    by_tag: dict[str, Counter[str]] = defaultdict(Counter)
    for i, block in enumerate(flat.blocks):
        if i not in kept_blocks:
            kind = "hidden block" if flat.is_hidden_block(i) else f"block <{block.tag}>"
            by_tag[("labelled, " if labels[i] else "unlabelled ") + kind].update(words(block.text))
    for cause, available in sorted(by_tag.items(), key=lambda item: -sum((left & item[1]).values())):
        take(cause, available)
    # Glued: a missing word inside a longer word of the body that the truth lacks.
    extra = [w for w in added if len(w) > 3]
    glued = Counter({w: c for w, c in left.items() if any(w in e and w != e for e in extra)})
    take("glued into a longer word", glued)
    page_words: Counter[str] = Counter()
    for block in flat.blocks:
        page_words.update(words(block.text))
    split = Counter({w: c for w, c in left.items() if len(w) > 3 and w not in page_words
                     and any(p in w for p in page_words if len(p) > 2 and w.startswith(p))})
    take("split into shorter words", split)
    for cause, available in sorted(_elsewhere(parsed.tree).items(), key=lambda item: item[0]):
        take("not in blocks: " + cause, available)
    if left:
        causes["nowhere on the page"] += left
    # Added words: by the tag of the block they come from; "repeated" when the truth has the word.
    seen: Counter[str] = Counter()
    joined = " " + " ".join(words(truth_text)) + " "
    earlier: set[str] = set()
    for i in final:
        block = flat.blocks[i]
        tokens = words(block.text)
        key = " ".join(tokens)
        if key in earlier:
            reason = "a copy of a kept block"
        elif " " + key + " " in joined:
            reason = "a block in the truth"
        else:
            reason = "a block partly in the truth"
        earlier.add(key)
        kind = "hidden block" if flat.is_hidden_block(i) else f"<{block.tag}>"
        for word in tokens:
            seen[word] += 1
            if seen[word] > truth[word] and seen[word] <= truth[word] + added[word]:
                more[f"{reason} {kind}"][word] += 1
    oracle = _f1(got, truth)
    explained_missing = {c: _f1(got + w, truth) - oracle for c, w in causes.items()}
    explained_added = {c: _f1(got - w, truth) - oracle for c, w in more.items()}
    return {"id": page_id, "type": record.get("page_type"), "oracle": oracle,
            "raw": _f1(Counter(words(body_text(flat, labelled))) if labelled else Counter(), truth),
            "missing": {c: [sum(w.values()), explained_missing[c], w.most_common(8)]
                        for c, w in causes.items()},
            "added": {c: [sum(w.values()), explained_added[c], w.most_common(8)] for c, w in more.items()}}


def _job(job: tuple[str, dict[str, Any]]) -> dict[str, Any] | None:
    return read_page(*job)


def table(results: list[dict[str, Any]], top: int) -> str:
    types = sorted({r["type"] for r in results}, key=lambda t: (t != "article", t))
    lines = ["| type | pages | oracle (finished) | oracle (labelled blocks only) |", "|---|---:|---:|---:|"]
    for t in [*types, "all"]:
        rs = [r for r in results if t in ("all", r["type"])]
        lines.append(f"| {t} | {len(rs)} | {sum(r['oracle'] for r in rs) / len(rs):.3f} | "
                     f"{sum(r['raw'] for r in rs) / len(rs):.3f} |")
    for side in ("missing", "added"):
        lines += ["", f"Words {side} (a page) and the F1 put right, by cause and page type:", ""]
        causes: Counter[str] = Counter()
        for r in results:
            for cause, (_, gain, _) in r[side].items():
                causes[cause] += gain
        header = "| cause | " + " | ".join(types) + " | all |"
        lines += [header, "|---" * (len(types) + 2) + "|"]
        for cause, _ in causes.most_common(top):
            cells = []
            for t in [*types, "all"]:
                rs = [r for r in results if t in ("all", r["type"])]
                n = sum(r[side].get(cause, [0, 0.0])[0] for r in rs) / len(rs)
                gain = sum(r[side].get(cause, [0, 0.0])[1] for r in rs) / len(rs)
                cells.append(f"{gain:+.4f} ({n:.0f})")
            lines.append(f"| {cause} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--folds", default="0,1,2", help="folds to read (default the tuning folds 0,1,2)")
    parser.add_argument("--types", default="", help="page types to read (default all)")
    parser.add_argument("--limit", type=int, default=0, help="at most N pages per type (default all)")
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--top", type=int, default=25, help="causes shown per table")
    parser.add_argument("--dump", type=Path, help="write every page's figures here (JSON)")
    args = parser.parse_args()
    truth_path = DATA / "truth.json"
    if not truth_path.exists():
        sys.exit(f"oracle_loss: needs {truth_path}")
    truth = json.loads(truth_path.read_text(encoding="utf-8"))
    folds = load_folds()
    wanted = {int(f) for f in args.folds.split(",") if f}
    types = set(filter(None, args.types.split(",")))
    taken: dict[str, int] = defaultdict(int)
    jobs = []
    for page_id in sorted(truth):
        t = truth[page_id].get("page_type")
        if folds[("wcxb-dev", page_id)] not in wanted or (types and t not in types) or (
                args.limit and taken[t] >= args.limit):
            continue
        taken[t] += 1
        jobs.append((page_id, truth[page_id]))
    print(table(read_pages(_job, jobs, args.processes, "oracle_loss", args.dump), args.top))


if __name__ == "__main__":
    main()
