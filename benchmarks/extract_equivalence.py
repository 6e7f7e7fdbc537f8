"""Does the working tree extract exactly what a given git revision extracts, and how much faster?

    .venv/bin/python benchmarks/extract_equivalence.py [--rev main] [--sets scrapinghub,wcxb-dev,...]
                                                       [--limit N] [--base-cache DIR]

Extracts every page of the chosen sets of ../shared/data twice, each in its own process: once with
the source tree of REV (exported with `git archive` to a temporary directory) and once with the
working tree's `src/`. Every field of `Article.to_dict()` (page_type_probability included) is
compared exactly; it prints the number of differing pages (and the first differing fields), then
the CPU time per page (time.process_time around `extract` only, after one warm-up page) and docs/s
of both, per set and over all, measured in the same run. Exit status 1 when any page differs.

`--base-cache DIR` keeps the REV output in DIR/REV-SHA.jsonl and reuses it (the REV side's timing
is then the cached one: run without the cache for a figure measured side by side).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from extraction_data import DEFAULT_DATA, PROJECT, read_page

ALL_SETS = ("scrapinghub", "trafilatura-dev", "wcxb-dev")
TRUTH = {"scrapinghub": "ground-truth.json", "trafilatura-dev": "truth.json", "wcxb-dev": "truth.json"}


def pages(data: Path, sets: list[str], limit: int | None) -> list[tuple[str, str, str | None]]:
    """(set, doc id, url) for each page, in a stable order."""
    found: list[tuple[str, str, str | None]] = []
    for set_name in sets:
        path = data / set_name / TRUTH[set_name]
        if not path.exists():
            raise SystemExit(f"missing evaluation data: {path}")
        with open(path, encoding="utf-8") as f:
            truth: dict[str, Any] = json.load(f)
        ids = sorted(truth)[:limit] if limit else sorted(truth)
        found.extend((set_name, doc_id, truth[doc_id].get("url")) for doc_id in ids)
    return found


def run_worker(data: Path, sets: list[str], limit: int | None, out: Path) -> None:
    """Extract every page with whatever `newsdesk` is importable; one JSON line per page."""
    from newsdesk.extract import extract

    todo = pages(data, sets, limit)
    raw = [read_page(data, set_name, doc_id) for set_name, doc_id, _ in todo]
    if raw:
        with contextlib.suppress(Exception):  # warm-up: imports, model loading, caches
            extract(raw[0], url=todo[0][2])
    with open(out, "w", encoding="utf-8") as f:
        for (set_name, doc_id, url), html in zip(todo, raw, strict=True):
            start = time.process_time()
            try:
                result: Any = extract(html, url=url).to_dict()
            except Exception as error:
                result = {"error": f"{type(error).__name__}: {error}"}
            seconds = time.process_time() - start
            f.write(json.dumps({"page": f"{set_name}/{doc_id}", "seconds": seconds, "article": result},
                               ensure_ascii=False, sort_keys=True, default=repr) + "\n")


def export_rev(rev: str, into: Path) -> str:
    sha = subprocess.run(["git", "-C", str(PROJECT), "rev-parse", rev], check=True, capture_output=True,
                         text=True).stdout.strip()
    archive = subprocess.run(["git", "-C", str(PROJECT), "archive", "--format=tar", sha, "src"], check=True,
                             capture_output=True).stdout
    tar_path = into / "src.tar"
    tar_path.write_bytes(archive)
    with tarfile.open(tar_path) as tar:
        tar.extractall(into, filter="data")
    return sha


def extract_with(src: Path, args: argparse.Namespace, out: Path) -> None:
    env = dict(os.environ, PYTHONPATH=str(src), PYTHONHASHSEED="0")
    command = [sys.executable, __file__, "--worker", str(out), "--data", str(args.data), "--sets", args.sets]
    if args.limit:
        command += ["--limit", str(args.limit)]
    subprocess.run(command, check=True, env=env, cwd=tempfile.gettempdir())


def load(path: Path) -> dict[str, dict[str, Any]]:
    with open(path, encoding="utf-8") as f:
        return {row["page"]: row for row in map(json.loads, f)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rev", default="main", help="git revision to compare against (default main)")
    parser.add_argument("--sets", default=",".join(ALL_SETS))
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--limit", type=int, help="only the first N pages of each set")
    parser.add_argument("--base-cache", type=Path, help="reuse the REV output kept in this directory")
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    sets = args.sets.split(",")
    if args.worker:
        run_worker(args.data, sets, args.limit, args.worker)
        return 0
    with tempfile.TemporaryDirectory(prefix="extract-equivalence-") as tmp:
        base_dir = Path(tmp)
        sha = export_rev(args.rev, base_dir)
        key = f"{sha[:12]}-{args.sets.replace(',', '+')}-{args.limit or 'all'}.jsonl"
        base_out = args.base_cache / key if args.base_cache else base_dir / "base.jsonl"
        if not base_out.exists():
            base_out.parent.mkdir(parents=True, exist_ok=True)
            partial = base_dir / "base.part"
            extract_with(base_dir / "src", args, partial)
            shutil.move(partial, base_out)  # only a finished run is kept
        new_out = base_dir / "new.jsonl"
        extract_with(PROJECT / "src", args, new_out)
        base, new = load(base_out), load(new_out)
    differing = 0
    for page, row in base.items():
        other = new.get(page)
        if other is not None and other["article"] == row["article"]:
            continue
        differing += 1
        if differing <= 10:
            fields = sorted(k for k in set(row["article"]) | set((other or {}).get("article", {}))
                            if other is None or row["article"].get(k) != other["article"].get(k))
            print(f"differs: {page}: {', '.join(fields) or 'missing'}")
    print(f"pages: {len(base)}  differing: {differing}  (revision {args.rev} = {sha[:12]} vs working tree)")
    print(f"{'code':<16}{'set':<18}{'CPU s/page':>12}{'docs/s':>10}")
    for name, rows in ((f"{args.rev} {sha[:7]}", base), ("working tree", new)):
        for set_name in [*sets, "all"]:
            chosen = [row["seconds"] for page, row in rows.items()
                      if set_name == "all" or page.startswith(f"{set_name}/")]
            total = sum(chosen)
            print(f"{name:<16}{set_name:<18}{total / max(len(chosen), 1) * 1000:>10.2f}ms"
                  f"{len(chosen) / max(total, 1e-9):>10.1f}")
    base_total = sum(row["seconds"] for row in base.values())
    new_total = sum(row["seconds"] for row in new.values())
    print(f"speed-up: {base_total / max(new_total, 1e-9):.2f}x")
    return 1 if differing else 0


if __name__ == "__main__":
    raise SystemExit(main())
