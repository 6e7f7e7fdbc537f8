"""Guards run on raw markup before the HTML parser sees it.

lexbor's tree building slows down with the square of the nesting depth (100,000 nested `<div>`s
take minutes), so hostile nesting is cut to `max_depth` here, in one linear pass, keeping every
character of text. Ordinary pages are never touched: the pass only runs on pages with many tags.

It also slows down with the square of the attributes of one element (it checks each new attribute
against the element's others: 200,000 attributes on one element took 148 s), so `limit_attributes`
keeps at most `max_per_element` attributes on an element and `max_per_page` in the page, in one
linear pass over the start tags, and counts the elements (`max_html_nodes` reads the count).
Text is never touched; only attributes past the limits are dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from operator import itemgetter

# Elements that never hold children, and those the parser closes by itself when a sibling opens:
# neither deepens the tree.
_NOT_NESTING = frozenset("""
area base br col embed hr img input link meta param source track wbr p li dt dd tr td th option
thead tbody tfoot colgroup optgroup rp rt
""".split())
# A tag as the HTML tokenizer reads it: a comment (group 1), a bogus comment that runs to the next ">"
# ("<!x", "<?", "</" not followed by a letter: group 2), or a tag, "/" (group 3) and its name (group 4),
# whose attributes _SECTION reads (as in limit_attributes below; a raw text element's content is no tag).
_NESTING_START = re.compile(r"<(?:(!--)|([!?]|/(?![a-zA-Z]))|(/?)([a-zA-Z][^\s/>]*+))")
# A comment ends at "-->" or "--!>"; "<!-->" and "<!--->" are empty comments.
_NESTING_COMMENT_END = re.compile(r">|->|(?:[^-]*+-(?!-!?>))*+[^-]*+--!?>")
_STYLE_HIDING = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_NEVER_TEXT = frozenset(
    "script style template noscript textarea select button iframe object svg math".split())
# A page needs at least this many tags before nesting can cost the parser noticeable time.
_TAGS_WORTH_CHECKING = 8_000


def limit_nesting(markup: str, max_depth: int) -> str:
    """`markup` with every tag nested deeper than `max_depth` removed (its text stays), except that a
    too-deep element that hides itself (the `hidden` attribute, aria-hidden="true", an inline
    display:none or visibility:hidden) or holds no text of the page (a script, a style, a template,
    a control) is removed with everything in it: its text must not become shown text. Tags are read
    as the tokenizer reads them: nothing in a comment or a script counts as one."""
    if markup.count("<") < max(_TAGS_WORTH_CHECKING, max_depth):
        return markup
    pieces: list[str] = []
    depth = 0
    kept_until = 0
    changed = False
    dropping = 0  # the depth of a too-deep hidden element whose content is being dropped, else 0
    position = 0
    search, section = _NESTING_START.search, _SECTION.match
    while (match := search(markup, position)) is not None:
        if match.group(1) is not None:  # a comment
            closed = _NESTING_COMMENT_END.match(markup, match.end())
            position = closed.end() if closed else len(markup)
            continue
        if match.group(2) is not None:  # a bogus comment
            closed_at = markup.find(">", match.end())
            position = closed_at + 1 if closed_at >= 0 else len(markup)
            continue
        closing, name = match.group(3), match.group(4).lower()
        begin = match.end()
        matched = section(markup, begin)
        end = matched.end() if matched else begin
        self_closing = end > begin and markup[end - 1] == "/"
        position = tag_end = end + 1 if end < len(markup) else end
        if not closing and (raw := _RAW_TEXT.get(name)) is not None:
            closed_raw = raw(markup, position)
            position = closed_raw.start() if closed_raw else len(markup)
        if name in _NOT_NESTING or self_closing:
            continue
        if closing:
            too_deep = depth > max_depth
            depth = max(depth - 1, 0)
        else:
            depth += 1
            too_deep = depth > max_depth
        if dropping:
            if depth < dropping:  # its end tag (or, left unclosed, an ancestor's: kept when not too deep)
                kept_until = tag_end if too_deep else match.start()
                dropping = 0
            continue
        if too_deep:
            pieces.append(markup[kept_until : match.start()])
            pieces.append(" ")
            kept_until = tag_end
            changed = True
            if not closing and (name in _NEVER_TEXT or _hides(markup[begin:end])):
                dropping = depth
    if not changed:
        return markup
    pieces.append(markup[kept_until:])
    return "".join(pieces)


def _hides(section: str) -> bool:
    """Whether a start tag's attribute section hides its element: an attribute NAMED hidden,
    aria-hidden="true", or a style with display:none or visibility:hidden."""
    for attribute in _ATTRIBUTE.findall(section):
        name, equals, value = attribute.partition("=")
        name = name.strip().lower()
        value = value.strip().strip("\"'") if equals else ""
        if name == "hidden" or (name == "aria-hidden" and value.strip().lower() == "true") or (
                name == "style" and _STYLE_HIDING.search(value)):
            return True
    return False


# A start tag's name, then its attributes up to the ">" that ends it. As in the HTML tokenizer, a quote
# opens a value only after "=", and an unclosed one runs to the end of the page. Possessive
# quantifiers and alternatives that start differently keep every match linear.
_START = re.compile(r"<(?:!--|([a-zA-Z][^\s/>]*+))")
# Elements whose content the tokenizer reads as text up to their end tag: nothing in them is a tag.
_RAW_TEXT = {name: re.compile(f"</{name}", re.IGNORECASE).search for name in (
    "script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes", "plaintext")}
_COMMENT_END = re.compile("-->").search
_SECTION = re.compile(r"""(?:[^>=]++|=\s*+(?:"[^"]*+"?|'[^']*+'?)?)*+""")
# One attribute: a name (which may start with "=", a parse error the tokenizer accepts), its value.
_ATTRIBUTE = re.compile(r"""(?:=[^\s/>=]*+|[^\s/>=]++)(?:\s*+=\s*+(?:"[^"]*+"?|'[^']*+'?|[^\s>]*+))?""")


@dataclass(frozen=True)
class Guarded:
    markup: str
    elements: int  # start tags in the page
    dropped: int  # attributes dropped
    counted: int | None = None  # attributes in the start tags, when they had to be counted
    sections: list[str] = field(default_factory=list, repr=False, compare=False)  # else where they are

    @property
    def attributes(self) -> int:
        """Attributes in the page's start tags, before any was dropped."""
        if self.counted is not None:
            return self.counted
        return sum(map(len, map(_ATTRIBUTE.findall, self.sections)))


# The walk of limit_attributes in one regular expression, for pages within the limits (almost all):
# each match is a comment (group 1) or a start tag, whose attribute section is the last group; a raw
# text element's match runs on to its end tag. The name is read as _START reads it; a raw text element
# is one whose name lower-cases to one of _RAW_TEXT's (ASCII case only: no other character
# lower-cases to an ASCII letter of those names), and its end tag is searched as _RAW_TEXT does.
_RAW_NAMES = tuple(_RAW_TEXT)
_TAGS_AT_ONCE = re.compile(
    r"<(?:(!--)(?:[^-]*+-(?!->))*+[^-]*+(?:-->)?|(?:(?=[sStTxXiInNpP])(?:"
    + "|".join(rf"(?=(?ai:{name})(?![^\s/>]))(?P<r{i}>)" for i, name in enumerate(_RAW_NAMES))
    + r")|)[a-zA-Z][^\s/>]*+(" + _SECTION.pattern + r")>?"
    + "".join(rf"(?(r{i})(?:[^<]*+<(?!(?i:/{name})))*+[^<]*+)" for i, name in enumerate(_RAW_NAMES))
    + ")"
)


def limit_attributes(markup: str, max_per_element: int, max_per_page: int) -> Guarded:
    """`markup` with the attributes of an element past `max_per_element`, and every attribute past
    `max_per_page` in the page, removed; and how many elements and attributes it has."""
    found = _TAGS_AT_ONCE.findall(markup)
    comments = sum(map(bool, map(itemgetter(0), found)))
    # As the walk counts them: only in sections with room for an attribute (two characters). Each
    # attribute takes a character at least, so a section holds no more attributes than characters:
    # only long sections need counting to know that no limit is reached.
    sections = [section for section in map(itemgetter(-1), found) if len(section) >= 2]
    long = [section for section in sections if len(section) > max_per_element]
    counts = list(map(len, map(_ATTRIBUTE.findall, long)))
    at_most = sum(map(len, sections)) - sum(map(len, long)) + sum(counts)
    elements = len(found) - comments
    if max(counts, default=0) <= max_per_element:
        if at_most <= max_per_page:
            return Guarded(markup, elements, 0, sections=sections)
        counted = sum(map(len, map(_ATTRIBUTE.findall, sections)))
        if counted <= max_per_page:
            return Guarded(markup, elements, 0, counted)
    return _limit_attributes_walk(markup, max_per_element, max_per_page)


def _limit_attributes_walk(markup: str, max_per_element: int, max_per_page: int) -> Guarded:
    """`markup` with the attributes of an element past `max_per_element`, and every attribute past
    `max_per_page` in the page, removed; and how many elements and attributes it has."""
    pieces: list[str] = []
    kept_until = elements = attributes = dropped = 0
    budget = max_per_page
    search, section, attributes_in = _START.search, _SECTION.match, _ATTRIBUTE.findall
    position = 0
    while (start := search(markup, position)) is not None:
        name = start.group(1)
        if name is None:  # a comment
            closed = _COMMENT_END(markup, start.end())
            position = closed.end() if closed else len(markup)
            continue
        elements += 1
        begin = start.end()
        matched = section(markup, begin)
        end = matched.end() if matched else begin
        position = end + 1
        raw = _RAW_TEXT.get(name.lower())
        if raw is not None:
            closed = raw(markup, position)
            position = closed.start() if closed else len(markup)
        if end - begin < 2:  # no room for an attribute
            continue
        allowed = min(max_per_element, budget)
        count = len(attributes_in(markup, begin, end))  # counted in C; matched again only to cut
        attributes += count
        budget -= min(count, allowed)
        if count > allowed:
            cut = begin
            if allowed:
                for cut_at, found in enumerate(_ATTRIBUTE.finditer(markup, begin, end), 1):
                    if cut_at == allowed:
                        cut = found.end()
                        break
            pieces.append(markup[kept_until:cut])
            kept_until = end
            dropped += count - allowed
    if dropped:
        pieces.append(markup[kept_until:])
        markup = "".join(pieces)
    return Guarded(markup, elements, dropped, attributes)
