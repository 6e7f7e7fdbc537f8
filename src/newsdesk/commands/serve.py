"""`newsdesk serve`: the web desk (pages and REST API) over a store, with uvicorn."""

from __future__ import annotations

import errno
import ipaddress
import os
import socket
from pathlib import Path

import click

from newsdesk.commands import db_option
from newsdesk.settings import Settings

TOKEN_VARIABLE = "NEWSDESK_API_TOKEN"


def token_file() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return Path(base) / "newsdesk" / "api-token"


def load_token() -> tuple[str, str]:
    """The API token and where it came from: $NEWSDESK_API_TOKEN, else the token file (made at first
    start, readable by its owner only)."""
    from newsdesk.web.security import new_token

    given = os.environ.get(TOKEN_VARIABLE, "").strip()
    if given:
        return given, f"${TOKEN_VARIABLE}"
    path = token_file()
    try:
        saved = path.read_text(encoding="utf-8").strip()
    except OSError:
        saved = ""
    if saved:
        return saved, str(path)
    token = new_token()
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        out.write(token + "\n")
    return token, f"{path} (new)"


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def listen(host: str, port: int, reuse_port: bool = False) -> socket.socket:
    """A socket bound to host:port, before anything is printed: a busy port or an address this machine
    does not have is a clear error, not a 'serving at' line followed by a failure."""
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        # Made as a TCP socket by name: asyncio turns Nagle's algorithm off only on connections of a
        # socket whose protocol says TCP. With proto 0 every answer after the first on a kept-alive
        # connection waited ~40 ms for the client's delayed ACK (headers and body are two writes).
        sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    except (OSError, UnicodeError) as error:
        raise click.ClickException(f"cannot listen on {host}:{port}: {error}") from None
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if reuse_port:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        reason = error.strerror or str(error)
        hint = " (another server is on it: choose another --port)" if error.errno == errno.EADDRINUSE else ""
        raise click.ClickException(f"cannot listen on {host}:{port}: {reason}{hint}") from None
    return sock


@click.command()
@db_option
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Beyond loopback, reads need the token too.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option("--read-token", is_flag=True, help="Require the API token for reading too (always on "
              "when --host is not a loopback address).")
@click.option("--allow-private", is_flag=True,
              help="Let ingest fetch private, loopback and link-local addresses (refused by default).")
@click.option("--allowed-host", "allowed_hosts", multiple=True, metavar="NAME",
              help="A host name the desk answers to besides loopback names, IP addresses, --host and the "
                   "names in $NEWSDESK_ALLOWED_HOSTS (separated by spaces); repeat for several. Requests "
                   "naming any other Host are refused, so a web page cannot read the desk through DNS "
                   "rebinding.")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Processes serving requests (each with its own store connections and caches). Ingest "
                   "jobs live in the worker that took them: with several, a job's page may answer from "
                   "another worker as unknown; ingest with one worker or with `newsdesk ingest`.")
def serve(db: str | None, host: str, port: int, read_token: bool, allow_private: bool,
          allowed_hosts: tuple[str, ...], workers: int) -> None:
    """Serve the web desk: search, articles, stories and their duplicate copies, entities, sources,
    roundups and ingest in a browser, and the REST API under /api/ (its OpenAPI document at
    /api/openapi.json).

    \b
    --workers N serves with N processes (a newsroom's desk: searches of several people at once use
    several cores); reads of each worker share a pool of store connections ($NEWSDESK_DB_POOL, 4).

    \b
    Write calls (ingest) need the API token: $NEWSDESK_API_TOKEN, else one generated at first start and
    kept in ~/.config/newsdesk/api-token. The URL printed at start signs the browser in with it:
      newsdesk serve --db sqlite:///demo.db
      curl -H "Authorization: Bearer $TOKEN" -H 'content-type: application/json' \\
           -d '{"sources": ["https://example.org/feed.xml"]}' http://127.0.0.1:8000/api/ingest
    """
    import uvicorn

    from newsdesk.web import create_app

    settings = Settings.from_env()
    sock = listen(host, port)
    try:
        token, origin = load_token()
        configured = os.environ.get("NEWSDESK_ALLOWED_HOSTS", "").split()
        hosts = [host, *configured, *(name for value in allowed_hosts for name in value.split())]
        app = create_app(db, settings, api_token=token, read_token=read_token or not is_loopback(host),
                         allow_private=allow_private, allowed_hosts=hosts)
    except BaseException:
        sock.close()
        raise
    port = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{port}/"
    click.echo(f"newsdesk: API token from {origin}", err=True)
    click.echo(f"newsdesk: serving {db or os.environ.get('NEWSDESK_DB') or 'newsdesk.db'} at {url}", err=True)
    click.echo(f"newsdesk: open {url}login?token={token} to sign in for ingest (Ctrl-C stops)", err=True)
    click.echo(url)
    if workers == 1:
        config = uvicorn.Config(app, host=host, port=port, log_level="warning", server_header=False,
                                timeout_graceful_shutdown=5)
        uvicorn.Server(config).run(sockets=[sock])
        return
    # The store was opened (and migrated) once above; each worker opens its own and serves a socket of
    # its own (see worker_sockets).
    app.state.desk.jobs.close()
    app.state.desk.store.close()
    from newsdesk.web.app import WORKER_ALLOW_PRIVATE, WORKER_ALLOWED_HOSTS, WORKER_DB, WORKER_READ_TOKEN
    from newsdesk.web.workers import SocketPerWorker

    os.environ.update({WORKER_DB: db or os.environ.get("NEWSDESK_DB") or "newsdesk.db", TOKEN_VARIABLE: token,
                       WORKER_READ_TOKEN: "1" if read_token or not is_loopback(host) else "",
                       WORKER_ALLOW_PRIVATE: "1" if allow_private else "",
                       WORKER_ALLOWED_HOSTS: " ".join(hosts)})
    config = uvicorn.Config("newsdesk.web.app:from_environment", factory=True, workers=workers, host=host,
                            port=port, log_level="warning", server_header=False, timeout_graceful_shutdown=5)
    sockets = worker_sockets(sock, host, port, workers)
    try:
        SocketPerWorker(config, sockets).run()
    except KeyboardInterrupt:
        pass
    finally:
        for each in sockets:
            each.close()


def worker_sockets(probe: socket.socket, host: str, port: int, workers: int) -> list[socket.socket]:
    """One listening socket per worker, all on host:port with SO_REUSEPORT, so the kernel spreads new
    connections over the workers. With one shared socket the worker that wakes first accepts every
    connection waiting (asyncio accepts up to the backlog at a time): a client that opens its
    connections at once got one worker and left the other idle. `probe` (bound without SO_REUSEPORT by
    listen()) proved the port free and fixed it when it was 0; it is closed here, so another program's
    SO_REUSEPORT group on that port is an error above, never a silent share of its traffic."""
    probe.close()
    sockets: list[socket.socket] = []
    try:
        for _ in range(workers):
            sock = listen(host, port, reuse_port=True)
            sock.set_inheritable(True)
            sockets.append(sock)
    except BaseException:
        for sock in sockets:
            sock.close()
        raise
    return sockets

