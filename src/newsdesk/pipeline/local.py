"""The local source of ingest: page files, folders, globs and web archives, as `Item`s with their
checkpoints. A file is one checkpoint; each record of an archive is one, and the archive itself one
more, done with the batch of its last record, so a resumed run skips whatever was stored."""

from __future__ import annotations

import glob
import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Protocol

from newsdesk.article import Page
from newsdesk.errors import ArchiveError, NewsdeskError
from newsdesk.pipeline.loop import Failure, Item
from newsdesk.settings import Settings
from newsdesk.sources.detect import ARCHIVE_SUFFIXES, Kind, classify
from newsdesk.sources.files import content_type_for, expand_paths, is_page_file, read_bytes
from newsdesk.sources.warc import SKIPPED_PAGES, ArchiveCounts, ArchiveReader
from newsdesk.store.base import RunState


class Counts(Protocol):
    """The counts of the run that reading adds to (`newsdesk.pipeline.ingest.IngestCounts`)."""

    read: int
    skipped: int


class LocalSource:
    """Reads what the user named on this machine; `fail` records a failure, `notice` tells the user."""

    def __init__(self, state: RunState, settings: Settings, counts: Counts, fail: Callable[[Failure], None],
                 notice: Callable[[str], None]) -> None:
        self.state, self.settings, self.counts = state, settings, counts
        self.fail, self.notice = fail, notice

    def items(self, source: str, kind: Kind | None = None) -> Iterator[Item]:
        """A file, folder (its pages, and the web archives in it read as archives), glob or archive."""
        kind = kind or classify(source)
        if kind is Kind.WARC:
            yield from self.archive(source)
        elif Path(source).is_dir():
            archives = sorted(path for path in Path(source).rglob("*")
                              if path.name.lower().endswith(ARCHIVE_SUFFIXES) and path.is_file())
            for archive in archives:
                yield from self.archive(str(archive))
            yield from self.files(source, empty="" if archives else "no page files or web archives")
        else:
            yield from self.files(source)

    def files(self, source: str, empty: str = "no such file, folder or glob match") -> Iterator[Item]:
        """Page files; `empty` is the failure recorded when there are none ("" for none)."""
        paths: Iterable[str | Path]
        if any(char in source for char in "*?[") and not Path(source).exists():
            paths = (Path(p) for p in sorted(glob.glob(source, recursive=True)) if is_page_file(Path(p)))
        else:
            paths = expand_paths([source])
        found = False
        for path in paths:
            found = True
            if path == "-":
                self.fail(Failure("-", "read", "stdin cannot be ingested; save it to a file first"))
                continue
            path = Path(path)
            checkpoint = file_checkpoint(path)
            if checkpoint and self.state.is_done(checkpoint):
                self.counts.skipped += 1
                continue
            self.counts.read += 1
            try:
                data = read_bytes(path, self.settings.max_input_bytes)
            except NewsdeskError as error:
                self.fail(Failure(str(path), error.stage or "read", error.reason))
                continue
            yield Item(Page(source=str(path), content=data, content_type=content_type_for(path.name)),
                       checkpoint or f"file:{path}")
        if not found and empty:
            self.fail(Failure(source, "read", empty))

    def archive(self, source: str) -> Iterator[Item]:
        path = Path(source)
        finished = file_checkpoint(path)
        if finished and self.state.is_done(finished):
            self.counts.skipped += 1
            return
        reader = ArchiveReader(path, max_bytes=self.settings.max_input_bytes)
        for item in reader:
            if isinstance(item, ArchiveError):
                self.fail(Failure(source, item.stage or "read", item.reason, f"byte {item.offset}"))
                continue
            if isinstance(item, NewsdeskError):
                where = item.source.rsplit("@", 1)[-1] if item.source and "@" in item.source else None
                self.fail(Failure(source, item.stage or "read", item.reason, where and f"byte {where}"))
                continue
            self.counts.read += 1
            # Each record is its own checkpoint: a resumed run skips records stored before the kill.
            checkpoint = f"record:{finished}:{item.source.rsplit('@', 1)[-1]}"
            if self.state.is_done(checkpoint):
                self.counts.skipped += 1
                continue
            yield Item(item, checkpoint)
        self.counts.skipped += sum(reader.counts.skipped.values())
        self._explain_skips(source, reader.counts)
        if finished:
            yield Item(None, finished)

    def _explain_skips(self, source: str, counts: ArchiveCounts) -> None:
        """Say why an archive's records were skipped; an archive whose pages were all skipped for what
        they held (not for their record type) is an error row too, so `newsdesk errors` shows it."""
        held = sum(number for reason, number in counts.skipped.items() if reason in SKIPPED_PAGES)
        if not held:
            return  # warcinfo, request, metadata records: never pages, nothing to explain
        why = ", ".join(f"{number} {reason}" for reason, number in counts.skipped.most_common())
        self.notice(f"{source}: {counts.yielded} pages of {counts.read} records; not pages: {why}")
        if not counts.yielded:
            self.fail(Failure(source, "read", f"no page in {counts.read} records: {why}"))


def file_checkpoint(path: Path) -> str | None:
    """A file is the same input while its path, size and modification time are."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return f"file:{os.path.abspath(path)}:{stat.st_size}:{stat.st_mtime_ns}"
