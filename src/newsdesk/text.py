"""Small text helpers every part of newsdesk shares, so that they agree: language tags, host names
and invisible characters. Nothing here imports the rest of newsdesk."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

# Characters that take no room and carry no meaning in running text: the soft hyphen, the zero width
# space, the word joiner and the byte order mark. ZERO WIDTH NON-JOINER (U+200C) and ZERO WIDTH JOINER
# (U+200D) are not among them: Persian, Hindi and other scripts spell words with them.
INVISIBLE_CHARACTERS = "\u00ad\u200b\u2060\ufeff"
INVISIBLE = dict.fromkeys(map(ord, INVISIBLE_CHARACTERS))


_SURROGATE = re.compile("[\ud800-\udfff]")


def replace_surrogates(text: str) -> str:
    """`text` with every lone surrogate (what `surrogateescape` decoding leaves of bad bytes, which no
    encoder accepts) replaced by U+FFFD, the replacement character."""
    return text if text.isascii() else _SURROGATE.sub("\ufffd", text)


_INVISIBLE_FOUND = re.compile(f"[{INVISIBLE_CHARACTERS}]").search


def drop_invisible(text: str) -> str:
    """`text` without the invisible characters of INVISIBLE_CHARACTERS. Most non-ASCII text holds
    none, and looking for them is far cheaper than `str.translate` (a dict lookup per character)."""
    if text.isascii() or _INVISIBLE_FOUND(text) is None:
        return text
    return text.translate(INVISIBLE)


def language_parts(tag: str | None) -> tuple[str, str]:
    """The primary subtag and the region of a language tag, lower case: "en-GB" and "en_gb" ->
    ("en", "gb"); the first of a list ("de, en") counts; ("", "") when the primary subtag is not 1-8
    ASCII letters."""
    primary, _, rest = (tag or "").split(",")[0].strip().lower().replace("_", "-").partition("-")
    primary = primary.strip()
    if not (primary.isascii() and primary.isalpha() and len(primary) <= 8):
        return "", ""
    return primary, rest.partition("-")[0].strip()


def language_key(tag: str | None) -> str:
    """The primary subtag of a language tag, lower case: "en-GB" -> "en", None -> "", "??" -> ""."""
    return language_parts(tag)[0]


def host_of(url: str | None) -> str:
    """The lower-case host of a URL (with or without its scheme) without "www.", "" when there is
    none or the URL cannot be read."""
    if not url or not url.strip():
        return ""
    text = url.strip()
    try:
        host = urlsplit(text if "//" in text else "//" + text).hostname or ""
    except ValueError:
        return ""
    return without_www(host)


def without_www(name: str) -> str:
    """A host or site name without its leading "www." ("www.example.com" -> "example.com")."""
    return name.removeprefix("www.")
