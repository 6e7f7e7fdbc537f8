"""Decompression bombs against the fetcher: peak memory while fetching a bomb, against the normal peak.

    .venv/bin/python benchmarks/bombs.py [--gib 4] [--max-mb 32] [--competitor-gib 0.25] [--json]

A loopback server answers three bombs that each expand to `--gib` GiB of zeros: `br` (one brotli
stream), `gzip, gzip` (gzip inside gzip) and `deflate` (one raw deflate stream), each a few KB on the
wire, plus a normal page (HTML of half the input limit, sent gzipped). Every fetch runs in a fresh
child process that first fetches the normal page (its peak RSS is the "normal peak"), then the bomb,
and reports its peak RSS (ru_maxrss) and what the fetch returned. The target: bomb peak < normal peak
+ 2 x max_input_bytes, with a clear error.

Competitor, side by side: the same fetch through httpx's own decoding (`iter_bytes`, what the fetcher
did before), on a smaller bomb (`--competitor-gib`, default 0.25 GiB: the full size would take the
machine's memory; the issue measured it at 3.98 GB and a MemoryError for 4 GiB).

Bombs are built in a second or two (repeated independently compressed pieces, see `build`) and kept in
/tmp/newsdesk-bombs between runs.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import json
import resource
import subprocess
import sys
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

CACHE = Path("/tmp/newsdesk-bombs")
_MIB = 1024 * 1024
KINDS = {"br": "br", "gzip-gzip": "gzip, gzip", "deflate": "deflate"}


def build(kind: str, size: int) -> bytes:
    """A body that decodes (by KINDS[kind]) to `size` zero bytes; size is a multiple of 64 MiB."""
    piece = b"\0" * (64 * _MIB)
    count = max(1, size // len(piece))
    if kind == "br":
        import brotli

        compressor = brotli.Compressor(quality=5)
        parts = [compressor.process(piece) for _ in range(count)]
        return b"".join(parts) + compressor.finish()
    if kind == "gzip-gzip":
        member = gzip.compress(piece, 9)  # a multi-member gzip body is one gzip body (RFC 1952)
        return gzip.compress(member * count, 9)
    if kind == "deflate":
        # Raw deflate: a full flush ends byte-aligned with the window forgotten, so one flushed segment
        # can be repeated; an empty final block closes the stream.
        compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
        segment = compressor.compress(piece) + compressor.flush(zlib.Z_FULL_FLUSH)
        return segment * count + b"\x03\x00"
    raise ValueError(kind)


def cached(kind: str, size: int) -> bytes:
    path = CACHE / f"{kind}-{size}.bin"
    if not path.exists():
        CACHE.mkdir(exist_ok=True)
        path.write_bytes(build(kind, size))
    return path.read_bytes()


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        name = self.path.strip("/")
        if name == "robots.txt" or name not in self.server.bodies:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        encoding, body = self.server.bodies[name]
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Encoding", encoding)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        with contextlib.suppress(OSError):  # the client hangs up at its limit
            self.wfile.write(body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, bodies: dict[str, tuple[str, bytes]]) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.bodies = bodies


def serve(bodies: dict[str, tuple[str, bytes]]) -> tuple[_Server, str]:
    server = _Server(bodies)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(base: str, bomb: str, max_bytes: int, way: str) -> dict[str, Any]:
    """In a fresh process: fetch the normal page, then the bomb; peak RSS after each."""
    from newsdesk.sources.web import Fetcher, FetchOptions

    options = FetchOptions(max_bytes=max_bytes, allow_private=True, obey_robots=False, host_delay=0.0,
                           attempts=1, total_timeout=600.0)
    with Fetcher(options) as fetcher:
        normal = fetcher.fetch(f"{base}/normal")
        normal_peak = peak_mb()
        started = time.monotonic()
        if way == "newsdesk":
            outcome = fetcher.fetch(f"{base}/{bomb}")
            result = getattr(outcome, "reason", None) or f"{type(outcome).__name__} (no error)"
        else:
            result = _httpx_iter_bytes(f"{base}/{bomb}", max_bytes)
        seconds = time.monotonic() - started
    return {"normal_ok": type(normal).__name__ == "Page", "normal_peak_mb": normal_peak,
            "bomb_peak_mb": peak_mb(), "seconds": seconds, "result": result}


def _httpx_iter_bytes(url: str, max_bytes: int) -> str:
    """What the fetcher did before: httpx decodes each network chunk whole, then the size is checked."""
    import httpx

    size = 0
    try:
        with httpx.Client() as client, client.stream("GET", url) as response:
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > max_bytes:
                    return f"stopped past the limit after a chunk of {len(chunk):,} bytes"
    except MemoryError:
        return "MemoryError"
    return "read whole"


def run_child(base: str, bomb: str, max_bytes: int, way: str) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", base, bomb, str(max_bytes), way]
    done = subprocess.run(command, capture_output=True, text=True, timeout=900, check=False)
    if done.returncode != 0:
        return {"normal_ok": False, "normal_peak_mb": float("nan"), "bomb_peak_mb": float("nan"),
                "seconds": float("nan"), "result": f"child failed: {done.stderr.strip()[-300:]}"}
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--gib", type=float, default=4.0, help="decoded size of each bomb (GiB)")
    parser.add_argument("--max-mb", type=int, default=32, help="max_input_bytes, in MiB (default 32)")
    parser.add_argument("--competitor-gib", type=float, default=0.25,
                        help="decoded size of the bombs the competitor gets (0: not run)")
    parser.add_argument("--json", action="store_true", help="print the rows as JSON instead of a table")
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        base, bomb, max_bytes, way = args.child
        print(json.dumps(child(base, bomb, int(max_bytes), way)))
        return
    max_bytes = args.max_mb * _MIB
    size = int(args.gib * 1024) * _MIB
    small = int(args.competitor_gib * 1024) * _MIB
    bodies: dict[str, tuple[str, bytes]] = {
        "normal": ("gzip", gzip.compress(b"<html><body>" + b"<p>news</p>" * (max_bytes // 22) + b"</body>"))}
    for kind, encoding in KINDS.items():
        print(f"building {kind} bombs...", file=sys.stderr)
        bodies[kind] = (encoding, cached(kind, size))
        if small:
            bodies[f"{kind}-small"] = (encoding, cached(kind, small))
    server, base = serve(bodies)
    rows = []
    try:
        for kind in KINDS:
            runs = [("newsdesk", kind, size)]
            if small:
                runs.append(("httpx iter_bytes (before)", f"{kind}-small", small))
            for way, bomb, decoded in runs:
                print(f"{way}: {bomb}...", file=sys.stderr)
                found = run_child(base, bomb, max_bytes, "newsdesk" if way == "newsdesk" else "httpx")
                growth = found["bomb_peak_mb"] - found["normal_peak_mb"]
                rows.append({"bomb": kind, "way": way, "wire_bytes": len(bodies[bomb][1]),
                             "decoded_gib": decoded / 1024 / _MIB, **found, "growth_mb": growth,
                             "bound_mb": 2 * max_bytes / _MIB, "within": growth < 2 * max_bytes / _MIB})
    finally:
        server.shutdown()
    if args.json:
        print(json.dumps(rows, indent=1))
        return
    print(f"max_input_bytes = {args.max_mb} MiB; bound = normal peak + {2 * args.max_mb} MiB")
    print(f"{'bomb':<10} {'way':<26} {'wire B':>8} {'GiB':>5} {'normal MB':>10} {'bomb MB':>8} "
          f"{'growth':>7} {'ratio':>6} {'s':>6}  result")
    for row in rows:
        ratio = row["growth_mb"] / row["bound_mb"]
        print(f"{row['bomb']:<10} {row['way']:<26} {row['wire_bytes']:>8,} {row['decoded_gib']:>5.2f} "
              f"{row['normal_peak_mb']:>10.1f} {row['bomb_peak_mb']:>8.1f} {row['growth_mb']:>7.1f} "
              f"{ratio:>6.2f} {row['seconds']:>6.2f}  {row['result'][:90]}")


if __name__ == "__main__":
    main()
