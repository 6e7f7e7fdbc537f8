"""Quoted text that nobody said (English): a learned filter over the quotations holding a quotation mark.

    >>> quotes = drop_unsaid(doc, body, quotes)   # the same list without titles, slogans, names, tweets

Quotation marks also set off the titles of shows and books (`told CNN’s “State of the Union,”`),
slogans (`“Make America Great Again.”`), names of groups and the text of a sign or a tweet. For every
quotation whose span holds a quotation mark or sits between two, a LightGBM model (models/filter/en.txt)
gives the probability that it is part of what someone said (quotations mostly in another script
than Latin are left alone), over features of its words (how many, how many start with a capital,
first-person words, a final stop or comma, a verb in the parse), its
surroundings (the word and character before its opening mark and after its closing one, whether it
fills its paragraph, a tweet or a link nearby) and its attribution (type, cue, speaker, how far the
cue is). The quotation is dropped when that probability is below the threshold in
models/filter/policy.tsv.

Model and threshold are fitted on PolNeAR train only by `python -m newsdesk.enrich.train_filter`
(deterministic, cross-validated by article; see that module). Cost: linear in the body (what a
paragraph holds is read once, however many quotations it has), one batched prediction per body.
"""

from __future__ import annotations

import bisect
import threading
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from spacy.tokens import Doc

from newsdesk.article import Quote
from newsdesk.enrich.nlp import text_of
from newsdesk.enrich.quote_chooser import predict_features, read_model
from newsdesk.enrich.quote_marks import WORD, paragraphs

if TYPE_CHECKING:
    import lightgbm

MODEL = Path(__file__).resolve().parent / "models" / "filter" / "en.txt"
POLICY = MODEL.with_name("policy.tsv")
MARKS = frozenset('"“”«»„')
FIRST_PERSON = frozenset({"i", "me", "my", "mine", "we", "us", "our", "ours", "i’m", "i'm", "we’re", "we're"})
AROUND_WORDS = frozenset({"on", "of", "the", "a", "an", "as", "in", "to", "for", "s", "called", "titled",
                          "entitled", "dubbed", "said", "says", "saying", "and", "or", "with", "about", "by",
                          "his", "her", "their", "its", "that", "is", "was", "he", "she", "they", "it"})
LATIN_END = "\u0250"  # past the Latin letters (Basic Latin to Latin Extended-B)
_lock = threading.Lock()


@cache
def load_model() -> tuple[lightgbm.Booster, float]:
    """The fitted model and the least probability to keep a quotation."""
    with _lock:
        booster, values = read_model(MODEL, POLICY)
        return booster, float(values["threshold"])


def in_scope(body: str, quote: Quote) -> bool:
    """Whether a quotation is looked at: its span, or the characters beside it, hold a quotation mark,
    and most of its letters are Latin (the model learned from English only: of a script it never saw,
    it says nothing)."""
    start, end = quote.span
    if not MARKS & set(body[max(start - 1, 0) : end + 1]):
        return False
    text = body[start:end]
    if text.isascii():
        return True
    letters = [c for c in text if c.isalpha()]
    return 2 * sum(1 for c in letters if c < LATIN_END) >= len(letters)


def drop_unsaid(doc: Doc, body: str, quotes: list[Quote]) -> list[Quote]:
    """`quotes` without those the model finds are not what someone said (see the module's docstring)."""
    looked = [i for i, q in enumerate(quotes) if in_scope(body, q)]
    if not looked:
        return quotes
    booster, threshold = load_model()
    rows = features_of(doc, body, quotes, looked)
    dropped = {i for i, p in zip(looked, predict_features(booster, rows), strict=True) if p < threshold}
    return [q for i, q in enumerate(quotes) if i not in dropped]


def features_of(doc: Doc, body: str, quotes: list[Quote], looked: list[int]) -> list[dict[str, float]]:
    """The features of each quotation of `quotes` indexed by `looked`."""
    paras = paragraphs(body)
    parsed = len(text_of(doc))
    persons = sorted(e.start_char for e in doc.ents if e.label_ == "PERSON")
    found = []
    para = 0
    facts: dict[tuple[int, int], tuple[float, float, float]] = {}  # read once per paragraph
    for i in looked:
        quote = quotes[i]
        start = quote.span[0]
        while para + 1 < len(paras) and paras[para][1] <= start:
            para += 1
        bounds = paras[para] if paras else (0, len(body))
        if bounds not in facts:
            facts[bounds] = _paragraph_facts(body[bounds[0] : bounds[1]])
        found.append(_features(doc, body, quote, bounds, parsed, persons, facts[bounds]))
    return found


def _paragraph_facts(paragraph: str) -> tuple[float, float, float]:
    """Its words, and whether a tweet or a link is near (what every quotation of it shares)."""
    tweet = "<tweet" in paragraph or "@" in paragraph or "twitter" in paragraph.lower()
    link = "http" in paragraph or "www." in paragraph
    return float(len(WORD.findall(paragraph))), float(tweet), float(link)


def _features(doc: Doc, body: str, quote: Quote, para: tuple[int, int], parsed: int,
              persons: list[int], facts: tuple[float, float, float]) -> dict[str, float]:
    start, end = quote.span
    text = body[start:end]
    words = WORD.findall(text)
    long_words = [w for w in words if len(w) > 3]
    before = body[max(para[0], start - 80) : start]
    after = body[end : min(para[1], end + 80)]
    before_text = before.rstrip(" " + "".join(MARKS))
    after_text = after.lstrip(" " + "".join(MARKS))
    before_words = WORD.findall(before_text)
    after_words = WORD.findall(after_text)
    cue = (quote.cue or "").split()
    features: dict[str, float] = {
        "indirect": float(quote.type == "indirect"),
        "words": float(len(words)),
        "chars": float(len(text)),
        "capital_share": sum(1 for w in long_words if w[0].isupper()) / max(1, len(long_words)),
        "first_capital": float(bool(words) and words[0][0].isupper()),
        "first_person": float(any(w.lower() in FIRST_PERSON for w in words)),
        "sentence_end": float(text.rstrip(" " + "".join(MARKS))[-1:] in {".", "!", "?"}),
        "comma_end": float(text.rstrip(" " + "".join(MARKS))[-1:] in {",", ";", ":"}),
        "stops_inside": float(sum(text.count(c) for c in ".!?")),
        "marks_inside": float(sum(1 for c in text if c in MARKS)),
        "whole_paragraph": float(not WORD.search(body, para[0], start)
                                 and not WORD.search(body, end, para[1])),
        "paragraph_words": facts[0],
        "tweet_near": facts[1],
        "link_near": facts[2],
        "has_cue": float(quote.cue_span is not None),
        "has_speaker": float(quote.speaker_span is not None),
        "cue_" + (_name(cue[-1]) if cue else "none"): 1.0,
        "before_word_" + (before_words[-1].lower() if before_words
                          and before_words[-1].lower() in AROUND_WORDS else "other"): 1.0,
        "after_word_" + (after_words[0].lower() if after_words
                         and after_words[0].lower() in AROUND_WORDS else "other"): 1.0,
        "before_char_" + _char(before_text[-1:]): 1.0,
        "after_char_" + _char(after_text[:1]): 1.0,
        "after_lower": float(bool(after_words) and after_words[0][0].islower()),
        "before_capital": float(bool(before_words) and before_words[-1][0].isupper()),
    }
    if quote.cue_span is not None:
        after_quote = quote.cue_span[0] >= end
        gap = body[end : quote.cue_span[0]] if after_quote else body[quote.cue_span[1] : start]
        features["cue_after"] = float(after_quote)
        features["cue_gap_words"] = float(len(WORD.findall(gap)))
    if end <= parsed:
        span = doc.char_span(start, end, alignment_mode="expand")
        tokens = list(span) if span is not None else []
        features["verbs"] = float(sum(1 for t in tokens if t.pos_ in {"VERB", "AUX"}))
        features["proper_share"] = sum(1 for t in tokens if t.pos_ == "PROPN") / max(1, len(tokens))
        features["persons"] = float(bisect.bisect_left(persons, end) - bisect.bisect_left(persons, start))
    return features


def _char(char: str) -> str:
    return {",": "comma", ";": "semicolon", ":": "colon", "—": "dash", "–": "dash", "-": "dash", ".": "stop",
            "(": "paren", ")": "paren", "’": "apostrophe", "'": "apostrophe", "?": "question",
            "!": "exclamation"}.get(char, "none" if not char else "word" if char.isalnum() else "other")


def _name(word: str) -> str:
    """A word as part of a feature name (LightGBM takes letters, digits and _ only)."""
    return word.lower() if word.isascii() and word.isalpha() else "other"
