"""Features of the page's text blocks, for the learned body model (learned.py, train.py).

Each block (dom.Block) becomes one row of numbers: its own text (length, link density, punctuation,
digits, resemblance to the title and the description, repetition on the page), where it sits (tag,
depth, position, the class/id words and tags of its ancestors, the size and link density of the
boxes around it, how many sibling items of one kind surround it), what the rules of body.py decided
for it (kept, inside their container, chrome), its neighbours, and the page as a whole (size, link
share, forms, prices, `<article>` count, the schema.org type it declares, and the page-type model's
probability of each of its seven types: page_type.classify_page runs before the blocks and does not
read them). The rows are built with
numpy over parallel arrays: one Python pass over the elements and one over the blocks.

FEATURES names the columns; changing them means training a new model (`python -m
newsdesk.extract.html.train`), and the model file records the names it was fitted on.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import compress, pairwise, repeat

import numpy as np
import numpy.typing as npt

from newsdesk.extract.html.block_hidden import HIDDEN_FEATURES, hidden_features
from newsdesk.extract.html.body import _CALL_TO_ACTION, _DATE_LINE, _RAIL_HEADING, Choice, name_words
from newsdesk.extract.html.dom import HEADINGS, Flat
from newsdesk.extract.html.keyword_search import searched
from newsdesk.page_types import PAGE_TYPES

# Groups of class/id words (and tags) that say what a box is. A word belongs to a group when it is,
# or when two adjacent words run together are, one of the group's words.
_GROUPS: dict[str, str] = {
    "comment": "comment comments commentlist commentary respond reply replies disqus discussion "
               "kommentar kommentare commentaire commentaires comentario comentarios commento commenti "
               "reactions reacties komentarze coral talk",
    "share": "share shares sharing sharedaddy social socials like likes jetpack addtoany addthis sharebar "
             "sharetools follow facebook twitter whatsapp pinterest linkedin",
    "related": "related relatedposts recommended recommendations readnext upnext morestories morefrom "
               "youmayalsolike mostpopular mostread popular trending outbrain taboola teaser teasers "
               "readmore further furtherreading more",
    "nav": "nav navbar navigation menu breadcrumb breadcrumbs pagination pager skiplink toc submenu "
           "dropdown",
    "footer": "footer copyright colophon legal",
    "header": "header masthead topbar branding logo",
    "sidebar": "sidebar aside widget widgets rail secondary",
    "ad": "ad ads advert advertisement advertising sponsor sponsored promo promotion banner adslot dfp "
          "gpt",
    "content": "content article body main story post entry text articlebody entrycontent postcontent "
               "storybody postbody articletext maincontent bodytext prose rte richtext",
    "author": "author authorbio authorbox byline bio vcard profile avatar",
    "meta": "meta date time timestamp dateline tags tag category categories published updated info",
    "newsletter": "newsletter subscribe subscription signup cookie cookies gdpr consent modal popup "
                  "paywall login register",
    "caption": "caption credit figure figcaption legend wpcaption gallery photo image media video",
    "product": "product price cart buy shop sku offer variant basket checkout review reviews rating",
    "forum": "thread topic message forum postbit bbcode quote signature reply answer question",
    "item": "list item items card cards grid tile listing result results feed",
    "doc": "doc docs documentation api reference highlight code syntax markdown",
    "hidden": "hidden sronly screenreader visuallyhidden offscreen collapse",
}
_GROUP_NAMES = list(_GROUPS)
_WORD_BITS: dict[str, int] = {}
for _bit, _name in enumerate(_GROUP_NAMES):
    for _word in _GROUPS[_name].split():
        _WORD_BITS[_word] = _WORD_BITS.get(_word, 0) | (1 << _bit)
_TAG_NAMES = ["article", "main", "nav", "aside", "footer", "header", "form", "li", "table", "blockquote",
              "figure", "section", "dl", "pre", "a", "address"]
_TAG_BITS = {tag: 1 << (len(_GROUP_NAMES) + i) for i, tag in enumerate(_TAG_NAMES)}
_N_BITS = len(_GROUP_NAMES) + len(_TAG_NAMES)
_BIT_NAMES = [f"g_{n}" for n in _GROUP_NAMES] + [f"t_{t}" for t in _TAG_NAMES]

# Owner tags as numbers (a categorical feature; anything else is "other").
_TAG_CODES = {tag: i for i, tag in enumerate(
    "p div li td th h1 h2 h3 h4 h5 h6 blockquote pre dd dt span section article a figcaption "
    "header footer aside nav form body table tr ul ol main caption".split(), 1)}

_NAME_BITS: dict[str, int] = {}


# name_words on a string without capitals: its runs of letters and of digits, already lower-case.
_LOWER_WORDS = re.compile(r"[a-z]+|[0-9]+").findall


def name_bits(name: str) -> int:
    """The groups a class/id string belongs to, as bits (cached: sites reuse their names)."""
    bits = _NAME_BITS.get(name)
    if bits is None:
        if len(_NAME_BITS) > 50_000:
            _NAME_BITS.clear()
        # Element names are lower-cased when the page is flattened: no camelCase left to split.
        words = _LOWER_WORDS(name) if name == name.lower() else name_words(name)
        bits = 0
        get = _WORD_BITS.get
        for word in words:
            bits |= get(word, 0)
        for a, b in pairwise(words):
            bits |= get(a + b, 0)
        _NAME_BITS[name] = bits
    return bits


_WORD = re.compile(r"\w+")
# Counted with one findall each (not a str.count per character): blocks are short, calls dominate.
_PUNCTUATION = re.compile(r"[.,;:!?]")
_DIGIT = re.compile(r"[0-9]")
_SENTENCE_END = (".", "!", "?", "…", '"', "”", "“", "»", "«", ":", ")")
# Prices in the page's text: a currency sign and a digit, or a number and a currency. The pattern
# opens with the set every match starts with (the engine skips ahead to it) and looks back at it to
# choose the alternative: the matches of PLAIN_PRICE, found faster.
_PRICE = re.compile(r"[$€£¥₹\d](?:(?<=[$€£¥₹])\s?\d|(?<=\d)(?:[.,]\d{2})?\s?(?:€|EUR|USD|\$|£|zł|kr)\b)")
PLAIN_PRICE = r"(?:[$€£¥₹]\s?\d|\d(?:[.,]\d{2})?\s?(?:€|EUR|USD|\$|£|zł|kr)\b)"
_COMMENT_HEADING = re.compile(
    r"\b(\d+\s+)?(comments?|kommentare?|leserkommentare|commentaires?|comentarios?|commenti|reacties|"
    r"komentarze?|коммент\w*|responses?|replies|reactions?|discussion|diskussion|leave a reply|"
    r"antworten|répondre|responder|rispondi|reply)\b", re.IGNORECASE)
_LIKE_TEXT = re.compile(
    r"%d|\b(like this|likes? this|gefällt|j'aime|me gusta|mi piace|curtir|loading\.\.\.|share this|"
    r"teilen|partager|compartir|condividi|tweet|pin it)\b", re.IGNORECASE)
# For keyword_search.searched: a word of every match of the pattern above on ASCII text, lower-cased.
_COMMENT_WORDS = ("comment", "kommentar", "comentario", "reacties", "komentarz", "respon", "repl", "reaction",
                  "discussion", "diskussion", "antworten", "rispondi")
_LIKE_WORDS = ("%d", "like", "j'aime", "me gusta", "mi piace", "curtir", "loading...", "share this", "teilen",
               "partager", "compartir", "condividi", "tweet", "pin it")
# ... and of body._CALL_TO_ACTION.
_CALL_WORDS = ("sign", "subscribe", "newsletter", "download", "install", "telegram", "whatsapp", "abonnieren",
               "melde dich", "suscr", "abonnez-vous", "inscrivez-vous", "iscriviti", "assine")
_FURTHER_HEADING = re.compile(
    r"^(further reading|see also|read more|more reading|related|references|sources|weiterlesen|"
    r"weiterführende|mehr zum thema|lire aussi|pour aller plus loin|lee también|leggi anche|"
    r"you (may|might) also)\b", re.IGNORECASE)

# schema.org / Open Graph page types a page declares, found in its raw markup.
_TYPE_VALUE = re.compile(r'"@type"\s*:\s*\[?\s*"([A-Za-z]+)"')
_OG_TYPE = re.compile(r'og:type["\']?\s+content=["\']?([A-Za-z.]+)')
_PAGE_TYPES: dict[str, frozenset[str]] = {
    "article": frozenset({"Article", "NewsArticle", "BlogPosting", "ReportageNewsArticle", "article",
                          "OpinionNewsArticle", "AnalysisNewsArticle", "ScholarlyArticle", "Report"}),
    "product": frozenset({"Product", "Offer", "AggregateOffer", "IndividualProduct", "product",
                          "ProductGroup", "og:product", "product.item"}),
    "forum": frozenset({"DiscussionForumPosting", "QAPage", "Question", "Comment", "Answer"}),
    "listing": frozenset({"ItemList", "CollectionPage", "SearchResultsPage", "ListItem", "OfferCatalog"}),
    "service": frozenset({"LocalBusiness", "Organization", "Service", "ContactPage", "AboutPage", "FAQPage",
                          "Restaurant", "Store", "ProfessionalService", "MedicalBusiness"}),
    "doc": frozenset({"TechArticle", "APIReference", "HowTo", "SoftwareSourceCode", "SoftwareApplication"}),
}
_DOC_MARKS = ("readthedocs", "sphinx", "mkdocs", "docusaurus", "docsearch", "gitbook")
_FORM_OR_CODE = re.compile("<(?:form|pre|code)").findall


@dataclass(frozen=True, slots=True)
class PageHints:
    """What the raw markup declares about the page as a whole."""

    types: tuple[int, ...]  # one flag per _PAGE_TYPES entry
    forms: int
    code: int  # <pre> and <code> elements
    # The page-type model's probability of each of PAGE_TYPES (page_type.PageType.probabilities);
    # missing (NaN columns) when not given.
    page_type: tuple[float, ...] = ()


def page_hints(markup: str, page_type: Sequence[float] = ()) -> PageHints:
    head = markup[:600_000]
    declared: set[str] = set()
    at = head.find('"@type"')
    while at >= 0 and len(declared) < 40:
        match = _TYPE_VALUE.match(head, at)
        if match:
            declared.add(match.group(1))
        at = head.find('"@type"', at + 7)
    at = head.find("og:type")
    og = _OG_TYPE.match(head, at) if at >= 0 else None
    if og:
        declared.add(og.group(1))
    types = [int(not declared.isdisjoint(names)) for names in _PAGE_TYPES.values()]
    if not types[-1]:
        lowered = head[:20_000].lower()
        types[-1] = int(any(mark in lowered for mark in _DOC_MARKS))
    # One scan for the three (an occurrence of one never overlaps another's: each starts at its "<").
    tags = _FORM_OR_CODE(head)
    forms = tags.count("<form")
    return PageHints(tuple(types), forms, len(tags) - forms, tuple(page_type))


_BLOCK_COLUMNS = [
    "log_chars", "log_words", "link_density", "link_first", "tag", "parent_tag", "depth", "position",
    "char_position", "rules_kept", "in_container", "chrome", "punct_per_word", "sentence_end",
    "digit_share", "avg_word_len", "starts_upper", "date_line", "call_to_action", "rail_heading",
    "comment_heading", "like_text", "further_heading", "heading", "repeats", "title_share",
    "title_cover", "description_share", "item_run", "item_run_near", "owner_share", "parent_share",
    "grand_share", "parent_links", "grand_links", "before_h1", "h1_distance", "after_kept",
    "before_kept", "kept_gap", "after_comment_heading", "after_rail_heading", "after_further_heading",
    "window_chars", "window_links", "siblings_kept",
]
_NEIGHBOUR_COLUMNS = [f"{side}{k}_{name}" for side, k in (("prev", 1), ("next", 1), ("prev", 2), ("next", 2))
                      for name in ("log_chars", "link_density", "rules_kept", "heading")]
_PAGE_COLUMNS = ["page_blocks", "page_chars", "page_links", "page_forms", "page_prices", "page_code",
                 "page_articles", "page_li_share", "page_headings", "page_kept_share", "page_thin",
                 "page_max_run",
                 *(f"page_type_{t}" for t in _PAGE_TYPES),
                 # what the page-type model reads the page as (not what it declares)
                 *(f"page_type_p_{t}" for t in PAGE_TYPES)]
ROWS_VERSION = 4  # raise it whenever a feature's meaning changes (train.py keys its cached rows on it)
FEATURES = (_BLOCK_COLUMNS + _NEIGHBOUR_COLUMNS + [f"own_{b}" for b in _BIT_NAMES]
            + [f"near_{b}" for b in _BIT_NAMES] + [f"anc_{b}" for b in _BIT_NAMES] + _PAGE_COLUMNS
            + HIDDEN_FEATURES)
CATEGORICAL = [FEATURES.index("tag"), FEATURES.index("parent_tag")]


def _words(text: str) -> set[str]:
    return set(_WORD.findall(text.casefold()))


def _share(words: list[set[str]], reference: set[str]) -> npt.NDArray[np.float32]:
    if not reference:
        return np.zeros(len(words), np.float32)
    return np.array([len(w & reference) / len(w) if w else 0.0 for w in words], np.float32)


def _kept_gap(kept_idx: npt.NDArray[np.int64], n: int) -> npt.NDArray[np.float64]:
    """Each block's distance to the nearest kept block, at most 50 (50 when none is kept): the nearer
    of the kept blocks just before and just after it, found by binary search (not a block-by-kept
    matrix, which grows with the square of the page)."""
    if not len(kept_idx):
        return np.full(n, 50.0)
    index = np.arange(n)
    after = np.searchsorted(kept_idx, index)
    before = kept_idx[np.maximum(after - 1, 0)]
    following = kept_idx[np.minimum(after, len(kept_idx) - 1)]
    gap: npt.NDArray[np.float64] = np.minimum(np.minimum(np.abs(index - before), np.abs(index - following)),
                                              50).astype(np.float64)
    return gap


def _bits(values: npt.NDArray[np.int64]) -> npt.NDArray[np.float32]:
    return ((values[:, None] >> np.arange(_N_BITS)) & 1).astype(np.float32)


def block_features(flat: Flat, choice: Choice, hints: PageHints, title: str | None,
                   description: str | None) -> npt.NDArray[np.float32]:
    """One row of FEATURES per block of `flat`, in document order."""
    tags, parents, names, blocks = flat.tags, flat.parents, flat.names, flat.blocks
    n_el, n = len(tags), len(blocks)
    # Elements, top down (parents come first): depth, own and inherited bits. A page repeats its
    # class names, so each distinct one is looked up once.
    named = {name: name_bits(name) for name in set(names)}
    tag_bits = _TAG_BITS
    own = [named[name] | tag_bits.get(tag, 0) for name, tag in zip(names, tags, strict=True)]
    anc = own.copy()
    depth = [0] * n_el
    for i, p in enumerate(parents):
        if p >= 0:
            anc[i] = anc[p] | own[i]
            depth[i] = depth[p] + 1
    parent_of = np.array(parents, np.int64)
    has_parent = parent_of >= 0
    grand_of = np.where(has_parent, parent_of[np.maximum(parent_of, 0)], -1)
    own_array = np.array(own, np.int64)
    near_array = (own_array | np.where(has_parent, own_array[np.maximum(parent_of, 0)], 0)
                  | np.where(grand_of >= 0, own_array[np.maximum(grand_of, 0)], 0))
    # Text and link characters under each element: the subtree of i is [i, ends[i]).
    texts = [b.text for b in blocks]
    owners = [b.owner for b in blocks]
    owner_of = np.array(owners, np.int64)
    lengths64 = np.array([len(t) for t in texts], np.int64)
    link_chars64 = np.array([b.link_chars for b in blocks], np.int64)
    ends = np.array(flat.ends, np.int64)
    starts = np.arange(n_el)
    size_sums = np.concatenate([[0], np.cumsum(np.bincount(owner_of, lengths64, n_el).astype(np.int64))])
    link_sums = np.concatenate([[0], np.cumsum(np.bincount(owner_of, link_chars64, n_el).astype(np.int64))])
    sizes_array = size_sums[ends] - size_sums[starts] if n_el else np.zeros(0, np.int64)
    links_array = link_sums[ends] - link_sums[starts] if n_el else np.zeros(0, np.int64)
    sizes = sizes_array.tolist()
    # Runs of sibling items of one kind (a list of posts, of products, of comments).
    runs = Counter(compress(zip(parents, tags, names, strict=True), sizes))
    total = max(sizes[0] if n_el else 0, 1)

    kept = np.zeros(n, np.float32)
    kept[choice.kept] = 1.0
    container = choice.container
    lengths = lengths64.astype(np.float32)
    link_chars = link_chars64.astype(np.float32)
    n_words = np.array([t.count(" ") + 1 for t in texts], np.float32)
    heading = np.array([b.tag in HEADINGS for b in blocks], np.float32)
    word_sets = [_words(t) if len(t) < 2000 else set() for t in texts]
    title_words = _words(title or "")
    repeats = Counter(texts)
    first_h1 = next((i for i, b in enumerate(blocks) if b.tag == "h1"), -1)
    kept_idx = np.flatnonzero(kept)
    first_kept, last_kept = (int(kept_idx[0]), int(kept_idx[-1])) if len(kept_idx) else (n, -1)

    # Per element: its run, and the tag code; then gathered for each block's element, parent and
    # grandparent (-1 stands for "none": the page's top has no parent).
    run_of = np.array(list(map(runs.__getitem__, zip(parents, tags, names, strict=True))), np.int64)
    code_of = np.array(list(map(_TAG_CODES.get, tags, repeat(0, n_el))), np.int64)
    p_of = parent_of[owner_of]
    has_p = p_of >= 0
    p_safe = np.maximum(p_of, 0)
    g_of = np.where(has_p, parent_of[p_safe], -1)
    has_g = g_of >= 0
    g_safe = np.maximum(g_of, 0)
    total64 = float(total)
    sizes_f = sizes_array.astype(np.float64)
    links_f = links_array.astype(np.float64)
    item_run = run_of[owner_of]
    item_near = np.maximum(item_run, np.maximum(np.where(has_p, run_of[p_safe], 0),
                                                np.where(has_g, run_of[g_safe], 0)))
    kept_under = np.bincount(parent_of[owner_of[np.array(choice.kept, np.int64)]] + 1, minlength=n_el + 1)
    # Headings and datelines are short (under 80 characters), calls to action and share widgets
    # under 200: longer texts are not searched.
    rail_match, further_match = _RAIL_HEADING.match, _FURTHER_HEADING.match
    is_comment = searched(_COMMENT_HEADING, texts, 80, _COMMENT_WORDS)
    is_rail = [len(t) < 80 and rail_match(t) is not None for t in texts]
    is_further = [len(t) < 80 and further_match(t) is not None for t in texts]
    index_int = np.arange(n)

    def since(flags: list[bool]) -> npt.NDArray[np.int64]:
        """Blocks since the last flagged block after the first kept one (-1: none yet)."""
        at = np.flatnonzero(np.array(flags, bool) & (index_int > first_kept))
        last = np.searchsorted(at, index_int, side="left") - 1
        return np.where(last >= 0, index_int - at[np.maximum(last, 0)], -1) if len(at) else np.full(n, -1)

    a = np.empty((n, 27), np.float32)
    a[:, 0] = code_of[owner_of]
    a[:, 1] = np.where(has_p, code_of[p_safe], 0)
    a[:, 2] = np.array(depth, np.int64)[owner_of]
    a[:, 3] = ((owner_of >= container) & (owner_of < ends[container])) if container >= 0 else 0
    a[:, 4] = np.array(choice.chrome, bool)[owner_of]
    a[:, 5] = list(map(len, map(_PUNCTUATION.findall, texts)))
    a[:, 6] = [t.endswith(_SENTENCE_END) for t in texts]
    a[:, 7] = list(map(len, map(_DIGIT.findall, texts)))
    a[:, 8] = [t[:1].isupper() for t in texts]
    a[:, 9] = [len(t) < 80 and _DATE_LINE.match(t) is not None for t in texts]
    a[:, 10] = searched(_CALL_TO_ACTION, texts, 200, _CALL_WORDS)
    a[:, 11] = is_rail
    a[:, 12] = is_comment
    a[:, 13] = searched(_LIKE_TEXT, texts, 200, _LIKE_WORDS)
    a[:, 14] = is_further
    a[:, 15] = list(map(repeats.__getitem__, texts))
    a[:, 16] = item_run
    a[:, 17] = item_near
    a[:, 18] = sizes_f[owner_of] / total64
    a[:, 19] = np.where(has_p, sizes_f[p_safe] / total64, 1.0)
    a[:, 20] = np.where(has_g, sizes_f[g_safe] / total64, 1.0)
    a[:, 21] = np.where(has_p, links_f[p_safe] / np.maximum(sizes_f[p_safe], 1), 0.0)
    a[:, 22] = np.where(has_g, links_f[g_safe] / np.maximum(sizes_f[g_safe], 1), 0.0)
    a[:, 23] = since(is_comment)
    a[:, 24] = since(is_rail)
    a[:, 25] = since(is_further)
    a[:, 26] = np.where(has_p, kept_under[p_of + 1], 0)
    index = np.arange(n, dtype=np.float32)
    cumulative = np.cumsum(lengths) - lengths
    page_chars = float(lengths.sum()) or 1.0
    padded = np.concatenate([np.zeros(3, np.float32), lengths, np.zeros(3, np.float32)])
    window = np.convolve(padded, np.ones(7, np.float32), "valid")
    padded_links = np.concatenate([np.zeros(3, np.float32), link_chars, np.zeros(3, np.float32)])
    window_links = np.convolve(padded_links, np.ones(7, np.float32), "valid") / np.maximum(window, 1)
    link_density = link_chars / np.maximum(lengths, 1)
    block_cols = np.column_stack([
        np.log1p(lengths), np.log1p(n_words), link_density,
        np.array([b.link_first for b in blocks], np.float32),
        a[:, 0], a[:, 1], a[:, 2], index / max(n, 1), cumulative / page_chars, kept, a[:, 3], a[:, 4],
        a[:, 5] / n_words, a[:, 6], a[:, 7] / np.maximum(lengths, 1), lengths / n_words, a[:, 8],
        a[:, 9], a[:, 10], a[:, 11], a[:, 12], a[:, 13], a[:, 14], heading, a[:, 15],
        _share(word_sets, title_words),
        np.array([len(w & title_words) / len(title_words) if title_words else 0.0 for w in word_sets],
                 np.float32),
        _share(word_sets, _words(description or "")),
        np.log1p(a[:, 16]), np.log1p(a[:, 17]), a[:, 18], a[:, 19], a[:, 20], a[:, 21], a[:, 22],
        (index < first_h1).astype(np.float32) if first_h1 >= 0 else np.zeros(n, np.float32),
        (index - first_h1) / max(n, 1) if first_h1 >= 0 else np.full(n, -2.0, np.float32),
        np.maximum(index - last_kept, 0) if last_kept >= 0 else np.full(n, -1.0, np.float32),
        np.maximum(first_kept - index, 0),
        _kept_gap(kept_idx, n),
        a[:, 23], a[:, 24], a[:, 25], np.log1p(window), window_links, a[:, 26],
    ])
    base = np.column_stack([np.log1p(lengths), link_density, kept, heading])
    neighbours = []
    for shift in (1, -1, 2, -2):  # previous, next, two before, two after
        rolled = np.roll(base, shift, axis=0)
        if shift > 0:
            rolled[:shift] = -1
        else:
            rolled[shift:] = -1
        neighbours.append(rolled)
    group_bits = np.hstack([_bits(own_array[owner_of]), _bits(near_array[owner_of]),
                            _bits(np.array(anc, np.int64)[owner_of])])
    li_share = sum(1 for b in blocks if b.tag == "li") / max(n, 1)
    page = np.array([
        np.log1p(n), np.log1p(page_chars), float(link_chars.sum()) / page_chars, hints.forms,
        np.log1p(len(_PRICE.findall(" ".join(texts)))), np.log1p(hints.code),
        tags.count("article"), li_share, float(heading.sum()),
        float(lengths[kept_idx].sum()) / page_chars if len(kept_idx) else 0.0, float(choice.thin),
        np.log1p(max(runs.values(), default=0)), *hints.types,
        *(hints.page_type if len(hints.page_type) == len(PAGE_TYPES) else [np.nan] * len(PAGE_TYPES))],
        np.float32)
    return np.hstack([block_cols, *neighbours, group_bits, np.broadcast_to(page, (n, len(page))),
                      hidden_features(flat, choice.kept)]).astype(np.float32)
