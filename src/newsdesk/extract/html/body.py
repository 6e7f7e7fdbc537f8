"""The article body: find the element that holds the most article-like text, then keep its good blocks.

Each block gets a weight: prose counts for its length, link lists, boilerplate-marked regions and
short fragments count against. The container is the element whose subtree has the largest total
weight (a maximum-subtree-sum over the DOM), so an article split by an advert is still taken whole
while the navigation and comments beside it are left out. Inside it, blocks are filtered again.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from itertools import pairwise

from newsdesk.extract.html.dom import HEADINGS, Block, Flat

# Class/id words of page chrome, matched against the words of a class or id (split on "-", "_",
# spaces and camelCase) and against each pair of adjacent words run together ("author-bio").
# Words that mark page chrome wherever they stand.
_BOILER_WORDS = frozenset("""
comment comments commentlist respond disqus related relatedposts relatedarticles relatedstories
recommended recommendations newsletter newsletters subscribe subscription subscribebox signup footer
nav navbar navigation menu breadcrumb breadcrumbs sponsor sponsored advert advertisement advertising ad
ads adslot adunit adcontainer adwrapper inlinead popup modal cookie cookies gdpr consent pagination
pager outbrain taboola mostpopular mostread readnext upnext morestories morefrom youmayalsolike
skiplink authorbio authorbox authorinfo authorcard abouttheauthor biobox copyright
""".split())
# Words that mark chrome only on an element without prose of its own: a `<div class="entry share">`
# holding the article's paragraphs is the article, whatever its share buttons made it be called.
# ("legend", "legende": the other name of an image caption.)
_WEAK_WORDS = frozenset("""
share shares sharing sharebar sharetools social socials sociallinks sidebar widget widgets tags
tagcloud banner popular trending caption credit credits byline print header masthead promo promotion
timestamp dateline toolbar rss disclaimer paywall readmore alsolike legend legende
""".split())
_GOOD_WORDS = frozenset("""
articlebody storybody postbody entrycontent postcontent articlecontent storycontent articletext
maincontent bodytext contentbody
""".split())
_CONTENT_WORDS = frozenset("article body content main column story post entry text".split())
_MODIFIERS = frozenset("has with w no non not without and".split())
_CHROME_TAGS = frozenset({"nav", "aside", "footer", "menu"})
_CHROME_IF_SMALL = frozenset({"form", "fieldset"})
_NEVER_CHROME = frozenset({"html", "body", "main"})
_NAME_WORDS = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|[0-9]+")


def name_words(name: str) -> list[str]:
    return [word.lower() for word in _NAME_WORDS.findall(name)]


NOT_CHROME, WEAK_CHROME, CHROME = 0, 1, 2
_NAME_CACHE: dict[str, int] = {}


def name_chrome(name: str) -> int:
    """How surely a class/id name says page chrome. (Cached: pages and sites reuse their names.)"""
    known = _NAME_CACHE.get(name)
    if known is None:
        if len(_NAME_CACHE) > 50_000:
            _NAME_CACHE.clear()
        known = _NAME_CACHE[name] = _name_chrome(name)
    return known


def name_says_body(name: str) -> bool:
    """`entry-content`, `article-body` and their kin: the template's own word for the body."""
    words = name_words(name)
    return any(a + b in _GOOD_WORDS for a, b in pairwise(words))


def name_is_boiler(name: str) -> bool:
    return name_chrome(name) != NOT_CHROME


def _name_chrome(name: str) -> int:
    words = name_words(name)
    if not words:
        return NOT_CHROME
    pairs = [a + b for a, b in pairwise(words)]
    if any(pair in _GOOD_WORDS for pair in pairs):
        return NOT_CHROME
    layout = any(word in _CONTENT_WORDS for word in words)
    found = NOT_CHROME
    for i, word in enumerate(words):
        # "has-sidebar", "no-comments", "with-ads": layout modifiers of the page, not chrome.
        if i and words[i - 1] in _MODIFIERS:
            continue
        if word in _BOILER_WORDS or (i and pairs[i - 1] in _BOILER_WORDS):
            return CHROME
        if word in _WEAK_WORDS and not layout:
            found = WEAK_CHROME
    return found


def subtree_text(flat: Flat) -> tuple[list[int], list[int]]:
    """Characters of text, and of prose (long blocks with few links), under each element."""
    sizes = [0] * len(flat.tags)
    prose = [0] * len(flat.tags)
    for block in flat.blocks:
        length = len(block.text)
        sizes[block.owner] += length
        if length >= 100 and block.link_chars < 0.2 * length:
            prose[block.owner] += length
    for i in range(len(sizes) - 1, 0, -1):
        parent = flat.parents[i]
        if parent >= 0:
            sizes[parent] += sizes[i]
            prose[parent] += prose[i]
    return sizes, prose


def mark_chrome(flat: Flat, start: int = 0) -> list[bool]:
    """For each element: is it, or is any ancestor, page chrome by its tag or its class/id?

    An element holding most of the page's text is never chrome by its name alone: a `<body
    class="logged-out unsubscribed">` or an `<article class="has-comments">` is the page itself.
    """
    sizes, prose = subtree_text(flat)
    cap = 0.4 * sizes[start] if sizes else 0
    chrome = mark_cards(flat, sizes) if start == 0 else [False] * len(flat.tags)
    for i in range(start + 1 if start else 0, flat.ends[start] if flat.tags else 0):
        if chrome[i]:
            continue
        parent = flat.parents[i]
        tag = flat.tags[i]
        if parent > start and chrome[parent]:
            chrome[i] = True
        elif tag in _NEVER_CHROME:
            continue
        elif tag in _CHROME_TAGS:
            chrome[i] = True
        elif sizes[i] < cap:
            if tag in _CHROME_IF_SMALL:
                chrome[i] = True
            else:
                level = name_chrome(flat.names[i])
                chrome[i] = level == CHROME or (level == WEAK_CHROME and prose[i] < 500)
    return chrome


def mark_cards(flat: Flat, sizes: list[int]) -> list[bool]:
    """Teaser cards: small elements, mostly a headline link, often with a summary and a date.

    An element is a card when it holds under 600 characters, a quarter or more of them link text,
    in two or more blocks (a linked headline, then a summary). Lists of them are "related",
    "more from" and "latest" rails; their summaries are real prose, so only the shape gives them away.
    """
    links = [0] * len(flat.tags)
    counts = [0] * len(flat.tags)
    headline = [False] * len(flat.tags)  # a card never holds the page's <h1>
    for block in flat.blocks:
        links[block.owner] += block.link_chars
        counts[block.owner] += 1
        headline[block.owner] = headline[block.owner] or block.tag == "h1"
    for i in range(len(links) - 1, 0, -1):
        parent = flat.parents[i]
        if parent >= 0:
            links[parent] += links[i]
            counts[parent] += counts[i]
            headline[parent] = headline[parent] or headline[i]
    # A run of three or more sibling items of one kind, each a linked headline with prose around it,
    # is a teaser list however long the summaries are.
    teaser_items: dict[tuple[int, str, str], list[int]] = {}
    for i, parent in enumerate(flat.parents):
        if (parent >= 0 and counts[i] >= 2 and 0 < sizes[i] < 1000 and links[i] >= 0.1 * sizes[i]
                and flat.tags[i] not in ("p", "blockquote")):
            teaser_items.setdefault((parent, flat.tags[i], flat.names[i]), []).append(i)
    listed = {i for items in teaser_items.values() if len(items) >= 3 for i in items}
    cards = [False] * len(flat.tags)
    for i, parent in enumerate(flat.parents):
        if parent >= 0 and cards[parent]:
            cards[i] = True
        elif i in listed or (0 < sizes[i] < 600 and counts[i] >= 2 and links[i] >= 0.25 * sizes[i]
                             and flat.tags[i] not in ("p", "blockquote")):
            cards[i] = not headline[i] and not name_says_body(flat.names[i])
    return cards


def block_weight(block: Block, chrome: bool) -> float:
    length = len(block.text)
    if chrome:
        return -length
    if block.tag in HEADINGS:
        return 0.0
    if length < 40 and not block.text.endswith((".", "!", "?", ":", '"', "”")):
        return -0.5 * length
    return length - 2.0 * block.link_chars


# Against the container, chrome and fragments count at three quarters of their length: an article
# interrupted by a share bar or an advert is still taken whole.
_NEGATIVE_SHARE = 0.75


def subtree_weights(flat: Flat, chrome: list[bool]) -> list[float]:
    totals = [0.0] * len(flat.tags)
    for block in flat.blocks:
        w = block_weight(block, chrome[block.owner])
        totals[block.owner] += w if w > 0 else w * _NEGATIVE_SHARE
    # Children come after their parents in document order: one reverse sweep sums every subtree.
    for i in range(len(totals) - 1, 0, -1):
        parent = flat.parents[i]
        if parent >= 0:
            totals[parent] += totals[i]
    return totals


_LEAF_BLOCKS = frozenset({"p", "pre", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "li", "dd", "td"})


# A descendant holding all but a tenth of the container's weight is the tighter container: the tenth
# is stray text of the columns around the article (a donation box, a "related" heading, a widget).
_NEAR_TIE = 0.1


def choose_container(flat: Flat, totals: list[float]) -> int:
    best, best_total = 0, float("-inf")
    for i, total in enumerate(totals):
        if total >= best_total:  # on a tie the deeper element wins: it holds the same text with less chrome
            best, best_total = i, total
    # Narrow to the deepest near-tie, but never past a paragraph of prose: text above the narrower
    # box (a standfirst, a first paragraph set apart) belongs to the article.
    floor = (1 - _NEAR_TIE) * best_total
    for i, total in enumerate(totals[best + 1 : flat.ends[best]], best + 1):
        if total >= floor and flat.inside(i, best):
            if _prose_between(flat, best, i):
                break
            best = i
    return best


def _prose_between(flat: Flat, outer: int, inner: int) -> bool:
    """Does `outer` hold a paragraph of prose before the first text of `inner`?"""
    for block in flat.blocks:
        if block.owner >= inner:
            return False
        if (block.owner >= outer and len(block.text) >= 80 and block.link_chars == 0
                and block.tag not in HEADINGS):
            return True
    return False


def _words(text: str) -> set[str]:
    return set(_WORD.findall(text.casefold()))


def lead_blocks(flat: Flat, container: int, chrome: list[bool], description: str | None) -> list[Block]:
    """Prose between the headline and the container: the lead, set apart by the template.

    A standfirst that repeats the page's description is the description (`Article.description`),
    not body.
    """
    headline = -1
    for index, block in enumerate(flat.blocks):
        if block.owner >= container:
            break
        if block.tag == "h1":
            headline = index
    if headline < 0:
        return []
    lead = []
    for block in flat.blocks[headline + 1 :]:
        if block.owner >= container:
            break
        if (not chrome[block.owner] and len(block.text) >= 80 and block.link_chars == 0
                and block.text.endswith((".", "!", "?", "…", '"', "”", "“", "»", "«"))):
            lead.append(block)
    if description:
        summary = _words(description)
        lead = [b for b in lead if len(_words(b.text) & summary) < 0.5 * len(_words(b.text))]
    return lead[-2:]


def add_siblings(flat: Flat, container: int, totals: list[float],
                 chrome: list[bool]) -> tuple[int, list[bool]]:
    """An article split over sibling boxes (intro, body, a second body after an advert) is one article.

    Siblings of the container worth a fifth of it join it: the container grows to their parent,
    and the parent's other children are left out.
    """
    parent = flat.parents[container]
    left_out = [False] * len(flat.tags)
    if parent < 0 or totals[container] <= 0:
        return container, left_out
    children = [i for i in range(parent + 1, flat.ends[parent]) if flat.parents[i] == parent]
    joined = [i for i in children if i == container or (
        not chrome[i] and totals[i] >= max(0.2 * totals[container], 100))]
    if len(joined) == 1:
        return container, left_out
    for child in children:
        if child not in joined:
            for i in range(child, flat.ends[child]):
                left_out[i] = True
    return parent, left_out


_WORD = re.compile(r"\w+")
_URL_TEXT = re.compile(r"^(https?://|www\.)\S+$")


def keep_block(block: Block, chrome: bool) -> bool:
    length = len(block.text)
    if chrome:
        return False
    density = block.link_chars / length
    # Inside the body, a bare URL or an embedded post (a blockquote) is text, not a link list.
    return density <= 0.5 or (density < 0.8 and length > 100) or _URL_TEXT.match(block.text) is not None


# Headings that open the page's own rails ("Related", "You may also like"): nothing after them is body.
# The whole heading must be the phrase, give or take a word for what is listed ("Related stories",
# "Popular now"): "Popular Bougainvillea varieties" is a section of the article, not a rail.
_RAIL_HEADING = re.compile(
    r"^(related|recommended|more (from|on|in|about|stories|news)\b.*|read (more|next|also)|you (may|might) "
    r"(also )?(like|enjoy)|also (read|see)|latest|popular|most (read|popular|viewed|shared)|"
    r"trending|comments?|\d+ comments?|leave a (comment|reply)|share this|sponsored|around the web|"
    r"from (our|the) partners|about the author|über den autor|schlagwörter|à propos de l'auteur|"
    r"sobre el autor|sobre o autor|weitere artikel|das könnte sie auch interessieren|mehr zum thema|"
    r"lesen sie auch|articles? (liés|similaires)|à lire aussi|lire aussi|voir aussi|leia (também|mais)|"
    r"você pode gostar|veja também|artículos relacionados|te puede interesar|lee también|"
    r"notizie correlate|leggi anche|gerelateerde artikelen|lees ook|похожие|читайте также)"
    r"(\s+(articles?|stories|posts|news|content|coverage|links|reading|videos?|now|today|on \S+))?"
    r"\s*[:.…]*$",
    re.IGNORECASE,
)


_MONTHS = (r"(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?")
_DATE_LINE = re.compile(
    r"^\W*((published|updated|posted|last updated|modified|date)\b[^a-z0-9]*)?"
    r"((mon|tue|wed|thu|fri|sat|sun)[a-z]*,?\s+)?"
    r"(\d{1,2}:\d{2}\s*([ap]\.?m\.?)?\s*\W*\s*)?"
    rf"({_MONTHS}\s+\d{{1,2}},?\s+\d{{4}}|\d{{1,2}}\.?\s+{_MONTHS},?\s+\d{{4}}|\d{{4}}-\d{{2}}-\d{{2}}|"
    r"\d{1,2}[/.]\d{1,2}[/.]\d{2,4})"
    r"([\s,|•·at-]*\d{1,2}:\d{2}(:\d{2})?\s*([ap]\.?m\.?)?\s*([a-z]{2,5}|[+-]\d{2}:?\d{2})?)?\W*$",
    re.IGNORECASE,
)


_CALL_TO_ACTION = re.compile(
    r"\b(sign(ing)? up|subscribe|newsletter|download (the|our)\b.*\bapps?\b|\bapp\b.*\b(download|install)|"
    r"(telegram|whatsapp)\S*\s+(channel|kanal|canal)|canal de (telegram|whatsapp)|abonnieren|"
    r"melde dich|suscr[ií]bete|abonnez-vous|inscrivez-vous|iscriviti|assine)\b",
    re.IGNORECASE,
)


def nested_items(flat: Flat, container: int) -> list[bool]:
    """`<article>` elements inside the chosen one are other items (teasers, related posts)."""
    nested = [False] * len(flat.tags)
    for i in range(container + 1, flat.ends[container]):
        parent = flat.parents[i]
        nested[i] = nested[parent] or flat.tags[i] == "article"
    return nested


def figure_parts(flat: Flat, container: int) -> list[bool]:
    """Photo captions and credits: the article's, but not its body."""
    parts = [False] * len(flat.tags)
    for i in range(container + 1, flat.ends[container]):
        parts[i] = parts[flat.parents[i]] or flat.tags[i] in ("figure", "figcaption")
    return parts


def within_article(flat: Flat, element: int) -> bool:
    while element >= 0:
        if flat.tags[element] == "article":
            return True
        element = flat.parents[element]
    return False


@dataclass(slots=True)
class Choice:
    """What the rules decided for a page: the blocks they keep, the container and the chrome marks.

    The learned extractor (learned.py) reads these as features of each block.
    """

    kept: list[int]  # indices into flat.blocks, in the order they make the body
    container: int  # -1 when the page has no blocks
    chrome: list[bool]
    thin: bool  # the container gave under 300 characters and the prose fallback was taken


def extract_body(flat: Flat, description: str | None = None) -> str:
    """The body text, paragraphs separated by a blank line; a fallback when the container is thin."""
    return body_text(flat, choose_blocks(flat, description).kept)


def body_text(flat: Flat, kept: list[int]) -> str:
    return unicodedata.normalize("NFC", "\n\n".join(flat.blocks[i].text for i in kept))


def choose_blocks(flat: Flat, description: str | None = None) -> Choice:
    """The rules' choice of body blocks; a fallback to every prose block when the container is thin.
    The rules read the page as shown: on a page flattened with its hidden elements they decide on
    Flat.visible(), and their choice is given back in `flat`'s numbering (hidden elements are never
    kept, never chrome, never the container)."""
    if flat.hidden_elements:
        view, block_map, element_map = flat.visible()
        shown = _choose_shown(view, description)
        chrome = [False] * len(flat.tags)
        for element, is_chrome in zip(element_map, shown.chrome, strict=True):
            chrome[element] = is_chrome
        return Choice([block_map[i] for i in shown.kept],
                      element_map[shown.container] if shown.container >= 0 else -1, chrome, shown.thin)
    return _choose_shown(flat, description)


def _choose_shown(flat: Flat, description: str | None) -> Choice:
    if not flat.blocks:
        return Choice([], -1, [False] * len(flat.tags), False)
    chrome = mark_chrome(flat)
    kept, container = _container_body(flat, description, chrome)
    size = len(unicodedata.normalize("NFC", "\n\n".join(flat.blocks[i].text for i in kept)))
    if size < 300:
        # A thin result usually means the page has no single article element (a gallery, a page
        # of sections); every prose block outside the chrome is then a better guess.
        prose = [i for i, b in enumerate(flat.blocks)
                 if not chrome[b.owner] and len(b.text) >= 60 and b.link_chars < 0.3 * len(b.text)]
        fallback = sum(len(flat.blocks[i].text) for i in prose) + 2 * max(len(prose) - 1, 0)
        if fallback > 2 * size:
            return Choice(prose, container, chrome, True)
    return Choice(kept, container, chrome, False)


def _container_body(flat: Flat, description: str | None, chrome: list[bool]) -> tuple[list[int], int]:
    totals = subtree_weights(flat, chrome)
    container = choose_container(flat, totals)
    if flat.tags[container] in _LEAF_BLOCKS and flat.parents[container] >= 0:
        container = flat.parents[container]  # one paragraph is never the whole article
    container, left_out = add_siblings(flat, container, totals, chrome)
    # Chrome above the container does not count against what is inside it.
    inner_chrome = mark_chrome(flat, container) if chrome[container] else chrome
    blocks = flat.blocks
    position = {id(b): i for i, b in enumerate(blocks)}
    inside = [position[id(b)] for b in lead_blocks(flat, container, chrome, description)] + [
        i for i, b in enumerate(blocks) if flat.inside(b.owner, container) and not left_out[b.owner]
        and keep_block(b, inner_chrome[b.owner])]
    if within_article(flat, container):
        nested = nested_items(flat, container)
        outer = sum(len(blocks[i].text) for i in inside if not nested[blocks[i].owner])
        # One nested `<article>` holding more than everything around it is the article itself
        # (a post inside a page template), not a teaser.
        single = sum(1 for i in range(container + 1, flat.ends[container])
                     if nested[i] and not nested[flat.parents[i]]) == 1
        if outer >= 200 and not (single and sum(len(blocks[i].text) for i in inside) > 2 * outer):
            inside = [i for i in inside if not nested[blocks[i].owner]]
    captions = figure_parts(flat, container)
    inside = [i for i in inside if not captions[blocks[i].owner]]
    kept: list[int] = []
    size = 0
    rail = -1  # while set, the element whose remaining blocks belong to a "Related" rail
    for i in inside:
        block = blocks[i]
        if rail >= 0 and flat.inside(block.owner, rail):
            continue
        if block.tag == "h1" or _DATE_LINE.match(block.text):
            continue  # the headline and the dateline are metadata, not body
        if (size >= 200 and len(block.text) < 60 and _RAIL_HEADING.match(block.text)
                and (block.tag in HEADINGS or name_is_boiler(flat.names[block.owner]))):
            # The rail runs to the end of the heading's parent box, wherever that box stands.
            rail = max(flat.parents[block.owner], container)
            continue
        kept.append(i)
        size += len(block.text)
    # The template's sign-off after the last paragraph: "sign up to our newsletter", "download our
    # app", "join our Telegram channel". Only short paragraphs at the very end are taken for it.
    while len(kept) > 1 and len(last := blocks[kept[-1]].text) < 200 and _CALL_TO_ACTION.search(last):
        kept.pop()
    return kept, container
