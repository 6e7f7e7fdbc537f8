"""JSON-LD blocks to the fields of the page's article, parsed leniently: pages ship invalid JSON.

A page may hold several blocks, each an object, an array or an `@graph`; nodes refer to each other by
`@id` (Yoast's graph names the author as a reference to a Person node). The article is the first
node whose type is an article or posting; a WebPage node is the fallback.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from html import unescape
from typing import Any

from selectolax.lexbor import LexborHTMLParser

from newsdesk.extract.html.page_signals import squash

_COMMENT = re.compile(r"<!--|-->|^\s*//.*$|/\*.*?\*/|<!\[CDATA\[|\]\]>", re.MULTILINE | re.DOTALL)
_TRAILING_COMMA = re.compile(r",\s*([}\]])")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_PAGE_TYPES = frozenset({"WebPage", "ItemPage", "AboutPage", "ProfilePage", "QAPage", "FAQPage",
                         "MediaObject", "VideoObject", "Recipe", "Review", "Event", "Product"})
_MAX_NODES = 500


@dataclass
class JsonLdArticle:
    """What the JSON-LD says about the page; `kind` is "article" or "page" (less trusted)."""

    kind: str = ""
    title: str | None = None
    authors: list[str] = field(default_factory=list)
    # The authors the JSON-LD types as an Organization (or one of its kinds), not as a Person.
    author_organisations: list[str] = field(default_factory=list)
    published: str | None = None
    modified: str | None = None
    description: str | None = None
    url: str | None = None
    image: str | None = None
    image_caption: str | None = None
    tags: list[str] = field(default_factory=list)
    section: str | None = None
    language: str | None = None
    publisher: str | None = None
    site_name: str | None = None
    # The description of the one product a page that declares no article declares (a Product node,
    # wherever it stands): a product page written by its scripts may show it nowhere in its markup
    # (page.py). None on a page with an article node or with several products (a shop's listing).
    product_description: str | None = None


def parse_lenient(text: str) -> list[Any]:
    """Every JSON value in a script's text; [] when nothing can be read. Never raises."""
    text = text.strip()
    if not text:
        return []
    try:
        return [json.loads(text, strict=False)]
    except (ValueError, RecursionError):
        pass
    cleaned = _CONTROL.sub(" ", _TRAILING_COMMA.sub(r"\1", _COMMENT.sub("", text))).strip().rstrip(";")
    values: list[Any] = []
    decoder = json.JSONDecoder(strict=False)
    position = 0
    while position < len(cleaned):
        start = min((i for i in (cleaned.find("{", position), cleaned.find("[", position)) if i >= 0),
                    default=-1)
        if start < 0:
            break
        try:
            value, position = decoder.raw_decode(cleaned, start)
        except (ValueError, RecursionError):
            break
        values.append(value)
    return values


def _types(node: dict[str, Any]) -> list[str]:
    kind = node.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return [k.rsplit("/", 1)[-1].rsplit(":", 1)[-1] for k in kinds if isinstance(k, str)]


def _is_article(types: list[str]) -> bool:
    return any(t.endswith(("Article", "Posting")) or t in ("Report", "NewsArticle") for t in types)


def _is_organisation(types: list[str]) -> bool:
    """Organization and its schema.org kinds (NewsMediaOrganization, Corporation, LocalBusiness, ...)."""
    return not any(t == "Person" for t in types) and any(
        t.endswith(("Organization", "Organisation", "Corporation", "Business", "NGO")) or t == "Brand"
        for t in types)


def _dated(node: dict[str, Any]) -> bool:
    return bool(node.get("datePublished") or node.get("uploadDate") or node.get("dateCreated"))


def _collect(values: list[Any]) -> list[dict[str, Any]]:
    """All objects at the top of the blocks, inside `@graph`s and arrays, in document order."""
    nodes: list[dict[str, Any]] = []
    stack: list[Any] = list(reversed(values))
    while stack and len(nodes) < _MAX_NODES:
        value = stack.pop()
        if isinstance(value, list):
            stack.extend(reversed(value))
        elif isinstance(value, dict):
            graph = value.get("@graph")
            if graph is not None:
                stack.append(graph)
            if "@type" in value:
                nodes.append(value)
                main = value.get("mainEntity")
                if isinstance(main, dict) and "@type" in main:
                    stack.append(main)
    return nodes


_PRODUCT_TYPES = frozenset({"Product", "ProductGroup", "IndividualProduct", "ProductModel"})
# A description longer than this is no shop's description of one product (it is cut there).
_DESCRIPTION_CHARACTERS = 20_000
_BREAKS = frozenset({"p", "br", "li", "div", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "table"})


def _plain(value: Any) -> str | None:
    """A description as plain text, a line a paragraph: shops write theirs as HTML (entities, <p>,
    <br>, <li>), which is read by the HTML parser (scripts and styles left out, a text such as
    "frames < 20 mm" kept as it is)."""
    text = _text(value)
    if text is None:
        return None
    text = text[:_DESCRIPTION_CHARACTERS]
    if "<" not in text:
        return text
    root = LexborHTMLParser(f"<div>{text}</div>").body
    if root is None:
        return None
    root.strip_tags(["script", "style", "noscript", "template"])
    lines: list[str] = [""]
    for node in root.traverse(include_text=True):
        if node.tag == "-text":
            lines[-1] += node.text_content or ""
        elif node.tag in _BREAKS:
            lines.append("")
    return "\n".join(line for line in (squash(line) for line in lines) if line) or None


def _text(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("@value") or value.get("name")
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        text = str(value)
        return squash(unescape(text) if "&" in text else text) or None
    return None


class _Graph:
    def __init__(self, nodes: list[dict[str, Any]]) -> None:
        self.by_id = {node["@id"]: node for node in nodes if isinstance(node.get("@id"), str)}

    def resolve(self, value: Any) -> Any:
        if isinstance(value, dict) and set(value) <= {"@id", "@type"} and value.get("@id") in self.by_id:
            return self.by_id[value["@id"]]
        return value

    def names(self, value: Any) -> list[str]:
        """Names of a Person/Organization, a list of them, or plain strings."""
        values = value if isinstance(value, list) else [value]
        names: list[str] = []
        for item in values[:20]:
            item = self.resolve(item)
            if isinstance(item, str):
                names.append(item)
            elif isinstance(item, dict):
                name = _text(item.get("name"))
                if name is None and (item.get("givenName") or item.get("familyName")):
                    name = " ".join(str(item.get(k) or "") for k in ("givenName", "familyName")).strip()
                if name:
                    names.append(name)
        return names

    def organisations(self, value: Any) -> list[str]:
        """Names of the organisations among a Person/Organization value or a list of them."""
        values = value if isinstance(value, list) else [value]
        return [name for item in values[:20] for node in [self.resolve(item)]
                if isinstance(node, dict) and _is_organisation(_types(node)) for name in self.names(node)]

    def image(self, value: Any) -> tuple[str | None, str | None]:
        value = self.resolve(value[0] if isinstance(value, list) and value else value)
        if isinstance(value, str):
            return value, None
        if isinstance(value, dict):
            url = _text(value.get("url")) or _text(value.get("contentUrl"))
            return url, _text(value.get("caption")) or _text(value.get("description"))
        return None, None


def _keywords(value: Any) -> list[str]:
    if isinstance(value, str):
        return [k.strip() for k in value.split(",") if k.strip()]
    if isinstance(value, list):
        return [k.strip() for k in value if isinstance(k, str) and k.strip()]
    return []


def read_jsonld(scripts: list[str]) -> JsonLdArticle | None:
    """The article described by the page's JSON-LD `scripts` (their texts), or None."""
    values: list[Any] = []
    for script in scripts:
        values.extend(parse_lenient(script))
    nodes = _collect(values)
    if not nodes:
        return None
    graph = _Graph(nodes)
    article: dict[str, Any] | None = None
    page: dict[str, Any] | None = None
    site_name: str | None = None
    products: list[dict[str, Any]] = []
    for node in nodes:
        types = _types(node)
        if any(t in _PRODUCT_TYPES for t in types):
            products.append(node)
        if article is None and _is_article(types) and (node.get("headline") or node.get("name")
                                                       or node.get("datePublished")):
            article = node
        elif any(t in _PAGE_TYPES for t in types) and (page is None or (_dated(node) and not _dated(page))):
            page = node
        elif site_name is None and "WebSite" in types:
            site_name = _text(node.get("name"))
    # Only a page that declares one product and no article: a news article reviewing a product, or a
    # shop's listing of several, keeps its body as the blocks give it.
    product = _plain(products[0].get("description")) if article is None and len(products) == 1 else None
    chosen = article or page
    if chosen is None:
        if site_name is None and product is None:
            return None
        return JsonLdArticle(site_name=site_name, product_description=product)
    publisher = graph.names(chosen.get("publisher") or (page or {}).get("publisher"))
    image, caption = graph.image(chosen.get("image") or chosen.get("thumbnailUrl"))
    main = graph.resolve(chosen.get("mainEntityOfPage"))
    url = _text(chosen.get("url")) or (_text(main.get("@id")) if isinstance(main, dict) else _text(main))
    # schema.org's `creator` is the same as `author`; pages name co-authors in either.
    authors = graph.names(chosen.get("author")) + graph.names(chosen.get("creator"))
    return JsonLdArticle(
        kind="article" if chosen is article else "page",
        title=_text(chosen.get("headline")) or _text(chosen.get("name")),
        authors=authors,
        author_organisations=(graph.organisations(chosen.get("author"))
                              + graph.organisations(chosen.get("creator"))),
        published=_text(chosen.get("datePublished")) or _text(chosen.get("dateCreated"))
        or _text(chosen.get("uploadDate")),
        modified=_text(chosen.get("dateModified")),
        description=_text(chosen.get("description")),
        url=url,
        image=image,
        image_caption=caption,
        tags=_keywords(chosen.get("keywords")),
        section=_text(chosen.get("articleSection")),
        language=_text(chosen.get("inLanguage")),
        publisher=publisher[0] if publisher else None,
        site_name=site_name,
        product_description=product,
    )
