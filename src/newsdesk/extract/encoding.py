"""Bytes to text for web pages whose declared encoding is often missing, wrong, or mixed.

Order of trust: a byte-order mark; then valid UTF-8 (pages declaring latin-1 but sending UTF-8 are
common, the reverse decodes as garbage and fails validation); then pages that are mostly UTF-8 with
stray single-byte characters (mixed encodings), which keep their UTF-8 and decode the stray bytes as
cp1252; then the HTTP header charset and the `<meta>` charset; then charset-normalizer's detection.
Binary data (images, archives, random bytes) is refused with an `InputError` rather than decoded.
"""

from __future__ import annotations

import codecs
import re

from newsdesk.errors import InputError

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)""", re.IGNORECASE)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([a-zA-Z0-9_.:-]+)", re.IGNORECASE)
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# WHATWG maps these labels to supersets, and so do browsers; pages rely on the superset's characters.
_ALIASES = {
    "iso-8859-1": "cp1252", "iso8859-1": "cp1252", "latin-1": "cp1252", "latin1": "cp1252",
    "ascii": "cp1252", "us-ascii": "cp1252", "iso-8859-9": "cp1254", "latin5": "cp1254",
    "tis-620": "cp874", "iso-8859-11": "cp874", "windows-874": "cp874",
    "shift_jis": "cp932", "shift-jis": "cp932", "sjis": "cp932", "x-sjis": "cp932", "ms_kanji": "cp932",
    "windows-31j": "cp932", "euc-kr": "cp949", "ks_c_5601-1987": "cp949", "gb2312": "gb18030",
    "gbk": "gb18030", "x-gbk": "gb18030", "big5": "big5hkscs", "x-mac-cyrillic": "mac-cyrillic",
}
# Python codecs that a page may name; anything else (rot13, base64, undefined, utf-7...) is ignored.
_PAGE_CODECS = frozenset({
    "utf-8", "utf-16", "utf-16-le", "utf-16-be", "cp866", "koi8-r", "koi8-u", "mac-roman",
    "mac-cyrillic", "cp874", "gb18030", "big5hkscs", "euc_jp", "iso2022_jp", "cp932", "cp949",
    *(f"cp{n}" for n in range(1250, 1259)),
    *(f"iso8859-{n}" for n in (2, 3, 4, 5, 6, 7, 8, 10, 13, 14, 15, 16)),
})
# Encodings that use only 7-bit bytes, so their pages also pass as valid UTF-8.
_SEVEN_BIT = frozenset({"iso2022_jp"})

_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"%PDF-", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive"),
    (b"\x1f\x8b", "gzip-compressed data (name the file .gz)"),
    (b"\xfd7zXZ\x00", "xz-compressed data"),
    (b"(\xb5/\xfd", "zstd-compressed data"),
    (b"\x7fELF", "an executable"),
)
# C0 control bytes other than whitespace and ESC (which ISO-2022 encodings use): text never has many.
_CONTROL_BYTES = bytes([*range(0x00, 0x09), *range(0x0E, 0x1B), *range(0x1C, 0x20)])
_NOT_CONTROL = bytes(b for b in range(256) if b not in _CONTROL_BYTES)
_SNIFF_BYTES = 8192


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
        name = codecs.lookup(label).name
    except LookupError:
        return None
    return name if name in _PAGE_CODECS else None


def declared_charset(data: bytes, content_type: str | None = None) -> str | None:
    """The charset named by the HTTP Content-Type, else by the first `<meta>` that names one."""
    if content_type:
        header = _HEADER_CHARSET.search(content_type)
        if header and (name := _normalise(header.group(1))):
            return name
    meta = _META_CHARSET.search(data[:8192])
    if meta:
        return _normalise(meta.group(1).decode("ascii", "ignore"))
    return None


def sniff_binary(data: bytes) -> str | None:
    """What kind of binary data this is ("a PNG image", "binary data"), or None when it may be text."""
    for signature, kind in _SIGNATURES:
        if data.startswith(signature):
            return kind
    sample = data[:_SNIFF_BYTES]
    controls = len(sample.translate(None, _NOT_CONTROL))
    if controls > max(4, len(sample) // 100) and _utf16_without_bom(data) is None:
        return "binary data"
    return None


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 without a BOM shows as a NUL byte in every other position of its ASCII characters."""
    sample = data[:_SNIFF_BYTES]
    half = len(sample) // 2
    if half < 8:
        return None
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    if odd > 0.3 * half and even * 8 < odd:
        return "utf-16-le"
    if even > 0.3 * half and odd * 8 < even:
        return "utf-16-be"
    return None


def decode_html(data: bytes, content_type: str | None = None) -> str:
    """Decode a page's bytes to text. Raises `InputError` only for binary data, never fails otherwise."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(name, errors="newsdesk-cp1252" if name == "utf-8" else "replace")
    if utf16 := _utf16_without_bom(data):
        return data.decode(utf16, errors="replace")
    if kind := sniff_binary(data):
        raise InputError(f"binary content ({kind}), not a web page", stage="decode")
    declared = declared_charset(data, content_type)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        if declared in _SEVEN_BIT and b"\x1b" in data:
            return data.decode(declared, errors="replace")
        return text
    if declared == "utf-8" or _looks_mostly_utf8(data):
        return data.decode("utf-8", errors="newsdesk-cp1252")
    if declared:
        try:
            return data.decode(declared)
        except UnicodeDecodeError:
            pass  # the declaration is wrong: detect instead
    detected = _detect(data)
    if detected:
        return data.decode(detected, errors="replace")
    return data.decode(declared or "cp1252", errors="replace")


def _looks_mostly_utf8(data: bytes) -> bool:
    """More valid UTF-8 multi-byte sequences than bytes that are not UTF-8: a UTF-8 page with strays."""
    head = data[:500_000]
    multibyte = sum(1 for _ in re.finditer(rb"[\xc2-\xf4][\x80-\xbf]+", head))
    lost = len(head) - len(head.decode("utf-8", errors="ignore").encode("utf-8"))
    return multibyte > 0 and lost < multibyte


def _detect(data: bytes) -> str | None:
    """charset-normalizer's guess, made on the lines with non-ASCII bytes: a long ASCII head of markup
    and scripts would otherwise fill its sample and make it answer "ascii"."""
    from charset_normalizer import from_bytes

    lines = [line for line in data[:4_000_000].split(b"\n") if not line.isascii()]
    sample = b"\n".join(lines)[:200_000] or data[:200_000]
    best = from_bytes(sample).best()
    if best is None or not best.encoding:
        return None
    try:
        return codecs.lookup(best.encoding).name
    except LookupError:
        return None
