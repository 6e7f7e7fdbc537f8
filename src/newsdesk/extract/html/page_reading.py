"""What a page-type classifier reads of a page (`read_page`): its features and its bag of words.

A page is described by a fixed vector of numbers read from its HTML and URL (`page_features`): counts
and shares of elements (links, paragraphs, list items, forms and inputs, code blocks, tables, ...),
how often its most common `class` value repeats (the cards of a listing, the posts of a thread), words
of its `class`/`id` attributes and of its visible text from small multilingual vocabularies (cart and
price words, reply and thread words, API and install words, ...), prices, dates, the schema.org types
it declares (JSON-LD and microdata, as groups and the commonest types on their own), its `og:type`,
the software named in it, the tokens and shape of its URL path and the words of its host name
(forum., docs., shop., ...). Where the page's links go tells a listing from an article and a thread
from a shop: the share of its links that are fragments, stay on the site, look dated or like long
article slugs, or point at products, categories, user profiles, tags, threads or documentation. The
words of the title and of the h1-h4 headings count by group (service, listing, documentation, forum,
product, collection and article words, several languages), as do the telephone numbers of the text,
the add-to-cart, pagination and breadcrumb markers, the code blocks and the question headings. Every
feature is a regular-expression or substring count over the markup or the text, or a C-level call on
the parsed tree.

The repeated parts of the page count by what their class names say they hold (product cards,
posts, generic cards, comments). Beside the features, the page's words go into a hashed bag
(`Reading.words`: the words of the URL, host, title, headings, h1, text and class names, crc32-hashed
into `WORD_BUCKETS` buckets) for the word model of `page_type`.
"""

from __future__ import annotations

import math
import re
import zlib
from collections import Counter
from dataclasses import dataclass
from itertools import pairwise
from urllib.parse import urlsplit

from selectolax.lexbor import LexborHTMLParser

from newsdesk.extract.html.page_type_words import TEXT_GROUPS, TITLE_GROUPS
from newsdesk.page_types import PAGE_TYPES

__all__ = ["FEATURE_NAMES", "STACKED_NAMES", "WORD_BUCKETS", "Reading", "page_features", "read_page"]


_TAGS = ("a", "p", "li", "ul", "ol", "div", "span", "article", "section", "main", "nav", "aside", "header",
         "footer", "form", "input", "button", "select", "option", "textarea", "label", "pre", "code", "kbd",
         "table", "tr", "td", "th", "dl", "dt", "img", "picture", "figure", "figcaption", "svg", "video",
         "iframe", "h1", "h2", "h3", "h4", "h5", "h6", "time", "blockquote", "cite", "strong", "em", "br",
         "hr", "script", "style", "meta", "link", "small", "sup", "abbr", "details", "summary")
_TAG_SHARES = ("a", "p", "li", "div", "span", "form", "input", "button", "pre", "code", "tr", "img",
               "h2", "h3", "article", "time", "blockquote", "option", "dt")

# Words of class and id attributes (split at every non-alphanumeric character): what the markup calls
# its parts. Generic front-end vocabulary, one feature each.
_CLASS_WORDS = (
    # shops
    "product", "products", "price", "prices", "cart", "basket", "sku", "buy", "checkout", "shop", "variant",
    "qty", "quantity", "stock", "rating", "stars", "review", "reviews", "wishlist", "swatch", "zoom", "offer",
    "woocommerce", "add",
    # forums and discussions
    "post", "posts", "thread", "threads", "reply", "replies", "comment", "comments", "topic", "topics",
    "forum", "message", "messages", "quote", "bbcode", "signature", "avatar", "username", "user", "vote",
    "votes", "answer", "answers", "question", "upvote", "author", "userinfo", "postbody", "member",
    # documentation
    "toc", "doc", "docs", "documentation", "highlight", "code", "syntax", "api", "reference", "admonition",
    "note", "warning", "headerlink", "anchor", "version", "sidebar", "breadcrumb", "breadcrumbs", "menu",
    "chapter", "language", "copy", "hljs", "prettyprint", "markdown",
    # listings and collections
    "card", "cards", "grid", "item", "items", "list", "tile", "teaser", "excerpt", "summary", "pagination",
    "pager", "page", "next", "prev", "archive", "feed", "loop", "results", "result", "filter", "filters",
    "facet", "sort", "category", "categories", "tag", "tags", "thumbnail", "thumb", "more", "collection",
    "row", "col", "column", "columns",
    # articles
    "article", "entry", "content", "byline", "date", "published", "meta", "share", "social", "related",
    "headline", "story", "lead", "caption", "figure", "hentry", "single", "body", "text", "time", "news",
    # services and landing pages
    "hero", "cta", "btn", "button", "contact", "form", "testimonial", "testimonials", "pricing", "plan",
    "plans", "feature", "features", "service", "services", "team", "faq", "banner", "section", "icon",
    "slider", "carousel", "modal", "logo", "clients", "partners", "about", "block", "container", "wrapper",
)

# Words of the visible text, from several languages. Each group sums to one feature, and the
# commonest words also count on their own.
_TEXT_WORDS = ("cart", "price", "reply", "replies", "posted", "joined", "quote", "views", "documentation",
               "api", "install", "parameters", "returns", "example", "read", "more", "next", "results",
               "contact", "services", "free", "our", "we", "you", "said", "he", "was", "by", "comments",
               "share")

_URL_WORDS = ("product", "products", "shop", "store", "item", "p", "dp", "buy", "forum", "forums", "thread",
              "threads", "topic", "topics", "t", "community", "discussion", "discussions", "questions",
              "q", "board", "viewtopic", "showthread", "docs", "doc", "documentation", "api", "reference",
              "manual", "guide", "guides", "wiki", "help", "support", "kb", "learn", "tutorial",
              "tutorials", "category", "categories", "tag", "tags", "archive", "search", "page",
              "collections", "collection", "c", "blog", "news", "article", "articles", "story", "post",
              "posts", "services", "service", "about", "contact", "pricing", "solutions", "features",
              "index", "html", "htm", "php", "aspx", "en", "list", "all", "shopping", "catalog", "sale")

# Words of the host name (its labels but the last two): the part of a site a page sits in.
_HOST_WORDS = ("forum", "forums", "community", "discuss", "discussion", "discourse", "answers", "boards",
               "bbs", "talk", "docs", "doc", "developer", "developers", "dev", "learn", "help", "support",
               "wiki", "api", "shop", "store", "blog", "blogs", "news", "online", "www", "en")
# Words of the title and of the h1-h4 headings (lower case, several languages), one feature per group
# and per place.

# schema.org types a page declares, by what they say about the page.
_SCHEMA_GROUPS: dict[str, frozenset[str]] = {
    "article": frozenset({"article", "newsarticle", "blogposting", "reportagenewsarticle",
                          "analysisnewsarticle", "opinionnewsarticle", "liveblogposting",
                          "socialmediaposting", "scholarlyarticle", "report", "backgroundnewsarticle",
                          "reviewnewsarticle", "posting"}),
    "product": frozenset({"product", "offer", "aggregateoffer", "productgroup", "individualproduct",
                          "productmodel", "offershippingdetails", "merchantreturnpolicy", "aggregaterating",
                          "review", "car", "vehicle", "book", "menuitem"}),
    "forum": frozenset({"discussionforumposting", "qapage", "question", "answer", "comment", "conversation",
                        "interactioncounter"}),
    "docs": frozenset({"techarticle", "apireference", "softwaresourcecode", "softwareapplication", "howto",
                       "course", "learningresource", "howtostep", "dataset"}),
    "collection": frozenset({"itemlist", "collectionpage", "searchresultspage", "listitem", "blog",
                             "offercatalog", "siteNavigationElement".lower(), "periodical"}),
    "service": frozenset({"organization", "localbusiness", "service", "professionalservice", "contactpage",
                          "aboutpage", "faqpage", "corporation", "store", "restaurant", "event",
                          "contactpoint", "postaladdress", "openinghoursspecification", "place",
                          "medicalorganization", "legalservice", "homeandconstructionbusiness",
                          "financialservice", "educationalorganization", "brand"}),
    "page": frozenset({"webpage", "website", "breadcrumblist", "searchaction", "imageobject", "person",
                       "readaction", "entrypoint", "videoobject", "wpheader", "wpfooter", "wpsidebar"}),
}
# schema.org types that also count on their own.
_SCHEMA_TYPES = ("newsarticle", "blogposting", "article", "product", "offer", "itemlist", "collectionpage",
                 "qapage", "discussionforumposting", "techarticle", "breadcrumblist", "organization",
                 "localbusiness", "service", "faqpage", "course", "webpage", "person", "howto", "listitem",
                 "question", "comment", "aggregaterating", "searchresultspage", "event")
_OG_TYPES = ("article", "product", "website", "profile", "book", "video", "blog", "object")
_SOFTWARE = ("wordpress", "drupal", "joomla", "shopify", "woocommerce", "magento", "prestashop",
             "bigcommerce", "discourse", "phpbb", "xenforo", "vbulletin", "invision", "discuz", "mybb",
             "sphinx", "docusaurus", "mkdocs", "readthedocs", "gitbook", "vitepress", "hugo", "jekyll",
             "gatsby", "next", "nuxt", "wix", "squarespace", "webflow", "elementor", "ghost", "blogger",
             "medium", "substack", "stackexchange", "reddit", "swagger", "redoc", "mediawiki", "confluence")

_TAG = re.compile(r"<([a-zA-Z][a-zA-Z0-9]{0,9})\b")
# Each pattern starts with a literal where it can: the regular-expression engine then skips ahead to it.
_CLASS = re.compile(r"""class=["']([^"'<>]{1,300})""")
_ID = re.compile(r""" id=["']([^"'<>]{1,100})""")
_SPLIT = re.compile(r"[^a-z0-9]+")
_WORD = re.compile(r"\w+")
_JSONLD_TYPE = re.compile(r'"@type"\s*:\s*\[?\s*"(\w+)')
_MICRODATA_TYPE = re.compile(r"""itemtype=["']?https?://schema\.org/(\w+)""")
_OG_TYPE = re.compile(r"""og:type["'][^>]{0,80}?content\s*=\s*["']([^"']*)|"""
                      r"""content\s*=\s*["']([^"']{0,40})["'][^>]{0,40}og:type""")
_GENERATOR = re.compile(r"""generator["'][^>]{0,40}?content=["']([^"']{0,80})""")
# The three patterns of the text (prices, dates, telephone numbers) open with the set of characters
# every match starts with, then tell the alternatives apart by looking back at it: the engine then
# skips to the next digit or currency sign instead of trying every alternative at every character
# (2-2.5 times faster). Each finds exactly the matches of its plain form (PLAIN_TEXT_PATTERNS).
_PRICE = re.compile(r"[$€£¥₹₽₺₩\d](?:(?<=[$€£¥₹₽₺₩])\s?\d"
                    r"|(?<=\d)\s?(?:€|\$|£|EUR|USD|GBP|zł|PLN|kr|Kč|₽|руб|TL|CHF|lei|Ft)(?!\w))")
_DATE = re.compile(r"\d(?:(?<=1)9\d\d-[01]\d-[0-3]\d|(?<=2)0\d\d-[01]\d-[0-3]\d"
                   r"|\d?[./][01]?\d[./](?:19|20)?\d\d(?!\d))")
_LONG_PARAGRAPH = re.compile(r"<p\b[^>]*>[^<]{120,}")
_HEADING_LINK = re.compile(r"<h[2-4]\b[^>]*>\s*<a\b")
_ANCHOR_TEXT = re.compile(r"<a\b[^>]*>([^<]*)</a>")
_URL_DATE = re.compile(r"/(?:19|20)\d\d/(?:0?[1-9]|1[0-2])(?:/|$)|/(?:19|20)\d\d-\d\d-\d\d|(?:19|20)\d{6}")
_URL_ID = re.compile(r"\d{4,}")
_TITLE = re.compile(r"<title[^>]*>([^<]*)")
_HREF = re.compile(r"""href=["']([^"'<>]{0,300})""")
_PHONE = re.compile(r"[(\d](?:(?<=\()\d{3}\) ?|(?<=\d)(?<!\w\d)\d{2}[ .-])\d{3}[ .-]\d{4}\b")
# The plain forms of the three: the reference the tests hold the fast ones to.
PLAIN_TEXT_PATTERNS = {
    "_PRICE": r"[$€£¥₹₽₺₩]\s?\d|\d\s?(?:€|\$|£|EUR|USD|GBP|zł|PLN|kr|Kč|₽|руб|TL|CHF|lei|Ft)(?!\w)",
    "_DATE": r"(?:19|20)\d\d-[01]\d-[0-3]\d|\d\d?[./][01]?\d[./](?:19|20)?\d\d(?!\d)",
    "_PHONE": r"(?:\(\d{3}\) ?|\b\d{3}[ .-])\d{3}[ .-]\d{4}\b",  # \b before a digit: no word character
}
# Literal markers, counted with bytes.count on the lower-cased markup (far cheaper than a regex each);
# markers that share a part are counted only when the markup holds that part (one scan, not several).
_CART_GROUPS = ((b"cart", (b"add-to-cart", b"add_to_cart", b"addtocart", b"add to cart", b"/cart/add")),
                (b'name="q', (b'name="quantity"', b'name="qty"')), (b"", (b"add-to-bag",)))
_PAGINATION_GROUPS = ((b"", (b'rel="next"',)), (b"page", (b"?page=", b"&page=", b"/page/2", b"pagination")))
_CART_MARKERS = tuple(marker for _, markers in _CART_GROUPS for marker in markers)
_PAGINATION_MARKERS = tuple(marker for _, markers in _PAGINATION_GROUPS for marker in markers)
_CODE_LANGUAGE = re.compile(r"""class=["'][^"']{0,60}(?:language-|lang-|highlight-)""")
_HEADING = re.compile(r"<h([1-4])\b[^>]*>(.{0,300}?)</h\1", re.DOTALL)
_MARKUP = re.compile(r"<[^>]*>")
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
_WORD_WINDOW = 30_000  # the words of the first 30,000 characters of text tell the kind of page


# Class-name words of the repeated parts of a page (the cards of a grid, the posts of a river, the
# comments of a thread), by what they hold.
_REPEAT_KINDS: dict[str, frozenset[str]] = {
    "product": frozenset({"product", "products", "price", "prices", "sku", "offer", "cart", "add", "swatch",
                          "rating", "stars", "tile", "plp", "pdp"}),
    "post": frozenset({"post", "posts", "article", "articles", "entry", "news", "story", "stories", "teaser",
                       "excerpt", "blog", "headline", "byline", "date", "time", "author"}),
    "card": frozenset({"card", "cards", "item", "items", "tile", "tiles", "grid", "result", "results",
                       "listing", "list", "collection"}),
    "comment": frozenset({"comment", "comments", "reply", "replies", "message", "thread", "topic", "answer",
                          "answers"}),
}
WORD_BUCKETS = 1 << 14  # the word model's hashed vocabulary


def _feature_names() -> tuple[str, ...]:
    names = ["log_html", "log_text", "text_share", "log_tags", "log_anchor_text", "anchor_text_share",
             "links_per_kchar", "long_paragraphs", "long_paragraph_share", "heading_links",
             "class_values", "class_top_repeat", "class_top_share", "class_repeated_5", "class_repeated_10",
             "prices", "prices_per_kchar", "dates", "word_ago", "words", "title_length",
             "title_separators", "url_depth", "url_length", "url_has_query", "url_is_root", "url_date",
             "url_id", "url_slug_hyphens", "url_last_length"]
    names += [f"tag_{tag}" for tag in _TAGS]
    names += [f"share_{tag}" for tag in _TAG_SHARES]
    names += [f"class_{word}" for word in _CLASS_WORDS]
    names += [f"text_group_{group}" for group in TEXT_GROUPS]
    names += [f"text_word_{word}" for word in _TEXT_WORDS]
    names += [f"url_{word}" for word in _URL_WORDS]
    names += [f"schema_{group}" for group in _SCHEMA_GROUPS] + ["schema_other"]
    names += [f"og_{kind}" for kind in _OG_TYPES] + ["og_other", "og_missing"]
    names += [f"software_{name}" for name in _SOFTWARE]
    names += ["links", "link_share_internal", "link_share_fragment", "link_share_dated", "link_share_slug",
              "link_share_product", "link_share_collection", "link_share_user", "link_share_tag",
              "link_share_thread", "link_share_docs", "links_distinct_share", "phones", "cart_forms",
              "pagination", "breadcrumbs", "code_languages", "pre_share_text", "headings",
              "heading_words", "headings_question", "title_words", "title_question", "title_year",
              "title_starts_number", "h1_words", "url_segments_hyphen", "url_last_number", "url_last_ext",
              "url_digit_share", "url_tokens", "host_depth"]
    names += [f"host_{word}" for word in _HOST_WORDS]
    names += [f"title_group_{group}" for group in TITLE_GROUPS]
    names += [f"heading_group_{group}" for group in TITLE_GROUPS]
    names += [f"schema_type_{name}" for name in _SCHEMA_TYPES]
    names += [f"repeat_{kind}" for kind in _REPEAT_KINDS]
    return tuple(names)


FEATURE_NAMES = _feature_names()
# What the trees read: the page features and the word model's probability of each type (the types in
# the order the model names them: sorted).
STACKED_NAMES = FEATURE_NAMES + tuple(f"words_{kind}" for kind in sorted(PAGE_TYPES))
_TITLE_GROUP_OF: dict[str, tuple[str, ...]] = {}
for _group, _words in TITLE_GROUPS.items():
    for _word in _words:
        _TITLE_GROUP_OF[_word] = (*_TITLE_GROUP_OF.get(_word, ()), _group)
_LINK_KINDS = {
    "product": frozenset({"product", "products", "p", "dp", "item", "produkt", "produit", "producto"}),
    "collection": frozenset({"collections", "collection", "category", "categories", "c", "cat", "shop",
                             "catalog", "browse", "kategorie", "categorie", "categoria"}),
    "user": frozenset({"u", "user", "users", "member", "members", "profile", "profiles", "author",
                       "authors"}),
    "tag": frozenset({"tag", "tags", "topic", "topics", "page", "archive", "archives"}),
    "thread": frozenset({"t", "thread", "threads", "viewtopic", "showthread", "questions", "q", "d",
                         "discussion", "discussions", "forum", "forums", "reply", "post"}),
    "docs": frozenset({"docs", "doc", "documentation", "api", "reference", "manual", "guide", "guides",
                       "tutorial", "tutorials", "learn"}),
}
_LINK_KIND_OF: dict[str, tuple[str, ...]] = {}
for _kind, _names in _LINK_KINDS.items():
    for _name in _names:
        _LINK_KIND_OF[_name] = (*_LINK_KIND_OF.get(_name, ()), _kind)
# The first group (in `_SCHEMA_GROUPS` order) that holds each schema.org type.
_SCHEMA_GROUP_OF: dict[str, str] = {}
for _group, _types in _SCHEMA_GROUPS.items():
    for _type in _types:
        _SCHEMA_GROUP_OF.setdefault(_type, _group)
_TEXT_GROUP_OF = {word: group for group, words in TEXT_GROUPS.items() for word in words}


@dataclass(frozen=True)
class Reading:
    """What the classifier reads of a page: the feature vector (in the order of `FEATURE_NAMES`) and
    the page's words as a hashed bag (`WORD_BUCKETS` buckets: bucket -> weight) for the word model."""

    features: list[float]
    words: dict[int, float]


def page_features(html: str, url: str | None, tree: LexborHTMLParser) -> list[float]:
    """The page's feature vector, in the order of `FEATURE_NAMES`."""
    return read_page(html, url, tree).features


def read_page(html: str, url: str | None, tree: LexborHTMLParser) -> Reading:
    """The page's features and its hashed words, read in one pass."""
    body = tree.body
    text = (body.text(deep=True, separator=" ") if body is not None else "") or ""
    head_end = html.find("</head>")
    head = html[:head_end] if head_end > 0 else html[:_WORD_WINDOW]
    window = text[:_WORD_WINDOW]
    html_length, text_length = len(html), len(text)
    tags = _folded(Counter(_TAG.findall(html)))
    tag_total = sum(tags.values()) or 1
    anchor_text = sum(len(found.strip()) for found in _ANCHOR_TEXT.findall(html))
    long_paragraphs = len(_LONG_PARAGRAPH.findall(html))
    class_values = _folded(Counter(_CLASS.findall(html)), strip=True)
    class_values.update(_folded(Counter(_ID.findall(html)), strip=True))
    class_words: Counter[str] = Counter()
    capped_class_words: Counter[str] = Counter()  # for the word model: a value counts at most 50 times
    repeats: Counter[str] = Counter()  # the repeated parts, by kind: the commonest value's count
    for value, count in class_values.items():
        # a dict, not a set: the words in the order they are written, so the word bag sums its
        # floating-point weights in the same order in every process (a set of strings iterates in an
        # order that changes with Python's hash seed)
        value_words = dict.fromkeys(_SPLIT.split(value))
        capped = min(count, 50)
        for word in value_words:
            class_words[word] += count
            capped_class_words[word] += capped
        if count >= 3:
            for kind, names in _REPEAT_KINDS.items():
                if count > repeats[kind] and not names.isdisjoint(value_words):
                    repeats[kind] = count
    class_total = sum(class_values.values())
    top_repeat = max(class_values.values(), default=0)
    words = Counter(_WORD.findall(window.lower()))
    word_total = sum(words.values()) or 1
    groups: Counter[str] = Counter()
    for word, count in words.items():
        group = _TEXT_GROUP_OF.get(word)
        if group is not None:
            groups[group] += count
    prices = len(_PRICE.findall(window))
    title_match = _TITLE.search(head)
    title = title_match.group(1).strip() if title_match else ""
    try:
        parts = urlsplit(url or "")
    except ValueError:  # an address urllib cannot split ("http://[::1"): classified without it
        parts = urlsplit("")
    path = parts.path.lower()
    segments = [segment for segment in path.split("/") if segment]
    url_words = Counter(word for word in _SPLIT.split(path) if word)
    last = segments[-1] if segments else ""
    declared = _folded(Counter(_JSONLD_TYPE.findall(html) + _MICRODATA_TYPE.findall(html)))
    schema: Counter[str] = Counter()
    for name, count in declared.items():
        schema[_SCHEMA_GROUP_OF.get(name, "other")] += count
    og = _OG_TYPE.search(head)
    og_type = (og.group(1) or og.group(2) or "").strip().lower() if og else None
    generator = _GENERATOR.search(head)
    software = Counter(_SPLIT.split(generator.group(1).lower())) if generator else Counter()
    software.update({name: class_words[name] for name in _SOFTWARE})
    kchars = max(text_length, 1) / 1000
    window_kchars = max(len(window), 1) / 1000
    features = [
        math.log1p(html_length), math.log1p(text_length), text_length / max(html_length, 1),
        math.log1p(tag_total), math.log1p(anchor_text), anchor_text / max(text_length, 1),
        tags["a"] / kchars, long_paragraphs, long_paragraphs / max(tags["p"], 1),
        _count(_HEADING_LINK, html), len(class_values), top_repeat, top_repeat / max(class_total, 1),
        sum(1 for count in class_values.values() if count >= 5),
        sum(1 for count in class_values.values() if count >= 10),
        prices, prices / window_kchars, len(_DATE.findall(window)), words["ago"],
        math.log1p(word_total), len(title), sum(title.count(mark) for mark in "|-–—:·»"),
        len(segments), len(path), 1.0 if parts.query else 0.0, 1.0 if not segments else 0.0,
        1.0 if _URL_DATE.search(path) else 0.0, 1.0 if _URL_ID.search(path) else 0.0,
        last.count("-"), len(last),
    ]
    features += [tags[tag] for tag in _TAGS]
    features += [tags[tag] / tag_total for tag in _TAG_SHARES]
    features += [class_words[word] for word in _CLASS_WORDS]
    features += [groups[group] / word_total for group in TEXT_GROUPS]
    features += [words[word] for word in _TEXT_WORDS]
    features += [url_words[word] for word in _URL_WORDS]
    features += [schema[group] for group in _SCHEMA_GROUPS] + [schema["other"]]
    features += [1.0 if og_type == kind else 0.0 for kind in _OG_TYPES]
    features += [1.0 if og_type and og_type not in _OG_TYPES else 0.0, 1.0 if og_type is None else 0.0]
    features += [software[name] for name in _SOFTWARE]
    features += _link_features(html, parts.hostname)
    found_headings = _HEADING.findall(html)
    headings = [_MARKUP.sub(" ", found[1]).strip() for found in found_headings]
    heading_words = [word for heading in headings for word in _WORD.findall(heading.lower())]
    title_words = _WORD.findall(title.lower())
    h1_words = sum(len(_WORD.findall(heading)) for level, heading in found_headings if level == "1")
    pre_text = sum(len(node.text(deep=True) or "") for node in tree.css("pre"))
    lower = _ascii_lowered(html)
    features += [len(_PHONE.findall(window)), _count_markers(lower, _CART_GROUPS),
                 _count_markers(lower, _PAGINATION_GROUPS),
                 min(lower.count(b"breadcrumb"), 50), len(_CODE_LANGUAGE.findall(html)),
                 pre_text / max(text_length, 1), len(headings), len(heading_words) / max(len(headings), 1),
                 sum(1 for heading in headings if heading.endswith("?")), len(title_words),
                 1.0 if "?" in title else 0.0, 1.0 if _YEAR.search(title) else 0.0,
                 1.0 if title[:1].isdigit() else 0.0, h1_words,
                 sum(1 for segment in segments if "-" in segment),
                 1.0 if last.isdigit() else 0.0, 1.0 if "." in last else 0.0,
                 sum(character.isdigit() for character in path) / max(len(path), 1),
                 len(url_words), _host_depth(parts.hostname)]
    host_words = Counter(_SPLIT.split(".".join((parts.hostname or "").lower().split(".")[:-2])))
    features += [host_words[word] for word in _HOST_WORDS]
    features += _group_counts(title_words)
    features += _group_counts(heading_words[:400])
    features += [declared[name] for name in _SCHEMA_TYPES]
    # the repeated parts of the page by what their class names say they hold: a grid of products is
    # not a river of posts
    features += [math.log1p(repeats[kind]) for kind in _REPEAT_KINDS]
    host_labels = [word for word in _SPLIT.split((parts.hostname or "").lower()) if word][:-1]
    bag = _word_bag((("u:", Counter([*url_words.elements(), "q:y" if parts.query else "q:n",
                                     f"n:{sum(url_words.values())}"])),
                     ("o:", Counter(host_labels)),
                     ("t:", Counter([*title_words, *(f"{a}_{b}" for a, b in pairwise(title_words))])),
                     ("h:", Counter(_heading_words(headings[:60])[:400])),
                     ("1:", Counter(_heading_words([heading for (level, _), heading
                                                    in zip(found_headings, headings, strict=True)
                                                    if level == "1"])[:50])),
                     ("w:", Counter({word: min(count, 50) for word, count in words.items()})),
                     ("c:", Counter({word: count for word, count in capped_class_words.items()
                                     if word and not word.isdigit()}))))
    return Reading([float(value) for value in features], bag)


def _heading_words(headings: list[str]) -> list[str]:
    return [word for heading in headings for word in _WORD.findall(heading.lower())]


def _word_bag(spaces: tuple[tuple[str, Counter[str]], ...]) -> dict[int, float]:
    """The hashed bag of words of the word model: in each space (URL, host, title, headings, h1,
    text, class names) a word weighs 1 + log(count), the space's weights are scaled to unit length,
    and each prefixed word goes to bucket crc32(space + word) mod `WORD_BUCKETS` (a hash that is the
    same in every process, unlike Python's). The bucket of each word is kept: most words recur."""
    bag: dict[int, float] = {}
    for prefix, counts in spaces:
        cache = _BUCKET_CACHE.setdefault(prefix, {})
        if len(cache) > 200_000:  # a bound on memory for long runs over many vocabularies
            cache.clear()
        weights = [(word, _LOG_WEIGHT[count] if count < len(_LOG_WEIGHT) else 1.0 + math.log(count))
                   for word, count in counts.items() if count > 0]
        norm = math.sqrt(sum(weight * weight for _, weight in weights))
        if not norm:
            continue
        for word, weight in weights:
            bucket = cache.get(word)
            if bucket is None:
                hashed = zlib.crc32((prefix + word).encode("utf-8", "surrogatepass"))
                bucket = cache[word] = hashed % WORD_BUCKETS
            bag[bucket] = bag.get(bucket, 0.0) + weight / norm
    return bag


_LOG_WEIGHT = [0.0] + [1.0 + math.log(count) for count in range(1, 64)]
_BUCKET_CACHE: dict[str, dict[str, int]] = {}  # space -> word -> bucket


def _folded(raw: Counter[str], strip: bool = False) -> Counter[str]:
    """`raw`'s counts summed by lower-cased (and, with `strip`, stripped) value: each distinct value
    is lower-cased once, not once per occurrence."""
    folded: Counter[str] = Counter()
    for value, count in raw.items():
        folded[value.strip().lower() if strip else value.lower()] += count
    return folded


def _ascii_lowered(html: str) -> bytes:
    """The markup as UTF-8 with A-Z lower-cased, for counting the ASCII markers: a marker occurs in
    it exactly where it occurs in `html.lower()` (in UTF-8 an ASCII byte is always an ASCII character,
    and no marker holds a "k" or ends in an "i", the only letters other characters lower-case to),
    and counting bytes is faster than counting in a string that holds any non-ASCII character."""
    return html.encode("utf-8", "surrogatepass").lower()


def _count_markers(lower: bytes, groups: tuple[tuple[bytes, tuple[bytes, ...]], ...]) -> int:
    return sum(lower.count(marker) for part, markers in groups if not part or part in lower
               for marker in markers)


def _host_depth(host: str | None) -> int:
    return len((host or "").split(".")) if host else 0


def _group_counts(words: list[str]) -> list[float]:
    """The share of `words` in each of the title groups."""
    counts: Counter[str] = Counter()
    for word in words:
        for group in _TITLE_GROUP_OF.get(word, ()):
            counts[group] += 1
    total = max(len(words), 1)
    return [counts[group] / total for group in TITLE_GROUPS]


def _link_features(html: str, host: str | None) -> list[float]:
    """Where the page's links go: how many, how many stay on the site or on the page, and the share
    that look like dated or long-slug article addresses, products, categories, user profiles, tags,
    threads or documentation."""
    hrefs = _HREF.findall(html)
    own = (host or "").lower()
    total = len(hrefs)
    internal = fragment = dated = slug = 0
    kinds: Counter[str] = Counter()
    for href, repeats in Counter(hrefs).items():  # pages repeat their links: each is read once
        if href.startswith("#"):
            fragment += repeats
            continue
        if href.startswith(("/", "?", ".")) or (own and own in href[:len(own) + 12].lower()):
            internal += repeats
        path = href.split("?", 1)[0].split("#", 1)[0].lower()
        if _URL_DATE.search(path):
            dated += repeats
        segments = [segment for segment in path.split("/") if segment]
        if segments and segments[-1].count("-") >= 3:
            slug += repeats
        for kind in {kind for segment in segments[-4:] for kind in _LINK_KIND_OF.get(segment, ())}:
            kinds[kind] += repeats
    share = 1 / max(total, 1)
    return [math.log1p(total), internal * share, fragment * share, dated * share, slug * share,
            *(kinds[kind] * share for kind in _LINK_KINDS), len(set(hrefs)) * share]


def _count(pattern: re.Pattern[str], text: str) -> int:
    return sum(1 for _ in pattern.finditer(text))
