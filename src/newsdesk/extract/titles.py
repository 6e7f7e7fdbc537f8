"""Headlines from page titles: "Storm hits coast | The Daily News" -> "Storm hits coast".

A part before or after a separator is cut when it names the site (its declared name or its host
name), or when what remains is the page's first `<h1>`.
"""

from __future__ import annotations

import re

_SEPARATOR = re.compile(r"\s+(?:[|–—·•»«~/:]|::|-{1,2}|>>?)\s+")
_WORDS = re.compile(r"\w+")


def _key(text: str) -> str:
    return "".join(_WORDS.findall(text.casefold()))


def same_text(a: str, b: str) -> bool:
    return _key(a) == _key(b)


def _names_site(part: str, site: str | None, host: str | None) -> bool:
    key = _key(part)
    if not key:
        return True
    if site:
        site_key = _key(site)
        if site_key and (key == site_key or (len(key) >= 4 and (key in site_key or site_key in key)
                                             and len(part.split()) <= 6)):
            return True
    if host:
        labels = [label for label in host.lower().split(".") if label not in ("www", "m", "amp")]
        if labels and key in (_key("".join(labels)), _key("".join(labels[:-1])), _key(labels[0])):
            return True
        domain = _key("".join(labels[-2:-1])) if len(labels) >= 2 else ""
        if len(domain) >= 4 and key.startswith(domain) and len(part.split()) <= 4:
            return True
    return False


def clean_title(title: str, site: str | None, h1: str | None, host: str | None) -> str:
    """`title` without the site's name around it."""
    title = " ".join(title.split())
    parts = _SEPARATOR.split(title)
    if len(parts) == 1:
        return title
    if h1 and not _names_site(h1, site, host):
        h1_key = _key(h1)
        for cut in range(1, len(parts)):
            if _key(" ".join(parts[:cut])) == h1_key or _key(" ".join(parts[cut:])) == h1_key:
                return h1
    start, end = 0, len(parts)
    while end - start > 1 and _names_site(parts[end - 1], site, host):
        end -= 1
    while end - start > 1 and _names_site(parts[start], site, host):
        start += 1
    if (start, end) == (0, len(parts)):
        return title
    # Re-cut the original string so that separators inside the headline keep their spelling.
    kept = _SEPARATOR.split(title)
    pieces = list(_SEPARATOR.finditer(title))
    begin = pieces[start - 1].end() if start > 0 else 0
    finish = pieces[end - 1].start() if end < len(kept) else len(title)
    return title[begin:finish].strip()


def pick_headline(declared: str | None, headings: list[str], site: str | None,
                  host: str | None) -> tuple[str | None, int | None]:
    """The visible heading when it is the declared title's headline, else the declared title.

    Declared titles (og:title, JSON-LD) are often an SEO variant or carry a kicker ("Chronik: ...");
    an `<h1>` that shares most of its words with it, or is contained in it, is what readers see.
    Also returns the index of the heading chosen, if one was.
    """
    for index, heading in enumerate(headings):
        if not 3 <= len(heading) <= 300 or _names_site(heading, site, host):
            continue
        if declared is None:
            return heading, index
        heading_key, declared_key = _key(heading), _key(declared)
        if not heading_key:
            continue
        if heading_key in declared_key and len(heading_key) >= 0.4 * len(declared_key):
            return heading, index  # the declared title adds a kicker or the site's name
        if declared_key in heading_key:
            return declared, index  # the heading adds a kicker, a date or a subtitle
        heading_words = set(_WORDS.findall(heading.casefold()))
        declared_words = set(_WORDS.findall(declared.casefold()))
        if len(heading_words & declared_words) >= 0.5 * len(heading_words | declared_words):
            return heading, index
    return declared, None
