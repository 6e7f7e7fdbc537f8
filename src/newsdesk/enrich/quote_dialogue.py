"""Dialogue dashes (Spanish, Portuguese, Italian, French copy), for the rules of `quote_rules`: a
paragraph opening with "—" is a quotation up to the next dash, where the cue may follow (`—Vamos a
ganar —dijo Sánchez—. No hay otra opción.`), and the words after the cue's closing dash go on.
Linear in the body: one look at each paragraph's characters, and a binary search in the sorted
marked quotations for each paragraph opening with a dash.
"""

from __future__ import annotations

import bisect

from newsdesk.enrich.quote_marks import MarkedQuote, paragraphs

DASHES = "—–"


def with_dialogue(body: str, marked: list[MarkedQuote]) -> list[MarkedQuote]:
    """Add the quotations of dialogue-dash paragraphs (`—Vamos a ganar —dijo Sánchez—. Y más.`)."""
    found = list(marked)
    opens = sorted(m.open_mark for m in marked)
    for start, end in paragraphs(body):
        # A paragraph with a marked quotation opening in it is not dialogue (a binary search for one).
        if body[start] not in DASHES or bisect.bisect_left(opens, start) < bisect.bisect_left(opens, end):
            continue
        text_start = start + 1 + (len(body[start + 1 : end]) - len(body[start + 1 : end].lstrip()))
        dash = _next_dash(body, text_start, end)
        close = dash if dash is not None else end
        quote_end = close
        while quote_end > text_start and body[quote_end - 1].isspace():
            quote_end -= 1
        if quote_end - text_start >= 2:
            found.append(MarkedQuote(text_start, quote_end, start, dash))
        # `—dijo Sánchez—. No hay otra opción.`: the words after the cue's closing dash go on.
        after_cue = _next_dash(body, dash + 1, end) if dash is not None else None
        after_cue = after_cue if after_cue is not None else (
            body.find(DASHES[0], dash + 1, end) if dash is not None else -1)
        if after_cue is not None and after_cue > 0:
            rest = after_cue + 1
            while rest < end and (body[rest].isspace() or body[rest] in ".,;:"):
                rest += 1
            if end - rest >= 2:
                found.append(MarkedQuote(rest, end, after_cue, None))
    found.sort(key=lambda m: m.open_mark)
    return found


def _next_dash(body: str, start: int, end: int) -> int | None:
    for i in range(start, end):
        if body[i] in DASHES and (i == 0 or body[i - 1].isspace()):
            return i
    return None
