"""Share of English quotations without a speaker on the ScrapingHub bodies (newsdesk's own extraction).

    .venv/bin/python benchmarks/quotes_speakerless.py [--data DIR] [--limit N]

Each page is extracted by newsdesk, its language detected, and the English bodies' quotations found;
prints how many quotations there are, how many have no speaker name, and the share. To compare with
another version of the code, run the same command with that version first on PYTHONPATH.
"""

from __future__ import annotations

import argparse
import gzip
import sys
from pathlib import Path

from newsdesk import extract
from newsdesk.enrich.language import detect_language
from newsdesk.enrich.quotes import extract_quotes_batch

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "scrapinghub"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--limit", type=int, default=None)
    args = parser.parse_args()
    pages = sorted((args.data / "html").glob("*.html.gz"))[: args.limit]
    if not pages:
        print(f"ScrapingHub pages not found at {args.data / 'html'}", file=sys.stderr)
        return 2
    bodies = []
    for path in pages:
        body = extract(gzip.decompress(path.read_bytes())).body
        if body and detect_language(body) == "en":
            bodies.append(body)
    total = speakerless = direct = direct_speakerless = 0
    for quotes in extract_quotes_batch(bodies):
        total += len(quotes)
        speakerless += sum(q.speaker_name is None for q in quotes)
        direct += sum(q.type == "direct" for q in quotes)
        direct_speakerless += sum(q.type == "direct" and q.speaker_name is None for q in quotes)
    print(f"{len(bodies)} English bodies of {len(pages)} pages")
    print(f"quotations: {total}, without a speaker: {speakerless} ({speakerless / max(total, 1):.1%})")
    share = direct_speakerless / max(direct, 1)
    print(f"direct: {direct}, without a speaker: {direct_speakerless} ({share:.1%})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
