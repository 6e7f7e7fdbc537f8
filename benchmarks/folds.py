"""The five cross-validation folds every extraction experiment uses, grouped by site.

Pages of ScrapingHub, trafilatura-dev and WCXB-dev are pooled; a page's site is the registrable part
of its URL's host (the last two labels, three under a two-letter country code's second level such as
co.uk or com.au), so a site's pages (and every blog of one hosting service) never sit both in the
fold a model is fitted on and the fold it is scored on. The fold is fixed by a hash of the site, not
by chance: `python benchmarks/folds.py` rewrites `benchmarks/data/folds.tsv` identically, and
`--check` verifies that the committed file is what the data gives.

    from folds import load_folds       # {(set, page id): fold}, folds 0-4
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

HERE = Path(__file__).resolve().parent
DATA = HERE.parent.parent / "shared" / "data"
FOLDS = HERE / "data" / "folds.tsv"
K = 5
_SECOND_LEVEL = {"co", "com", "org", "net", "ac", "gov", "edu", "ne", "or", "go", "gob", "nic", "gv"}


def site_of(url: str | None, fallback: str) -> str:
    """The registrable domain of `url`'s host; `fallback` (the page id) when it has none."""
    host = (urlsplit(url or "").hostname or "").lower().rstrip(".")
    if not host:
        return f"?{fallback}"
    labels = host.split(".")
    keep = 3 if len(labels) >= 3 and len(labels[-1]) == 2 and labels[-2] in _SECOND_LEVEL else 2
    return ".".join(labels[-keep:])


def fold_of(site: str) -> int:
    return int(hashlib.sha1(site.encode("utf-8")).hexdigest(), 16) % K


def pages(data: Path = DATA) -> list[tuple[str, str, str]]:
    """(set, page id, url) of every page of the three pooled sets."""
    found: list[tuple[str, str, str]] = []
    for name, truth_file, url_key in (("scrapinghub", "ground-truth.json", "url"),
                                      ("trafilatura-dev", "truth.json", "url"),
                                      ("wcxb-dev", "truth.json", "url")):
        path = data / name / truth_file
        if not path.exists():
            raise SystemExit(f"folds: {path} is missing (the shared data must sit beside the project)")
        truth = json.loads(path.read_text(encoding="utf-8"))
        found.extend((name, page_id, record.get(url_key) or "") for page_id, record in sorted(truth.items()))
    return found


def rows(data: Path = DATA) -> list[tuple[str, str, str, int]]:
    return [(name, page_id, site, fold_of(site))
            for name, page_id, url in pages(data)
            for site in [site_of(url, page_id)]]


def render(table: list[tuple[str, str, str, int]]) -> str:
    lines = ["set\tid\tsite\tfold"]
    lines += [f"{name}\t{page_id}\t{site}\t{fold}" for name, page_id, site, fold in table]
    return "\n".join(lines) + "\n"


def load_folds(path: Path = FOLDS) -> dict[tuple[str, str], int]:
    """{(set, page id): fold} from the committed folds file (read as the training command reads it)."""
    from newsdesk.extract.html.train import read_folds

    return read_folds(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true",
                        help="fail if the committed folds differ from the data's")
    args = parser.parse_args()
    table = rows()
    text = render(table)
    if args.check:
        if FOLDS.read_text(encoding="utf-8") != text:
            sys.exit(f"folds: {FOLDS} differs from what the data gives; rerun benchmarks/folds.py")
    else:
        FOLDS.parent.mkdir(parents=True, exist_ok=True)
        FOLDS.write_text(text, encoding="utf-8")
    per_fold = Counter(fold for *_, fold in table)
    per_set = Counter((name, fold) for name, _, _, fold in table)
    sites = len({site for _, _, site, _ in table})
    print(f"{len(table)} pages, {sites} sites, {K} folds")
    for fold in range(K):
        counts = ", ".join(f"{name} {per_set[(name, fold)]}"
                           for name in ("scrapinghub", "trafilatura-dev", "wcxb-dev"))
        print(f"fold {fold}: {per_fold[fold]} pages ({counts})")


if __name__ == "__main__":
    main()
