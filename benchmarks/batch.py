"""Batch benchmark: `newsdesk batch` over WARC.gz files on a Dask LocalCluster with 1 and 2 workers,
extraction only and with enrichment; then `newsdesk load` of the output into PostgreSQL, twice.

    .venv/bin/python benchmarks/batch.py [--records 20000] [--files 8] [--enrich-records N]
        [--modes extract,enrich] [--workers 1,2] [--executor dask|processes] [--postgres URL]

The corpus: the ScrapingHub benchmark's 181 real pages (../shared/data/scrapinghub/html), repeated
with distinct URLs into `--files` WARC.gz files (a request record before each response, as crawlers
write them), cached in $TMPDIR/newsdesk-bench-batch-R-F/. Enrichment runs over `--enrich-records`
records (default: --records) in as many files; it is a corpus of its own, of as many files.

Per run: records/s over the run's wall time (the cluster is started before the clock starts, the
workers' one-time loads of lingua and spaCy are inside it), parallel efficiency = rate with 2
workers / (2 x rate with 1), the peak RSS of each worker process, and the load average before and
after (the machine is shared: ratios measured in the same run are what to compare). The CPU time
the workers spent per record (process time, summed over tasks) is printed too, with the "CPU
efficiency" = CPU per record with 1 worker / with 2: on a machine other work also keeps busy, wall
time measures the share of the cores the run got, CPU time what the work costs (and so what a
cluster of idle cores would do per core-hour). Results on
stdout as a table, progress on stderr.
"""

from __future__ import annotations

import argparse
import gzip
import io
import os
import shutil
import subprocess
import sys
import tempfile
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from newsdesk.batch import DaskExecutor, ProcessExecutor, run_batch
from newsdesk.batch.load import load_output
from newsdesk.pipeline.executors import Executor

PROJECT = Path(__file__).resolve().parent.parent
PAGES = PROJECT.parent / "shared" / "data" / "scrapinghub" / "html"


def build_corpus(records: int, files: int) -> list[Path]:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    folder = Path(tempfile.gettempdir()) / f"newsdesk-bench-batch-{records}-{files}"
    paths = [folder / f"CC-NEWS-bench-{n:05d}.warc.gz" for n in range(files)]
    if (folder / "complete").exists():
        return paths
    sources = sorted(PAGES.glob("*.html.gz"))
    if not sources:
        sys.exit(f"the shared evaluation data is missing: {PAGES}")
    pages = [(path.name.split(".")[0], gzip.decompress(path.read_bytes())) for path in sources]
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    per_file = -(-records // files)
    number = 0
    for n, path in enumerate(paths):
        print(f"writing {path} ...", file=sys.stderr)
        with path.open("wb") as raw:
            writer = WARCWriter(raw, gzip=True)
            for _ in range(min(per_file, records - number)):
                name, html = pages[number % len(pages)]
                url = f"https://news{number % 97}.example.org/{n}/{number}/{name}.html"
                html = _with_canonical(html, url)
                date = {"WARC-Date": f"2024-01-{1 + n % 2:02d}T{number % 24:02d}:00:00Z"}
                request = b"GET / HTTP/1.1\r\nHost: example.org\r\n\r\n"
                writer.write_record(writer.create_warc_record(
                    url, "request", payload=io.BytesIO(request), length=len(request),
                    warc_content_type="application/http; msgtype=request", warc_headers_dict=date))
                http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")],
                                        protocol="HTTP/1.1")
                writer.write_record(writer.create_warc_record(
                    url, "response", payload=io.BytesIO(html), length=len(html), http_headers=http,
                    warc_headers_dict=date))
                number += 1
    (folder / "complete").write_text(str(number))
    return paths


def _with_canonical(html: bytes, url: str) -> bytes:
    """The page with its own URL as the first canonical link: each record is a distinct article to the
    store (which keys articles by canonical URL), as the records of a real crawl mostly are."""
    import re

    link = f'<link rel="canonical" href="{url}">'.encode()
    head = re.search(rb"<head[^>]*>", html[:65536], re.IGNORECASE)
    return html[:head.end()] + link + html[head.end():] if head else link + html


@dataclass
class Run:
    mode: str
    workers: int
    files: int
    records: int
    rows: int
    errors: int
    seconds: float
    cpu_seconds: float
    peak_rss: dict[str, int]
    load_before: str
    load_after: str

    @property
    def rate(self) -> float:
        return self.records / self.seconds


def loadavg() -> str:
    return " ".join(f"{value:.1f}" for value in os.getloadavg())


def make(executor: str, workers: int) -> Executor:
    if executor == "dask":
        return DaskExecutor("local", workers, dashboard=False)
    return ProcessExecutor(workers)


def run(paths: list[Path], mode: str, workers: int, executor_name: str, out: Path) -> Run:
    shutil.rmtree(out, ignore_errors=True)
    executor = make(executor_name, workers)
    try:
        before = loadavg()
        summary = run_batch([str(path) for path in paths], out, executor, enrich=mode == "enrich",
                            progress=sys.stderr.isatty())
        after = loadavg()
    finally:
        executor.close()
    peak: dict[str, int] = defaultdict(int)
    for result in summary.finished:
        peak[result.worker] = max(peak[result.worker], result.peak_rss)
    if summary.failed:
        sys.exit(f"failed: {summary.failed}")
    cpu = sum(result.cpu_seconds for result in summary.finished)
    return Run(mode, workers, len(paths), summary.pages, summary.rows, summary.errors, summary.seconds, cpu,
               dict(peak), before, after)


def postgres_url(given: str | None) -> tuple[str, Path | None]:
    url = given or os.environ.get("NEWSDESK_TEST_POSTGRES_URL")
    if url:
        return url, None
    folder = Path(tempfile.mkdtemp(prefix="newsdesk-bench-pg-"))
    line = subprocess.run([str(PROJECT / "scripts" / "postgres"), "start", str(folder)], check=True,
                          capture_output=True, text=True).stdout
    return line.strip().split("=", 1)[1], folder


def load(source: Path, given_url: str | None) -> None:
    """`newsdesk load` of a batch output into a fresh PostgreSQL schema, twice: rows/s, row counts."""
    url, server = postgres_url(given_url)
    try:
        import psycopg

        schema = f"bench_{os.getpid()}"
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute(f"CREATE SCHEMA {schema}".encode())
        target = f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"
        print(f"\nload into PostgreSQL ({source.name}; batched COPY; load average {loadavg()})\n")
        print(f"{'load':6} {'rows read':>9} {'stored':>7} {'already':>7} {'seconds':>8} {'rows/s':>8} "
              f"{'articles after':>14}")
        for attempt in ("first", "second"):
            result = load_output(source, target)
            with psycopg.connect(target) as connection:
                count = connection.execute("SELECT count(*) FROM articles").fetchone()
            print(f"{attempt:6} {result.read:>9,} {result.stored:>7,} {result.present:>7,} "
                  f"{result.seconds:>8.1f} {result.read / result.seconds:>8,.0f} "
                  f"{count[0] if count else 0:>14,}")
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute(f"DROP SCHEMA {schema} CASCADE".encode())
    finally:
        if server is not None:
            subprocess.run([str(PROJECT / "scripts" / "postgres"), "stop", str(server)], check=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--files", type=int, default=8)
    parser.add_argument("--enrich-records", type=int, default=None,
                        help="Records for the enrichment runs (default: --records)")
    parser.add_argument("--modes", default="extract,enrich")
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--executor", choices=["dask", "processes"], default="dask")
    parser.add_argument("--postgres", help="PostgreSQL URL for the load (default: a throwaway server)")
    parser.add_argument("--no-load", action="store_true")
    parser.add_argument("--keep", type=Path, help="Write the outputs here and keep them (default: temp)")
    parser.add_argument("--load-only", type=Path, metavar="OUT",
                        help="Skip the runs: only load this batch output folder (e.g. KEEP/extract-2)")
    args = parser.parse_args()
    if args.load_only:
        load(args.load_only, args.postgres)
        return
    paths = build_corpus(args.records, args.files)
    work = args.keep or Path(tempfile.mkdtemp(prefix="newsdesk-bench-batch-out-"))
    runs: list[Run] = []
    for mode in args.modes.split(","):
        chosen = paths
        if mode == "enrich" and args.enrich_records and args.enrich_records != args.records:
            chosen = build_corpus(args.enrich_records, args.files)
        for workers in map(int, args.workers.split(",")):
            print(f"== {mode}, {workers} worker(s), {len(chosen)} files (load {loadavg()})", file=sys.stderr)
            runs.append(run(chosen, mode, workers, args.executor, work / f"{mode}-{workers}"))
            print(f"   {runs[-1].rate:,.1f} records/s", file=sys.stderr)
    print(f"\nbatch on {args.executor}, {os.cpu_count()} cores (load averages 1/5/15 min before -> after)\n")
    print(f"{'mode':8} {'workers':>7} {'files':>5} {'records':>8} {'rows':>7} {'errors':>6} {'seconds':>8} "
          f"{'records/s':>10} {'per worker':>10} {'efficiency':>10} {'CPU ms/rec':>10} {'CPU eff.':>8} "
          f"{'peak RSS/worker MB':>20}  load")
    # The 1-worker run of each mode is the base, whichever order the runs went in (--workers 2,1).
    base = {item.mode: item.rate for item in runs if item.workers == 1}
    base_cpu = {item.mode: item.cpu_seconds / max(item.records, 1) for item in runs if item.workers == 1}
    for item in runs:
        cpu_per_record = item.cpu_seconds / max(item.records, 1)
        efficiency = (f"{item.rate / (item.workers * base[item.mode]):.0%}"
                      if item.mode in base and item.workers > 1 else "-")
        cpu_efficiency = (f"{base_cpu[item.mode] / cpu_per_record:.0%}"
                          if item.mode in base_cpu and item.workers > 1 and cpu_per_record else "-")
        rss = ", ".join(f"{value / 2**20:,.0f}" for value in sorted(item.peak_rss.values()))
        print(f"{item.mode:8} {item.workers:>7} {item.files:>5} {item.records:>8,} {item.rows:>7,} "
              f"{item.errors:>6} {item.seconds:>8.1f} {item.rate:>10,.1f} {item.rate / item.workers:>10,.1f} "
              f"{efficiency:>10} {cpu_per_record * 1000:>10.1f} {cpu_efficiency:>8} {rss:>20}  "
              f"{item.load_before} -> {item.load_after}")
    if not args.no_load and runs:
        workers = runs[-1].workers if runs[0].mode == runs[-1].mode else 1
        load(work / f"{runs[0].mode}-{workers}", args.postgres)
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
