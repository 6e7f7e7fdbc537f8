"""The shared evaluation data as the extraction benchmark reads it: truth, pages, decoding, flattening.

Part of benchmarks/extraction.py (the command); imported by the parent and by every worker, so it
imports nothing heavy at the top.
"""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path
from typing import Any

PROJECT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = PROJECT.parent / "shared" / "data"
SETS = {"scrapinghub": "ground-truth.json", "trafilatura-dev": "truth.json"}

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)""", re.IGNORECASE)


def decode_html(raw: bytes) -> str:
    """The benchmark's own decode for extractors that need str: BOM, UTF-8, <meta> charset, guess."""
    for bom, name in ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if raw.startswith(bom):
            return raw[len(bom):].decode(name, errors="replace")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    match = _META_CHARSET.search(raw[:8192])
    if match:
        try:
            return raw.decode(match.group(1).decode("ascii"), errors="replace")
        except LookupError:
            pass
    from charset_normalizer import from_bytes

    best = from_bytes(raw[:200_000]).best()
    return raw.decode(best.encoding if best else "utf-8", errors="replace")


def load_truth(data: Path, set_name: str) -> dict[str, dict[str, Any]]:
    with open(data / set_name / SETS[set_name], encoding="utf-8") as f:
        return json.load(f)


def read_page(data: Path, set_name: str, doc_id: str) -> bytes:
    return gzip.decompress((data / set_name / "html" / f"{doc_id}.html.gz").read_bytes())


def flatten_pages(data: Path, set_name: str, truth: dict[str, Any]) -> dict[str, str] | str:
    """Each page as a WET-like text (html-text, one block per line); or why it can't be done."""
    try:
        import html_text
    except ImportError:
        return "html-text not installed; run scripts/bootstrap dev,bench"
    return {doc_id: html_text.extract_text(decode_html(read_page(data, set_name, doc_id)), guess_layout=True)
            for doc_id in truth}
