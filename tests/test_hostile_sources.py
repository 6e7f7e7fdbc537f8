"""Hostile sources (issue 18): decompression bombs, malformed URLs in feeds and sitemaps, fan-out budgets,
robots.txt wildcards. Every server is a real one on loopback; every input is written here."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest

from conftest import PARAGRAPHS, PROJECT, article_html
from loopback import LoopbackServer
from newsdesk.errors import FetchError
from newsdesk.pipeline import Ingester
from newsdesk.settings import Settings
from newsdesk.sources.web import Fetcher, FetchOptions
from newsdesk.store import Store


@dataclass
class Site:
    """path -> (headers, body); every request path is logged."""

    pages: dict[str, tuple[dict[str, str], bytes]] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)
    base: str = ""

    def add(self, path: str, body: bytes | str, kind: str = "text/html; charset=utf-8",
            **headers: str) -> str:
        data = body.encode() if isinstance(body, str) else body
        self.pages[path] = ({"Content-Type": kind, **headers}, data)
        return self.base + path

    def article(self, number: int) -> str:
        paragraphs = [f"Report {number}: {paragraph}" for paragraph in PARAGRAPHS]
        html = article_html(title=f"Hostile story {number}", paragraphs=paragraphs)
        return self.add(f"/news/{number}", html)


class Handler(BaseHTTPRequestHandler):
    server: Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        site = self.server.site
        site.requests.append(self.path)
        if self.path not in site.pages:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        headers, body = site.pages[self.path]
        self.send_response(200)
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class Server(LoopbackServer):
    handler = Handler



@pytest.fixture
def site() -> Iterator[Site]:
    site = Site()
    server = Server(site)
    site.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield site
    server.shutdown()
    server.server_close()


FAST = Settings(allow_private=True, fetch_host_delay=0.0, fetch_backoff=0.01)


def ingester(store: Store, settings: Settings = FAST) -> Ingester:
    return Ingester(store, settings, enrich=False, stories=False)


def rss(site: Site, links: list[str]) -> str:
    items = "".join(f"<item><title>Item {n}</title><link>{link}</link></item>"
                    for n, link in enumerate(links))
    return site.add("/feed.xml", f'<?xml version="1.0"?><rss version="2.0"><channel><title>Hostile</title>'
                    f"<link>{site.base}/</link>{items}</channel></rss>", "application/rss+xml")


# -- 1. decompression bombs ---------------------------------------------------------------------------


@pytest.mark.timeout(300)
def test_decompression_bombs_stay_within_twice_the_input_limit_and_say_why() -> None:
    """br, gzip-in-gzip and deflate bombs of 256 MiB fetched in fresh processes (benchmarks/bombs.py):
    the peak RSS grows by less than 2 x max_input_bytes over the normal peak, each with a clear error.
    (A limit far below brotli's window, up to 16 MiB, would be dominated by the window: 16 MiB here.)
    (httpx's own decoding, used before, inflated a whole network chunk first: +460 MB for br.)"""
    done = subprocess.run([sys.executable, str(PROJECT / "benchmarks" / "bombs.py"), "--gib", "0.25",
                           "--max-mb", "16", "--competitor-gib", "0", "--json"],
                          capture_output=True, text=True, timeout=280, check=True)
    rows = json.loads(done.stdout)
    assert [row["bomb"] for row in rows] == ["br", "gzip-gzip", "deflate"]
    for row in rows:
        assert row["normal_ok"], row
        assert row["within"], row  # growth < 2 x 16 MiB
        assert "limit" in row["result"] and "decompression bomb" in row["result"], row


def test_stacked_and_multi_member_encodings_decode_to_the_page(site: Site) -> None:
    import gzip
    import zlib

    import brotli

    html = article_html(title="Encoded story").encode()
    site.add("/br", brotli.compress(html), Content_Encoding="br")
    site.add("/gzip-br", brotli.compress(gzip.compress(html)), Content_Encoding="gzip, br")
    site.add("/deflate", zlib.compress(html), Content_Encoding="deflate")
    site.add("/members", gzip.compress(html[:100]) + gzip.compress(html[100:]), Content_Encoding="gzip")
    site.add("/cut", gzip.compress(html)[:-20], Content_Encoding="gzip")
    options = FetchOptions(allow_private=True, obey_robots=False, host_delay=0.0)
    with Fetcher(options) as fetcher:
        for path in ("/br", "/gzip-br", "/deflate", "/members"):
            page = fetcher.fetch(site.base + path)
            assert not isinstance(page, FetchError), page
            assert getattr(page, "content", None) == html, path
        cut = fetcher.fetch(site.base + "/cut")
        assert isinstance(cut, FetchError) and "truncated" in cut.reason


@pytest.mark.parametrize("split", [1, 7, 4096])
def test_the_bounded_decoder_gives_the_same_bytes_however_the_body_is_split(split: int) -> None:
    import gzip
    import zlib

    import brotli

    from newsdesk.sources.decoding import PIECE, BoundedDecoder

    data = article_html("Split body").encode() * 200
    bodies = {"gzip": gzip.compress(data), "deflate": zlib.compress(data), "br": brotli.compress(data),
              "gzip, br": brotli.compress(gzip.compress(data)),
              "x-gzip, gzip": gzip.compress(gzip.compress(data))}
    bodies["gzip "] = gzip.compress(data[:999]) + gzip.compress(data[999:]) + b"\0\0 trailing junk"
    raw_deflate = zlib.compressobj(6, zlib.DEFLATED, -15)
    bodies["deflate "] = raw_deflate.compress(data) + raw_deflate.flush()
    for header, body in bodies.items():
        decoder = BoundedDecoder(header)
        pieces = [piece for at in range(0, len(body), split) for piece in decoder.feed(body[at:at + split])]
        decoder.end()
        assert b"".join(pieces) == data, header
        assert max(len(piece) for piece in pieces) <= 2 * PIECE


# -- 2. malformed URLs --------------------------------------------------------------------------------


def test_the_fetcher_never_raises_on_a_malformed_url() -> None:
    with Fetcher(FetchOptions(allow_private=True)) as fetcher:
        for url in ("http://0177.0.0.1/x", "http://xn--/bad", "http://[::1/", "http://a:99999/"):
            outcome = fetcher.fetch(url)
            assert isinstance(outcome, FetchError), url
            assert "URL" in outcome.reason


def test_a_malformed_feed_link_is_one_error_row_and_the_good_items_are_stored(store: Store,
                                                                              site: Site) -> None:
    good = [site.article(n) for n in (1, 2, 3)]
    feed = rss(site, [good[0], "http://0177.0.0.1/x", good[1], good[2]])
    counts = ingester(store).run([feed])
    assert (counts.stored, counts.failed) == (3, 1)
    [error] = store.errors()
    assert error.source == "http://0177.0.0.1/x" and error.stage == "url"
    again = ingester(store).update()  # before: every `update` failed on this feed
    assert again.failed == 1 and again.stored == 0


def test_malformed_sitemap_locs_are_error_rows(store: Store, site: Site) -> None:
    good = site.article(4)
    site.add("/urls.xml", '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
             f"<url><loc>http://xn--/bad</loc></url><url><loc>{good}</loc></url></urlset>", "application/xml")
    index = site.add("/index.xml", '<?xml version="1.0"?><sitemapindex '
                     'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                     f"<sitemap><loc>http://xn--zz/child.xml</loc></sitemap>"
                     f"<sitemap><loc>{site.base}/urls.xml</loc></sitemap></sitemapindex>", "application/xml")
    counts = ingester(store).run([index])
    assert counts.stored == 1
    failed = {error.source: error.stage for error in store.errors()}
    assert failed == {"http://xn--/bad": "url", "http://xn--zz/child.xml": "url"}


def test_a_malformed_url_beside_other_sources_does_not_stop_them(store: Store, pages_dir: Path) -> None:
    counts = ingester(store).run([str(pages_dir), "http://0177.0.0.1:1/p"])
    assert counts.stored >= 1 and counts.failed == 1
    assert [error.source for error in store.errors()] == ["http://0177.0.0.1:1/p"]


# -- 7. fan-out budgets and fair desk jobs ------------------------------------------------------------


def test_a_feed_gives_at_most_feed_max_items_per_run_and_update_takes_the_rest(store: Store,
                                                                                site: Site) -> None:
    feed = rss(site, [site.article(n) for n in range(5)])
    budget = Settings(allow_private=True, fetch_host_delay=0.0, feed_max_items=2)
    notices: list[str] = []
    first = Ingester(store, budget, enrich=False, stories=False, notice=notices.append).run([feed])
    assert first.stored == 2  # before: all 5 queued at once (100,000 would be ~28 hours)
    assert any("3 left for the next run" in notice for notice in notices)
    assert [ingester(store, budget).update().stored for _ in range(3)] == [2, 1, 0]


def test_a_sitemap_index_fan_out_is_bounded_by_fetched_documents(store: Store, site: Site) -> None:
    ns = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'

    def index(path: str, children: list[str]) -> str:
        listed = "".join(f"<sitemap><loc>{site.base}{child}</loc></sitemap>" for child in children)
        return site.add(path, f'<?xml version="1.0"?><sitemapindex {ns}>{listed}</sitemapindex>',
                        "application/xml")

    for n in range(40):
        index(f"/idx/{n}", [f"/idx/{n}/{m}" for m in range(40)])  # their children are 404s
    top = index("/top.xml", [f"/idx/{n}" for n in range(40)])
    limited = Settings(allow_private=True, fetch_host_delay=0.0, sitemap_max_sitemaps=10, sitemap_max_depth=3)
    ingester(store, limited).run([top])
    fetched = [path for path in site.requests if path.startswith(("/idx", "/top"))]
    assert len(fetched) == 10  # before: 1 + 40 + 1,600 (only URLs counted against a cap)
    assert any("sitemap_max_sitemaps" in error.reason for error in store.errors())


@pytest.mark.timeout(120)
def test_a_long_desk_job_does_not_hold_up_a_later_one(store: Store, site: Site) -> None:
    import time

    from newsdesk.web.jobs import Jobs

    feed = rss(site, [site.article(n) for n in range(20)])
    slow = Settings(allow_private=True, fetch_host_delay=0.25, fetch_host_concurrency=1)
    jobs = Jobs(store, slow, slice_seconds=0.5, enrich=False)
    long = jobs.submit([feed])  # 20 pages, a quarter second apart: about 5 s
    while long.state == "queued":
        time.sleep(0.02)
    short = jobs.submit([], files=[("one.html", article_html("A short job").encode())])
    while short.state not in ("done", "failed"):
        time.sleep(0.02)
    assert short.state == "done" and short.counts.stored == 1
    assert long.state != "done"  # before: the short job waited for the whole long one
    deadline = time.monotonic() + 60
    while long.state != "done" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert long.state == "done" and long.counts.stored == 20, long.message
    jobs.close()


# -- 11. after a kill ---------------------------------------------------------------------------------


def children_of(pid: int) -> set[int]:
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.add(int(stat.parent.name))
    return found


def running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.timeout(180)
def test_kill_9_of_ingest_takes_its_worker_processes_with_it(tmp_path: Path) -> None:
    import os
    import signal
    import time

    pages = tmp_path / "pages"
    pages.mkdir()
    for n in range(1500):
        (pages / f"{n:04d}.html").write_text(article_html(f"Page {n}"), encoding="utf-8")
    command = [sys.executable, "-m", "newsdesk", "ingest", str(pages), "--db",
               f"sqlite:///{tmp_path / 's.db'}", "--processes", "2", "--no-enrich", "--no-stories",
               "--batch-size", "5"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=PROJECT)
    deadline = time.monotonic() + 90
    kids: set[int] = set()
    while len(kids) < 3 and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.1)  # two workers and multiprocessing's resource tracker
        kids = children_of(process.pid)
    assert process.poll() is None and len(kids) >= 3, "the run ended before its workers could be seen"
    time.sleep(0.5)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    deadline = time.monotonic() + 15
    while any(running(kid) for kid in kids) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = [kid for kid in kids if running(kid)]
    for kid in left:  # so a failing run leaves nothing behind either
        os.kill(kid, signal.SIGKILL)
    assert left == []  # before: both workers and the resource tracker kept running


@pytest.mark.parametrize("encoding", ["utf-32", "utf-32-le", "utf-32-be", "utf-16-le", "utf-16-be"])
def test_the_no_dtd_gate_holds_for_wide_encodings_with_or_without_a_bom(store: Store, site: Site,
                                                                         encoding: str) -> None:
    levels = "".join(f'<!ENTITY l{n} "{f"&l{n - 1};" * 10}">' for n in range(1, 8))
    feed = (f'<?xml version="1.0" encoding="{encoding.upper()}"?><!DOCTYPE r [<!ENTITY l0 "lol">{levels}]>'
            '<rss version="2.0"><channel><title>&l7;</title><item><link>/x</link></item></channel></rss>')
    url = site.add("/wide.xml", feed.encode(encoding), "application/rss+xml")
    counts = ingester(store).run([url])
    assert counts.stored == 0 and counts.failed == 1
    [error] = store.errors()
    assert "DTD" in error.reason or "DOCTYPE" in error.reason  # before: UTF-32 and BOM-less UTF-16 passed


def test_upload_folders_left_by_a_killed_server_are_removed_at_start_up(store: Store, tmp_path: Path) -> None:
    import os

    from newsdesk.web.jobs import Jobs

    root = tmp_path / "uploads"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True)
    stale = root / f"{dead.stdout.strip()}-a1b2"  # a server that is gone, killed mid-job
    live = root / f"{os.getpid()}-c3d4"  # a server still running (this one)
    for folder in (stale, live):
        folder.mkdir(parents=True)
        (folder / "0000-page.html").write_bytes(b"<p>uploaded</p>")
    jobs = Jobs(store, Settings(), upload_root=root, enrich=False)
    assert not stale.exists() and live.exists()
    job = jobs.submit([], files=[("one.html", article_html("Uploaded").encode())])
    assert job.folder is not None and job.folder.parent == root
    jobs.close()
