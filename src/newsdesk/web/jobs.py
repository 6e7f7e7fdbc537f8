"""Ingest jobs run by the server: one worker thread runs them in turn; their progress can be polled.

URLs are checked before a job is queued (http/https only; private, loopback and link-local addresses
refused unless the server allows them, with the fetcher's own rule), and the fetcher's guard checks
again on every connection and redirect. Uploaded files are written to a folder of the job's own
(under one directory, where folders left by a killed server are removed at start-up), removed when it
ends; what is stored and reported names them `upload:NAME` (the name the client gave),
never by their path on the server. Local paths are never accepted from a client.
"""

from __future__ import annotations

import ipaddress
import os
import queue
import shutil
import socket
import tempfile
import threading
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from newsdesk.article import Article
from newsdesk.pipeline import IngestCounts, Ingester
from newsdesk.settings import Settings
from newsdesk.sources.detect import ARCHIVE_SUFFIXES
from newsdesk.sources.files import SUFFIXES as PAGE_SUFFIXES
from newsdesk.sources.guard import why_refused
from newsdesk.sources.urls import why_malformed
from newsdesk.store import Store

State = Literal["queued", "running", "done", "failed"]
MAX_JOBS_KEPT = 100
MAX_SOURCES = 1_000
UPLOAD_PREFIX = "upload:"


class Refused(ValueError):
    """A source a client may not ingest; the message says why."""


def check_url(url: str, allow_private: bool) -> str:
    """The URL, stripped, when it may be fetched; Refused with the reason otherwise."""
    url = url.strip()
    malformed = why_malformed(url)
    if malformed:
        raise Refused(f"{url[:300]!r}: {malformed}")
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError as error:
        raise Refused(f"{url!r} is not a valid URL: {error}") from None
    if parts.scheme not in ("http", "https") or not host:
        raise Refused(f"{url!r}: only http:// and https:// URLs can be ingested")
    if allow_private:
        return url
    try:
        addresses = [ipaddress.ip_address(host.split("%", 1)[0])]
    except ValueError:
        try:
            infos = socket.getaddrinfo(host, parts.port or 80, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError):
            return url  # unresolvable now: the fetcher reports it as the job's error
        addresses = [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]
    for address in addresses:
        reason = why_refused(address)
        if reason:
            raise Refused(f"{url!r} refused: {reason} (the server was not started with --allow-private)")
    return url


@dataclass
class Job:
    id: str
    sources: list[str]
    inputs: list[str] = field(default_factory=list, repr=False)  # what the Ingester runs on
    folder: Path | None = None
    state: State = "queued"
    message: str = ""
    counts: IngestCounts = field(default_factory=IngestCounts)
    errors: list[dict[str, Any]] = field(default_factory=list)
    # path of an uploaded file on the server -> "upload:NAME", what stored articles and errors say instead
    uploads: dict[str, str] = field(default_factory=dict, repr=False)
    refused: list[str] = field(default_factory=list, repr=False)  # uploads that are no page nor archive
    turns: int = 0  # how many turns on the worker it has had
    notices: list[str] = field(default_factory=list, repr=False)  # what the ingester said besides errors

    def public(self, source: str) -> str:
        """`source` with the server's path of an uploaded file replaced by `upload:NAME`."""
        if self.folder is None or not source.startswith(str(self.folder)):
            return source
        path, at, offset = source.partition("@")  # a web archive's record: PATH@OFFSET
        name = self.uploads.get(path) or UPLOAD_PREFIX + Path(path).name
        return name + at + offset

    def out(self) -> dict[str, Any]:
        counts = self.counts
        return {"id": self.id, "state": self.state, "sources": self.sources, "read": counts.read,
                "fetched": counts.fetched, "extracted": counts.extracted, "stored": counts.stored,
                "updated": counts.updated, "unchanged": counts.unchanged, "skipped": counts.skipped,
                "failed": counts.failed, "assigned": counts.assigned, "message": self.message,
                "errors": self.errors[-20:]}


def upload_name(name: str) -> str:
    """The file name a client gave (its last part, control characters dropped), never empty."""
    name = "".join(c for c in name.replace("\\", "/").rsplit("/", 1)[-1] if c.isprintable())
    return name.strip()[-200:] or "upload"


class _RecordingStore:
    """The store, with the errors of this job also kept on the job (for its progress view)."""

    def __init__(self, store: Store, job: Job) -> None:
        self._store = store
        self._job = job

    def record_error(self, source: str, stage: str, reason: str, location: str | None = None,
                     at: Any = None) -> None:
        source = self._job.public(source)
        self._store.record_error(source, stage, reason, location, at)
        if len(self._job.errors) < 1_000:
            self._job.errors.append({"at": "", "source": source, "stage": stage, "reason": reason,
                                     "location": location, "input": source})

    def put(self, article: Article) -> Any:
        return self._store.put(self._public(article))

    def put_many(self, articles: Any, done: Any = ()) -> Any:
        return self._store.put_many([self._public(article) for article in articles], done=done)

    def _public(self, article: Article) -> Article:
        if article.source:
            article.source = self._job.public(article.source)
        return article

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


def sweep_uploads(root: Path) -> list[Path]:
    """Remove the upload folders that servers killed mid-job left under `root` (each folder's name
    starts with its server's pid; those of servers still running are kept); returns those removed."""
    removed = []
    for folder in root.glob("*-*") if root.is_dir() else ():
        owner = folder.name.split("-", 1)[0]
        if owner.isdigit() and not _alive(int(owner)) and folder.is_dir():
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's
    except (OverflowError, ValueError):
        return False  # no process can have it
    return True


class _SliceOver(Exception):
    """Raised from a job's progress callback when its turn is over and another job is waiting."""


def _add(before: IngestCounts, now: IngestCounts) -> IngestCounts:
    """The counts of a job's earlier turns plus those of the turn running now."""
    total = IngestCounts(started=before.started)
    for name in ("read", "fetched", "extracted", "enriched", "stored", "updated", "unchanged", "skipped",
                 "failed", "assigned"):
        setattr(total, name, getattr(before, name) + getattr(now, name))
    return total


class Jobs:
    """Queue ingest jobs and run them on a worker thread, in turns: a job that has run for
    `slice_seconds` while another waits goes back to the end of the queue, and its next turn resumes
    where it stopped (ingest skips what is already stored), so a long job never holds up later ones."""

    def __init__(self, store: Store, settings: Settings, *, slice_seconds: float = 30.0,
                 enrich: bool = True, upload_root: Path | None = None) -> None:
        self.store = store
        self.settings = settings
        self.slice_seconds = slice_seconds
        self.enrich = enrich
        self.upload_root = upload_root or Path(tempfile.gettempdir()) / "newsdesk-uploads"
        sweep_uploads(self.upload_root)
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._queue: queue.Queue[Job | None] = queue.Queue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def submit(self, sources: list[str], files: list[tuple[str, bytes]] | None = None) -> Job:
        folder = None
        inputs = list(sources)
        uploads: dict[str, str] = {}
        refused: list[str] = []
        names = [upload_name(name) for name, _ in files or []]
        if files:
            self.upload_root.mkdir(mode=0o700, parents=True, exist_ok=True)
            folder = Path(tempfile.mkdtemp(prefix=f"{os.getpid()}-", dir=self.upload_root))
            for number, ((_, data), name) in enumerate(zip(files, names, strict=True)):
                safe = "".join(c if c.isalnum() or c in "._-" else "_" for c in name)[-100:]
                path = folder / f"{number:04d}-{safe or 'upload'}"
                path.write_bytes(data)
                uploads[str(path)] = UPLOAD_PREFIX + name
                if path.name.lower().endswith(PAGE_SUFFIXES + ARCHIVE_SUFFIXES):
                    inputs.append(str(path))  # each file on its own: a web archive is read as one
                else:
                    refused.append(str(path))
        shown = sources + names
        job = Job(uuid.uuid4().hex[:12], shown, inputs, folder, message=f"{len(shown)} source(s) queued",
                  uploads=uploads, refused=refused)
        with self._lock:
            self._jobs[job.id] = job
            while len(self._jobs) > MAX_JOBS_KEPT:
                self._jobs.popitem(last=False)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._work, name="newsdesk-ingest", daemon=True)
                self._thread.start()
            self._queue.put(job)  # under the lock: the worker only quits while it holds it and sees none
        return job

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def recent(self) -> list[Job]:
        with self._lock:
            return list(reversed(self._jobs.values()))

    def _work(self) -> None:
        while True:
            try:
                job = self._queue.get(timeout=5)
            except queue.Empty:
                with self._lock:
                    if self._queue.empty():
                        self._thread = None
                        return
                continue
            if job is None:
                return
            self._run(job)

    def _run(self, job: Job) -> None:
        job.state = "running"
        job.message = "running" if not job.turns else f"running (turn {job.turns + 1})"
        job.turns += 1
        before = job.counts
        ends = time.monotonic() + self.slice_seconds

        def progress(counts: IngestCounts) -> None:
            job.counts = _add(before, counts)
            if time.monotonic() > ends and not self._queue.empty():
                raise _SliceOver

        try:
            recording: Any = _RecordingStore(self.store, job)
            ingester = Ingester(recording, self.settings, progress=progress, enrich=self.enrich,
                                notice=job.notices.append)
            if job.turns == 1:
                for path in job.refused:
                    ingester.fail(path, "read", "not a page (.html, .htm, .txt, optionally .gz) nor a web "
                                  "archive (.warc, .warc.gz, .wet, .arc, .warc.lz4, ...): nothing read")
            ingester.run(job.inputs)
            job.counts = _add(before, ingester.counts)
            job.state = "done"
            job.message = "; ".join([job.counts.summary(), *job.notices[-5:]])
        except _SliceOver:  # its turn is over: back to the end of the queue, its files kept
            job.state = "queued"
            job.message = f"waiting for its next turn ({job.counts.stored} stored so far)"
            self._queue.put(job)
            return
        except Exception as error:  # the server goes on; the job says what happened
            job.state = "failed"
            job.message = f"{type(error).__name__}: {error}"
        if job.folder is not None:
            shutil.rmtree(job.folder, ignore_errors=True)

    def close(self) -> None:
        """Ask the worker to stop once the turns already queued are over, and wait for it (at most one
        turn and 30 s): the store is closed next, and a turn still writing to it would fail."""
        self._queue.put(None)
        with self._lock:
            thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=self.slice_seconds + 30)
