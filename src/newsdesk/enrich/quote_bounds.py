"""Learned boundaries of a reported quotation that holds quoted pieces (English): where it ends and
whether it starts at its first quoted piece.

    >>> quotes = adjust_bounds(doc, body, quotes)   # same quotations, some spans cut shorter

A reported clause or a paraphrase around a quoted piece often runs on past what the speaker said:
`he found Trump to be “very charming” and called his standing … “unheard of.”`, `… “there’s nothing
wrong with that” — asserting that …`. For every indirect quotation whose text holds a quotation
mark, the alternatives are its span as found, the span ending at the closing mark of each quoted
piece inside it with words after it, and the same starting at the first quoted piece (dropping the
writer's words before it). A LightGBM model (models/bounds/en.txt) scores each alternative over
features of the words dropped at either end (how many, the first word, part of speech and dependency
of the token after the cut, whether a verb or another quotation is among them), the piece's last
character, the cue and where the quotation came from, and how its first and last quoted pieces sit
in it (their words, a capital and a final stop, the word and punctuation before the opening mark,
the dependency of the piece and whether its head is a verb of saying: `…, adding, “He lost.”` is a
sentence quoted on its own); the best alternative replaces the span when its
probability minus the span as found's is at least the margin in models/bounds/policy.tsv (it may be
negative: a cut may win scoring a little below the span as found). Only ever cuts:
a quotation never grows, so quotations stay disjoint and in order.

Model and margin are fitted on PolNeAR train only by `python -m newsdesk.enrich.train_bounds`
(deterministic, cross-validated by article; see that module). Cost: linear in the quoted pieces
inside reported quotations, one batched prediction per body.
"""

from __future__ import annotations

import bisect
import threading
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from spacy.tokens import Doc

from newsdesk.article import Quote
from newsdesk.enrich.nlp import text_of
from newsdesk.enrich.quote_chooser import predict_features, read_model
from newsdesk.enrich.quote_cues import ATTRIBUTION_VERBS_EN
from newsdesk.enrich.quote_marks import WORD, MarkedQuote, all_marked_quotes
from newsdesk.enrich.quote_speakers import REPORTING_VERBS

if TYPE_CHECKING:
    import lightgbm

MODEL = Path(__file__).resolve().parent / "models" / "bounds" / "en.txt"
POLICY = MODEL.with_name("policy.tsv")
MAX_PIECES = 8  # quoted pieces of one quotation looked at as places to cut
MARKS = frozenset('"“”«»„')
NEXT_WORDS = frozenset({"and", "but", "while", "as", "after", "when", "because", "before", "which", "who",
                        "that", "in", "on", "for", "to", "with", "of", "if", "or", "since", "though",
                        "although", "despite", "during", "saying", "adding", "calling", "the", "a"})
BEFORE_WORDS = frozenset({
    "that", "as", "about", "for", "of", "to", "a", "an", "the", "be", "is", "was", "are", "were", "saying",
    "said", "says", "say", "adding", "added", "calling", "called", "by", "on", "in", "with", "it", "his",
    "her", "their", "its", "and", "but", "he", "she", "they", "we", "i", "you", "this", "these", "entitled",
    "titled", "read", "reads", "headlined", "wrote", "tweeted", "writing", "tweeting", "declaring", "noting"})
LABELLING = frozenset({"call", "describe", "label", "dub", "brand", "deem", "refer"})
CUE_LEMMAS = REPORTING_VERBS | ATTRIBUTION_VERBS_EN | LABELLING
_lock = threading.Lock()


@dataclass(frozen=True, slots=True)
class Alternative:
    """One span a quotation (index `quote` in the list) may have instead of its own."""

    quote: int
    span: tuple[int, int]
    features: dict[str, float]


@cache
def load_model() -> tuple[lightgbm.Booster, float]:
    """The fitted model and the least margin over the span as found to cut a quotation."""
    with _lock:
        booster, values = read_model(MODEL, POLICY)
        return booster, float(values["margin"])


def adjust_bounds(doc: Doc, body: str, quotes: list[Quote],
                  fragments: frozenset[tuple[int, int]] = frozenset()) -> list[Quote]:
    """`quotes` with the spans the model prefers (see the module's docstring). `fragments`: the spans
    of the quotations `quote_fragments` added (a feature)."""
    found = alternatives(doc, body, quotes, fragments)
    if not found:
        return quotes
    booster, margin = load_model()
    return choose(body, quotes, found, predict_features(booster, [a.features for a in found]), margin)


def choose(body: str, quotes: list[Quote], found: list[Alternative], scores: list[float],
           margin: float) -> list[Quote]:
    """Each quotation with its best alternative when that beats the span as found by `margin`."""
    own: dict[int, float] = {}
    best: dict[int, tuple[float, Alternative]] = {}
    for p, alt in zip(scores, found, strict=True):
        if alt.features["as_found"]:
            own[alt.quote] = p
        elif alt.quote not in best or p > best[alt.quote][0]:
            best[alt.quote] = (p, alt)
    result = list(quotes)
    for index, (p, alt) in best.items():
        if p - own.get(index, 1.0) >= margin:
            start, end = alt.span
            result[index] = replace(quotes[index], text=body[start:end], span=(start, end))
    return result


def alternatives(doc: Doc, body: str, quotes: list[Quote],
                 fragments: frozenset[tuple[int, int]] = frozenset()) -> list[Alternative]:
    """The alternatives of every indirect quotation of the parsed part of `body` holding a quoted piece."""
    text = text_of(doc)
    held = [q for q in quotes if q.type == "indirect" and q.span[1] <= len(text)
            and MARKS & set(body[q.span[0] : q.span[1]])]
    if not held:
        return []
    pieces = [m for m in all_marked_quotes(body[: len(text)]) if m.close_mark is not None]
    opens = [m.open_mark for m in pieces]
    index_of = {id(q): i for i, q in enumerate(quotes)}
    found: list[Alternative] = []
    for quote in held:
        start, end = quote.span
        lo = bisect.bisect_left(opens, start)
        hi = bisect.bisect_left(opens, end)
        inside = [m for m in pieces[lo:hi] if m.close_mark is not None and m.close_mark < end][:MAX_PIECES]
        if not inside:
            continue
        ends = [end] + [m.close_mark + 1 for m in inside  # type: ignore[operator]
                        if WORD.search(body, m.close_mark + 1, end)]  # type: ignore[operator]
        starts = [start]
        if inside[0].open_mark > start and WORD.search(body, start, inside[0].open_mark):
            starts.append(inside[0].open_mark)
        base = _quote_features(doc, body, quote, inside, fragments)
        for s in starts:
            for e in ends:
                if e <= s or not WORD.search(body, s, e):
                    continue
                features = {**base, **_cut_features(doc, body, quote, s, e, inside)}
                found.append(Alternative(index_of[id(quote)], (s, e), features))
    return found


def _quote_features(doc: Doc, body: str, quote: Quote, inside: list[MarkedQuote],
                    fragments: frozenset[tuple[int, int]]) -> dict[str, float]:
    cue = (quote.cue or "").split()
    words = WORD.findall(body[quote.span[0] : quote.span[1]])
    features = {
        "from_fragments": float(quote.span in fragments),
        "pieces": float(len(inside)),
        "quote_words": float(len(words)),
        "has_speaker": float(quote.speaker_span is not None),
        "cue_" + (_name(cue[-1]) if cue else "none"): 1.0,
        "cue_words": float(len(cue)),
    }
    features.update(_piece_features(doc, body, quote, inside[0], "first"))
    features.update(_piece_features(doc, body, quote, inside[-1], "last"))
    return features


def _piece_features(doc: Doc, body: str, quote: Quote, piece: MarkedQuote, name: str) -> dict[str, float]:
    """How a quoted piece sits in its quotation: `…, adding, “He lost all of the Latino vote.”` (a
    whole sentence quoted after a verb of saying and a comma) is a quotation of its own, where
    `he was “encouraged” by the plan` is one reported clause. Prefixed by `name`."""
    q_start, q_end = quote.span
    close = piece.close_mark if piece.close_mark is not None else piece.end
    inner = body[piece.start : piece.end]
    before = body[q_start : piece.open_mark]
    after = body[close + 1 : q_end]
    inner_words = WORD.findall(inner)
    before_words = WORD.findall(before)
    last_before = before.rstrip()[-1:]
    features = {
        f"{name}_words": float(len(inner_words)),
        f"{name}_words_before": float(len(before_words)),
        f"{name}_words_after": float(len(WORD.findall(after))),
        f"{name}_capital": float(bool(inner_words) and inner_words[0][0].isupper()),
        f"{name}_sentence_end": float(inner.rstrip()[-1:] in {".", "!", "?"}),
        f"{name}_comma_end": float(inner.rstrip()[-1:] in {",", ";", ":"}),
        f"{name}_before_{_punct(last_before) if not last_before.isalnum() else 'word'}": 1.0,
        f"{name}_before_word_" + (before_words[-1].lower() if before_words
                                  and before_words[-1].lower() in BEFORE_WORDS else "other"): 1.0,
    }
    span = doc.char_span(piece.start, piece.end, alignment_mode="expand")
    if span is not None and len(span):
        tokens = [t for t in span if not t.is_punct] or list(span)
        outside = [t for t in tokens if not piece.start <= t.head.idx < piece.end] or tokens[:1]
        root = outside[0]
        features[f"{name}_dep_{root.dep_}"] = 1.0
        features[f"{name}_head_pos_{root.head.pos_}"] = 1.0
        features[f"{name}_head_cue"] = float(root.head.lemma_.lower() in CUE_LEMMAS)
        features[f"{name}_head_is_verb_of_quote"] = float(quote.cue_span is not None
                                                          and quote.cue_span[0] <= root.head.idx
                                                          < quote.cue_span[1])
        features[f"{name}_has_verb"] = float(any(t.pos_ in {"VERB", "AUX"} for t in tokens))
        features[f"{name}_sentences"] = float(sum(1 for t in tokens if t.is_sent_start))
    return features


def _cut_features(doc: Doc, body: str, quote: Quote, start: int, end: int, inside: list,  # type: ignore[type-arg]
                  ) -> dict[str, float]:
    q_start, q_end = quote.span
    dropped_before = body[q_start:start]
    dropped_after = body[end:q_end]
    before_words = WORD.findall(dropped_before)
    after_words = WORD.findall(dropped_after)
    kept_words = WORD.findall(body[start:end])
    features: dict[str, float] = {
        "as_found": float((start, end) == quote.span),
        "cut_start": float(start != q_start),
        "cut_end": float(end != q_end),
        "dropped_before": float(len(before_words)),
        "dropped_after": float(len(after_words)),
        "kept_words": float(len(kept_words)),
        "kept_share": len(kept_words) / max(1, len(kept_words) + len(before_words) + len(after_words)),
        "pieces_kept": float(sum(1 for m in inside if start <= m.open_mark and m.close_mark < end)),
        "after_has_mark": float(bool(MARKS & set(dropped_after))),
        "ends_at_mark": float(body[end - 1 : end] in MARKS),
        "stop_in_mark": float(body[end - 2 : end - 1] in {".", "!", "?"}),
        "comma_in_mark": float(body[end - 2 : end - 1] in {",", ";", ":"}),
    }
    gap = dropped_after.lstrip()
    if end != q_end:
        first = after_words[0].lower() if after_words else ""
        features["next_" + (first if first in NEXT_WORDS else "other")] = 1.0
        features["next_punct_" + _punct(gap[:1])] = 1.0
        span = doc.char_span(end, q_end, alignment_mode="expand")
        tokens = [t for t in span if not t.is_punct] if span is not None else []
        if tokens:
            features["next_pos_" + tokens[0].pos_] = 1.0
            features["next_dep_" + tokens[0].dep_] = 1.0
            features["after_verb"] = float(any(t.pos_ == "VERB" for t in tokens))
            features["after_subject"] = float(any(t.dep_ in {"nsubj", "nsubjpass"} for t in tokens))
            features["after_new_sentence"] = float(any(t.is_sent_start for t in tokens))
            cues = [t for t in tokens if t.pos_ == "VERB" and t.lemma_.lower() in CUE_LEMMAS]
            features["after_cue_verb"] = float(bool(cues))
            features["after_cue_conj"] = float(any(t.dep_ == "conj" and t.head.idx < end for t in cues))
            features["after_verb_conj"] = float(any(t.pos_ == "VERB" and t.dep_ == "conj" and t.head.idx < end
                                                    for t in tokens))
            features["after_clause_of_kept"] = float(any(t.pos_ in {"VERB", "AUX"} and t.head.idx < end
                                                         and t.head.i != t.i for t in tokens))
            features["next_head_in_kept"] = float(start <= tokens[0].head.idx < end)
    if start != q_start:
        features["before_last_" + _name(before_words[-1].lower() if before_words else "")] = 1.0
    return features


def _punct(char: str) -> str:
    return {",": "comma", ";": "semicolon", ":": "colon", "—": "dash", "–": "dash", "-": "dash",
            ".": "stop", "(": "paren"}.get(char, "none" if not char or char.isalnum() else "other")


def _name(word: str) -> str:
    """A word as part of a feature name (LightGBM takes letters, digits and _ only)."""
    return word.lower() if word.isascii() and word.isalpha() else "other"
