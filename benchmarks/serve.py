"""Load benchmark of `newsdesk serve`: search requests against a 100,000-article SQLite store.

    .venv/bin/python benchmarks/serve.py [--articles 100000] [--seconds 60] [--connections 1,4,16]

How it measures:

* The store: 100,000 articles made of the ScrapingHub benchmark's 181 real bodies (../shared/data),
  each copy with its own title, date (spread over two years), site (one of 40) and a sentence of its own,
  built once into benchmarks/results/serve-<N>.db and reused while it has that many articles.
* The server: `newsdesk serve` in a process of its own on a free loopback port (uvicorn, one worker).
* The load: wrk (Debian's package; installed when missing) on loopback, closed loop, for --seconds at each
  number of open connections, rotating over 40 queries of the query language (words, phrases, OR, NOT,
  prefixes, filters), `GET /api/search?q=...&limit=20`. wrk's Lua hooks report p50/p95/p99 and non-2xx.
* Baseline in the same run: the same queries through `Store.search` plus `get` of each hit in this
  process (what a request does minus HTTP, routing, JSON and response validation), one at a time.
* Target: p95 < 100 ms at the highest request rate with no errors.

Results on stdout as a table (with `uptime`: the machine is shared, figures are noisy); progress on stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data" / "scrapinghub" / "ground-truth.json"
RESULTS = ROOT / "benchmarks" / "results"
SITES = [f"site{n:02d}.example" for n in range(40)]
QUERIES = [
    "police", "government", "election", "market", "company", "health", "school", "climate", "court",
    "president", "minister", "football", "energy", "bank", "police officers", "\"prime minister\"",
    "\"united states\"", "health OR hospital", "market -stock", "elect*", "govern*", "city council",
    "water NOT flood", "(police OR court) judge", "new york", "technology", "price*", "london",
    "trump", "europe", "china", "war", "research", "children", "tax", "oil", "film", "music", "data",
    "report",
]
FILTERS = ["", "", "", "&source=site07.example", "&since=2023-06-01", "&sort=date", "&language=en"]


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def build_store(path: Path, count: int) -> None:
    from newsdesk.article import Article
    from newsdesk.store import open_store

    if not DATA.is_file():
        sys.exit(f"the shared data is missing: {DATA}")
    bodies = [page["articleBody"] for _, page in sorted(json.loads(DATA.read_text(encoding="utf-8")).items())]
    if path.exists():
        with open_store(f"sqlite:///{path}") as store:
            if store.count() == count:
                log(f"reusing {path} ({count:,} articles)")
                return
        path.unlink()
    log(f"building {path} with {count:,} articles (once)")
    rng = random.Random(7)
    words = " ".join(bodies).split()
    started = time.monotonic()
    with open_store(f"sqlite:///{path}") as store:
        batch = []
        for number in range(count):
            body = bodies[number % len(bodies)]
            extra = " ".join(rng.choice(words) for _ in range(12))
            day = 1 + number % 730
            month = 1 + (day % 365) // 31
            published = f"{2023 + day // 365:04d}-{month:02d}-{1 + day % 28:02d}T09:00:00+00:00"
            site = SITES[number % len(SITES)]
            batch.append(Article(url=f"https://{site}/story/{number}", title=f"Story {number}: {extra[:60]}",
                                 body=f"{body}\n\n{extra}.", published=published, site_name=site,
                                 language="en", authors=[f"Writer {number % 300}"]))
            if len(batch) == 2_000:
                store.put_many(batch)
                batch = []
                log(f"  {number + 1:,} stored ({(number + 1) / (time.monotonic() - started):,.0f}/s)")
        store.put_many(batch)


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


def paths() -> list[str]:
    from urllib.parse import quote

    return [f"/api/search?q={quote(q)}&limit=20{FILTERS[n % len(FILTERS)]}" for n, q in enumerate(QUERIES)]


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


def baseline(db: Path, rounds: int) -> dict[str, float]:
    from urllib.parse import parse_qs, urlsplit

    from newsdesk.store import SearchRequest, open_store

    times = []
    with open_store(f"sqlite:///{db}") as store:
        for number in range(rounds):
            path = paths()[number % len(QUERIES)]
            params = {k: v[0] for k, v in parse_qs(urlsplit(path).query).items()}
            request = SearchRequest(query=params["q"], site=params.get("source"), since=params.get("since"),
                                    language=params.get("language"),
                                    sort="date" if params.get("sort") else "relevance", limit=20)
            started = time.perf_counter()
            for hit in store.search(request).hits:
                store.get(hit.id)
            times.append((time.perf_counter() - started) * 1000)
    times.sort()
    pick = lambda q: times[min(len(times) - 1, int(q * len(times)))]  # noqa: E731
    total = sum(times) / 1000
    return {"rate": len(times) / total, "p50": pick(0.5), "p95": pick(0.95), "p99": pick(0.99)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--connections", default="1,4,16",
                        help="Open connections of each run, comma-separated")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        log("installing wrk (Debian's package)")
        subprocess.run(["apt-get", "install", "-y", "wrk"], check=True, capture_output=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    db = RESULTS / f"serve-{args.articles}.db"
    build_store(db, args.articles)
    port = free_port()
    env = {**os.environ, "NEWSDESK_API_TOKEN": "benchmark-token-not-secret"}
    server = subprocess.Popen([str(ROOT / ".venv" / "bin" / "newsdesk"), "serve", "--db", f"sqlite:///{db}",
                               "--port", str(port)], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    rows = []
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    sys.exit("the server did not start: " + (server.stderr.read().decode() if server.stderr
                                                              else ""))
                time.sleep(0.2)
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
            quoted = ", ".join(json.dumps(path) for path in paths())
            script.write(LUA.replace("%QUERIES%", quoted).replace("%%", "%"))
        run_wrk(url, 1, 3, Path(script.name))  # warm the page cache and the server
        for connections in [int(c) for c in args.connections.split(",")]:
            log(f"wrk: {connections} connection(s) for {args.seconds} s")
            rows.append(run_wrk(url, connections, args.seconds, Path(script.name)))
        os.unlink(script.name)
    finally:
        server.terminate()
        server.wait(30)
    log("baseline: Store.search + get in process")
    base = baseline(db, 400)
    load = os.getloadavg()
    print(f"\nnewsdesk serve, GET /api/search (limit 20) on {args.articles:,} articles, SQLite, loopback; "
          f"wrk {args.seconds} s per row; load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} on "
          f"{os.cpu_count()} cores\n")
    print(f"{'':<28} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7}  p95 vs store")
    for row in rows:
        print(f"{'serve, ' + str(row['connections']) + ' connection(s)':<28} {row['rate']:>8.1f} "
              f"{row['p50']:>8.1f} {row['p95']:>8.1f} {row['p99']:>8.1f} {row['errors']:>7}  "
              f"{row['p95'] / base['p95']:.1f}x")
    print(f"{'Store.search+get, 1 thread':<28} {base['rate']:>8.1f} {base['p50']:>8.1f} {base['p95']:>8.1f} "
          f"{base['p99']:>8.1f} {0:>7}  1.0x")
    good = [row for row in rows if row["errors"] == 0]
    if good:
        best = max(good, key=lambda row: row["rate"])
        meets = [row for row in good if row["p95"] < 100]
        print(f"\nhighest error-free rate: {best['rate']:.1f} req/s ({best['connections']} connections), "
              f"p95 {best['p95']:.1f} ms: target p95 < 100 ms {'met' if best['p95'] < 100 else 'NOT met'}")
        if meets:
            top = max(meets, key=lambda row: row["rate"])
            print(f"highest error-free rate with p95 < 100 ms: {top['rate']:.1f} req/s "
                  f"({top['connections']} connections)")
    print(f"uptime: {subprocess.run(['uptime'], capture_output=True, text=True).stdout.strip()}")


if __name__ == "__main__":
    main()
