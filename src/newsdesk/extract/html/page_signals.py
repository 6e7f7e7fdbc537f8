"""Metadata that pages show rather than declare: bylines and dates in the markup around the article.

Each CSS query makes lexbor walk the tree it is given (0.1-0.5 µs a node; substring matches on
`class` are the slowest), so the declared metadata takes one query on the head and one on the body,
and the byline and date queries run only when the declarations left those fields empty, first on
the headline's container and only then on the whole page. Matches inside comments are skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import islice

from selectolax.lexbor import LexborHTMLParser, LexborNode

from newsdesk.text import drop_invisible

_HEAD = "meta, link, title, script"
_BODY = 'h1, script[type="application/ld+json"]'
_BODY_AND_METAS = f"{_BODY}, meta, title"
_FEW_HEAD_ELEMENTS = 8
_BYLINE = "a[rel~=author], [itemprop~=author], [class*=byline], [class*=author], [class*=autor]"
_NOT_BYLINE = re.compile("bio|avatar|about|comment|description|image|photo|img|social|follow|more|related|"
                         "list|archive|widget|title|share|-url")
_DATES = ("time, [itemprop~=datePublished], [property$=datePublished], [itemprop~=dateCreated], "
          "[property$=dateCreated], [class*=date], [class*=datum], [class*=publish], [class*=time]")
_NOT_DATE = re.compile("comment|related|update|modif|footer|sidebar|widget|expir|event|birth|copyright|"
                       "picker|calendar|current|runtime|timeline")
# Publication dates in the JSON state that script-rendered pages embed (Next.js, Nuxt, CMS exports).
_STATE_DATE = re.compile(
    rb'"(?:date_?[Pp]ublished|published_?[Aa]t|publish_?[Dd]ate|publication_?[Dd]ate|publication_time|'
    rb'pub_?[Dd]ate|first_?[Pp]ublished(?:_?[Aa]t)?|created_?[Aa]t)"\s*:\s*"([^"]{8,40})"')
_MICRODATA_KEYS = frozenset({"author", "datepublished", "datecreated", "datemodified", "headline"})
_MAX_MATCHES = 25
_ANCESTORS = 10
_REGION_LEVELS = 3
_BEFORE_HEADING = 300
_TEXT_WINDOW = 2500
_RAW_BEFORE = 5000


@dataclass
class Declared:
    """The elements where a page declares its metadata, in document order."""

    metas: list[LexborNode] = field(default_factory=list)
    head: LexborNode | None = None
    canonical: str | None = None
    scripts: list[str] = field(default_factory=list)
    headings: list[LexborNode] = field(default_factory=list)
    title: str | None = None


def read_declared(tree: LexborHTMLParser) -> Declared:
    """The head's metadata elements, and the body's JSON-LD and headings. The body's `<meta>`s are
    read only when the head has few: then the parser closed the head early (a stray element in it)."""
    head, body = tree.head, tree.body
    declared = Declared(head=head)
    nodes = head.css(_HEAD) if head is not None else []
    if body is not None:
        nodes += body.css(_BODY if len(nodes) >= _FEW_HEAD_ELEMENTS else _BODY_AND_METAS)
    for node in nodes:
        tag = node.tag
        if tag == "meta":
            declared.metas.append(node)
        elif tag == "h1":
            if len(declared.headings) < 3:
                declared.headings.append(node)
        elif tag == "script":
            if "ld+json" in (node.attributes.get("type") or "").lower():
                declared.scripts.append(node.text(deep=True) or "")
        elif tag == "link":
            attributes = node.attributes
            if declared.canonical is None and "canonical" in (attributes.get("rel") or "").lower():
                declared.canonical = attributes.get("href")
        elif declared.title is None and tag == "title":
            declared.title = node_text(node)
    return declared


def _in_head(node: LexborNode, head: LexborNode | None) -> bool:
    parent = node.parent
    return head is not None and parent is not None and parent.mem_id == head.mem_id


def read_meta(declared: Declared) -> dict[str, list[str]]:
    """Meta contents by lower-cased property/name/itemprop/http-equiv, in document order, raw."""
    metas: dict[str, list[str]] = {}
    head = declared.head
    for node in declared.metas:
        attributes = node.attributes
        content = attributes.get("content")
        key = (attributes.get("property") or attributes.get("name") or attributes.get("itemprop")
               or attributes.get("http-equiv"))
        if not content or not key:
            continue
        key = key.strip().lower()
        if ("itemprop" in attributes and key in _MICRODATA_KEYS and not _in_head(node, head)
                and in_comment(node)):
            continue
        metas.setdefault(key, []).append(content)
    return metas


_GLUED_PUNCTUATION = re.compile(r"\x00(?=[:;,.!?)\]])|(?<=[(\[])\x00")


def node_text(node: LexborNode, limit: int = 0) -> str:
    """The node's text with whitespace collapsed; the texts of child elements are joined by a space
    unless punctuation follows ("<abbr>THW</abbr>: ..." stays "THW: ..."). With a `limit`, nodes
    whose raw text is much longer (containers, not bylines or datelines) give ""."""
    text = node.text(deep=True, separator="\x00") or ""
    if limit and len(text) > 4 * limit:
        return ""
    return squash(_GLUED_PUNCTUATION.sub("", text).replace("\x00", " "))


def squash(text: str) -> str:
    """`text` with whitespace collapsed and invisible characters (soft hyphens, zero width spaces)
    removed; the zero width (non-)joiners that Persian and Hindi spell with stay."""
    return " ".join(drop_invisible(text).split())


def _marker(attributes: dict[str, str | None]) -> str:
    return f"{attributes.get('class') or ''} {attributes.get('id') or ''}".lower()


def in_comment(node: LexborNode) -> bool:
    """True when the node sits in a reader comment, judged from a few ancestors."""
    parent = node.parent
    for _ in range(_ANCESTORS):
        if parent is None:
            return False
        attributes = parent.attributes
        if attributes and ("comment" in (attributes.get("class") or "").lower()
                           or "comment" in (attributes.get("id") or "").lower()
                           or "Comment" in (attributes.get("itemtype") or "")):
            return True
        parent = parent.parent
    return False


def heading_region(heading: LexborNode | None) -> LexborNode | None:
    """The headline's container a few levels up, where bylines and datelines usually are."""
    region = None
    node = heading.parent if heading is not None else None
    for _ in range(_REGION_LEVELS):
        if node is None or node.tag in ("body", "html"):
            break
        region, node = node, node.parent
    return region


def byline_texts(root: LexborHTMLParser | LexborNode) -> list[tuple[str, str]]:
    """Texts of author microdata and of elements that look like bylines, each with its method."""
    found: list[tuple[str, str]] = []
    for node in root.css(_BYLINE)[:_MAX_MATCHES]:
        attributes = node.attributes
        if "itemprop" in attributes:
            inner = node.css_first("[itemprop~=name]")
            text = attributes.get("content") or node_text(inner if inner is not None else node, 100)
            method = "microdata"
        elif _NOT_BYLINE.search(_marker(attributes)) or node.tag in ("meta", "link", "body"):
            continue
        else:
            text = node_text(node, 100)
            method = "rel-author" if "author" in (attributes.get("rel") or "") else "byline"
        if 1 < len(text) < 100 and not in_comment(node):
            found.append((text, method))
    return found


def date_texts(root: LexborHTMLParser | LexborNode) -> list[tuple[str, str]]:
    """Date strings from microdata, `<time>` and date-like elements, each with its method."""
    found: list[tuple[str, str]] = []
    for node in root.css(_DATES)[:_MAX_MATCHES]:
        attributes = node.attributes
        if node.tag in ("body", "html", "script", "style") or _NOT_DATE.search(_marker(attributes)):
            continue
        value = attributes.get("datetime") or attributes.get("content") or attributes.get("title")
        if not value:
            value = node_text(node, 120)
            if len(value) > 120:
                continue
        if not value or in_comment(node):
            continue
        if "itemprop" in attributes or "property" in attributes:
            method = "microdata"
        else:
            method = "time" if node.tag == "time" else "element"
        found.append((value, method))
    return found


def texts_near_heading(heading: LexborNode | None) -> list[str]:
    """Short texts just before and after a heading and its parent: where datelines sit."""
    texts: list[str] = []
    node = heading
    for _ in range(2):
        if node is None:
            break
        for step in ("prev", "next"):
            sibling, seen = getattr(node, step), 0
            while sibling is not None and seen < (1 if step == "prev" else 3):
                if not sibling.tag.startswith("-"):
                    seen += 1
                    text = node_text(sibling, 200)
                    if 5 < len(text) < 200:
                        texts.append(text)
                sibling = getattr(sibling, step)
        node = node.parent
    return texts


def text_around_headline(tree: LexborHTMLParser, headline: str | None) -> str:
    """The page's text from a little before the headline to some way into the article."""
    root = tree.body or tree.root
    if root is None:
        return ""
    text = root.text(deep=True, separator=" ") or ""
    words = (headline or "").split()[:6]
    found = re.search(r"\s+".join(map(re.escape, words)), text) if words else None
    # Squash only the neighbourhood (raw text can be mostly indentation), then cut the window from it.
    start = max(found.start() - _RAW_BEFORE, 0) if found else 0
    near = squash(text[start:start + _RAW_BEFORE + 4 * _TEXT_WINDOW])
    position = near.find(" ".join(words)) if words and found else -1
    begin = max(position - _BEFORE_HEADING, 0) if position >= 0 else 0
    return near[begin:begin + _TEXT_WINDOW]


def script_state_dates(tree: LexborHTMLParser) -> list[str]:
    """Publication dates written in JSON inside scripts, in document order (the first few)."""
    raw = tree.raw_html
    data = raw if isinstance(raw, bytes) else str(raw).encode()
    return [match.group(1).decode(errors="replace") for match in islice(_STATE_DATE.finditer(data), 3)]
