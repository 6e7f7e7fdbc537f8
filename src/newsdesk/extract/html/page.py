"""HTML pages to articles: metadata from the page's own declarations, the body from the DOM."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

from selectolax.lexbor import LexborHTMLParser, LexborNode

from newsdesk.article import Article, Link
from newsdesk.errors import ExtractionError, InputError
from newsdesk.extract.encoding import decode_html
from newsdesk.extract.html.blocks import page_hints
from newsdesk.extract.html.body import Choice, body_text, choose_blocks
from newsdesk.extract.html.dom import Flat, flatten
from newsdesk.extract.html.learned import learned_blocks
from newsdesk.extract.html.links import lead_image_caption, related_links
from newsdesk.extract.html.markup import limit_attributes, limit_nesting
from newsdesk.extract.html.metadata import Metadata, extract_metadata
from newsdesk.extract.html.page_type import PageType, classify_page
from newsdesk.extract.stamps import drop_trailing_stamps
from newsdesk.extract.text.people import byline_authors, byline_text
from newsdesk.settings import Settings
from newsdesk.text import replace_surrogates


@dataclass
class Parsed:
    """A page read as far as the body decision: its markup, metadata and flattened blocks."""

    text: str
    tree: LexborHTMLParser
    metadata: Metadata
    # What kind of page it is (issue 14), read before the blocks: its probabilities are page columns
    # of the body model.
    page_type: PageType
    flat: Flat | None
    paragraphs: str | None = None  # the body of a page past max_html_nodes, which is not scored


def parse_page(html: bytes | str, url: str | None, settings: Settings,
               headers: Mapping[str, str] | None = None) -> Parsed:
    if len(html) > settings.max_input_bytes:
        raise InputError(f"larger than the {settings.max_input_bytes:,}-byte input limit "
                         "(set NEWSDESK_MAX_INPUT_BYTES to raise it)", stage="extract")
    text = (replace_surrogates(html) if isinstance(html, str)
            else decode_html(html, (headers or {}).get("content-type")))
    if not text.strip():
        raise ExtractionError("empty page", stage="extract")
    guarded = limit_attributes(limit_nesting(text, settings.max_depth), settings.max_attributes_per_element,
                               settings.max_attributes_per_page)
    tree = LexborHTMLParser(guarded.markup)
    metadata = extract_metadata(tree, url, html=guarded.markup)  # htmldate parses it again: guarded too
    page_type = classify_page(text, url or metadata.canonical_url, tree, settings.page_type_model)
    root = tree.body or tree.root
    if root is not None and guarded.elements > settings.max_html_nodes:
        # Too many elements to score: the text of the paragraphs, in order, and no related links.
        texts = (" ".join(p.text(separator=" ").split()) for p in root.css("p"))
        paragraphs = "\n\n".join(filter(None, texts))
        return Parsed(text, tree, metadata, page_type, None, paragraphs)
    # Hidden boxes are kept as blocks of their own (a closed tab or accordion may hold main content):
    # the body model decides on them; the rules and the related links read the page as shown.
    flat = flatten(root, settings.max_depth, keep_hidden=True) if root is not None else None
    if flat is not None and root is not None and "<noscript" in guarded.markup:
        flat = _crawler_view(root, flat, settings) or flat
    return Parsed(text, tree, metadata, page_type, flat)


def _crawler_view(root: LexborNode, flat: Flat, settings: Settings) -> Flat | None:
    """The blocks of a page whose content sits in a `<noscript>` (a forum or an app that renders with
    scripts and gives crawlers the page's text there) when the page shows almost nothing else."""
    shown = sum(len(block.text) for i, block in enumerate(flat.blocks) if not flat.is_hidden_block(i))
    best, size = None, 0
    for node in root.css("noscript"):
        length = len(" ".join(node.text(separator=" ").split()))
        if length > size:
            best, size = node, length
    if best is None or size < 500 or size < 2 * shown:
        return None
    inner = LexborHTMLParser("<html><body>" + (best.inner_html or "") + "</body></html>")
    body = inner.body
    return flatten(body, settings.max_depth, keep_hidden=True) if body is not None else None


def choose_body(parsed: Parsed, settings: Settings) -> tuple[list[int], Choice, str]:
    """The body blocks (indices into parsed.flat.blocks), the rules' choice, and the method used."""
    flat = parsed.flat
    assert flat is not None
    choice = choose_blocks(flat, parsed.metadata.description)
    learned = learned_blocks(flat, choice, page_hints(parsed.text, parsed.page_type.probabilities),
                             parsed.metadata.title, parsed.metadata.description, settings.body_model)
    kept, method = served_blocks(flat, choice, learned, parsed.metadata.title)
    return kept, choice, method


def served_blocks(flat: Flat, choice: Choice, learned: list[int] | None, title: str | None
                  ) -> tuple[list[int], str]:
    """The body blocks the page gives and how they were found: the model's (learned), less the
    headline and byline they open with, or the rules' when the model does not decide (None).
    Serving and the page cut's training targets (train.py) both read it."""
    if learned is None:
        return choice.kept, "dom"
    return _without_byline(flat, _without_headline(flat, learned, title)), "model"


def _without_headline(flat: Flat, kept: list[int], title: str | None) -> list[int]:
    """The blocks without the headline they open with: the title is a field of its own, and a body that
    repeats it makes every lead sentence, summary and snippet the headline again. (Main-content truth
    such as WCXB's keeps page headings, so the model learns to keep it.)"""
    wanted = _squashed(title)
    start = 0
    while wanted and start < len(kept) and start < 3:
        block = flat.blocks[kept[start]]
        text = _squashed(block.text)
        if block.tag not in ("h1", "h2", "h3") or not text:
            break
        if text == wanted or (min(len(text), len(wanted)) >= 0.6 * max(len(text), len(wanted))
                              and (text in wanted or wanted in text)):
            return kept[start + 1:]
        start += 1
    return kept


_BYLINE_NAME = re.compile(r"byline|author")


def _without_byline(flat: Flat, kept: list[int]) -> list[int]:
    """The blocks without a byline line among the first three ("By Jane Doe", "By Wire Staff, The
    Daily Syndicate"): the authors are a field of their own, and a byline left in the body makes a
    syndicated copy open with its outlet's words instead of the article's, so its opening (what
    duplicate teasers are matched on) and its first sentences differ from every other copy's. A line
    that starts like a byline is one when its element (or a near ancestor) is marked as the byline or
    author, or when it names people and is no sentence ("By Tuesday, the storm had passed." is prose)."""
    for position, number in enumerate(kept[:3]):
        block = flat.blocks[number]
        text = " ".join(block.text.split())
        if not text or byline_text(text) is None:
            continue
        if _marked_byline(flat, block.owner) or (byline_authors(text) and text[-1] not in ".!?"):
            return kept[:position] + kept[position + 1:]
    return kept


def _marked_byline(flat: Flat, element: int) -> bool:
    for _ in range(3):
        if element < 0 or element >= len(flat.names):
            return False
        if _BYLINE_NAME.search(flat.names[element]):
            return True
        element = flat.parents[element]
    return False


# A declared product description of at least this many words (of the lines the body does not show)
# is added to the body; a line counts as shown when the body holds this share of its runs of
# _SHINGLE words, in order.
_DESCRIPTION_WORDS, _DESCRIPTION_SHOWN, _SHINGLE = 12, 0.5, 5
_WORD = re.compile(r"\w+")


def _shingles(words: list[str]) -> set[tuple[str, ...]]:
    if len(words) < _SHINGLE:
        return {tuple(words)} if words else set()
    return {tuple(words[i:i + _SHINGLE]) for i in range(len(words) - _SHINGLE + 1)}


def _unshown_rest(line: str, held: set[tuple[str, ...]]) -> tuple[str, list[str]]:
    """The line without the words at its start that the body shows in order (a description the
    page prints in part, then "Read more"): what follows them, and its words casefolded."""
    words = list(_WORD.finditer(line))
    folded = [word.group().casefold() for word in words]
    shown = 0
    while shown + _SHINGLE <= len(folded) and tuple(folded[shown:shown + _SHINGLE]) in held:
        shown += 1
    if shown == 0:
        return line, folded
    end = shown + _SHINGLE - 1  # the words of the last shown run
    return (line[words[end].start():].strip(), folded[end:]) if end < len(words) else ("", [])


def with_product_description(body: str, description: str | None) -> str:
    """The body, with the lines of the description of the product the page declares (JSON-LD) that
    the body does not show after it: a shop's page written by its scripts shows its description
    nowhere in its markup, or in a box the body model cannot see as body. A line is shown when the
    body holds half its runs of five words in their order (so common words alone never make an
    unrelated description shown, and a description the page shows in part is not printed twice);
    nothing is added when what is left has fewer than 12 words."""
    if not description:
        return body
    held = _shingles(_WORD.findall(body.casefold()))
    unseen: list[str] = []
    words = 0
    for line in description.split("\n"):
        rest, folded = _unshown_rest(line, held)
        shingles = _shingles(folded)
        if shingles and len(shingles & held) < _DESCRIPTION_SHOWN * len(shingles):
            unseen.append(rest)
            words += len(folded)
    if words < _DESCRIPTION_WORDS:
        return body
    text = unicodedata.normalize("NFC", "\n".join(unseen))
    return f"{body}\n\n{text}" if body else text


def _squashed(text: str | None) -> str:
    return " ".join((text or "").split()).casefold()


def extract_html(html: bytes | str, url: str | None = None, settings: Settings | None = None,
                 headers: Mapping[str, str] | None = None) -> Article:
    settings = settings or Settings()
    parsed = parse_page(html, url, settings, headers)
    metadata, flat = parsed.metadata, parsed.flat
    body = ""
    method = "dom"
    related: list[Link] = []
    if parsed.paragraphs is not None:
        method = "paragraphs"
        body = drop_trailing_stamps(parsed.paragraphs)
    elif flat is not None:
        kept, _, method = choose_body(parsed, settings)
        body = with_product_description(drop_trailing_stamps(body_text(flat, kept)),
                                        metadata.product_description)
        related = related_links(flat.visible()[0], metadata.canonical_url or url)
    article = Article(url=url, body=body, extraction={"body": method})
    metadata.fill(article)
    article.related = related
    if article.image is not None and not article.image.caption:
        article.image.caption = lead_image_caption(parsed.tree, article.image.url)
    if not article.body and not article.title:
        raise ExtractionError("no text in the page", stage="extract")
    # Page type (issue 14): what kind of page this is, read from the same parsed tree before the body.
    parsed.page_type.fill(article)
    return article
