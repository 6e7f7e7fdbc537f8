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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import repeat
from pathlib import Path
from typing import TYPE_CHECKING

import numpy
from spacy.tokens import Doc, Token

from newsdesk.article import Quote
from newsdesk.enrich.quote_cues import ATTRIBUTION_VERBS_EN
from newsdesk.enrich.quote_speakers import (
    REPORTING_VERBS,
    SUBJECT_DEPS,
    antecedent,
    ents_of,
    full_name,
    mention_span,
    sentence_of,
    text_of,
)
from newsdesk.lightgbm_import import import_lightgbm

if TYPE_CHECKING:
    import lightgbm

WINDOW_CHARS = 600
MAX_CANDIDATES = 12  # on each side of a quotation
LONG_SENTENCE = 300  # tokens: a pronoun in a longer "sentence" is not resolved
SPEAKER_LABELS = frozenset({"PERSON", "ORG", "NORP"})
PRONOUNS = frozenset({"he", "she"})
CUE_LEMMAS = REPORTING_VERBS | ATTRIBUTION_VERBS_EN


@dataclass(frozen=True, slots=True)
class Candidate:
    """A mention that may be a quotation's speaker: its span, the name it gives, its features."""

    span: tuple[int, int]
    name: str | None
    features: dict[str, float]
    eligible: bool = True  # whether the chooser may name it (the rules' own choice always may stay)


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


def predict_features(booster: lightgbm.Booster, features: Sequence[Mapping[str, float]]) -> list[float]:
    """The model's probability for each row of named features (a missing name is 0)."""
    names = booster.feature_name()
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
    # One pass over the tokens, not one per quotation's window: where the cue words are (a running
    # count) and which tokens may be mentions (a pronoun, or a noun that is the subject of a cue verb).
    cues_before = [0]
    mention_tokens: list[int] = []
    for token in doc:
        cue = token.lower_ == "according" or (token.pos_ in {"VERB", "AUX"}
                                               and token.lemma_.lower() in CUE_LEMMAS)
        cues_before.append(cues_before[-1] + cue)
        if (token.lower_ in PRONOUNS and token.pos_ == "PRON") or (
                token.dep_ in SUBJECT_DEPS and token.pos_ in {"NOUN", "PROPN"} and not token.ent_type_
                and token.head.lemma_.lower() in CUE_LEMMAS):
            mention_tokens.append(token.i)
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
        for e in ents[bisect.bisect_left(ent_starts, lo) : bisect.bisect_right(ent_starts, hi)]:
            if not (start - 1 <= e.start_char < end + 1) and e.end_char <= hi:
                name: str | None = full_name(e) if e.label_ == "PERSON" else e.text
                spans[(e.start_char, e.end_char)] = (name, e.label_, e.root)
        for i in mention_tokens[bisect.bisect_left(mention_tokens, window.start):
                                bisect.bisect_left(mention_tokens, window.end)]:
            token = doc[i]
            if start - 1 <= token.idx < end + 1:
                continue
            if token.lower_ in PRONOUNS and token.pos_ == "PRON":
                if token.i not in resolved:
                    # (antecedent walks back over the sentence: not over a 10,000-token "sentence")
                    s_start, s_end = sentence_of(doc, token.i)
                    long = s_end - s_start > LONG_SENTENCE
                    resolved[token.i] = None if long else antecedent(token, plural=False)
                spans.setdefault((token.idx, token.idx + len(token.text)), (resolved[token.i], "PRON", token))
            elif (token.dep_ in SUBJECT_DEPS and token.pos_ in {"NOUN", "PROPN"} and not token.ent_type_
                  and token.head.lemma_.lower() in CUE_LEMMAS):
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
        candidates = []
        for (c_start, c_end), (name, kind, mention) in items:
            between = sum(1 for (o_start, o_end), _ in items
                          if (c_end <= o_start and o_end <= start) or (end <= o_start and o_end <= c_start))
            features = _features(doc, quote, q_first, (c_start, c_end), kind, mention, name, between,
                                 last_counts, speakers_so_far)
            features["previous_speaker_span"] = float((c_start, c_end) == previous_span)
            # `“…” Frazier said the claim was false.`: who says something else is not this one's speaker.
            says_else = c_start >= end and mention.dep_ in SUBJECT_DEPS and any(
                c.dep_ in {"ccomp", "dobj", "xcomp"} and c.i > mention.head.i for c in mention.head.children)
            candidates.append(Candidate((c_start, c_end), name, features, not says_else))
        found.append(candidates)
        if quote.speaker_name:
            speakers_so_far.append(quote.speaker_name)
        previous_span = quote.speaker_span
    return found


def _features(doc: Doc, quote: Quote, q_first: int, span: tuple[int, int], kind: str, root: Token,
              name: str | None, between: int, last_counts: dict[str, int],
              speakers_so_far: list[str]) -> dict[str, float]:
    text = text_of(doc)
    start, end = quote.span
    before = span[1] <= start
    gap = text[span[1] : start] if before else text[end : span[0]]
    distance = len(gap)
    sent = sentence_of(doc, root.i)
    head = root.head
    said = quote.speaker_span
    rule = said is not None and span[0] < said[1] and said[0] < span[1]
    last = name.split()[-1] if name and name.split() else ""
    f: dict[str, float] = {
        "before": float(before),
        "log_distance": math.log1p(distance),
        "log_distance_after": math.log1p(distance) * (not before),
        "same_sentence": float(sent[0] <= q_first < sent[1]
                               or ("\n" not in gap and not _sentence_break(gap))),
        "same_paragraph": float("\n" not in gap),
        "paragraphs_apart": min(3.0, float(gap.count("\n"))),
        "subject": float(root.dep_ in SUBJECT_DEPS),
        "subject_of_cue": float(root.dep_ in SUBJECT_DEPS and head.lemma_.lower() in CUE_LEMMAS),
        "subject_of_say": float(root.dep_ in SUBJECT_DEPS and head.lemma_.lower() in {"say", "tell"}),
        "after_cue": float(root.dep_ not in SUBJECT_DEPS and head.lemma_.lower() in CUE_LEMMAS
                           and head.i < root.i),
        "object": float(root.dep_ in {"dobj", "dative", "pobj", "iobj"}),
        "possessive": float(root.dep_ == "poss"),
        "kind_" + kind: 1.0,
        "log_name_count": math.log1p(last_counts.get(last, 0)),
        "rule_choice": float(rule),
        "rule_found": float(quote.speaker_span is not None),
        "rule_named": float(quote.speaker_name is not None),
        "earlier_speaker": float(bool(name) and name in speakers_so_far),
        "last_speaker": float(bool(name) and bool(speakers_so_far) and speakers_so_far[-1] == name),
        "between": min(5.0, float(between)),
        "nearest": float(between == 0),
        "has_cue": float(quote.cue is not None),
        "direct": float(quote.type == "direct"),
        "resolved": float(name is not None),
        "gap_comma": float(gap.strip(" ,") == "" or gap.strip()[:1] in {",", "—"}),
        "opens_paragraph": float(text[max(0, start - 2) : start].strip("\"“'‘ ") == ""
                                 or text[max(0, start - 2) : start].endswith("\n")),
        "named_in_quote": float(bool(last) and last[:1].isupper() and last in text[start:end]),
    }
    f["nearest_before"] = f["nearest"] * f["before"]
    f["nearest_after"] = f["nearest"] * (1 - f["before"])
    f["subject_of_cue_same_sentence"] = f["subject_of_cue"] * f["same_sentence"]
    return f


def _sentence_break(gap: str) -> bool:
    return any(mark in gap for mark in (". ", "? ", "! ", ".\u201d ", '." '))
