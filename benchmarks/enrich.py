"""Enrichment speed: the full enrichment of the ScrapingHub bodies in one process, and `ingest` with
enrichment on 1 and 2 processes.

    .venv/bin/python benchmarks/enrich.py [--repeat 2] [--copies 2] [--skip-ingest]

* Bodies: newsdesk's extraction of the 181 ScrapingHub pages (../shared/data/scrapinghub).
* "one process": `newsdesk.enrich.enrich_articles` (language, spaCy parse, entities, quotations with
  linked speakers, topics, keywords) over all bodies, batched as ingest does; the pipeline is loaded
  first and its load time reported apart. Rows for the spaCy parse alone (`nlp.pipe`, the same
  components) and for everything but the parse show where the time goes. Peak RSS of the process.
* "ingest": `newsdesk ingest DIR --processes N` on a folder of the pages (`--copies` times, under
  distinct names) into a fresh SQLite store, each run its own process, wall time start to end
  (pipeline loads included), then the speed-up of 2 processes over 1.

Results on stdout as a table; the machine's load average is printed with them, since the host is shared.
"""

from __future__ import annotations

import argparse
import gzip
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DATA = Path("../shared/data/scrapinghub/html")


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def articles() -> list:  # type: ignore[type-arg]
    import newsdesk

    if not DATA.is_dir():
        raise SystemExit(f"missing benchmark data: {DATA.resolve()} (run from the repository root)")
    found = []
    for path in sorted(DATA.glob("*.html.gz")):
        found.append(newsdesk.extract(gzip.decompress(path.read_bytes()), url=f"https://example.org/{path.name}"))
    return found


def one_process(repeat: int) -> list[tuple[str, str]]:
    from newsdesk.article import Article
    from newsdesk.enrich import enrich_articles
    from newsdesk.enrich.language import _detector
    from newsdesk.enrich.nlp import MAX_PARSE_CHARS, load_pipeline

    base = articles()
    chars = sum(len(a.body) for a in base)
    started = time.perf_counter()
    nlp = load_pipeline()
    _detector()
    load = time.perf_counter() - started
    rows = [("bodies", f"{len(base)} articles, {chars / len(base):,.0f} chars each on average"),
            ("pipeline + language models load", f"{load:.1f} s")]
    best_full = best_parse = float("inf")
    for _ in range(repeat):
        copies = [Article.from_json(a.to_json()) for a in base]
        started = time.perf_counter()
        for start in range(0, len(copies), 16):
            enrich_articles(copies[start:start + 16])
        best_full = min(best_full, time.perf_counter() - started)
        started = time.perf_counter()
        for _doc in nlp.pipe((a.body[:MAX_PARSE_CHARS] for a in base), batch_size=16):
            pass
        best_parse = min(best_parse, time.perf_counter() - started)
    rows += [
        ("full enrichment, one process", f"{len(base) / best_full:.1f} articles/s "
                                         f"({chars / best_full / 1000:,.0f} k chars/s)"),
        ("  of which spaCy parse", f"{best_parse:.1f} s of {best_full:.1f} s "
                                   f"({len(base) / best_parse:.1f} articles/s alone)"),
        ("  everything else (language, entities, quotes, topics, keywords)",
         f"{(best_full - best_parse) / len(base) * 1000:.0f} ms/article"),
        ("peak RSS, one process", f"{rss_mb():.0f} MB"),
    ]
    return rows


def ingest(copies: int) -> list[tuple[str, str]]:
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        pages = Path(folder) / "pages"
        pages.mkdir()
        count = 0
        for path in sorted(DATA.glob("*.html.gz")):
            for copy in range(copies):
                (pages / f"{copy}-{path.name}").write_bytes(path.read_bytes())
                count += 1
        times = {}
        for processes in (1, 2):
            db = Path(folder) / f"desk-{processes}.db"
            started = time.perf_counter()
            subprocess.run([sys.executable, "-m", "newsdesk", "ingest", str(pages), "--db", f"sqlite:///{db}",
                            "--processes", str(processes)], check=True, capture_output=True)
            times[processes] = time.perf_counter() - started
            rows.append((f"ingest with enrichment, {processes} process{'es' if processes > 1 else ''}",
                         f"{count / times[processes]:.1f} pages/s "
                         f"({count} pages in {times[processes]:.0f} s)"))
        rows.append(("speed-up of 2 processes over 1", f"{times[1] / times[2]:.2f}x"))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=2, help="best of N runs for the one-process rows")
    parser.add_argument("--copies", type=int, default=2, help="copies of each page in the ingest runs")
    parser.add_argument("--skip-ingest", action="store_true")
    options = parser.parse_args()
    rows = [("cores / load average at start", f"{os.cpu_count()} / {os.getloadavg()[0]:.1f}")]
    rows += one_process(options.repeat)
    if not options.skip_ingest:
        rows += ingest(options.copies)
    rows.append(("load average at end", f"{os.getloadavg()[0]:.1f}"))
    width = max(len(name) for name, _ in rows)
    print(f"| {'measure':<{width}} | value |\n|{'-' * (width + 2)}|-------|")
    for name, value in rows:
        print(f"| {name:<{width}} | {value} |")


if __name__ == "__main__":
    main()
