"""Ingest benchmark: a WARC.gz of ScrapingHub pages ingested end to end into SQLite and PostgreSQL.

    .venv/bin/python benchmarks/ingest.py [--records 20000] [--backends sqlite,postgres]
                                          [--postgres-url URL] [--rebuild]

Prints, per backend, the rate and peak RSS after the first 2,000 records and at the end, then the ratio
of the two peaks: memory is constant when the second is within 10% of the first.

How it measures:

* The archive (corpus.build_warc): request+response record pairs written by warcio, response n being
  ScrapingHub page n % 181 under https://bench.example/<n // 181>/<id>, with a canonical link naming
  that URL (newsdesk keys articles by canonical URL: without it every copy would be one article and
  "unchanged"). Kept under $TMPDIR/newsdesk-bench/ by record count; --rebuild writes it again.
* Each backend runs in its own child process (this file with --worker): a fresh store (a new SQLite
  file; an emptied schema of the PostgreSQL database) and newsdesk's Ingester over the archive, as
  `newsdesk ingest FILE --db URL` runs it (same settings, batches of 100). Seconds: Ingester.run, from
  the first record read to the last batch committed (imports and opening the store excluded);
  pages/s = records read / seconds, extraction and storing included.
* Peak RSS: the child's VmHWM (/proc/self/status; an exec starts it from zero, whereas ru_maxrss keeps
  the parent's peak) when its 2,000th record has been read, and after the last commit. The PostgreSQL
  server is another process: its memory is not in the figure.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from backends import (
    add_backend_options,
    header,
    in_schema,
    load_average,
    parse_backends,
    postgres_url,
    postgres_version,
    reset_schema,
)
from corpus import CACHE, WARC_VERSION, build_warc, require_data

EARLY = 2_000  # the record count whose peak RSS the final one is compared with
SCHEMA = "newsdesk_bench_ingest"
WORKER_TIMEOUT_S = 4 * 3600


# --------------------------------------------------------------------------- child: one ingest


def _vm_hwm_mb() -> float:
    match = re.search(r"VmHWM:\s+(\d+) kB", Path("/proc/self/status").read_text())
    return int(match.group(1)) / 1024 if match else float("nan")


def run_worker(warc: str, db: str, records: int, out: Path, enrich: bool) -> None:
    """Ingest `warc` into the store at `db`; write samples (records, seconds, peak RSS) and counts."""
    from newsdesk.pipeline import IngestCounts, Ingester
    from newsdesk.settings import Settings
    from newsdesk.store import open_store

    marks = sorted({min(EARLY, records), *range(records // 10, records, max(records // 10, 1))})
    samples: list[dict[str, float]] = []
    started = time.monotonic()

    def progress(counts: IngestCounts) -> None:
        if marks and counts.read >= marks[0]:
            marks.pop(0)
            samples.append({"records": counts.read, "stored": counts.stored,
                            "seconds": time.monotonic() - started, "rss_mb": _vm_hwm_mb()})

    with open_store(db) as store:
        ingester = Ingester(store, Settings.from_env(), progress=progress, enrich=enrich)
        started = time.monotonic()
        counts = ingester.run([warc])
        seconds = time.monotonic() - started
    samples.append({"records": counts.read, "stored": counts.stored, "seconds": seconds,
                    "rss_mb": _vm_hwm_mb()})
    totals = {name: value for name, value in vars(counts).items() if name != "started"}
    out.write_text(json.dumps({"samples": samples, "counts": totals}), encoding="utf-8")


# --------------------------------------------------------------------------- parent


def launch(warc: Path, db: str, records: int, enrich: bool = False) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="newsdesk-bench-") as tmp:
        out = Path(tmp) / "result.json"
        command = [sys.executable, str(Path(__file__).resolve()), "--worker", "--warc", str(warc),
                   "--db", db, "--records", str(records), "--out", str(out)]
        command += ["--enrich"] if enrich else []
        proc = subprocess.run(command, capture_output=True, text=True, timeout=WORKER_TIMEOUT_S)
        if proc.returncode != 0 or not out.exists():
            tail = "\n".join(proc.stderr.strip().splitlines()[-5:]) or "no output"
            return {"error": f"worker failed (exit {proc.returncode}): {tail}"}
        return dict(json.loads(out.read_text(encoding="utf-8")))


def ingest_into(backend: str, warc: Path, args: argparse.Namespace) -> dict[str, Any]:
    if backend == "sqlite":
        with tempfile.TemporaryDirectory(prefix="newsdesk-bench-") as tmp:
            return launch(warc, f"sqlite:///{Path(tmp).resolve() / 'ingest.db'}", args.records, args.enrich)
    url = postgres_url(args.postgres_url)
    if url is None:
        return {"error": "skipped: no PostgreSQL server given (see the message above)"}
    reset_schema(url, SCHEMA)
    try:
        result = launch(warc, in_schema(url, SCHEMA), args.records, args.enrich)
    finally:
        reset_schema(url, SCHEMA)  # leave the database as it was, but for an empty schema
    result["server"] = f"PostgreSQL {postgres_version(url)}"
    return result


def render(results: dict[str, dict[str, Any]], records: int) -> str:
    lines = [f"{'backend':<10} {'records':>8} {'stored':>8} {'seconds':>8} {'pages/s':>8} "
             f"{'peak RSS MB':>12}"]
    ratios, notes = [], []
    for backend, result in results.items():
        if "error" in result:
            lines.append(f"{backend:<10} n/a  {result['error']}")
            continue
        samples = result["samples"]
        early, last = next(s for s in samples if s["records"] >= min(EARLY, records)), samples[-1]
        for sample in (early, last):
            rate = sample["records"] / sample["seconds"] if sample["seconds"] else 0.0
            lines.append(f"{backend:<10} {sample['records']:>8,} {sample['stored']:>8,} "
                         f"{sample['seconds']:>8.1f} {rate:>8.1f} {sample['rss_mb']:>12.1f}")
        ratio = last["rss_mb"] / early["rss_mb"]
        ratios.append(f"{backend} {ratio:.3f} ({'within' if ratio <= 1.10 else 'NOT within'} 10%)")
        curve = ", ".join(f"{s['records'] / 1000:g}k {s['rss_mb']:.0f}" for s in samples)
        counts = result["counts"]
        notes.append(f"{backend}: peak RSS MB along the run: {curve}")
        notes.append(f"{backend}: {counts['read']:,} records read, {counts['stored']:,} stored, "
                     f"{counts['unchanged']:,} unchanged, {counts['skipped']:,} skipped (the request "
                     f"records), {counts['failed']:,} failed" + (f"; {result['server']}" if "server" in
                                                                  result else ""))
    if ratios:
        lines.append(f"\npeak RSS at the end / after {min(EARLY, records):,} records: " + "; ".join(ratios))
    return "\n".join(lines + notes)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--records", type=int, default=20_000, help="response records in the archive")
    add_backend_options(ap)
    ap.add_argument("--rebuild", action="store_true", help="write the archive again even if cached")
    ap.add_argument("--enrich", action="store_true",
                    help="enrich as `newsdesk ingest` does by default (off: the figures are for --no-enrich)")
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    for hidden in ("--warc", "--db", "--out"):
        ap.add_argument(hidden, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.records < 1:
        ap.error("--records must be at least 1")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.worker:
        run_worker(args.warc, args.db, args.records, Path(args.out), args.enrich)
        return
    backends = parse_backends(args.backends)
    require_data()
    warc = CACHE / f"ingest-{args.records}-v{WARC_VERSION}.warc.gz"
    if args.rebuild or not warc.exists():
        print(f"writing {warc} ...", file=sys.stderr, flush=True)
        started = time.monotonic()
        build_warc(warc, args.records)
        print(f"written in {time.monotonic() - started:.0f} s", file=sys.stderr, flush=True)
    print(f"{header()}\narchive: {args.records:,} request+response pairs, "
          f"{warc.stat().st_size / 2**20:.0f} MB gzipped ({warc})", flush=True)
    results = {}
    for backend in backends:
        print(f"ingesting into {backend} ...", file=sys.stderr, flush=True)
        results[backend] = ingest_into(backend, warc, args)
    print(f"load average after the runs: {load_average()}")
    print("\n" + render(results, args.records))
    if any("error" in result for result in results.values()):
        sys.exit(1)


if __name__ == "__main__":
    main()
