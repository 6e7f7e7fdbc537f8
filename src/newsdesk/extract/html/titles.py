"""Headlines from page titles: "Storm hits coast | The Daily News" -> "Storm hits coast".

A part before or after a separator is cut when it names the site (its declared name or its host
name), or when what remains is the page's first `<h1>`. A heading's kicker (the topic line set above
or before the headline in its own element, "<span class=kicker>Brexit</span> Vote delayed") is not
part of its headline.
"""

from __future__ import annotations

import re

from selectolax.lexbor import LexborNode

from newsdesk.extract.html.page_signals import node_text

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


# Class/id words of the element that carries a heading's kicker (topic line, roof line, date line).
_KICKER_NAMES = re.compile(
    r"kicker|super-?title|over-?title|overline|overhead|top-?line|roof-?line|dachzeile|spitzmarke|eyebrow|"
    r"pre-?title|pre-?head|strap|flag|rubric|subtitle|sub-title|label|category|topic",
    re.IGNORECASE,
)
_KICKER_MAX_WORDS = 10
_KICKER_MAX_LENGTH = 80
_INLINE_SKIP = frozenset({"br", "img", "svg", "picture", "link", "meta", "-comment", "script", "style"})
_SEPARATOR_CHARS = " -–—:|·•/"


def heading_text(node: LexborNode, declared: str | None = None) -> str:
    """The heading's text without its kicker, when it has one (see `kicker`), unless the page's
    declared title is the whole heading run together ("Kicker Headline", no separator between): the
    site counts the kicker in its headline."""
    full = node_text(node)
    topic = kicker(node)
    if topic is None or not full.startswith(topic):
        return full
    if declared and _key(declared) == _key(full):
        declared = " ".join(declared.split())
        after = declared[len(topic):] if declared.startswith(topic) else ""
        if not after.strip()[:1] or after.strip()[0] not in _SEPARATOR_CHARS:
            return full
    rest = full[len(topic):].strip(_SEPARATOR_CHARS)
    return rest if len(rest.split()) >= 2 else full


def kicker(node: LexborNode) -> str | None:
    """The text of the heading's first element when it is a kicker: short, before any text of the
    heading itself, and marked as such by its class or id, or a date (`<time>`)."""
    for child in node.iter(include_text=True):
        if child.tag == "-text":
            if (child.text_content or "").strip():
                return None  # the headline's own text comes first
            continue
        if child.tag in _INLINE_SKIP:
            continue
        text = node_text(child)
        if not text:
            continue
        if len(text) > _KICKER_MAX_LENGTH or len(text.split()) > _KICKER_MAX_WORDS:
            return None
        marker = f"{child.attributes.get('class') or ''} {child.attributes.get('id') or ''}"
        dated = child.tag == "time" or child.css_first("time") is not None
        return text if dated or _KICKER_NAMES.search(marker) else None
    return None
