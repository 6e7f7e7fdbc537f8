"""Load benchmark of `newsdesk serve`: a newsroom's mix of pages on a 100,000-article store, one worker
against several, on SQLite and PostgreSQL.

    .venv/bin/python benchmarks/serve.py [--articles 100000] [--seconds 30] [--connections 8]
                                         [--workers 1,2] [--backends sqlite,postgres] [--postgres-url URL]

How it measures:

* The store: --articles articles of the search benchmark's generator (benchmarks/corpus.py, seed 11),
  each naming as entities the first three capitalised word pairs of its body (a person each, with
  their spans: real names of the real bodies, no parse needed), stored with put_many in batches of
  500, then placed in duplicate groups and stories (`assign_stories`, as ingest does). Built once and
  kept: a SQLite file under $TMPDIR/newsdesk-bench/ and a schema of its own in the PostgreSQL database
  (--postgres-url, else $NEWSDESK_TEST_POSTGRES_URL).
* The pages, in turn: the search page (`/search?q=...`: hits, copies, coverage chart, sources) for the
  search benchmark's 20 queries, article pages for 20 articles, entity pages for the 20 most named
  entities and story pages for the 20 largest stories: 80 paths, each request the next one.
* The server: `newsdesk serve --workers W` in a process of its own on a free loopback port, for each W
  of --workers; wrk (Debian's package; installed when missing) closed loop with --connections open
  connections for --seconds, after a warm-up that requests every page 8 x W + 1 times on fresh
  connections (the desk's caches warm in every worker, as steady use keeps them; the first views'
  times are logged: an entity page's first view reads every article naming it); p50/p95/p99 and
  non-2xx from wrk.
* Target (issue 19): SQLite, 2 workers, 8 connections: p95 < 100 ms and at least 1.6x the requests/s of
  one worker in the same run. The machine is shared: `uptime` is printed; compare rows of one run.

Results on stdout as a table; progress on stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

from backends import add_backend_options, chosen_backends, in_schema, reset_schema, schema_exists
from corpus import CACHE, CORPUS_VERSION, make_articles, require_data
from search import QUERIES

ROOT = Path(__file__).resolve().parent.parent
SEED = 11
BATCH = 500
PAGES_EACH = 20
TARGET_P95_MS = 100.0
TARGET_SPEEDUP = 1.6
_NAME = re.compile(r"\b[A-Z][a-z]{2,} [A-Z][a-z]{2,}\b")


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def with_entities(article: Any) -> Any:
    """The article naming the first three capitalised word pairs of its body (persons, with spans)."""
    from dataclasses import replace

    from newsdesk.article import Entity
    from newsdesk.enrich.entities import entity_id

    found: dict[str, list[tuple[int, int]]] = {}
    for match in _NAME.finditer(article.body or ""):
        if match[0] in found or len(found) < 3:
            found.setdefault(match[0], []).append(match.span())
    return replace(article, entities=[Entity(entity_id("person", name), name, "person", spans)
                                      for name, spans in found.items()])


def _marker(articles: int) -> str:
    return f"benchmark:serve:{articles}:{SEED}:{CORPUS_VERSION}"


def store_url(backend: str, articles: int, postgres: str | None) -> str:
    """The benchmark's store of `backend` (built unless it is complete)."""
    from newsdesk.store import open_store
    from newsdesk.stories.persist import assign_stories

    name = f"serve-{articles}-s{SEED}-v{CORPUS_VERSION}"
    if backend == "sqlite":
        path = CACHE / f"{name}.db"
        url = f"sqlite:///{path}"
    else:
        assert postgres
        schema = "newsdesk_bench_" + name.replace("-", "_")
        url = in_schema(postgres, schema)
        if not schema_exists(postgres, schema):
            reset_schema(postgres, schema)
    CACHE.mkdir(parents=True, exist_ok=True)
    with open_store(url) as store:
        if store.is_done(_marker(articles)):
            log(f"{backend}: reusing the store ({articles:,} articles)")
            return url
    if backend == "sqlite":
        for stale in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            stale.unlink(missing_ok=True)
    else:
        reset_schema(postgres or "", schema)
    log(f"{backend}: building the store with {articles:,} articles (once)")
    started = time.monotonic()
    with open_store(url) as store:
        batch = []
        for number, article in enumerate(make_articles(articles, SEED), 1):
            batch.append(with_entities(article))
            if len(batch) == BATCH or number == articles:
                store.put_many(batch)
                batch = []
            if number % 10_000 == 0:
                log(f"  {backend}: {number:,} stored, {time.monotonic() - started:.0f} s")
        stored = time.monotonic()
        placed = assign_stories(store)
        log(f"  {backend}: {placed:,} articles placed in groups and stories, "
            f"{time.monotonic() - stored:.0f} s")
        store.mark_done(_marker(articles))
    return url


def paths(url: str) -> list[str]:
    """The 80 pages, interleaved: search, article, entity, story."""
    import random

    from newsdesk.store import open_store

    with open_store(url) as store:
        count = store.count()
        entities = [e.id for e in store.entity_counts(limit=PAGES_EACH)]
        stories = [story.id for story in store.stories(top=PAGES_EACH)]
    rng = random.Random(SEED)
    articles = sorted(rng.sample(range(1, count + 1), PAGES_EACH))
    searches = []
    for query in QUERIES:
        params = {"q": query.text, **query.options}
        searches.append("/search?" + "&".join(f"{k}={quote(v)}" for k, v in params.items()))
    kinds = [searches, [f"/articles/{id}" for id in articles], [f"/entities/{quote(id)}" for id in entities],
             [f"/stories/{quote(id)}" for id in stories]]
    return [kind[n] for n in range(PAGES_EACH) for kind in kinds if n < len(kind)]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


LUA = r"""
local queries = {%QUERIES%}
local counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", queries[(counter %% #queries) + 1])
end
local bad = 0
response = function(status, headers, body)
  if status ~= 200 then bad = bad + 1 end
end
done = function(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format("RESULT %d %f %f %f %f %d %d %d\n", summary.requests, summary.duration / 1e6,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    errors.connect + errors.read + errors.write + errors.timeout, errors.status, bad))
end
"""


def run_wrk(url: str, connections: int, seconds: int, script: Path) -> dict[str, float]:
    command = ["wrk", f"-t{min(connections, 2)}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s",
               "-s", str(script), url]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    line = next(line for line in output.splitlines() if line.startswith("RESULT "))
    requests, duration, p50, p95, p99, socket_errors, status_errors, bad = line.split()[1:]
    # wrk counts a non-2xx/3xx as summary.errors.status; `bad` (set in a thread's own Lua state) may be 0
    errors = int(socket_errors) + max(int(status_errors), int(bad))
    return {"connections": connections, "requests": int(requests), "rate": int(requests) / float(duration),
            "p50": float(p50), "p95": float(p95), "p99": float(p99), "errors": errors}


def paths_of(script: Path) -> list[str]:
    text = script.read_text()
    return json.loads("[" + text[text.index("{") + 1:text.index("}")] + "]")


def warm_up(address: str, pages: list[str], workers: int) -> None:
    """Every page requested 8 x workers + 1 times, each on a new connection: the desk's caches warm in
    every worker, as a newsroom's steady use keeps them. The kernel hands each new connection to a
    worker by a hash of its ports (SO_REUSEPORT), so a worker misses a page with a chance of
    (1 - 1/W)^(8W + 1): with 2 x W + 1 requests that was 3% a page and worker for 2 workers, and one of
    the 80 pages then met its first view (an entity page's takes seconds) in the timed run; now
    under 0.001%.
    The time the first views take is printed."""
    from concurrent.futures import ThreadPoolExecutor

    import httpx

    def get(path: str) -> float:
        started = time.perf_counter()
        httpx.get(address + path, timeout=300, headers={"Connection": "close"})
        return 1000 * (time.perf_counter() - started)

    started = time.monotonic()
    with ThreadPoolExecutor(8) as pool:
        first = list(pool.map(get, pages))
        list(pool.map(get, pages * (8 * workers)))
    first.sort()
    log(f"warm-up: {time.monotonic() - started:.0f} s; first views p50 {first[len(first) // 2]:.0f} ms, "
        f"max {first[-1]:.0f} ms")


def serve_and_load(url: str, workers: int, connections: int, seconds: int,
                   script: Path) -> dict[str, Any]:
    port = free_port()
    env = {**os.environ, "NEWSDESK_API_TOKEN": "benchmark-token-not-secret"}
    command = [str(ROOT / ".venv" / "bin" / "newsdesk"), "serve", "--db", url, "--port", str(port),
               "--workers", str(workers)]
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, start_new_session=True)
    address = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    sys.exit("the server did not start: " + (server.stderr.read().decode() if server.stderr
                                                              else ""))
                time.sleep(0.2)
        warm_up(address, paths_of(script), workers)
        log(f"wrk: {workers} worker(s), {connections} connection(s) for {seconds} s")
        return {"workers": workers, **run_wrk(address, connections, seconds, script)}
    finally:
        os.killpg(server.pid, 15)
        server.wait(30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", default="1,2", help="worker counts to compare, comma-separated")
    add_backend_options(parser)
    args = parser.parse_args()
    require_data()
    backends, postgres = chosen_backends(args)
    if shutil.which("wrk") is None:
        log("installing wrk (Debian's package)")
        subprocess.run(["apt-get", "install", "-y", "wrk"], check=True, capture_output=True)
    rows: list[dict[str, Any]] = []
    for backend in backends:
        if backend == "postgres" and not postgres:
            continue
        url = store_url(backend, args.articles, postgres)
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
            script.write(LUA.replace("%QUERIES%", ", ".join(json.dumps(path) for path in paths(url)))
                         .replace("%%", "%"))
        try:
            for workers in [int(w) for w in args.workers.split(",")]:
                row = serve_and_load(url, workers, args.connections, args.seconds, Path(script.name))
                rows.append({"backend": backend, **row})
        finally:
            os.unlink(script.name)
    load = os.getloadavg()
    print(f"\nnewsdesk serve on {args.articles:,} articles: search, article, entity and story pages in turn; "
          f"wrk {args.connections} connections, {args.seconds} s per row; loopback; load average "
          f"{load[0]:.1f} {load[1]:.1f} {load[2]:.1f} on {os.cpu_count()} cores\n")
    print(f"{'backend':<9} {'workers':>7} {'req/s':>8} {'x 1 worker':>10} {'p50 ms':>8} {'p95 ms':>8} "
          f"{'p99 ms':>8} {'errors':>7}")
    for row in rows:
        one = next((r for r in rows if r["backend"] == row["backend"] and r["workers"] == 1), None)
        ratio = f"{row['rate'] / one['rate']:.2f}" if one and one["rate"] else "-"
        print(f"{row['backend']:<9} {row['workers']:>7} {row['rate']:>8.1f} {ratio:>10} {row['p50']:>8.1f} "
              f"{row['p95']:>8.1f} {row['p99']:>8.1f} {row['errors']:>7}")
    for backend in dict.fromkeys(row["backend"] for row in rows):
        one = next((r for r in rows if r["backend"] == backend and r["workers"] == 1), None)
        two = next((r for r in rows if r["backend"] == backend and r["workers"] == 2), None)
        if one and two:
            met = (two["p95"] < TARGET_P95_MS and two["rate"] >= TARGET_SPEEDUP * one["rate"]
                   and not two["errors"])
            print(f"{backend}: 2 workers p95 {two['p95']:.1f} ms (< {TARGET_P95_MS:.0f}), "
                  f"{two['rate'] / one['rate']:.2f}x one worker (>= {TARGET_SPEEDUP}): "
                  f"{'met' if met else 'NOT met'}")
    print(f"uptime: {subprocess.run(['uptime'], capture_output=True, text=True).stdout.strip()}")


if __name__ == "__main__":
    main()
