"""Pathological markup: pages with 25,000-400,000 attributes and 10,000-1,000,000 elements, extracted
by newsdesk (attribute and nesting guards, then lexbor) beside the bare parsers on the same page:
lexbor without the guards and lxml.html. CPU seconds per case, each in a process of its own with a
time limit, and seconds per MB of input (the target: at most 2 s/MB, growing at most linearly).

    .venv/bin/python benchmarks/markup.py [--limit SECONDS] [--quick]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

# (name, kind, count): "one" puts `count` attributes on one element, "spread" `count` attributes 200
# to an element, "elements" makes `count` elements (one paragraph in ten, the rest spans with a class).
CASES = [
    ("one element, 25k attributes", "one", 25_000),
    ("one element, 100k attributes", "one", 100_000),
    ("one element, 200k attributes", "one", 200_000),
    ("one element, 400k attributes", "one", 400_000),
    ("200 per element, 400k attributes", "spread", 400_000),
    ("10k elements", "elements", 10_000),
    ("100k elements", "elements", 100_000),
    ("1M elements", "elements", 1_000_000),
]
QUICK = {"one element, 25k attributes", "one element, 200k attributes", "200 per element, 400k attributes",
         "10k elements", "100k elements"}
TOOLS = ("newsdesk", "lexbor", "lxml")

_CHILD = r"""
import json, resource, sys

kind, count, tool = sys.argv[1], int(sys.argv[2]), sys.argv[3]
text = "".join(f"<p>Paragraph {n} of the story, with a few words in it.</p>" for n in range(20))
if kind == "one":
    attributes = " ".join(f'data-a{n}="v{n % 10}"' for n in range(count))
    page = f"<html><body><article {attributes}><h1>Headline</h1>{text}</article></body></html>"
elif kind == "spread":
    element = "<span " + " ".join(f'data-a{n}="v"' for n in range(200)) + ">x</span>"
    page = ("<html><body><article><h1>Headline</h1>" + text + element * (count // 200)
            + "</article></body></html>")
else:
    parts = [f"<p>Paragraph {n} of a long page.</p>" if n % 10 == 0 else f'<span class="c{n % 7}">w{n}</span>'
             for n in range(count)]
    page = "<html><body><article><h1>Headline</h1>" + "".join(parts) + "</article></body></html>"

def cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime

import lxml.html
from selectolax.lexbor import LexborHTMLParser
from newsdesk.extract.html import extract_html

started = cpu()  # after the imports: only the work on the page is timed
if tool == "newsdesk":
    extract_html(page)
elif tool == "lexbor":
    LexborHTMLParser(page).body
else:
    lxml.html.document_fromstring(page)
print(json.dumps({"seconds": cpu() - started, "mb": len(page.encode()) / 1e6}))
"""


def run(kind: str, count: int, tool: str, limit: float) -> tuple[float | None, float | None]:
    """(CPU seconds, MB) of one tool on one case; seconds None past the limit."""
    try:
        child = subprocess.run([sys.executable, "-c", _CHILD, kind, str(count), tool], capture_output=True,
                               text=True, timeout=limit)
    except subprocess.TimeoutExpired:
        return None, None
    if child.returncode != 0:
        sys.exit(f"{tool} failed on {kind} {count}:\n{child.stderr[-2000:]}")
    found = json.loads(child.stdout)
    return float(found["seconds"]), float(found["mb"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--limit", type=float, default=60.0, help="seconds allowed per tool and case")
    parser.add_argument("--quick", action="store_true", help=f"only {len(QUICK)} of the cases")
    args = parser.parse_args()
    print(f"{'case':34} {'MB':>6} {'newsdesk s':>11} {'s/MB':>6} {'lexbor s':>9} {'lxml s':>8} "
          f"{'lexbor/newsdesk':>16}")
    for name, kind, count in CASES:
        if args.quick and name not in QUICK:
            continue
        times: dict[str, float | None] = {}
        size = 0.0
        for tool in TOOLS:
            seconds, mb = run(kind, count, tool, args.limit)
            times[tool] = seconds
            size = mb or size
        ours = times["newsdesk"]
        lexbor = times["lexbor"]

        def show(value: float | None) -> str:
            return f"{value:.2f}" if value is not None else f">{args.limit:.0f}"

        ratio = f"{lexbor / ours:.1f}x" if lexbor is not None and ours else (
            f">{args.limit / ours:.0f}x" if ours else "-")
        per_mb = f"{ours / size:.2f}" if ours is not None and size else "-"
        print(f"{name:34} {size:6.2f} {show(ours):>11} {per_mb:>6} {show(lexbor):>9} "
              f"{show(times['lxml']):>8} {ratio:>16}")


if __name__ == "__main__":
    main()
