"""A learned speaker chooser for English quotations: for each quotation, the mentions around it that
could be its speaker, each scored by a gradient-boosted model (LightGBM) over a few features; the best
one names the speaker where the rules of `quote_attribution` found none, or replaces the rules' choice
when the model is much surer of another.

    >>> choose_speakers(doc, quotes)   # fills speaker_name / speaker_span in place

Candidates: the PERSON, ORG and NORP mentions, the person pronouns ("he", "she") and the subjects of
reporting verbs in the quotation's paragraph and up to `WINDOW_CHARS` before and after it (never
inside it), plus the rules' own choice. Features (see `features`): side and distance, same sentence,
same paragraph, grammatical role (subject of a reporting verb, object of "told"), kind of mention, how
often the name recurs, whether the rules chose it, whether an earlier quotation's speaker has that
name, how many candidates stand between it and the quotation.

The model (models/speakers/en.txt) and its policy (policy.tsv) are fitted on PolNeAR train only by
`python -m newsdesk.enrich.train_speakers` (deterministic; see that module). Cost: linear in the
number of quotations times the candidates in their window (a few dozen).
"""

from __future__ import annotations

import bisect
import math
import threading
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import repeat
from pathlib import Path
from typing import TYPE_CHECKING

import numpy
from spacy.tokens import Doc, Token

from newsdesk.article import Quote
from newsdesk.enrich.nlp import text_of
from newsdesk.enrich.quote_speakers import (
    CUE_LEMMAS,
    SUBJECT_DEPS,
    antecedent,
    column,
    ents_of,
    full_name,
    heads,
    lemma_in,
    mention_span,
    one_of,
    sentence_of,
)
from newsdesk.lightgbm_import import import_lightgbm

if TYPE_CHECKING:
    import lightgbm

WINDOW_CHARS = 600
MAX_CANDIDATES = 12  # on each side of a quotation
LONG_SENTENCE = 300  # tokens: a pronoun in a longer "sentence" is not resolved
SPEAKER_LABELS = frozenset({"PERSON", "ORG", "NORP"})
PRONOUNS = frozenset({"he", "she"})


@dataclass(frozen=True, slots=True)
class Candidate:
    """A mention that may be a quotation's speaker: its span, the name it gives, its features."""

    span: tuple[int, int]
    name: str | None
    features: dict[str, float]
    eligible: bool = True  # whether the chooser may name it (the rules' own choice always may stay)


# A mention's own features, its sentence's token bounds, its name's last word, whether it says something else.
MentionFeatures = tuple[dict[str, float], tuple[int, int], str, bool]


@dataclass(frozen=True, slots=True)
class Policy:
    """When the model's choice is taken: `fill` is the least probability to name a speaker the rules
    left out; `override` the least margin over the rules' own choice to replace it."""

    fill: float
    override: float


MODEL = Path(__file__).resolve().parent / "models" / "speakers" / "en.txt"
POLICY = MODEL.with_name("policy.tsv")
_lock = threading.Lock()


@cache
def load_model() -> tuple[lightgbm.Booster, Policy]:
    """The fitted model (models/speakers/en.txt, LightGBM's text format) and its policy
    (models/speakers/policy.tsv: `fill` and `override` lines, `name<TAB>value`), loaded once."""
    with _lock:
        booster, values = read_model(MODEL, POLICY)
        return booster, Policy(float(values["fill"]), float(values["override"]))


def read_model(model: Path, policy: Path) -> tuple[lightgbm.Booster, dict[str, str]]:
    """A shipped LightGBM model (its text format) and its policy file (`name<TAB>value` lines)."""
    import_lightgbm()
    import lightgbm

    booster = lightgbm.Booster(model_str=model.read_text(encoding="utf-8"))
    values = dict(line.split("\t")[:2] for line in policy.read_text(encoding="utf-8").splitlines()
                  if line and not line.startswith("#"))
    return booster, values


_NAMES: weakref.WeakKeyDictionary[lightgbm.Booster, list[str]] = weakref.WeakKeyDictionary()


def predict_features(booster: lightgbm.Booster, features: Sequence[Mapping[str, float]]) -> list[float]:
    """The model's probability for each row of named features (a missing name is 0)."""
    names = _NAMES.get(booster)
    if names is None:  # (asked of LightGBM once a model: it copies every name out of C each time)
        names = _NAMES[booster] = booster.feature_name()
    rows = numpy.array([list(map(f.get, names, repeat(0.0, len(names)))) for f in features], dtype=float)
    return [float(p) for p in booster.predict(rows, num_threads=1)]  # (one process, one core)


def probabilities(booster: lightgbm.Booster, candidates: list[Candidate]) -> list[float]:
    """The model's probability that each candidate is the speaker."""
    return predict_features(booster, [c.features for c in candidates])


def choose_speakers(doc: Doc, quotes: list[Quote]) -> None:
    """Fill or correct the speakers of `quotes` (English, sorted, found in `doc`) in place."""
    if not quotes:
        return
    found = candidates_of(doc, quotes)
    everyone = [c for candidates in found for c in candidates]
    if not everyone:
        return
    booster, policy = load_model()
    scores = iter(probabilities(booster, everyone))
    for quote, candidates in zip(quotes, found, strict=True):
        scored = [(next(scores), c) for c in candidates]
        choice = decide(scored, policy)
        if choice is not None and choice.name is not None and not choice.features.get("rule_choice"):
            quote.speaker_name, quote.speaker_span, quote.speaker = choice.name, choice.span, None


def decide(scored: list[tuple[float, Candidate]], policy: Policy) -> Candidate | None:
    """The candidate kept: the model's best where the rules found no speaker and the model is sure
    enough (`policy.fill`), or where it is surer of it than of the rules' choice by `policy.override`;
    else the rules' choice (None: no speaker)."""
    scored = [s for s in scored if s[1].eligible or s[1].features.get("rule_choice")]
    if not scored:
        return None
    best_p, best = max(scored, key=lambda s: s[0])
    rule = next((s for s in scored if s[1].features.get("rule_choice")), None)
    if not best.features.get("rule_found"):
        return best if best_p >= policy.fill else None
    if rule is None or best_p - rule[0] >= policy.override:
        return best
    return rule[1]


def candidates_of(doc: Doc, quotes: list[Quote]) -> list[list[Candidate]]:
    """The candidates of every quotation, with their features (in quotation order)."""
    text = text_of(doc)
    parsed = len(text)
    ents = [e for e in ents_of(doc) if e.label_ in SPEAKER_LABELS]
    ent_starts = [e.start_char for e in ents]
    last_counts: dict[str, int] = {}
    for e in ents:
        if e.label_ == "PERSON" and e.text.split():
            last = e.text.split()[-1]
            last_counts[last] = last_counts.get(last, 0) + 1
    cues_before, mention_tokens, pronoun = _token_pass(doc)
    ent_ends = [e.end_char for e in ents]
    named: dict[int, tuple[str | None, str, Token]] = {}  # entity -> name, label, root (once each)
    mentions: dict[tuple[int, int, str, str | None, int], MentionFeatures] = {}  # once per mention
    found: list[list[Candidate]] = []
    speakers_so_far: list[str] = []
    previous_span: tuple[int, int] | None = None
    resolved: dict[int, str | None] = {}  # pronoun token -> the name it refers to
    for quote in quotes:
        start, end = quote.span
        if end > parsed:
            found.append([])
            continue
        lo, hi = max(0, start - WINDOW_CHARS), min(parsed, end + WINDOW_CHARS)
        window = doc.char_span(lo, hi, alignment_mode="expand")
        # No English cue near the quotation (another language, a list of slogans): never a guess.
        if window is None or cues_before[window.end] == cues_before[window.start]:
            # Only the rules' own choice may stand then (`decide`): nothing for the model to weigh.
            found.append([])
            if quote.speaker_name:
                speakers_so_far.append(quote.speaker_name)
            previous_span = quote.speaker_span
            continue
        spans: dict[tuple[int, int], tuple[str | None, str, Token]] = {}
        for k in range(bisect.bisect_left(ent_starts, lo), bisect.bisect_right(ent_starts, hi)):
            e_start, e_end = ent_starts[k], ent_ends[k]
            if not (start - 1 <= e_start < end + 1) and e_end <= hi:
                if k not in named:
                    e = ents[k]
                    named[k] = (full_name(e) if e.label_ == "PERSON" else e.text, e.label_, e.root)
                spans[(e_start, e_end)] = named[k]
        for i in mention_tokens[bisect.bisect_left(mention_tokens, window.start):
                                bisect.bisect_left(mention_tokens, window.end)]:
            token = doc[i]
            if start - 1 <= token.idx < end + 1:
                continue
            if pronoun[i]:
                if i not in resolved:
                    # (antecedent walks back over the sentence: not over a 10,000-token "sentence")
                    s_start, s_end = sentence_of(doc, i)
                    long = s_end - s_start > LONG_SENTENCE
                    resolved[i] = None if long else antecedent(token, plural=False)
                spans.setdefault((token.idx, token.idx + len(token.text)), (resolved[i], "PRON", token))
            else:  # the subject of a cue verb
                phrase = mention_span(token)
                spans.setdefault((phrase.start_char, phrase.end_char), (phrase.text, "NOUN", token))
        if quote.speaker_span is not None:
            key = quote.speaker_span
            if not any(s[0] < key[1] and key[0] < s[1] for s in spans):
                said = doc.char_span(key[0], key[1], alignment_mode="expand")
                if said is not None:
                    spans[key] = (quote.speaker_name, "RULE", said.root)
        # The nearest MAX_CANDIDATES on each side: a window full of mentions (a hostile body) stays cheap.
        items = sorted(spans.items())
        before_quote = [item for item in items if item[0][1] <= start][-MAX_CANDIDATES:]
        items = before_quote + [item for item in items if item[0][1] > start][:MAX_CANDIDATES]
        quoted = doc.char_span(start, min(end, parsed), alignment_mode="expand")
        q_first = sentence_of(doc, quoted.start)[0] if quoted is not None and len(quoted) else -1
        # How many candidates lie between each one and the quotation: those ending before the
        # quotation and starting after it ends, or starting after the quotation and ending before it.
        ahead = [o_start for (o_start, o_end), _ in items if o_end <= start]  # sorted: items are
        after_ends = sorted(o_end for (o_start, o_end), _ in items if o_start >= end)
        candidates = []
        for (c_start, c_end), (name, kind, mention) in items:
            between = (len(ahead) - bisect.bisect_left(ahead, c_end)
                       + bisect.bisect_right(after_ends, c_start))
            key5 = (c_start, c_end, kind, name, mention.i)
            if key5 not in mentions:
                mentions[key5] = _mention_features(doc, kind, mention, name, last_counts)
            own, sent, last, says_other = mentions[key5]
            features = _features(text, quote, q_first, (c_start, c_end), sent, name, last, between,
                                 speakers_so_far)
            features.update(own)
            features["subject_of_cue_same_sentence"] = own["subject_of_cue"] * features["same_sentence"]
            features["previous_speaker_span"] = float((c_start, c_end) == previous_span)
            # `“…” Frazier said the claim was false.`: who says something else is not this one's speaker.
            says_else = c_start >= end and says_other
            candidates.append(Candidate((c_start, c_end), name, features, not says_else))
        found.append(candidates)
        if quote.speaker_name:
            speakers_so_far.append(quote.speaker_name)
        previous_span = quote.speaker_span
    return found


def _token_pass(doc: Doc) -> tuple[list[int], list[int], list[bool]]:
    """One pass over the tokens, not one per quotation's window, on the Doc's columns: how many cue
    words come before each token (a running count: "according", or a verb with a cue lemma), the
    tokens that may be mentions (a pronoun "he"/"she", or a noun that is the subject of a cue verb and
    no entity), and which of those are pronouns."""
    if not len(doc):
        return [0], [], []
    cue_lemma = lemma_in(doc, CUE_LEMMAS)
    cue = one_of(doc, "LOWER", ["according"]) | (one_of(doc, "POS", ["VERB", "AUX"]) & cue_lemma)
    pronoun = one_of(doc, "LOWER", PRONOUNS) & one_of(doc, "POS", ["PRON"])
    subject = (one_of(doc, "DEP", SUBJECT_DEPS) & one_of(doc, "POS", ["NOUN", "PROPN"])
               & (column(doc, "ENT_TYPE") == 0) & cue_lemma[heads(doc)])
    cues_before = numpy.concatenate(([0], numpy.cumsum(cue))).tolist()
    return cues_before, numpy.flatnonzero(pronoun | subject).tolist(), pronoun.tolist()


def _mention_features(doc: Doc, kind: str, root: Token, name: str | None,
                      last_counts: dict[str, int]) -> MentionFeatures:
    """What a candidate's features owe to the mention alone (its role, kind, name), the bounds of its
    sentence, its name's last word and whether it is the subject of a verb saying something else:
    worked out once per mention, however many quotations it is a candidate of."""
    head = root.head
    head_lemma = head.lemma_.lower()
    subject = root.dep_ in SUBJECT_DEPS
    last = name.split()[-1] if name and name.split() else ""
    own = {
        "subject": float(subject),
        "subject_of_cue": float(subject and head_lemma in CUE_LEMMAS),
        "subject_of_say": float(subject and head_lemma in {"say", "tell"}),
        "after_cue": float(not subject and head_lemma in CUE_LEMMAS and head.i < root.i),
        "object": float(root.dep_ in {"dobj", "dative", "pobj", "iobj"}),
        "possessive": float(root.dep_ == "poss"),
        "kind_" + kind: 1.0,
        "log_name_count": math.log1p(last_counts.get(last, 0)),
        "resolved": float(name is not None),
    }
    says_other = subject and any(c.dep_ in {"ccomp", "dobj", "xcomp"} and c.i > head.i for c in head.children)
    return own, sentence_of(doc, root.i), last, says_other


def _features(text: str, quote: Quote, q_first: int, span: tuple[int, int], sent: tuple[int, int],
              name: str | None, last: str, between: int, speakers_so_far: list[str]) -> dict[str, float]:
    """The features of a candidate that depend on the quotation (`_mention_features` adds the rest)."""
    start, end = quote.span
    before = span[1] <= start
    gap = text[span[1] : start] if before else text[end : span[0]]
    distance = len(gap)
    said = quote.speaker_span
    rule = said is not None and span[0] < said[1] and said[0] < span[1]
    f: dict[str, float] = {
        "before": float(before),
        "log_distance": math.log1p(distance),
        "log_distance_after": math.log1p(distance) * (not before),
        "same_sentence": float(sent[0] <= q_first < sent[1]
                               or ("\n" not in gap and not _sentence_break(gap))),
        "same_paragraph": float("\n" not in gap),
        "paragraphs_apart": min(3.0, float(gap.count("\n"))),
        "rule_choice": float(rule),
        "rule_found": float(quote.speaker_span is not None),
        "rule_named": float(quote.speaker_name is not None),
        "earlier_speaker": float(bool(name) and name in speakers_so_far),
        "last_speaker": float(bool(name) and bool(speakers_so_far) and speakers_so_far[-1] == name),
        "between": min(5.0, float(between)),
        "nearest": float(between == 0),
        "has_cue": float(quote.cue is not None),
        "direct": float(quote.type == "direct"),
        "gap_comma": float(gap.strip(" ,") == "" or gap.strip()[:1] in {",", "—"}),
        "opens_paragraph": float(text[max(0, start - 2) : start].strip("\"“'‘ ") == ""
                                 or text[max(0, start - 2) : start].endswith("\n")),
        "named_in_quote": float(bool(last) and last[:1].isupper() and last in text[start:end]),
    }
    f["nearest_before"] = f["nearest"] * f["before"]
    f["nearest_after"] = f["nearest"] * (1 - f["before"])
    return f


def _sentence_break(gap: str) -> bool:
    return any(mark in gap for mark in (". ", "? ", "! ", ".\u201d ", '." '))
