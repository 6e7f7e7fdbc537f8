"""The article's metadata from what the page declares about itself, most trusted source first.

JSON-LD, then OpenGraph/Twitter/Dublin Core and other `<meta>` conventions, then microdata, the URL,
`<time>`, `rel=author` links, byline and date elements and labelled bylines in the text ("Auteur :
Jane Doe"), then `<title>` and the `<h1>` (without its kicker). Author values that name nobody
(placeholders, labels) are dropped; the site, a company or a desk is the author only when no person
is named. htmldate is the last resort for the publication date, reached when the page's own signals
give none and its HTML is passed (as `extract_html` does): it re-parses the page and costs 20-200 ms
a call. `methods` names where each field came from. The tree is only read, never changed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from html import unescape
from urllib.parse import urljoin

from selectolax.lexbor import LexborHTMLParser, LexborNode

from newsdesk.article import Article, Image
from newsdesk.extract.authors import (
    extends,
    is_abbreviation,
    is_desk,
    is_organisation,
    is_person_name,
    is_weak_name,
    merge_names,
    name_key,
    names_site,
    parse_byline,
    site_keys,
)
from newsdesk.extract.dates import date_in_url, first_date_in, parse_date
from newsdesk.extract.html.jsonld import JsonLdArticle, read_jsonld
from newsdesk.extract.html.page_signals import (
    byline_texts,
    date_texts,
    heading_region,
    node_text,
    read_declared,
    read_meta,
    script_state_dates,
    squash,
    text_around_headline,
    texts_near_heading,
)
from newsdesk.extract.html.titles import clean_title, heading_text, pick_headline
from newsdesk.text import host_of, language_parts

# Keys are lower-cased name/property/itemprop values; earlier keys are trusted more.
_TITLE_META = ("og:title", "twitter:title", "dc.title", "dcterms.title", "citation_title",
               "parsely-title", "sailthru.title", "headline")
_AUTHOR_META = ("author", "article:author", "parsely-author", "dc.creator", "dcterms.creator", "byl",
                "sailthru.author", "citation_author", "og:article:author", "book:author", "authors",
                "dc:creator", "creator", "cxenseparse:author", "bepress_citation_author")
_PUBLISHED_META = ("article:published_time", "og:article:published_time", "og:published_time",
                   "datepublished", "dc.date.issued", "dcterms.issued", "dcterms.created", "dc.date.created",
                   "article.published", "published_time", "publish-date", "publishdate", "publish_date",
                   "pubdate", "publication_date", "parsely-pub-date", "sailthru.date",
                   "citation_publication_date", "citation_date", "bepress_citation_date",
                   "prism.publicationdate", "article:published", "original-publish-date",
                   "cxenseparse:recs:publishtime", "og:pubdate", "datecreated")
# Dates of no stated event (creation, change, publication): trusted less than a date shown on the page.
_DATE_META = ("dc.date", "dcterms.date", "date")
_MODIFIED_META = ("article:modified_time", "og:article:modified_time", "og:updated_time", "datemodified",
                  "dcterms.modified", "dc.date.modified", "last-modified", "article.updated",
                  "article:modified", "modified_time", "lastmod")
_DESCRIPTION_META = ("og:description", "description", "twitter:description", "dc.description",
                     "dcterms.description", "sailthru.description")
_SITE_META = ("og:site_name", "application-name", "dc.publisher", "dcterms.publisher", "publisher")
_IMAGE_META = ("og:image", "og:image:url", "og:image:secure_url", "twitter:image", "twitter:image:src",
               "thumbnailurl", "image")
_CAPTION_META = ("og:image:alt", "twitter:image:alt")
_TAG_META = ("article:tag", "og:article:tag", "news_keywords", "parsely-tags", "sailthru.tags", "keywords")
_SECTION_META = ("article:section", "og:article:section", "parsely-section", "section", "category")
_LANGUAGE_META = ("content-language", "og:locale", "dc.language", "dcterms.language", "language")
_BYLINE_START = re.compile(r"^(?:by|von|par|por|door|di|av|af)\s+\w", re.IGNORECASE)
_MAX_AUTHORS = 12
_MAX_TAGS = 30
_ARCHIVED = re.compile(r"https?://web\.archive\.org/web/\w+/(?P<original>https?://.+)")
_MONTH_FIRST_REGIONS = ("", "us", "ph")


@dataclass
class Metadata:
    title: str | None = None
    authors: list[str] = field(default_factory=list)
    published: str | None = None
    modified: str | None = None
    language: str | None = None
    site_name: str | None = None
    description: str | None = None
    canonical_url: str | None = None
    image: str | None = None
    image_caption: str | None = None
    tags: list[str] = field(default_factory=list)
    section: str | None = None
    methods: dict[str, str] = field(default_factory=dict)
    # The declared product's description (JSON-LD), for the body of a product page that does not
    # show it (page.py); not a field of the Article.
    product_description: str | None = None

    def fill(self, article: Article) -> None:
        """Copy the fields into `article`, and the methods into its `extraction`."""
        article.title, article.authors = self.title, list(self.authors)
        article.published, article.modified, article.language = self.published, self.modified, self.language
        article.site_name, article.description = self.site_name, self.description
        article.canonical_url, article.tags = self.canonical_url, list(self.tags)
        article.section = self.section
        article.image = Image(self.image, self.image_caption) if self.image else None
        article.extraction.update(self.methods)


class _Extraction:
    """The page's signals, each read once, and the field-by-field choice among them."""

    def __init__(self, tree: LexborHTMLParser, url: str | None, html: str | None) -> None:
        self.tree, self.url, self.html = tree, url, html
        self.host = _host(url)
        self.declared = read_declared(tree)
        self.meta = read_meta(self.declared)
        self.ld = read_jsonld(self.declared.scripts) or JsonLdArticle()
        self.month_first = False
        self.heading: LexborNode | None = None
        self.out = Metadata()

    def meta_values(self, keys: tuple[str, ...]) -> list[tuple[str, str]]:
        meta = self.meta
        return [(squash(value), f"meta:{key}") for key in keys if key in meta for value in meta[key]]

    def put(self, name: str, value: str | list[str] | None, method: str) -> bool:
        if not value:
            return False
        setattr(self.out, name, value)
        self.out.methods[name] = method
        return True

    def put_first(self, name: str, candidates: list[tuple[str | None, str]]) -> bool:
        return any(self.put(name, value, method) for value, method in candidates)

    def site_name(self) -> None:
        ld = self.ld
        candidates = [*self.meta_values(_SITE_META[:1]), (ld.publisher, "json-ld:publisher"),
                      (ld.site_name, "json-ld:website"), *self.meta_values(_SITE_META[1:])]
        # A name written as a host often keeps the path's slash ("tdg.ch/"): the outlet is "tdg.ch".
        self.put_first("site_name", [(value.strip().rstrip("/").strip() if value else value, method)
                                     for value, method in candidates])

    def title(self) -> None:
        ld, site, host = self.ld, self.out.site_name, self.host
        candidates = [
            (ld.title if ld.kind == "article" else None, "json-ld"),
            *self.meta_values(_TITLE_META),
            (ld.title if ld.kind == "page" else None, "json-ld:page"),
            (self.declared.title, "title"),
        ]
        nodes = self.declared.headings
        declared, method = next(((v, m) for v, m in candidates if v and len(v) > 1), (None, ""))
        headings = [heading_text(node, declared) for node in nodes]
        if declared:
            declared = clean_title(declared, site, headings[0] if headings else None, host)
        headline, heading = pick_headline(declared, headings, site, host)
        self.put("title", headline, "h1" if heading is not None else method)
        self.heading = nodes[heading] if heading is not None else (nodes[0] if nodes else None)

    def authors(self) -> None:
        """The people named as authors; failing them, the organisation or desk acting as author.

        A value that names nobody (a placeholder, a label) is never taken. The site's own name, a
        company, an organisation typed as such in the JSON-LD and a desk ("Redaktion") are taken only
        when no person is named anywhere the page puts bylines, and only from the page's declarations
        or its article's region, never from a sidebar. A login, a lone first name or initials are
        taken when nothing fuller is found, or replaced by the fuller form of the same name.
        """
        site = site_keys([name for name in (self.out.site_name, self.ld.publisher, self.host) if name])
        organisations = {name_key(name) for name in self.ld.author_organisations}
        sources: list[tuple[list[str], str]] = [(self.ld.authors, "json-ld")]
        # A page names each of several authors in a <meta> of its own ("citation_author" one a person).
        sources += [([squash(value) for value in self.meta[key]], f"meta:{key}")
                    for key in _AUTHOR_META if key in self.meta]
        fallback: tuple[list[str], str] | None = None
        weak: tuple[list[str], str] | None = None
        for values, method, near in self.author_sources(sources):
            names = [name for value in values for name in parse_byline(unescape(value))]
            if len(names) > _MAX_AUTHORS:
                continue
            people = merge_names([n for n in names if not names_site(n, site) and not is_organisation(n)
                                  and not is_desk(n) and name_key(n) not in organisations])
            if weak is not None:  # a login or a first name was declared: take a fuller form of it if shown
                initials = all(is_abbreviation(w) for w in weak[0])  # "DT": a byline's person wins
                if people and (any(extends(w, name) for w in weak[0] for name in people)
                               or (initials and all(is_person_name(name) for name in people))):
                    self.put("authors", people, method)
                    return
                continue
            if people and all(is_weak_name(name) for name in people):
                weak = (people, method)
                continue
            if self.put("authors", people, method):
                return
            if names and fallback is None and (near or all(names_site(name, site) for name in names)):
                fallback = (names, method)
        # A declared login or first name; else the site, a company or a desk, when no person is named.
        found = weak or fallback
        if found is not None:
            self.put("authors", merge_names(found[0]), found[1])

    def author_sources(self, declared: list[tuple[list[str], str]]) -> Iterator[tuple[list[str], str, bool]]:
        """The declared sources, then (only when they are used up) the bylines in the page.

        The flag is False for bylines found away from the article (anywhere in the page): a person's
        name there may be the author, an organisation's is a sidebar's or the footer's.
        """
        for values, method in declared:
            yield values, method, True
        region = self.region()
        if region is not None:
            for value, method in byline_texts(region):
                yield [value], method, True
        for text in texts_near_heading(self.heading):
            if _BYLINE_START.match(text) and _names_a_byline(text):
                yield [text], "near-h1", True
        article = region is None or self.is_article()  # the whole page is worth a search only for articles
        for names in labelled_bylines(self.tree):
            yield names, "labelled-byline", True
        if article:
            for value, method in byline_texts(self.tree):
                yield [value], method, False

    def is_article(self) -> bool:
        og_type = self.meta.get("og:type", [""])[0].lower()
        return bool(self.out.published) or self.ld.kind == "article" or og_type == "article"

    def region(self) -> LexborNode | None:
        return heading_region(self.heading)

    def dates(self) -> None:
        ld, month_first = self.ld, self.month_first
        candidates = [(ld.published if ld.kind == "article" else None, "json-ld"),
                      *self.meta_values(_PUBLISHED_META),
                      (ld.published if ld.kind == "page" else None, "json-ld:page")]
        if not any(self.put("published", parse_date(v, month_first), m) for v, m in candidates):
            self.dates_from_page()
        candidates = [(ld.modified, "json-ld"), *self.meta_values(_MODIFIED_META)]
        any(self.put("modified", parse_date(v, month_first), m) for v, m in candidates)

    def dates_from_page(self) -> None:
        region = self.region()
        found = date_texts(region) if region is not None else []
        if not found:
            found = date_texts(self.tree)
        candidates: list[tuple[str | None, str]] = [item for item in found if item[1] == "microdata"]
        candidates.append((date_in_url(self.url), "url"))
        candidates += [item for item in found if item[1] == "time"]
        candidates += [(text, "near-h1") for text in texts_near_heading(self.heading)]
        candidates += self.meta_values(_DATE_META)
        candidates += [item for item in found if item[1] == "element"]
        for value, method in candidates:
            if self.put("published", parse_date(value, self.month_first), method):
                return
        headline = node_text(self.heading) if self.heading is not None else self.out.title
        text = text_around_headline(self.tree, headline)
        if self.put("published", first_date_in(text, self.month_first), "text"):
            return
        if any(self.put("published", parse_date(v), "script-json") for v in script_state_dates(self.tree)):
            return
        if self.html is not None and len(self.html) <= _HTMLDATE_MAX_CHARS:
            self.put("published", _htmldate(self.html, self.url), "htmldate")

    def language(self) -> None:
        root = self.tree.root
        candidates = [(root.attributes.get("lang") if root is not None else None, "html-lang"),
                      *self.meta_values(_LANGUAGE_META), (self.ld.language, "json-ld")]
        for value, method in candidates:
            code, region = _language_code(value)
            if self.put("language", code, method):
                self.month_first = code == "en" and region in _MONTH_FIRST_REGIONS
                return

    def urls(self) -> None:
        ld, url = self.ld, self.url
        candidates = [(self.declared.canonical, "link:canonical"),
                      *self.meta_values(("og:url",)), (ld.url, "json-ld")]
        any(self.put("canonical_url", _absolute(v, url), m) for v, m in candidates)
        candidates = [*self.meta_values(_IMAGE_META), (ld.image, "json-ld")]
        if any(self.put("image", _absolute(v, url), m) for v, m in candidates):
            self.put_first("image_caption", [(ld.image_caption, "json-ld"), *self.meta_values(_CAPTION_META)])

    def the_rest(self) -> None:
        ld = self.ld
        self.out.product_description = ld.product_description
        self.put_first("description", [*self.meta_values(_DESCRIPTION_META[:2]),
                                       (ld.description, "json-ld"), *self.meta_values(_DESCRIPTION_META[2:])])
        self.put_first("section", [*self.meta_values(_SECTION_META[:2]), (ld.section, "json-ld"),
                                   *self.meta_values(_SECTION_META[2:])])
        sources = [(self.meta.get(key, []), f"meta:{key}") for key in _TAG_META[:2]]
        sources.append((ld.tags, "json-ld"))
        sources += [([t for v in self.meta.get(key, ()) for t in v.split(",")], f"meta:{key}")
                    for key in _TAG_META[2:]]
        any(self.put("tags", merge_names([t.strip() for t in tags if t.strip()])[:_MAX_TAGS], method)
            for tags, method in sources)


# A line of the page that is a byline by its label: "Auteur : Jane Doe", "Von Jane Doe", "Por Jane Doe".
_LABELLED_BYLINE = re.compile(
    r"^(?:(?:written|posted|reported|story|words|text|texte|testo|texto|tekst)\s+)?"
    r"(?:by|von|par|por|door|di|da|av|af|przez|auteur|auteurs|autor|autorin|autoren|author|authors|autore|"
    r"autori|auteur\(s\)|autor\(in\)|text|texte|testo|texto|tekst|redakteur|redakteurin)"
    r"(?:\s*:\s*|\s+)(?P<rest>.*)$",
    re.IGNORECASE,
)
_LABEL_ONLY = re.compile(
    r"^(?:by|von|par|por|door|di|auteur|autor|author|autore|text|texte|testo|texto)\s*:?$", re.IGNORECASE)
_MAX_LABELLED = 5
_MAX_LABELLED_NODES = 30_000  # the search stops there: bylines sit near the top, pages can be huge
# htmldate parses the page again (lxml): beyond a few megabytes it costs seconds and much memory.
_HTMLDATE_MAX_CHARS = 3_000_000


def _names_a_byline(text: str) -> bool:
    """Whether a text that starts like a byline ("By ...") names its authors rather than starting a
    sentence ("By Tuesday, the storm had passed"): every name it gives starts with a capital (or a
    letter of a script without case)."""
    names = parse_byline(text)
    return bool(names) and not any(name[:1].islower() for name in names)


def labelled_bylines(tree: LexborHTMLParser) -> list[list[str]]:
    """People named by a byline label in the page's text, where no element is marked as a byline.

    A text (or a label and the text after it: "<b>Auteur :</b> Jane Doe") counts only when all that
    follows the label has the shape of people's names ("Von Jane Doe und John Roe"), and it does not
    sit in the page's navigation, forms, asides or footer ("Browse by Use Case").
    """
    root = tree.body
    if root is None:
        return []
    found: list[list[str]] = []
    pending: LexborNode | None = None  # a label whose names are in the next text
    for seen, node in enumerate(root.traverse(include_text=True)):
        if seen >= _MAX_LABELLED_NODES:
            break
        if node.tag != "-text":
            continue
        raw = node.text_content
        if not raw or raw.isspace():  # the indentation between elements: most text nodes of a page
            continue
        # A long text is no label and no byline: squashing its start (a prefix of the squashed
        # whole) is enough to know, unless it is a pending label's names.
        if pending is None and len(raw) > 400 and len(squash(raw[:400])) > 120:
            continue
        line = squash(raw)
        if not line:
            continue
        rest: str | None = None
        if pending is not None:
            rest, pending = line, None
            if _is_tag_link(node.parent):
                continue
        elif len(line) <= 120 and line[:1].isalpha() and _starts_block(node):
            if _LABEL_ONLY.match(line):
                pending = node
                continue
            if (match := _LABELLED_BYLINE.match(line)) is not None:
                rest = match["rest"]
        if not rest or len(rest) > 100 or _in_chrome(node):
            continue
        names = parse_byline(rest)
        if names and all(is_person_name(name) for name in names):
            found.append(names)
            if len(found) >= _MAX_LABELLED:
                break
    return found


_CHROME_TAGS = frozenset({"nav", "footer", "aside", "form", "menu", "select", "option", "button", "label",
                          "script", "style", "noscript", "template", "head", "title"})


def _starts_block(node: LexborNode) -> bool:
    """True unless running text comes before the text in its parent ("... uunf by <x>"): only
    separators ("March 1 · 3 min read · By Jane Doe"), line breaks and icons may."""
    previous = node.prev
    while previous is not None:
        if previous.tag == "-text":
            text = (previous.text_content or "").strip()
        elif previous.tag in ("br", "img", "svg", "i", "-comment"):
            text = ""
        else:
            text = node_text(previous, 50)
        if text:
            return text[-1] in _SEPARATORS
        previous = previous.prev
    return True


_SEPARATORS = frozenset("|·•–—-/")


def _is_tag_link(node: LexborNode | None) -> bool:
    """A link to a tag or category page (rel="tag"): a label's topic, not its author."""
    return node is not None and node.tag == "a" and any(
        word in (node.attributes.get("rel") or "").split() for word in ("tag", "category"))


def _in_chrome(node: LexborNode) -> bool:
    """In navigation, a form or the footer; in an aside unless the aside is the article's own."""
    aside = False
    parent = node.parent
    while parent is not None:
        if parent.tag in _CHROME_TAGS:
            return True
        if parent.tag == "aside":
            aside = True
        elif parent.tag == "article":
            return False
        parent = parent.parent
    return aside


def _host(url: str | None) -> str:
    """The site's host name, also for archived copies (web.archive.org/web/<time>/<original URL>)."""
    archived = _ARCHIVED.match(url or "")
    return (archived and host_of(archived["original"])) or host_of(url)


def _absolute(value: str | None, base: str | None) -> str | None:
    if not value:
        return None
    value = value.strip()
    if value.startswith(("http://", "https://")):
        return value
    resolved = urljoin(base, value) if base else value
    return resolved if resolved.startswith(("http://", "https://")) else None


def _language_code(value: str | None) -> tuple[str | None, str]:
    """("en", "us") from "en-US", "en_US" or "en"; (None, "") when it is not an ISO 639-1 code."""
    code, region = language_parts(value)
    return (code, region) if len(code) == 2 else (None, "")


def _htmldate(html: str, url: str | None) -> str | None:
    from htmldate import find_date  # slow to import and to run: only for pages without any date signal

    # Not htmldate's extensive search: on a page without a date it makes one up from the copyright
    # line ("© 2023" -> 2023-01-01).
    try:
        found = find_date(html, url=url, original_date=True, extensive_search=False)
    except Exception:  # htmldate fails on odd markup in ways not worth tracking: it is only a fallback
        return None
    return parse_date(found) if isinstance(found, str) else None


def extract_metadata(tree: LexborHTMLParser, url: str | None, *, html: str | None = None) -> Metadata:
    """Title, authors, dates, language, site, description, URLs, image, tags and section of the page.

    Given the page's decoded `html`, htmldate is the last resort for the publication date.
    """
    extraction = _Extraction(tree, url, html)
    extraction.site_name()
    extraction.title()
    extraction.language()
    extraction.dates()
    extraction.authors()
    extraction.urls()
    extraction.the_rest()
    return extraction.out
