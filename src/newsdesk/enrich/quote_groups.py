"""Which quoted pieces are one quotation (English): a learned decision over each pair of neighbours.

    >>> quotes = group_quotes(doc, body, quotes)   # a piece that goes on from the one before shares its cue

The pieces of one quotation share their cue (`Quote.cue_span`): `“…,” Reid said. “…”` gives two
pieces with the cue "said", and a speech quoted over several paragraphs continues the first
paragraph's cue. The rules of `quote_attribution` decide that from the paragraph alone; PolNeAR's
annotators decide otherwise often enough (a piece after `he said.` that is a new statement; a next
paragraph of the same speaker with a cue of its own, `he added`). For every pair of neighbouring
quotations holding a quotation mark (the second starting at most MAX_PARAGRAPHS paragraphs after the
first ends, the first with a cue), a LightGBM model (models/groups/en.txt) gives the probability that
the second goes on from the first, over features of the gap between them (its words and verbs of
saying, punctuation, sentence and paragraph breaks, a cue in it), of each piece (length, how it opens
and ends, where it sits in its paragraph) and of their attributions (the same cue, the same speaker).
Above the threshold `join` (models/groups/policy.tsv) the second piece takes the first's cue and,
when it has none or the rules found no other, its speaker; below `split`, a second piece sharing
the first's cue is a quotation of its own (it keeps its speaker and loses the shared cue span, which
marks the grouping: its `cue` text stays).

Model and thresholds are fitted on PolNeAR train only by `python -m newsdesk.enrich.train_groups`
(deterministic, cross-validated by article; see that module). Cost: linear in the quotations, one
batched prediction per body.
"""

from __future__ import annotations

import bisect
import dataclasses
import threading
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from newsdesk.article import Quote
from newsdesk.enrich.quote_chooser import predict_features, read_model
from newsdesk.enrich.quote_marks import WORD, paragraphs
from newsdesk.enrich.quote_speakers import is_reporting_verb, sent_starts, text_of

if TYPE_CHECKING:
    import lightgbm
    from spacy.tokens import Doc

MODEL = Path(__file__).resolve().parent / "models" / "groups" / "en.txt"
POLICY = MODEL.with_name("policy.tsv")
MARKS = frozenset('"“”«»„')
MAX_PARAGRAPHS = 3  # a piece further on than this many paragraph breaks is never a continuation
MAX_GAP = 2000  # nor one more characters away
GAP_WORDS = frozenset({"said", "says", "added", "adds", "continued", "continues", "told", "tells", "he",
                       "she", "they", "we", "i", "and", "but", "then", "also", "later", "according", "to",
                       "in", "a", "an", "the", "statement", "interview", "noted", "explained", "wrote",
                       "asked", "replied", "responded", "insisted", "argued", "went", "on", "that", "of"})
PRONOUNS = frozenset({"he", "she", "they", "we", "i", "it"})
_lock = threading.Lock()


@cache
def load_model() -> tuple[lightgbm.Booster, float, float]:
    """The fitted model and its two thresholds (least probability to join, greatest to split)."""
    with _lock:
        booster, values = read_model(MODEL, POLICY)
        return booster, float(values["join"]), float(values["split"])


def group_quotes(doc: Doc, body: str, quotes: list[Quote]) -> list[Quote]:
    """`quotes` (sorted by span) with the pieces the model finds go on from the one before sharing its
    cue, and those it finds do not no longer sharing it (see the module's docstring)."""
    found = pairs(body, quotes)
    if not found:
        return quotes
    booster, join, split = load_model()
    scores = predict_features(booster, pair_features(doc, body, quotes, found))
    return regroup(quotes, found, scores, join, split)


def is_marked(body: str, quote: Quote) -> bool:
    """Whether a quotation holds a quotation mark or sits between two (what PolNeAR calls direct)."""
    return bool(MARKS & set(body[max(quote.span[0] - 1, 0) : quote.span[1] + 1]))


def pairs(body: str, quotes: list[Quote]) -> list[int]:
    """The indexes i of `quotes` such that quotes[i - 1] and quotes[i] are a pair the model decides."""
    para_starts = [s for s, _ in paragraphs(body)]
    found = []
    for i in range(1, len(quotes)):
        a, b = quotes[i - 1], quotes[i]
        if a.cue_span is None or a.span[1] > b.span[0] or b.span[0] - a.span[1] > MAX_GAP:
            continue
        if not (is_marked(body, a) and is_marked(body, b)):
            continue
        breaks = bisect.bisect_right(para_starts, b.span[0]) - bisect.bisect_right(para_starts, a.span[1])
        if breaks > MAX_PARAGRAPHS:
            continue
        found.append(i)
    return found


def regroup(quotes: list[Quote], found: list[int], scores: list[float], join: float,
            split: float) -> list[Quote]:
    """`quotes` with each pair of `found` joined (score >= join) or split (score < split)."""
    out = list(quotes)
    for i, score in zip(found, scores, strict=True):
        a, b = out[i - 1], out[i]
        shared = b.cue_span is not None and b.cue_span == a.cue_span
        if score >= join and not shared:
            speaker = (b.speaker_name, b.speaker_span) if b.speaker_span is not None else (
                a.speaker_name, a.speaker_span)
            if b.speaker_span is not None and b.speaker_name != a.speaker_name:
                speaker = (a.speaker_name, a.speaker_span)
            out[i] = dataclasses.replace(b, cue=a.cue, cue_span=a.cue_span, speaker_name=speaker[0],
                                         speaker_span=speaker[1])
        elif score < split and shared:
            out[i] = dataclasses.replace(b, cue_span=None)
    return out


def pair_features(doc: Doc, body: str, quotes: list[Quote], found: list[int]) -> list[dict[str, float]]:
    """The features of each pair (quotes[i - 1], quotes[i]) for i in `found`."""
    paras = paragraphs(body)
    para_starts = [s for s, _ in paras]
    parsed = len(text_of(doc))
    starts = sent_starts(doc)
    char_starts = [doc[i].idx for i in starts if i < len(doc)]
    rows = []
    for i in found:
        a, b = quotes[i - 1], quotes[i]
        rows.append(_features(doc, body, a, b, paras, para_starts, parsed, char_starts))
    return rows


def _para(paras: list[tuple[int, int]], para_starts: list[int], offset: int) -> tuple[int, int]:
    """The paragraph holding `offset` (a blank stretch between paragraphs: the one before it)."""
    index = bisect.bisect_right(para_starts, offset) - 1
    return paras[index] if index >= 0 else (offset, offset)


def _features(doc: Doc, body: str, a: Quote, b: Quote, paras: list[tuple[int, int]], para_starts: list[int],
              parsed: int, sentence_chars: list[int]) -> dict[str, float]:
    gap = body[a.span[1] : b.span[0]]
    gap_core = gap.strip(" " + "".join(MARKS))
    words = [w.lower() for w in WORD.findall(gap)]
    a_text = body[a.span[0] : a.span[1]].rstrip(" " + "".join(MARKS))
    b_text = body[b.span[0] : b.span[1]].lstrip(" " + "".join(MARKS))
    a_words = WORD.findall(a_text)
    b_words = WORD.findall(b_text)
    a_para = _para(paras, para_starts, a.span[0])
    b_para = _para(paras, para_starts, b.span[0])
    same_cue = a.cue_span is not None and a.cue_span == b.cue_span
    features: dict[str, float] = {
        "same_cue": float(same_cue),
        "b_has_cue": float(b.cue_span is not None),
        "a_has_speaker": float(a.speaker_span is not None),
        "b_has_speaker": float(b.speaker_span is not None),
        "same_speaker": float(a.speaker_name is not None and a.speaker_name == b.speaker_name),
        "other_speaker": float(b.speaker_name is not None and a.speaker_name is not None
                               and b.speaker_name != a.speaker_name),
        "a_indirect": float(a.type == "indirect"),
        "b_indirect": float(b.type == "indirect"),
        "gap_chars": float(len(gap)),
        "gap_words": float(len(words)),
        "gap_paragraphs": float(bisect.bisect_right(para_starts, b.span[0])
                                - bisect.bisect_right(para_starts, a.span[1])),
        "gap_sentences": float(bisect.bisect_left(sentence_chars, b.span[0])
                               - bisect.bisect_left(sentence_chars, a.span[1])),
        "gap_blank": float(not gap_core),
        "a_cue_in_gap": float(a.cue_span is not None and a.span[1] <= a.cue_span[0] < b.span[0]),
        "b_cue_in_gap": float(b.cue_span is not None and a.span[1] <= b.cue_span[0] < b.span[0]),
        "b_cue_after": float(b.cue_span is not None and b.cue_span[0] >= b.span[1]),
        "a_cue_before": float(a.cue_span is not None and a.cue_span[1] <= a.span[0]),
        "a_words": float(len(a_words)),
        "b_words": float(len(b_words)),
        "a_comma_end": float(a_text[-1:] in {",", ";", ":"} or gap.lstrip("".join(MARKS))[:1] == ","),
        "a_stop_end": float(a_text[-1:] in {".", "!", "?"}),
        "a_dash_end": float(a_text[-1:] in {"—", "–", "-"}),
        "b_first_capital": float(bool(b_words) and b_words[0][0].isupper()),
        "b_first_lower": float(bool(b_words) and b_words[0][0].islower()),
        "b_stop_end": float(body[b.span[0] : b.span[1]].rstrip(" " + "".join(MARKS))[-1:] in {".", "!", "?"}),
        "a_opens_paragraph": float(not WORD.search(body, a_para[0], a.span[0])),
        "a_ends_paragraph": float(not WORD.search(body, a.span[1], a_para[1])),
        "b_opens_paragraph": float(not WORD.search(body, b_para[0], b.span[0])),
        "b_ends_paragraph": float(not WORD.search(body, b.span[1], b_para[1])),
        "gap_last_char_" + _char(gap_core[-1:]): 1.0,
        "gap_first_char_" + _char(gap_core[:1]): 1.0,
    }
    for name, quote in (("a", a), ("b", b)):
        cue = (quote.cue or "").split()
        features[f"{name}_cue_" + (_word(cue[-1]) if cue else "none")] = 1.0
    if a.speaker_span is not None and b.speaker_span is not None:
        features["b_speaker_pronoun"] = float(body[b.speaker_span[0] : b.speaker_span[1]].lower() in PRONOUNS)
        features["b_speaker_in_gap"] = float(a.span[1] <= b.speaker_span[0] < b.span[0])
    for w in set(words):
        features["gap_word_" + (w if w in GAP_WORDS else "other")] = 1.0
    if b.span[0] <= parsed:
        span = doc.char_span(a.span[1], b.span[0], alignment_mode="contract")
        tokens = list(span) if span is not None else []
        verbs = [t for t in tokens if is_reporting_verb(t)]
        features["gap_reporting_verbs"] = float(len(verbs))
        features["gap_persons"] = float(sum(1 for e in doc.ents if e.label_ == "PERSON"
                                            and a.span[1] <= e.start_char and e.end_char <= b.span[0]))
        features["gap_verbs"] = float(sum(1 for t in tokens if t.pos_ in {"VERB", "AUX"}))
    return features


def _char(char: str) -> str:
    return {",": "comma", ";": "semicolon", ":": "colon", "—": "dash", "–": "dash", "-": "dash", ".": "stop",
            "(": "paren", ")": "paren", "?": "question", "!": "exclamation"}.get(
        char, "none" if not char else "word" if char.isalnum() else "other")


def _word(word: str) -> str:
    """A word as part of a feature name (LightGBM takes letters, digits and _ only)."""
    return word.lower() if word.isascii() and word.isalpha() else "other"
