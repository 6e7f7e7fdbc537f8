"""Ingest CPU cost of two revisions side by side: this checkout against another checkout's src/.

    git worktree add --detach /tmp/base REV
    .venv/bin/python benchmarks/ingest_revisions.py --base /tmp/base [--records 600] [--rounds 3]

Each run is a child process that ingests the benchmark archive (corpus.build_warc: ScrapingHub pages
as WARC.gz records, as benchmarks/ingest.py writes it) into a fresh SQLite store with
`Ingester(store, enrich=False)`, as `newsdesk ingest --no-enrich` does; the base revision runs with
PYTHONPATH set to its src/. Runs alternate base, this, base, this... Printed: wall-clock pages/s and
pages per CPU second (the child's `time.process_time()` over `Ingester.run`). On a shared machine
the CPU figure is the one to compare: other jobs stretch wall time, not the process's CPU time.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from corpus import CACHE, WARC_VERSION, build_warc, require_data

CHILD = r"""
import json, sys, time
import newsdesk
from newsdesk.pipeline import Ingester
from newsdesk.settings import Settings
from newsdesk.store import open_store
with open_store(sys.argv[2]) as store:
    ingester = Ingester(store, Settings.from_env(), enrich=False)
    wall, cpu = time.monotonic(), time.process_time()
    counts = ingester.run([sys.argv[1]])
    print(json.dumps({"source": newsdesk.__file__, "read": counts.read, "stored": counts.stored,
                      "wall": time.monotonic() - wall, "cpu": time.process_time() - cpu}))
"""


def one_run(warc: Path, base: Path | None) -> dict[str, float | str]:
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    if base is not None:
        env["PYTHONPATH"] = str(base / "src")
    with tempfile.TemporaryDirectory(prefix="newsdesk-bench-") as tmp:
        proc = subprocess.run([sys.executable, "-c", CHILD, str(warc), f"sqlite:///{tmp}/ingest.db"],
                              env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        sys.exit(f"the ingest run failed:\n{proc.stderr[-2000:]}")
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", type=Path, required=True, help="a checkout of the revision to compare")
    parser.add_argument("--records", type=int, default=600)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    require_data()
    warc = CACHE / f"ingest-{args.records}-v{WARC_VERSION}.warc.gz"
    if not warc.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        build_warc(warc, args.records)
    runs: dict[str, list[dict[str, float | str]]] = {"base": [], "this": []}
    for number in range(1, args.rounds + 1):
        for side in runs:
            run = one_run(warc, args.base.resolve() if side == "base" else None)
            runs[side].append(run)
            print(f"round {number} {side:4}: {run['read']} read, {run['stored']} stored, wall "
                  f"{float(run['wall']):.1f} s, CPU {float(run['cpu']):.1f} s, load {os.getloadavg()[0]:.1f} "
                  f"({run['source']})", file=sys.stderr, flush=True)
    print(f"\ningest --no-enrich into SQLite, {args.records} records, {args.rounds} alternated runs each\n")
    print(f"{'revision':9} {'pages/s (wall)':>28} {'pages per CPU s':>28} {'median':>7}")
    medians = {}
    for side, done in runs.items():
        wall = [float(run["read"]) / float(run["wall"]) for run in done]
        cpu = [float(run["read"]) / float(run["cpu"]) for run in done]
        medians[side] = statistics.median(cpu)
        print(f"{side:9} {', '.join(f'{rate:.1f}' for rate in wall):>28} "
              f"{', '.join(f'{rate:.1f}' for rate in cpu):>28} {medians[side]:>7.1f}")
    print(f"\nthis / base, pages per CPU second (median): {medians['this'] / medians['base']:.3f}")


if __name__ == "__main__":
    main()
