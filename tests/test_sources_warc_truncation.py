"""An uncompressed WARC cut at any byte reports the break: no truncation is silent."""

from __future__ import annotations

from pathlib import Path

from newsdesk.errors import ArchiveError
from newsdesk.sources.warc import ArchiveReader
from test_ingest import write_warc


def test_every_cut_of_an_uncompressed_warc_is_reported(tmp_path: Path) -> None:
    whole = tmp_path / "whole.warc"
    write_warc(whole, 3, gzipped=False)
    data = whole.read_bytes()
    cut = tmp_path / "cut.warc"
    silent = []
    for length in range(1, len(data), 23):
        cut.write_bytes(data[:length])
        items = list(ArchiveReader(cut))
        breaks = [item for item in items if isinstance(item, ArchiveError)]
        if len(breaks) != 1 or not 0 <= breaks[0].offset <= length:
            silent.append(length)
    assert silent == []
    assert not any(isinstance(item, ArchiveError) for item in ArchiveReader(whole))
