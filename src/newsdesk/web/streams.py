"""The desk's exports as byte streams (`/api/export`): JSONL and CSV row by row, Parquet through a
temporary file (its footer needs a seekable file)."""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from collections.abc import Iterator

from newsdesk.exports import COLUMNS, LIST_FIELDS, export_record, exported, flat_record, write_parquet
from newsdesk.store import SearchRequest, Store


def jsonl(store: Store, request: SearchRequest) -> Iterator[bytes]:
    for item in exported(store, request):
        yield (json.dumps(export_record(item), ensure_ascii=False) + "\n").encode()


def csv_rows(store: Store, request: SearchRequest) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, extrasaction="ignore")
    writer.writeheader()
    for number, item in enumerate(exported(store, request)):
        row = flat_record(item)
        for name in LIST_FIELDS:
            row[name] = json.dumps(row[name], ensure_ascii=False)
        writer.writerow(row)
        if number % 100 == 99:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()


def parquet(store: Store, request: SearchRequest) -> Iterator[bytes]:
    """Parquet needs a seekable file for its footer: written to a temporary file, then streamed."""
    handle, path = tempfile.mkstemp(prefix="newsdesk-export-", suffix=".parquet")
    os.close(handle)
    try:
        write_parquet(exported(store, request), path)
        with open(path, "rb") as stream:
            while chunk := stream.read(1 << 16):
                yield chunk
    finally:
        os.unlink(path)
