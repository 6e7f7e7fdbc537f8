"""The checkpoint of a batch output folder: `manifest.jsonl`, one line per finished input.

Only the driver writes it, appending one JSON line (flushed and fsynced) when a task's parts are all
renamed into place, so a line is there only for an input whose output is complete. A rerun skips an
input whose line names the same file size and modification time and whose parts are all still
there with the recorded sizes; every other input is done again (its parts are overwritten whole).
`batch.json` holds the options the folder was made with; a rerun with other options is refused.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from newsdesk.batch.stage import InputResult
from newsdesk.errors import InputError

MANIFEST = "manifest.jsonl"
OPTIONS = "batch.json"


def file_identity(path: str) -> dict[str, int]:
    stat = os.stat(path)
    return {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns}


class Manifest:
    def __init__(self, out: Path) -> None:
        self.out = out
        self.path = out / MANIFEST
        self.done: dict[str, dict[str, Any]] = {}
        for entry in self._lines():
            self.done[entry["input"]] = entry

    def _lines(self) -> Iterator[dict[str, Any]]:
        if not self.path.exists():
            return
        with self.path.open(encoding="utf-8") as handle:
            for line in handle:
                try:
                    entry = json.loads(line)
                except ValueError:  # a line cut short by a crash while appending: not finished
                    continue
                if isinstance(entry, dict) and "input" in entry:
                    yield entry

    def check_options(self, options: dict[str, Any]) -> None:
        """Record the run's options, or refuse a folder made with others (mixed outputs)."""
        path = self.out / OPTIONS
        if path.exists():
            made = json.loads(path.read_text(encoding="utf-8"))
            if made != options:
                differ = ", ".join(sorted(name for name in options.keys() | made.keys()
                                          if options.get(name) != made.get(name)))
                raise InputError(f"this output folder was made with other options ({differ}: "
                                 f"{ {name: made.get(name) for name in differ.split(', ')} }); "
                                 "use another --out folder", source=str(self.out), stage="batch")
            return
        path.write_text(json.dumps(options, indent=2) + "\n", encoding="utf-8")

    def is_done(self, input: str) -> bool:
        entry = self.done.get(input)
        if entry is None:
            return False
        try:
            if {key: entry.get(key) for key in ("size", "mtime_ns")} != file_identity(input):
                return False
        except OSError:
            return True  # the input is gone, but its output is complete: nothing to redo
        for part in entry.get("parts", []):
            target = self.out / part["path"]
            if not target.is_file() or target.stat().st_size != part["bytes"]:
                return False
        return True

    def record(self, result: InputResult, identity: dict[str, int]) -> None:
        entry = {**result.to_dict(), **identity, "finished_at": datetime.now(UTC).isoformat()}
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(entry, ensure_ascii=False) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        self.done[result.input] = entry


def verify(out: Path) -> list[str]:
    """Problems with a finished output: parts missing, or whose checksum differs from the manifest."""
    problems = []
    for entry in Manifest(out).done.values():
        for part in entry.get("parts", []):
            target = out / part["path"]
            if not target.is_file():
                problems.append(f"{part['path']}: missing")
                continue
            digest = hashlib.sha256()
            with target.open("rb") as handle:
                while chunk := handle.read(1 << 20):
                    digest.update(chunk)
            if digest.hexdigest() != part["sha256"]:
                problems.append(f"{part['path']}: checksum differs from the manifest")
    return problems
