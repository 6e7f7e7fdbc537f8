"""The hand annotations of quotations beyond English (benchmarks/data/quotes_multi.tsv, guidelines in
docs/quotes-annotation.md) and how newsdesk's quotations are scored against them: read by
benchmarks/quotes_multi.py, which scores, and by `python -m newsdesk.enrich.train_speakers_multi`,
which fits the speaker chooser on the tuned pages.

    >>> pages = read_annotations(path)                 # the annotated pages, in file order
    >>> golds = golds_of(body, pages[0])               # their quotations placed in today's body
    >>> pairs = direct_pairs(body, golds, direct)      # gold and predicted quotations paired
    >>> speaker_right(body, golds[gi], direct[pi])     # whether newsdesk names the annotated speaker

The annotations are offsets into newsdesk's extracted body of each page, with the first 12 hex digits
of the body's SHA-256 and of each annotated span's text. When a page's body changed (a new extraction),
each span is re-found in the new body: the substring of the same length and hash nearest its old
offset. A page any of whose spans cannot be re-found gives None, never stale offsets.

A speaker is scored by what newsdesk reports as the speaker, the name the user sees
(`Quote.speaker_name`, for a pronoun the person it is resolved to), never by where its mention is: a
pronoun on the annotated cue resolved to someone else is wrong.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from newsdesk.article import Quote

WORD = re.compile(r"\w+")
Span = tuple[int, int]
COLUMNS = ("set", "page", "language", "body_sha256_12", "quote_start", "quote_end", "quote_sha256_12",
           "cue_mention", "cue_sha256_12", "name_mention", "name_sha256_12", "split")


def digest(text: str) -> str:
    """The first 12 hex digits of the SHA-256 of `text` (UTF-8): how a body or a span is recognised."""
    return hashlib.sha256(text.encode()).hexdigest()[:12]


@dataclass(frozen=True)
class Marked:
    """An annotated span: where it was in the annotated body, and the hash of its text there."""

    span: Span
    sha: str


@dataclass
class Gold:
    span: Span
    cue_mention: Span | None
    name_mention: Span | None


@dataclass
class GoldLine:
    """One line of the annotations, before it is placed in the body of today's extraction."""

    quote: Marked
    cue: Marked | None
    name: Marked | None


@dataclass
class Page:
    dataset: str
    page: str
    language: str
    split: str
    body_sha: str
    lines: list[GoldLine] = field(default_factory=list)


def read_annotations(path: Path) -> list[Page]:
    """The annotated pages in file order. A page with no quotation has one line whose quotation
    columns are `-` (annotated, and nothing in it is a quotation)."""
    pages: dict[tuple[str, str], Page] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        cells = line.split("\t")
        if len(cells) != len(COLUMNS):
            raise ValueError(f"{path}:{number}: {len(cells)} columns, expected {len(COLUMNS)}")
        row = dict(zip(COLUMNS, cells, strict=True))
        key = (row["set"], row["page"])
        page = pages.setdefault(key, Page(row["set"], row["page"], row["language"], row["split"],
                                          row["body_sha256_12"]))
        if (page.language, page.split, page.body_sha) != (row["language"], row["split"],
                                                          row["body_sha256_12"]):
            raise ValueError(f"{path}:{number}: language, split or body hash differ from the page's first")
        if row["quote_start"] == "-":
            continue
        try:
            quote = Marked((int(row["quote_start"]), int(row["quote_end"])), row["quote_sha256_12"])
            page.lines.append(GoldLine(quote, _marked(row["cue_mention"], row["cue_sha256_12"]),
                                       _marked(row["name_mention"], row["name_sha256_12"])))
        except ValueError as error:
            raise ValueError(f"{path}:{number}: {error}") from None
    return list(pages.values())


def _marked(span: str, sha: str) -> Marked | None:
    if span == "-":
        return None
    start, end = span.split("-")
    return Marked((int(start), int(end)), sha)


def refind(body: str, marked: Marked, shift: int = 0) -> Span | None:
    """Where the annotated span is in `body`: the substring of the same length and hash nearest its
    old start moved by `shift` (how far the page's previous quotation moved); None when there is none."""
    start, end = marked.span
    length = end - start
    start += shift
    if length <= 0:
        return None
    for distance in range(len(body) + 1):
        candidates = (start - distance, start + distance) if distance else (start,)
        inside = [c for c in candidates if c >= 0 and c + length <= len(body)]
        if not inside and start - distance < 0 and start + distance + length > len(body):
            return None
        for candidate in inside:
            if digest(body[candidate : candidate + length]) == marked.sha:
                return candidate, candidate + length
    return None


def place(body: str, page: Page) -> list[Gold] | None:
    """The page's gold quotations in `body` (today's extraction), or None when a span is lost."""
    golds: list[Gold] = []
    shift = 0
    for line in page.lines:
        quote = refind(body, line.quote, shift)
        if quote is not None:
            shift = quote[0] - line.quote.span[0]
        cue = refind(body, line.cue, shift) if line.cue is not None else None
        name = refind(body, line.name, shift) if line.name is not None else None
        lost = (line.cue is not None and cue is None) or (line.name is not None and name is None)
        if quote is None or lost:
            return None
        golds.append(Gold(quote, cue, name))
    return golds


def golds_of(body: str, page: Page) -> list[Gold] | None:
    """The page's gold quotations in `body` (today's extraction): as annotated when the body is the
    one annotated, else re-found (`place`); None when a span is lost, or when the body of a page with
    no quotation changed (nothing to re-find it by)."""
    if digest(body) == page.body_sha:
        return [Gold(line.quote.span, line.cue.span if line.cue else None,
                     line.name.span if line.name else None) for line in page.lines]
    return place(body, page) if page.lines else None


def tokens_of(body: str, span: Span) -> set[int]:
    """The start offsets of the word tokens inside `span`."""
    return {m.start() for m in WORD.finditer(body, span[0], span[1])}


def matched_pairs(golds: list[set[int]], preds: list[set[int]]) -> list[tuple[int, int]]:
    """Gold and predicted quotations paired one to one (indices), largest overlap first, where each
    shares at least half of its tokens with the other."""
    pairs = []
    for gi, g in enumerate(golds):
        for pi, p in enumerate(preds):
            shared = len(g & p)
            if shared and 2 * shared >= len(g) and 2 * shared >= len(p):
                pairs.append((shared, gi, pi))
    used_g: set[int] = set()
    used_p: set[int] = set()
    found = []
    for _, gi, pi in sorted(pairs, reverse=True):
        if gi not in used_g and pi not in used_p:
            used_g.add(gi)
            used_p.add(pi)
            found.append((gi, pi))
    return found


def direct_pairs(body: str, golds: list[Gold], preds: list[Quote]) -> list[tuple[int, int]]:
    """Gold and predicted direct quotations paired one to one (indices), as the scores pair them."""
    return matched_pairs([tokens_of(body, g.span) for g in golds], [tokens_of(body, q.span) for q in preds])


def _last_word(text: str) -> str:
    words = WORD.findall(text)
    return words[-1].casefold() if words else ""


def speaker_right(body: str, gold: Gold, quote: Quote) -> bool:
    """Whether newsdesk's reported speaker (`speaker_name`, what the user sees) is the annotated one.

    * The text gives no speaker (`-` `-`, a decree's wording): right when newsdesk gives none either.
    * Else right when the reported name ends with the same word as the mention naming the speaker
      ("Olaf Scholz" for "Scholz"; the cue mention when the speaker is never named). A pronoun is
      right only through the person it is resolved to: "er" on the annotated cue resolved to someone
      else is wrong, and so is "er" left unresolved when the text names the speaker.
    * Or the reported name is the very words of the annotated cue mention and they are not a
      pronoun (a description such as "der Sprecher" where the speaker is named farther away): the
      user sees the words the text uses for the speaker at that quotation.
    """
    if gold.cue_mention is None and gold.name_mention is None:
        return quote.speaker_span is None and not quote.speaker_name
    said = _last_word(quote.speaker_name or "")
    if not said:
        return False
    naming = gold.name_mention or gold.cue_mention
    assert naming is not None
    if said == _last_word(body[slice(*naming)]):
        return True
    if gold.cue_mention is None or quote.speaker_span is None or gold.name_mention is None:
        return False
    cue = body[slice(*gold.cue_mention)]
    return (quote.speaker_span == gold.cue_mention and quote.speaker_name == cue
            and len(WORD.findall(cue)) > 1)
