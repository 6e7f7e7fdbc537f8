"""The annotator's tool for benchmarks/data/quotes_multi.tsv (docs/quotes-annotation.md): pick the
pages, list their quotation-mark pairs in context, and turn hand-written annotations into lines of
offsets and hashes. It never runs the quotation rules being scored.

    .venv/bin/python benchmarks/quotes_multi_annotate.py pick --language de [--held-out 20] [--tuned 7]
    .venv/bin/python benchmarks/quotes_multi_annotate.py list PAGE [PAGE ...]
    .venv/bin/python benchmarks/quotes_multi_annotate.py write SPEC >> benchmarks/data/quotes_multi.tsv

`pick`: trafilatura-dev's pages, in file-name order, whose body (newsdesk's extraction) is in the
language (newsdesk's detector over title and body, as enrichment decides it) and holds at least one
quotation-mark pair (`quote_marks._marked` with the double and single marks, or a paragraph opening
with a dialogue dash), not yet in the annotations. A page whose name's SHA-256 starts with an even hex
digit is `held-out`, an odd one `tuned`; pages are taken until `--held-out` and `--tuned` pages of
each are (a page past its split's quota is skipped). With `--all-held-out` every page is held-out.

`list`: every mark pair of each page with its offsets, its words and the text around it.

`write`: a SPEC file of lines `PAGE<TAB>SPLIT<TAB>QUOTE<TAB>CUE<TAB>NAME`, where QUOTE is a pair's
number in `list` (`3`, the words inside the marks without the spaces next to them) or `start-end`,
and CUE and NAME are `-`, the mention's words (their whole-word occurrence nearest the quotation), or
`words@offset` for another occurrence; `PAGE<TAB>SPLIT<TAB>none` records a page with no quotation.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import re
import sys
from pathlib import Path

from newsdesk import extract
from newsdesk.enrich.language import detect_language
from newsdesk.enrich.quote_marks import CLOSERS, SINGLE_CLOSERS, MarkedQuote, _marked, paragraphs
from newsdesk.enrich.quote_rules import _inner
from quotes_multi import ANNOTATIONS, DATA, body_of, digest, read_annotations

DASHES = "—–"
SET = "trafilatura-dev"


def pairs(body: str) -> list[MarkedQuote]:
    """Every pair of quotation marks (double and single), and every dialogue-dash paragraph."""
    found = _marked(body, {**CLOSERS, **SINGLE_CLOSERS})
    for start, end in paragraphs(body):
        if body[start] in DASHES and not any(start <= m.open_mark < end for m in found):
            found.append(MarkedQuote(start + 1, end, start, None))
    found = [_inner(body, m) for m in found]
    return sorted(found, key=lambda m: m.open_mark)


def language_of(path: Path) -> tuple[str, str]:
    article = extract(gzip.decompress(path.read_bytes()))
    return detect_language(f"{article.title or ''}\n{article.body}") or "", article.body


def pick(language: str, held_out: int, tuned: int, data: Path, every: bool = False) -> None:
    done = {page.page for page in read_annotations(ANNOTATIONS)}
    counts = {"held-out": 0, "tuned": 0}
    quota = {"held-out": held_out, "tuned": tuned}
    for path in sorted((data / SET / "html").glob("*.html.gz")):
        name = path.name.removesuffix(".html.gz")
        if name in done:
            continue
        found, body = language_of(path)
        if found != language or not pairs(body):
            continue
        even = int(hashlib.sha256(name.encode()).hexdigest()[0], 16) % 2 == 0
        split = "held-out" if every or even else "tuned"
        if counts[split] < quota[split]:
            counts[split] += 1
            print(f"{name}\t{split}")
        if counts == quota:
            break


def show(page: str, data: Path) -> None:
    body = body_of(data / SET / "html" / f"{page}.html.gz")
    print(f"=== {page} ({len(body)} characters)")
    for number, mark in enumerate(pairs(body)):
        before = body[max(0, mark.open_mark - 220) : mark.open_mark].replace("\n", " ¶ ")
        after = body[mark.end : mark.end + 120].replace("\n", " ¶ ")
        print(f"[{number}] {mark.start}-{mark.end}: …{before}⟦{body[mark.start:mark.end]}⟧{after}…")


def mention(body: str, text: str, near: int) -> tuple[int, int] | None:
    if text == "-":
        return None
    if "@" in text:
        words, at = text.rsplit("@", 1)
        start = int(at)
        if body[start : start + len(words)] != words:
            raise ValueError(f"{words!r} is not at {start}")
        return start, start + len(words)
    hits = [m.start() for m in re.finditer(rf"(?<!\w){re.escape(text)}(?!\w)", body)]
    if not hits:
        raise ValueError(f"{text!r} not in the body")
    start = min(hits, key=lambda h: abs(h - near))
    return start, start + len(text)


def write(spec: Path, data: Path) -> None:
    bodies: dict[str, str] = {}
    for number, line in enumerate(spec.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        page, split, *rest = line.split("\t")
        if page not in bodies:
            bodies[page] = body_of(data / SET / "html" / f"{page}.html.gz")
        body = bodies[page]
        language, _ = language_of(data / SET / "html" / f"{page}.html.gz")
        head = [SET, page, language, digest(body)]
        if rest == ["none"]:
            print("\t".join([*head, "-", "-", "-", "-", "-", "-", "-", split]))
            continue
        quote_ref, cue_text, name_text = rest
        try:
            if "-" in quote_ref:
                start, end = map(int, quote_ref.split("-"))
            else:
                mark = pairs(body)[int(quote_ref)]
                start, end = mark.start, mark.end
            cue = mention(body, cue_text, start)
            name = mention(body, name_text, start)
        except (ValueError, IndexError) as error:
            raise SystemExit(f"{spec}:{number}: {error}") from error
        cells = [*head, str(start), str(end), digest(body[start:end])]
        for span in (cue, name):
            cells += ["-", "-"] if span is None else [f"{span[0]}-{span[1]}", digest(body[span[0] : span[1]])]
        print("\t".join([*cells, split]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DATA)
    commands = parser.add_subparsers(dest="command", required=True)
    picking = commands.add_parser("pick")
    picking.add_argument("--language", required=True)
    picking.add_argument("--held-out", type=int, default=20)
    picking.add_argument("--tuned", type=int, default=7)
    picking.add_argument("--all-held-out", action="store_true", help="every page picked is held-out")
    listing = commands.add_parser("list")
    listing.add_argument("pages", nargs="+")
    writing = commands.add_parser("write")
    writing.add_argument("spec", type=Path)
    args = parser.parse_args()
    if args.command == "pick":
        pick(args.language, args.held_out, args.tuned, args.data, args.all_held_out)
    elif args.command == "list":
        for page in args.pages:
            show(page, args.data)
    else:
        write(args.spec, args.data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
