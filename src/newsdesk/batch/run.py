"""The driver of a batch run: expand the inputs, skip the finished ones, hand the rest to an executor,
record each finished input in the manifest, and show progress."""

from __future__ import annotations

import contextlib
import glob
import gzip
import json
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from newsdesk.batch.manifest import Manifest, file_identity
from newsdesk.batch.stage import ARTICLES_DIR, ERRORS_DIR, PROGRESS_DIR, InputResult, InputTask, process_input
from newsdesk.errors import InputError
from newsdesk.pipeline.executors import Executor, TaskFailure
from newsdesk.settings import Settings

ARCHIVE_SUFFIXES = (".warc", ".warc.gz", ".wet", ".wet.gz", ".arc", ".arc.gz")


@dataclass
class BatchSummary:
    inputs: int = 0
    already_done: int = 0
    finished: list[InputResult] = field(default_factory=list)
    failed: list[TaskFailure] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def rows(self) -> int:
        return sum(result.rows for result in self.finished)

    @property
    def pages(self) -> int:
        return sum(result.pages for result in self.finished)

    @property
    def errors(self) -> int:
        return sum(result.errors for result in self.finished)


def expand_inputs(inputs: Sequence[str]) -> list[str]:
    """Archives named by paths, globs, folders (searched for archives) or list files (one path a line,
    like Common Crawl's warc.paths, gzipped or not; relative paths are relative to the list file).
    Absolute paths, in order, each once; InputError for a name that matches nothing."""
    found: list[str] = []
    for name in inputs:
        if glob.has_magic(name):
            matches = sorted(glob.glob(name, recursive=True))
            if not matches:
                raise InputError("no file matches this pattern", source=name, stage="batch")
            found += [str(Path(match).resolve()) for match in matches if Path(match).is_file()]
            continue
        path = Path(name)
        if path.is_dir():
            found += sorted(str(p.resolve()) for p in path.rglob("*")
                            if p.is_file() and p.name.lower().endswith(ARCHIVE_SUFFIXES))
        elif path.name.lower().endswith(ARCHIVE_SUFFIXES) or not path.is_file():
            found.append(str(path.resolve()))  # a missing archive is reported when it is run
        else:
            found += _listed(path)
    return list(dict.fromkeys(found))


def _listed(path: Path) -> list[str]:
    opener: Callable[..., Any] = gzip.open if path.name.lower().endswith(".gz") else open
    try:
        with opener(path, "rt", encoding="utf-8") as handle:
            lines = [line.strip() for line in handle]
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"not an archive nor a readable list of archives ({error})", source=str(path),
                         stage="batch") from None
    return [str((path.parent / line).resolve()) for line in lines if line and not line.startswith("#")]


def run_batch(inputs: Sequence[str], out: str | Path, executor: Executor, *, enrich: bool = False,
              languages: Sequence[str] = (), settings: Settings | None = None,
              progress: bool | None = None, echo: Callable[[str], None] | None = None) -> BatchSummary:
    """Run every unfinished input through `executor`; finished inputs are recorded in the manifest."""
    started = time.perf_counter()
    settings = settings or Settings.from_env()
    echo = echo or (lambda line: print(line, file=sys.stderr))
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    manifest = Manifest(out)
    languages = tuple(sorted({code.strip().lower() for code in languages if code.strip()}))
    manifest.check_options({"enrich": enrich, "languages": list(languages)})
    paths = expand_inputs(inputs)
    summary = BatchSummary(inputs=len(paths))
    todo: list[InputTask] = []
    identities: dict[str, dict[str, int]] = {}
    for path in paths:
        if manifest.is_done(path):
            summary.already_done += 1
            continue
        try:
            identities[path] = file_identity(path)
        except OSError as error:
            summary.failed.append(TaskFailure(path, f"unreadable: {error.strerror or error}"))
            continue
        todo.append(InputTask(path, str(out), enrich=enrich, languages=languages, settings=settings))
    _clean_temporary(out)
    if executor.dashboard:
        echo(f"Dask dashboard: {executor.dashboard}")
    if summary.already_done:
        echo(f"{summary.already_done} of {len(paths)} inputs already done (in {out / 'manifest.jsonl'})")
    total_bytes = sum(identity["size"] for identity in identities.values())
    display = _Display(out, len(todo), total_bytes, identities, echo,
                       sys.stderr.isatty() if progress is None else progress)
    with display:
        for _, outcome in executor.as_done(process_input, todo, name=lambda task: task.input):
            if isinstance(outcome, TaskFailure):
                summary.failed.append(outcome)
                display.failed(outcome)
                continue
            manifest.record(outcome, identities[outcome.input])
            summary.finished.append(outcome)
            display.finished(outcome)
    _clean_temporary(out)
    summary.seconds = time.perf_counter() - started
    return summary


def _clean_temporary(out: Path) -> None:
    """Parts left under temporary names by tasks that died, and stale progress notes."""
    for folder, pattern in ((out / ARTICLES_DIR, "**/.*.tmp"), (out / ERRORS_DIR, ".*.tmp"),
                            (out / PROGRESS_DIR, "*")):
        for path in folder.glob(pattern):
            with contextlib.suppress(OSError):
                path.unlink()


class _Display:
    """Files done/total, records/s, errors and time left: a live rich display on a terminal (moved
    between finished files by the tasks' progress notes), one line per finished file otherwise."""

    def __init__(self, out: Path, files: int, total_bytes: int, identities: dict[str, dict[str, int]],
                 echo: Callable[[str], None], live: bool) -> None:
        self.out = out
        self.files = files
        self.total_bytes = max(total_bytes, 1)
        self.identities = identities
        self.echo = echo
        self.live = live and files > 0
        self.done_files = 0
        self.done_bytes = 0
        self.done_pages = 0
        self.errors = 0
        self.started = time.perf_counter()
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.progress: Any = None
        self.thread: threading.Thread | None = None

    def __enter__(self) -> _Display:
        if not self.live:
            return self
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

        self.progress = Progress(
            TextColumn("files {task.fields[files]}"), BarColumn(),
            TextColumn("{task.fields[rate]:,.0f} records/s"), TextColumn("{task.fields[errors]:,} errors"),
            TextColumn("time left"), TimeRemainingColumn(), console=Console(stderr=True))
        self.task = self.progress.add_task("batch", total=self.total_bytes, files=f"0/{self.files}",
                                           rate=0.0, errors=0)
        self.progress.start()
        self.thread = threading.Thread(target=self._poll, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        if self.thread is not None:
            self.thread.join()
        if self.progress is not None:
            self._update()
            self.progress.stop()

    def _running(self) -> Iterator[tuple[int, int]]:
        for path in (self.out / PROGRESS_DIR).glob("*.json"):
            with contextlib.suppress(OSError, ValueError):
                note = json.loads(path.read_text(encoding="utf-8"))
                yield int(note["pages"]), int(note["offset"])

    def _update(self) -> None:
        with self.lock:
            pages, position = self.done_pages, self.done_bytes
            running = list(self._running()) if self.done_files < self.files else []
            pages += sum(note[0] for note in running)
            position += sum(note[1] for note in running)
            elapsed = max(time.perf_counter() - self.started, 1e-6)
            self.progress.update(self.task, completed=min(position, self.total_bytes),
                                 files=f"{self.done_files}/{self.files}", rate=pages / elapsed,
                                 errors=self.errors)

    def _poll(self) -> None:
        while not self.stop.wait(0.5):
            self._update()

    def finished(self, result: InputResult) -> None:
        with self.lock:
            self.done_files += 1
            self.done_bytes += self.identities[result.input]["size"]
            self.done_pages += result.pages
            self.errors += result.errors
        if not self.live:
            broken = f", broken at byte {result.broken_at:,}" if result.broken_at is not None else ""
            self.echo(f"[{self.done_files}/{self.files}] {result.input}: {result.rows:,} articles, "
                      f"{result.errors:,} errors{broken} ({result.seconds:.1f} s)")

    def failed(self, failure: TaskFailure) -> None:
        with self.lock:
            self.done_files += 1
            self.done_bytes += self.identities.get(failure.input, {}).get("size", 0)
        message = f"failed: {failure.input}: {failure.reason} (it is retried by the next run)"
        if self.progress is not None:
            self.progress.console.print(message)
        else:
            self.echo(message)
