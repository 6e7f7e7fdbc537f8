"""Shapes of page furniture that look like body to a block classifier: comment threads, like/share
widgets, reading lists. They are recognised by their shape, in any language:

* a reader-comment thread is a run of three or more sibling items of one kind, each holding prose,
  most with a date or a time and a reply/report link (or under a box named for comments, or after a
  comment heading), after the article's own text; a forum page, whose posts are the content, has
  no article text before its posts and keeps them. comment_threads finds them, and how much
  article text comes before each, also for the second stage of the model (stack.py: its features);
* a like/share widget is a short block of its stock phrases ("Like this:", "%d bloggers like this",
  "Share this:") or a short block in a box named for sharing; an advertisement's label ("Advertisement",
  "Anzeige", "Publicité", ...) alone in its block is never body;
* a body never ends with a heading, a label ending in a colon, or a "Further reading"/"Related"
  heading followed only by links or list items; but a run of headings of one tag at its end is a
  list of items named by their headings (a collection's products), which stays;
* a body says nothing twice: a passage the template prints again (a copy laid out for another
  screen, a post quoted in full by the reply under it) is kept once, and a table of contents, whose
  links repeat the headings below them, gives way to those headings (`without_copies`).
"""

from __future__ import annotations

import re
from collections import defaultdict

from newsdesk.extract.html.blocks import _GROUP_NAMES, name_bits
from newsdesk.extract.html.body import _RAIL_HEADING
from newsdesk.extract.html.dom import HEADINGS, Flat
from newsdesk.extract.html.keyword_search import searched

_COMMENT_BIT = 1 << _GROUP_NAMES.index("comment")
_SHARE_BIT = 1 << _GROUP_NAMES.index("share")
_DATE_OR_TIME = re.compile(
    r"\b\d{1,2}:\d{2}\b|\b\d{1,2}\.\s?\d{1,2}\.\s?\d{2,4}\b|\b\d{1,2}\.?\s+\w+\.?\s+(19|20)\d{2}\b|"
    r"\b\w+\.?\s+\d{1,2},?\s+(19|20)\d{2}\b|\b(19|20)\d{2}-\d{2}-\d{2}\b|\b\d+\s*(min|mins|minutes?|hours?|"
    r"hrs?|days?|weeks?|months?|years?)\s+ago\b|\bvor\s+\d+\s+\w+|\bil y a\b|\bhace\s+\d+|\b\d+\s*[hd]\b",
    re.IGNORECASE)
_REPLY = re.compile(
    r"^\W*(reply|replies|antworten|antwort|répondre|repondre|responder|rispondi|beantwoorden|reageer|"
    r"odpowiedz|ответить|svara|svar|vastaa|yanıtla|odpovědět|válasz|report|melden|signaler|denunciar|"
    r"segnala|quote|zitieren|citer|citar|like|gefällt mir|j'aime|me gusta|mi piace|permalink|link)\b",
    re.IGNORECASE)
_COMMENT_HEADING = re.compile(
    r"\b(comments?|kommentare?|leserkommentare|leserbeiträge|lesermeinungen|commentaires?|comentarios?|"
    r"commenti|reacties|komentarze?|коммент\w*|responses|replies|reactions|discussion|diskussion|"
    r"leave a reply|join the conversation)\b", re.IGNORECASE)
_WIDGET = re.compile(
    r"%d|\b(like this|likes this|be the first to like|bloggers? like|gefällt (mir|das)|bloggern gefällt|"
    r"j'aime|aiment cela|me gusta|mi piace|share this|share on|teilen mit|partager|compartir|condividi|"
    r"loading\.\.\.|wird geladen|chargement)\b", re.IGNORECASE)
# For keyword_search.searched: a word of every match of _WIDGET on ASCII text, lower-cased.
_WIDGET_WORDS = ("%d", "like", "j'aime", "aiment cela", "me gusta", "mi piace", "share", "teilen mit",
                 "partager", "compartir", "condividi", "loading...", "wird geladen", "chargement")
# The label of an ad slot, alone in its block (the truth of 1 of WCXB-dev's 1,497 pages holds such a line).
_AD_LABEL = re.compile(
    r"^\W*(advertisements?|advertising|anzeigen?|werbung|publicité|publicidad|pubblicità|reklama|"
    r"advertentie|sponsored|ad)\W*$", re.IGNORECASE)
_FURTHER = re.compile(
    r"^(further reading|more reading|see also|read (more|also|next)|related( \w+)?|references|sources|"
    r"weiterlesen|weiterführende \w+|mehr zum thema|lesen sie auch|lire aussi|à lire aussi|"
    r"pour aller plus loin|voir aussi|lee también|ver también|leggi anche|leia também|lees ook|"
    r"you (may|might) also like)\s*[:.…]*$", re.IGNORECASE)
_ENDS_SENTENCE = (".", "!", "?", "…", '"', "”", "“", "»", "«", ")")


def comment_threads(flat: Flat, kept: set[int]) -> list[tuple[list[int], int]]:
    """Reader-comment-like threads (see the module's docstring): the item elements of each, and how
    many characters of `kept` blocks come before it (article text: on a forum page, none)."""
    return Furniture(flat).threads(kept)


class Furniture:
    """What of a page's shape tidy reads, found once per page: the comment-like threads (their items
    and first block; which blocks are kept only decides how much article text comes before each) and
    the like/share widget blocks. The model's second stage and the final tidy read the same."""

    __slots__ = ("_flat", "_threads", "_widgets")

    def __init__(self, flat: Flat) -> None:
        self._flat = flat
        self._threads: list[tuple[list[int], int]] | None = None
        self._widgets: list[bool] | None = None

    def threads(self, kept: set[int] | list[int]) -> list[tuple[list[int], int]]:
        """comment_threads(flat, kept)."""
        if self._threads is None:
            self._threads = thread_items(self._flat)
        if not self._threads:
            return []
        blocks = self._flat.blocks
        # Article text before a thread: the kept blocks before its first block.
        return [(items, sum(len(blocks[i].text) for i in kept if i < start))
                for items, start in self._threads]

    def widgets(self) -> list[bool]:
        """is_widget(flat, i) for every block."""
        if self._widgets is None:
            flat = self._flat
            texts = [block.text for block in flat.blocks]
            widgets = searched(_WIDGET, texts, 120, _WIDGET_WORDS)
            # A short block in a box named for sharing (its element, parent or grandparent); each
            # distinct class/id name is looked up once.
            sharing = {name for name in set(flat.names) if name_bits(name) & _SHARE_BIT}
            if sharing:
                names, parents = flat.names, flat.parents
                for i, (text, block) in enumerate(zip(texts, flat.blocks, strict=True)):
                    if len(text) < 60 and not widgets[i]:
                        element = block.owner
                        for _ in range(3):
                            if element < 0:
                                break
                            if names[element] in sharing:
                                widgets[i] = True
                                break
                            element = parents[element]
            self._widgets = widgets
        return self._widgets


def thread_items(flat: Flat) -> list[tuple[list[int], int]]:
    """The comment-like threads of the page, each as its item elements and its first block."""
    blocks = flat.blocks
    owned: dict[int, list[int]] = {}  # element -> its own blocks
    for index, block in enumerate(blocks):
        if (mine := owned.get(block.owner)) is None:
            owned[block.owner] = [index]
        else:
            mine.append(index)
    # Element -> its blocks (deep), each element entered at its first block, as a walk up from each
    # block in turn would enter it (the order of the groups below); only the set of blocks is read.
    under: dict[int, list[int]] = {}
    parents = flat.parents
    for owner, mine in owned.items():
        element = owner
        for _ in range(6):  # items sit a few levels above their paragraphs
            if element < 0:
                break
            if (deep := under.get(element)) is None:
                under[element] = mine.copy()
            else:
                deep.extend(mine)
            element = parents[element]
    groups: dict[tuple[int, str, str], list[int]] = defaultdict(list)
    for element, found in under.items():
        parent = flat.parents[element]
        if parent >= 0 and len(found) >= 2 and flat.tags[element] not in ("p", "span", "a", "b", "strong"):
            groups[(parent, flat.tags[element], _kind(flat.names[element]))].append(element)
    threads: list[tuple[list[int], int]] = []
    for (parent, _tag, _name), items in groups.items():
        if len(items) < 3:
            continue
        dated = replied = prose = 0
        for item in items:
            texts = [blocks[i].text for i in under[item]]
            dated += any(len(t) < 80 and _DATE_OR_TIME.search(t) is not None for t in texts)
            replied += any(len(t) < 40 and _REPLY.match(t) is not None for t in texts)
            prose += any(len(t) >= 40 for t in texts)
        if prose < 0.8 * len(items) or dated < 0.6 * len(items):
            continue
        named = _named_comment(flat, parent)
        start = min(under[items[0]])
        headed = any(len(blocks[i].text) < 60 and _COMMENT_HEADING.search(blocks[i].text)
                     for i in range(max(start - 3, 0), start))
        if not (replied >= 0.5 * len(items) or named or headed):
            continue
        threads.append((items, start))
    return threads


def _kind(names: str) -> str:
    """The kind of item an element's class/id names say it is: the first name without a digit. Items of
    one list differ in the rest (an id each, "comment-4711"; "even"/"odd", "depth-2", the author's
    name): a CMS puts the kind first and its modifiers after."""
    return next((name for name in names.split() if not any(c.isdigit() for c in name)), "")


def _named_comment(flat: Flat, element: int) -> bool:
    return _named_within(flat, element, _COMMENT_BIT, 4)


def _named_within(flat: Flat, element: int, bit: int, steps: int) -> bool:
    """The element or one of its `steps - 1` nearest ancestors has a class/id name with `bit`."""
    for _ in range(steps):
        if element < 0:
            return False
        if name_bits(flat.names[element]) & bit:
            return True
        element = flat.parents[element]
    return False


def tidy(flat: Flat, kept: list[int], furniture: Furniture | None = None) -> list[int]:
    """`kept` without comment threads that follow article text, widgets and trailing reading lists
    (indices, in order). `furniture`: the page's, when already found (else found here)."""
    if not kept:
        return kept
    blocks = flat.blocks
    furniture = furniture or Furniture(flat)
    items = [item for found, before in furniture.threads(kept) if before >= 300 for item in found]
    if items:
        kept = [i for i in kept if not any(flat.inside(blocks[i].owner, item) for item in items)]
    widgets = furniture.widgets()
    kept = without_copies(flat, [i for i in kept if not widgets[i]
                                 and not (len(blocks[i].text) < 40 and _AD_LABEL.match(blocks[i].text))])
    # A "Further reading" heading followed only by links or short list items ends the body.
    size = 0
    for position, i in enumerate(kept):
        text = blocks[i].text
        if size >= 200 and len(text) < 60 and (_FURTHER.match(text) or _RAIL_HEADING.match(text)):
            rest = [blocks[j] for j in kept[position + 1:]]
            if all(b.link_chars >= 0.5 * len(b.text) or (b.tag == "li" and len(b.text) < 120) for b in rest):
                kept = kept[:position]
                break
        size += len(text)
    while len(kept) > 1 and _dangling(flat, kept[-1]) and not _item_headings(flat, kept):
        kept.pop()
    return kept


# A body that ends with this many headings of one tag in a row ends with a list of items named by
# their headings (a collection's products, a listing's entries), not with a heading left dangling.
_ITEM_HEADINGS = 3


def _item_headings(flat: Flat, kept: list[int]) -> bool:
    """The body ends with a run of at least _ITEM_HEADINGS headings of one tag, none of them a reading
    list's or a rail's, and the run is not introduced by a heading of its own ("Elsewhere in town"
    over four headlines: a rail of teasers): the items of a list, which are the body's end, not a
    heading with nothing after it."""
    if len(kept) < _ITEM_HEADINGS:
        return False
    tag = flat.blocks[kept[-1]].tag
    if tag not in HEADINGS:
        return False
    run = 0
    while run < len(kept) and flat.blocks[kept[-1 - run]].tag == tag:
        run += 1
    if run < _ITEM_HEADINGS or (run < len(kept) and flat.blocks[kept[-1 - run]].tag in HEADINGS):
        return False
    return (not any(_FURTHER.match(flat.blocks[i].text) or _RAIL_HEADING.match(flat.blocks[i].text)
                        for i in kept[-run:]))


_WORDS = re.compile(r"\w+")
# A copy is left out when its run of copies holds a block of this many words or this many words in
# all: a short line said again ("Read the review", "Price: $20") is the page's own repetition, a
# passage said again is a duplicate layout. (Chosen on the tuning folds 0-2 of WCXB-dev and checked
# on ScrapingHub; docs/benchmarks.md, "What the label oracle loses".)
_COPY_BLOCK_WORDS, _COPY_RUN_WORDS = 6, 20


def without_copies(flat: Flat, kept: list[int]) -> list[int]:
    """`kept` without the blocks that say again what an earlier kept block said (the same words, in
    the same order, case aside), and without table-of-contents entries (a link whose words are those
    of a heading kept after it). Only words said twice make a copy (three or more times they are
    the page's pattern), never a table cell. Copies are read in runs: consecutive blocks each
    repeating the block the same number of places before it (a passage printed twice); a run is
    left out when it is long enough (_COPY_*), so that short lines a page repeats stay."""
    blocks = flat.blocks
    keys = [" ".join(_WORDS.findall(blocks[i].text.casefold())) for i in kept]
    headings: dict[str, int] = {}  # a heading's words -> its last position in kept
    for position, (i, key) in enumerate(zip(kept, keys, strict=True)):
        if blocks[i].tag in HEADINGS and key:
            headings[key] = position
    contents = {position for position, (i, key) in enumerate(zip(kept, keys, strict=True))
                if blocks[i].tag not in HEADINGS and headings.get(key, -1) > position
                and 2 * blocks[i].link_chars >= len(blocks[i].text)}
    said: dict[str, int] = {}
    for position, key in enumerate(keys):
        if position not in contents:
            said[key] = said.get(key, 0) + 1
    last: dict[str, int] = {}
    offsets = [0] * len(kept)  # how far back the same words were kept, for a copy
    for position, key in enumerate(keys):
        # Words said three times or more are the page's pattern (a question put to each guest, a
        # day's plan, a table's values), as are repeated table cells: only a second saying is a copy.
        if position in contents or not key or said[key] > 2 or blocks[kept[position]].tag in ("td", "th"):
            continue
        if key in last:
            offsets[position] = position - last[key]
        last[key] = position
    dropped = set(contents)
    start = 0
    while start < len(kept):
        if not offsets[start]:
            start += 1
            continue
        end = start + 1
        while end < len(kept) and offsets[end] == offsets[start]:
            end += 1
        sizes = [len(keys[position].split()) for position in range(start, end)]
        if max(sizes) >= _COPY_BLOCK_WORDS or sum(sizes) >= _COPY_RUN_WORDS:
            dropped.update(range(start, end))
        start = end
    return [i for position, i in enumerate(kept) if position not in dropped] if dropped else kept


def is_widget(flat: Flat, index: int) -> bool:
    block = flat.blocks[index]
    if len(block.text) >= 120:
        return False
    if _WIDGET.search(block.text):
        return True
    return len(block.text) < 60 and _in_share_box(flat, block.owner)


def _in_share_box(flat: Flat, element: int) -> bool:
    """The element, its parent or its grandparent is named for sharing."""
    return _named_within(flat, element, _SHARE_BIT, 3)


def _dangling(flat: Flat, index: int) -> bool:
    """A heading or a label with nothing after it: never the last block of a body."""
    block = flat.blocks[index]
    text = block.text
    if len(text) >= 100:
        return False
    return block.tag in HEADINGS or text.endswith(":") or (
        len(text) < 60 and _FURTHER.match(text) is not None)
