"""The desk for a newsroom: coverage counted by the store, what was read kept while the store is
unchanged, and `newsdesk serve --workers N`."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import threading
import time
from dataclasses import replace
from pathlib import Path

import click
import httpx
import pytest

from conftest import PROJECT, fresh_store_url, scrapinghub_articles
from newsdesk import Article, SearchRequest
from newsdesk.store import SearchStore, open_store
from newsdesk.web import insights
from newsdesk.web.state import Memo

COVERAGE = [SearchRequest(), SearchRequest("the"), SearchRequest("apple OR google", language="en"),
            SearchRequest("elect*", since="2018"), SearchRequest('"new york"', fold_duplicates=True)]


class SearchOnly:
    """A store seen through its search part alone: without the SQL stores' published_days and
    generation(), the desk scans the articles and reads every time (what it does for such a store)."""

    def __init__(self, store: SearchStore) -> None:
        self.iter_articles = store.iter_articles
        self.count = store.count


def dated(articles: list[Article]) -> list[Article]:
    """The corpus with dates of every kind: a day, a time with offset, a month only, garbage, none."""
    forms = ["2019-03-0{}", "2019-03-0{}T23:30:00-05:00", "2019-0{}", "not a date {}", None]
    return [replace(a, published=None if forms[n % 5] is None else str(forms[n % 5]).format(1 + n % 7))
            for n, a in enumerate(articles)]


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_coverage_counted_by_the_store_is_the_scan_of_every_article(kind: str, tmp_path: Path) -> None:
    articles = dated(scrapinghub_articles())
    with fresh_store_url(kind, tmp_path) as url, open_store(url) as store, \
            open_store("memory://") as kept:
        store.put_many(articles)
        kept.put_many(articles)
        memory = SearchOnly(kept)  # scanned: the reference
        for request in COVERAGE:
            for interval in ("day", "week", "month"):
                counted = insights.coverage(store, request, interval)  # type: ignore[arg-type]
                scanned = insights.coverage(memory, request, interval)  # type: ignore[arg-type]
                assert counted == scanned, (request, interval)
                assert counted["undated"] or counted["buckets"]
        # Coverage counts every match, read or counted: the scan limit of the other insights is no cut here.
        assert insights.coverage(store, SearchRequest(), "day", scan_limit=10)["partial"] is False
        scanned = insights.coverage(memory, SearchRequest(), "day", scan_limit=10)
        assert scanned["partial"] is False
        assert sum(scanned["all"]) + scanned["undated"] == len(articles)


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_memo_keeps_values_until_the_store_changes(kind: str, tmp_path: Path) -> None:
    with fresh_store_url(kind, tmp_path) as url, open_store(url) as store, open_store(url) as other:
        memo = Memo(store)
        calls: list[int] = []

        def count() -> int:
            calls.append(1)
            return store.count()

        assert memo.get("count", count) == 0
        assert memo.get("count", count) == 0
        assert len(calls) == 1
        store.put(Article(url="https://example.org/1", title="One", body="The first article."))
        assert memo.get("count", count) == 1
        other.put(Article(url="https://example.org/2", title="Two", body="The second article."))
        assert memo.get("count", count) == 2  # a write by another connection (process) counts too
        assert len(calls) == 3


def test_memo_keeps_what_its_byte_budget_allows_and_evicts_the_least_recently_used(tmp_path: Path) -> None:
    with open_store(f"sqlite:///{tmp_path / 'memo.db'}") as store:
        memo = Memo(store, size=100, budget=50_000)
        calls: list[str] = []

        def page(key: str, size: int) -> str:
            calls.append(key)
            return key * size

        for key in "abc":  # three values of ~15 kB: all kept
            memo.get(key, lambda key=key: page(key, 15_000))
        assert 45_000 < memo.kept_bytes <= 50_000
        memo.get("a", lambda: page("a", 15_000))  # a is now the most recently used
        memo.get("d", lambda: page("d", 15_000))  # over budget: b, the least recently used, goes
        assert memo.kept_bytes <= 50_000
        calls.clear()
        for key in "acd":
            memo.get(key, lambda key=key: page(key, 15_000))
        assert calls == []
        memo.get("b", lambda: page("b", 15_000))
        assert calls == ["b"]
        # A value larger than the whole budget is returned, not kept, and nothing kept is dropped for it.
        kept = memo.kept_bytes
        huge = memo.get("huge", lambda: page("h", 80_000))
        assert len(huge) == 80_000 and memo.kept_bytes == kept
        memo.get("huge", lambda: page("h", 80_000))
        assert calls.count("h") == 2


def test_memo_serves_a_value_it_cannot_measure(tmp_path: Path) -> None:
    class Odd:
        def __reduce__(self) -> str:
            raise ValueError("not picklable")

    with open_store(f"sqlite:///{tmp_path / 'memo.db'}") as store:
        memo = Memo(store)
        odd = Odd()
        assert memo.get("odd", lambda: odd) is odd
        assert memo.get("odd", lambda: Odd()) is odd  # kept, counted as 64 kB
        assert memo.kept_bytes == 64 << 10


def test_memo_over_a_store_without_generation_always_reads() -> None:
    with open_store("memory://") as store:
        memo = Memo(SearchOnly(store))  # type: ignore[arg-type]
        assert memo.get("n", store.count) == 0
        store.put(Article(url="https://example.org/1", title="One", body="The first article."))
        assert memo.get("n", store.count) == 1


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_serve_with_two_workers_answers_from_both(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'desk.db'}"
    with open_store(db) as store:
        store.put_many(scrapinghub_articles()[:30])
    port = _free_port()
    env = {**os.environ, "NEWSDESK_API_TOKEN": "workers-test-token-0123456789",
           "XDG_CONFIG_HOME": str(tmp_path)}
    server = subprocess.Popen([str(PROJECT / ".venv" / "bin" / "newsdesk"), "serve", "--db", db, "--port",
                               str(port), "--workers", "2"], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        pids: set[str] = set()
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            while time.monotonic() < deadline and server.poll() is None:
                try:
                    found = client.get("/api/search", params={"q": "the", "limit": 3})
                except httpx.TransportError:
                    time.sleep(0.3)
                    continue
                assert found.status_code == 200 and len(found.json()["hits"]) == 3
                assert client.get("/search", params={"q": "the"}).status_code == 200
                break
            else:
                pytest.fail("the server did not answer: " + (server.stderr.read().decode()
                                                             if server.stderr and server.poll() is not None
                                                             else "timeout"))
        # Two worker processes under the serving one.
        children = subprocess.run(["ps", "-o", "pid=", "--ppid", str(server.pid)], capture_output=True,
                                  text=True).stdout.split()
        pids.update(children)
        assert len(pids) >= 2
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(30)
        if server.stderr:
            server.stderr.close()


def _report(number: int, day: str, extra: str = "") -> Article:
    """A report naming Ada Quillfeather (an entity with her span), dated `day`."""
    from newsdesk.article import Entity
    from newsdesk.enrich.entities import entity_id

    words = ["ferry", "granite", "orchard", "violin", "glacier", "copper", "meadow", "lantern", "falcon"]
    told = " ".join(f"The {words[(number + k) % 9]} of {words[(number * 2 + k) % 9]} was shown."
                    for k in range(9))
    body = f"Ada Quillfeather opened the harbour lighthouse museum, report {number}. {told} {extra}"
    return Article(url=f"https://example.org/harbour/{number}", title=f"Harbour museum opens ({number})",
                   body=body, published=day, language="en", site_name="example.org",
                   entities=[Entity(entity_id("person", "Ada Quillfeather"), "Ada Quillfeather", "person",
                                    [(0, 16)])])


def _pages(url: str, paths: list[str]) -> list[str]:
    """The pages' HTML, the form tokens (new for each client) blanked."""
    import re

    with httpx.Client(base_url=url, timeout=60) as client:
        return [re.sub(r'name="csrf" value="[^"]*"', 'name="csrf" value=""', client.get(path).text)
                for path in paths]


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_pages_kept_per_store_generation_are_those_of_a_fresh_desk(kind: str, tmp_path: Path) -> None:
    """The search, entity and story pages keep their results, charts and timelines until the store changes:
    viewed again they are byte for byte what a desk that never saw them renders, before and after another
    connection (another worker, an ingest) writes."""
    from desk_fixtures import serve_in_thread
    from newsdesk.enrich.entities import entity_id
    from newsdesk.stories.persist import assign_stories
    from newsdesk.web import create_app

    with fresh_store_url(kind, tmp_path) as url:
        with open_store(url) as store:
            store.put_many([_report(n, f"2030-01-0{1 + n % 3}") for n in range(6)])
            assign_stories(store)
            story = store.stories(top=1)[0].id
        paths = ["/search?q=lighthouse", "/search?q=lighthouse&sort=date", "/search?q=zeppelin",
                 f"/entities/{entity_id('person', 'Ada Quillfeather')}", f"/stories/{story}"]
        kept = serve_in_thread(create_app(url, api_token="generation-test-token-0123"))
        try:
            first = _pages(kept[2], paths)
            assert ["Harbour museum opens" in page for page in first] == [True, True, False, True, True]
            assert "No dated articles to chart." in first[2]  # nothing matches: no chart, the same words
            assert _pages(kept[2], paths) == first  # viewed again: from what the desk kept
            with open_store(url) as other:  # a write the desk's process did not make
                other.put_many([_report(n, "2030-01-09", "A zeppelin moored over the lighthouse.")
                                for n in range(6, 9)])
                assign_stories(other)
            again = _pages(kept[2], paths)
            assert "Harbour museum opens (7)" in again[0] and "Harbour museum opens (7)" not in first[0]
            assert "2030-01-09: 3" in again[0] and "2030-01-09" not in first[0]  # the chart counted anew
            assert "Harbour museum opens (8)" in again[2] and "9 articles" in again[3]
            fresh = serve_in_thread(create_app(url, api_token="generation-test-token-0123"))
            try:
                assert _pages(fresh[2], paths) == again
            finally:
                fresh[0].should_exit = True
                fresh[1].join(30)
        finally:
            kept[0].should_exit = True
            kept[1].join(30)


def test_the_desk_socket_answers_without_waiting_for_acks() -> None:
    """The connections of `newsdesk serve`'s socket have Nagle's algorithm off (asyncio does so only for a
    socket made as TCP by name): else every answer after the first on a kept-alive connection, written as
    headers then body, waited for the client's delayed ACK (~40 ms a page, whatever the page)."""
    import asyncio

    from newsdesk.commands.serve import listen

    sock = listen("127.0.0.1", 0)
    seen: list[int] = []

    class Note(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            accepted = transport.get_extra_info("socket")
            seen.append(accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            transport.close()

    async def accept_one() -> None:
        server = await asyncio.get_running_loop().create_server(Note, sock=sock)
        reader, writer = await asyncio.open_connection(*sock.getsockname()[:2])
        await reader.read()
        writer.close()
        server.close()
        await server.wait_closed()

    # In a thread of its own: an earlier test's library (a browser driver) may leave a loop running here.
    ran = threading.Thread(target=asyncio.run, args=(accept_one(),))
    try:
        ran.start()
        ran.join(30)
        assert not ran.is_alive()
    finally:
        sock.close()
    assert seen and seen[0] != 0


def test_each_worker_listens_on_a_socket_of_its_own_and_the_kernel_spreads_connections() -> None:
    from newsdesk.commands.serve import listen, worker_sockets

    probe = listen("127.0.0.1", 0)
    port = int(probe.getsockname()[1])
    sockets = worker_sockets(probe, "127.0.0.1", port, 2)
    try:
        assert [s.getsockname()[1] for s in sockets] == [port, port]
        assert all(s.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT) for s in sockets)
        for s in sockets:
            s.listen(64)
            s.setblocking(False)
        clients = [socket.create_connection(("127.0.0.1", port)) for _ in range(32)]
        try:
            waiting = []
            for s in sockets:
                count = 0
                while True:
                    try:
                        conn, _ = s.accept()
                    except BlockingIOError:
                        break
                    conn.close()
                    count += 1
                waiting.append(count)
            # 32 connections from one client at once: both sockets get some (all on one: p = 2 ** -31).
            assert sum(waiting) == 32 and min(waiting) > 0
        finally:
            for client in clients:
                client.close()
    finally:
        for s in sockets:
            s.close()


def test_a_port_another_server_shares_is_a_clear_error_not_a_silent_share() -> None:
    from newsdesk.commands.serve import listen

    other = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    other.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    other.bind(("127.0.0.1", 0))
    other.listen(8)
    try:
        with pytest.raises(click.ClickException, match="cannot listen on"):
            listen("127.0.0.1", int(other.getsockname()[1]))  # the probe, without SO_REUSEPORT
    finally:
        other.close()
