"""Bytes to text for web pages whose declared encoding is often missing, wrong, or mixed.

Order of trust: a byte-order mark; then valid UTF-8 (pages declaring latin-1 but sending UTF-8 are
common, the reverse decodes as garbage and fails validation); then the HTTP header charset and the
`<meta>` charset; then charset-normalizer's detection. Pages that are mostly UTF-8 with stray
single-byte characters (mixed encodings) keep their UTF-8 and decode the stray bytes as cp1252.
"""

from __future__ import annotations

import codecs
import re

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)""", re.IGNORECASE)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([a-zA-Z0-9_.:-]+)", re.IGNORECASE)
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# WHATWG maps these labels to windows-1252, and so do browsers.
_ALIASES = {"iso-8859-1": "cp1252", "latin-1": "cp1252", "latin1": "cp1252", "ascii": "cp1252",
            "us-ascii": "cp1252", "x-sjis": "shift_jis", "gb2312": "gb18030", "gbk": "gb18030"}


def _cp1252_fallback(error: UnicodeError) -> tuple[str, int]:
    assert isinstance(error, UnicodeDecodeError)
    bad = error.object[error.start : error.end]
    return bad.decode("cp1252", errors="replace"), error.end


codecs.register_error("newsdesk-cp1252", _cp1252_fallback)


def _normalise(label: str | None) -> str | None:
    if not label:
        return None
    label = label.strip().lower()
    label = _ALIASES.get(label, label)
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def declared_charset(data: bytes, content_type: str | None = None) -> str | None:
    """The charset named by the HTTP Content-Type, else by the first `<meta>` that names one."""
    if content_type:
        match = _HEADER_CHARSET.search(content_type)
        if match and (name := _normalise(match.group(1))):
            return name
    match = _META_CHARSET.search(data[:8192])
    if match:
        return _normalise(match.group(1).decode("ascii", "ignore"))
    return None


def decode_html(data: bytes, content_type: str | None = None) -> str:
    """Decode a page's bytes to text; never raises on any input."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(name, errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        valid_prefix = error.start
    declared = declared_charset(data, content_type)
    if declared and declared not in ("utf-8", "utf_8"):
        try:
            return data.decode(declared)
        except (UnicodeDecodeError, LookupError):
            pass
    # Mostly UTF-8 (a long valid prefix, or many multi-byte sequences) with stray bytes: mixed page.
    if declared in ("utf-8", "utf_8") or valid_prefix > len(data) // 2 or _looks_mostly_utf8(data):
        return data.decode("utf-8", errors="newsdesk-cp1252")
    from charset_normalizer import from_bytes

    best = from_bytes(data[:200_000]).best()
    if best is not None and best.encoding:
        try:
            return data.decode(best.encoding, errors="replace")
        except LookupError:
            pass
    return data.decode("cp1252", errors="replace")


def _looks_mostly_utf8(data: bytes) -> bool:
    multibyte = len(re.findall(rb"[\xc2-\xf4][\x80-\xbf]+", data[:500_000]))
    decoded = data[:500_000].decode("utf-8", errors="ignore")
    lost = len(data[:500_000]) - len(decoded.encode("utf-8"))
    return multibyte > 0 and lost < multibyte
