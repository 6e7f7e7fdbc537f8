"""Paraphrases around a quoted fragment (English): `Trump referred to undocumented immigrants as
“rapists”`, `the report found “evidence” that ...`. The writer's words hold a short quoted piece of
what someone said; the attribution is the clause around the piece, with the subject of the verb it
hangs from as the speaker and that verb as the cue.

    >>> quotes = add_fragment_quotes(doc, body, quotes)   # new indirect quotes, merged in order

Candidates: for every span between double quotation marks in a parsed sentence of prose length that
no reported clause already holds (not a quotation introduced by a colon, not between ''…''), each
verb up to `MAX_HOPS` steps above the piece in the dependency tree that has a subject outside the
piece (or a noun with a possessive: "his calls to end the “rigged economy”") proposes the content in
three cuts: its object, clause and prepositional complements; everything after it but a conjoined
verb; the branch the piece hangs from (which may come before the verb: `… “arbitrarily detained” …,
the group says`). A candidate must hold words besides the piece and cut no quotation in two. A
LightGBM model (models/quotes/en.txt) scores each candidate over features of the verb (its lemma,
whether it is a reporting, attribution or labelling verb), the path from the piece to it, the piece
(words, capitals, sentence punctuation, a cue of its own) against the content (words before and after
the piece) and the subject; the best candidate of a piece is kept when its probability reaches the
threshold in models/quotes/policy.tsv (one for a piece that is a quotation of its own, which the
candidate would replace, one for any other piece). A kept candidate becomes an indirect quote (its
text holds the quotation marks) and replaces the direct quotations inside it.

Model and threshold are fitted on PolNeAR train only by `python -m newsdesk.enrich.train_quotes`
(deterministic, cross-validated by article; see that module). Cost: linear in the quoted pieces, a
few candidates each, one batched prediction per body.
"""

from __future__ import annotations

import bisect
import math
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from spacy.tokens import Doc, Token

from newsdesk.article import Quote
from newsdesk.enrich.nlp import text_of
from newsdesk.enrich.quote_chooser import predict_features, read_model
from newsdesk.enrich.quote_cues import ATTRIBUTION_VERBS_EN
from newsdesk.enrich.quote_marks import WORD, MarkedQuote, all_marked_quotes
from newsdesk.enrich.quote_speakers import (
    PERSON_PRONOUNS,
    REPORTING_VERBS,
    cue_phrase,
    entity_of,
    resolve_speaker,
    sentence_of,
    subject_of,
)

if TYPE_CHECKING:
    import lightgbm

MAX_HOPS = 4  # steps up the tree from the quoted piece to the verb that may be its cue
MAX_SENTENCE_TOKENS = 300
NEAR_CHARS = 3_000  # a candidate stays within its sentence of at most MAX_SENTENCE_TOKENS tokens
MAX_PIECES = 2_000  # quoted pieces looked at in one body: a body full of marks stays cheap
LABELLING = frozenset({"call", "describe", "label", "dub", "brand", "deem", "refer", "term", "cite"})
CLOSERS = frozenset('”"»')
MODEL = Path(__file__).resolve().parent / "models" / "quotes" / "en.txt"
POLICY = MODEL.with_name("policy.tsv")
_lock = threading.Lock()


@dataclass(frozen=True, slots=True)
class Candidate:
    """One proposed attribution around the quoted piece `piece` (an index into the pieces)."""

    piece: int
    span: tuple[int, int]
    verb: Token
    subject: Token
    features: dict[str, float]


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Least probability to keep a candidate: around a piece that is not a quotation of its own
    (`new`), and around one that is (`replace`: the candidate takes its place)."""

    new: float
    replace: float


@cache
def load_model() -> tuple[lightgbm.Booster, Thresholds]:
    """The fitted model (LightGBM's text format) and the least probabilities to keep a candidate."""
    with _lock:
        booster, values = read_model(MODEL, POLICY)
        return booster, Thresholds(float(values["threshold"]), float(values["replace"]))


def probabilities(booster: lightgbm.Booster, candidates: list[Candidate]) -> list[float]:
    return predict_features(booster, [c.features for c in candidates])


def add_fragment_quotes(doc: Doc, body: str, quotes: list[Quote]) -> list[Quote]:
    """`quotes` (sorted, found in `doc`) with the kept paraphrase-plus-fragment attributions added and
    the quotations inside them dropped."""
    candidates = fragment_candidates(doc, body, quotes)
    if not candidates:
        return quotes
    booster, threshold = load_model()
    return merge(quotes, keep(candidates, probabilities(booster, candidates), threshold))


def keep(candidates: list[Candidate], scores: list[float], thresholds: Thresholds) -> list[Quote]:
    """The best candidate of each piece reaching its threshold, the surest first, none overlapping."""
    best: dict[int, tuple[float, Candidate]] = {}
    for p, c in zip(scores, candidates, strict=True):
        least = thresholds.replace if c.features["piece_kept"] else thresholds.new
        if p >= least and (c.piece not in best or p > best[c.piece][0]):
            best[c.piece] = (p, c)
    kept: list[Candidate] = []
    for _, c in sorted(best.values(), key=lambda s: (-s[0], s[1].span)):
        if all(c.span[1] <= k.span[0] or k.span[1] <= c.span[0] for k in kept):
            kept.append(c)
    found = []
    for c in sorted(kept, key=lambda c: c.span):
        speaker = resolve_speaker(c.subject, c.verb)
        cue, cue_span = cue_phrase(c.verb)
        name, span = (speaker.speaker_name, speaker.speaker_span) if speaker is not None else (None, None)
        found.append(Quote(text_of(c.verb.doc)[c.span[0] : c.span[1]], "indirect", c.span, name, span,
                           cue, cue_span))
    return found


def merge(quotes: list[Quote], found: list[Quote]) -> list[Quote]:
    """`quotes` without those inside one of `found` (a direct piece now part of a paraphrase), plus
    `found`, in order."""
    if not found:
        return quotes
    starts = [q.span[0] for q in found]
    kept = []
    for q in quotes:
        index = bisect.bisect_right(starts, q.span[0]) - 1
        # (a quotation's span is inside its marks: one starting right after the paraphrase starts)
        inside = index >= 0 and found[index].span[0] <= q.span[0] and q.span[1] <= found[index].span[1]
        if not inside:
            kept.append(q)
    return sorted([*kept, *found], key=lambda q: q.span)


def fragment_candidates(doc: Doc, body: str, quotes: list[Quote]) -> list[Candidate]:
    """The candidates of every quoted piece of the parsed part of `body` (see the module's docstring)."""
    text = text_of(doc)
    parsed = len(text)
    taken = sorted(q.span for q in quotes if q.type == "indirect")
    taken_starts = [s for s, _ in taken]
    direct = sorted(q.span for q in quotes if q.type == "direct")
    direct_set = set(direct)
    cued = {q.span for q in quotes if q.type == "direct" and q.cue is not None}
    found: list[Candidate] = []
    pieces = [m for m in all_marked_quotes(body) if m.close_mark is not None and m.close_mark < parsed]
    for index, mark in enumerate(pieces[:MAX_PIECES]):
        assert mark.close_mark is not None
        if _within(taken, taken_starts, mark.open_mark, mark.close_mark + 1):
            continue  # already part of reported speech
        if body[mark.open_mark] == "'":
            # ''…'' (NYT copy): PolNeAR's attributions do not count these as quotation marks, so the
            # model never learnt them; the rules alone read them.
            continue
        if body[max(0, mark.open_mark - 4) : mark.open_mark].strip().endswith(":"):
            continue  # `she called: “Help, …”`: a quotation of its own, introduced by a colon
        span = doc.char_span(mark.open_mark, mark.close_mark + 1, alignment_mode="expand")
        if span is None or not len(span):
            continue
        s_start, s_end = sentence_of(doc, span.start)
        if s_end - s_start > MAX_SENTENCE_TOKENS or span.end > s_end:
            continue
        inside = range(span.start, span.end)
        # The piece's root: its token whose head is outside it.
        roots = [t for t in span if t.head.i not in inside or t.head.i == t.i]
        if not roots:
            continue
        root = next((t for t in roots if not t.is_punct), roots[0])
        words = WORD.findall(body[mark.start : mark.end])
        piece = {
            "piece_words": float(len(words)),
            "piece_lower": float(bool(words) and words[0][0].islower()),
            "piece_capitals": float(bool(words) and all(w[0].isupper() or len(w) <= 3 for w in words)),
            "piece_punct": float(body[mark.start : mark.end].rstrip()[-1:] in set(".!?,;:…")),
            "piece_cued": float((mark.start, mark.end) in cued),
            "piece_kept": float((mark.start, mark.end) in direct_set),
            "piece_opens_sentence": float(span.start <= s_start + 1),
            "piece_root_dep_" + root.dep_: 1.0,
            "sentence_tokens": float(s_end - s_start),
            "piece_root_pos_" + root.pos_: 1.0,
            "word_before_" + (_name(doc[span.start - 1]) if span.start > s_start else "start"): 1.0,
            "word_after_" + (_name(doc[span.end]) if span.end < s_end else "end"): 1.0,
            "sentence_cues": float(sum(1 for t in doc[s_start:s_end] if t.pos_ in {"VERB", "AUX"}
                                       and t.lemma_.lower() in REPORTING_VERBS)),
        }
        verb, hops, child = root.head, 1, root
        while hops <= MAX_HOPS and verb.i != child.i:
            subject: Token | None = None
            if verb.pos_ in {"VERB", "AUX"} and verb.i not in inside:
                subject = subject_of(verb, range(mark.open_mark, mark.close_mark + 1))
            elif verb.pos_ == "NOUN" and verb.i not in inside:  # "his calls to end the “rigged economy”"
                subject = next((c for c in verb.children if c.dep_ == "poss"), None)
            if subject is not None and subject.i not in inside:
                found.extend(_candidates(doc, index, mark, piece, verb, subject, child, hops,
                                         _around(direct, mark), _around(taken, mark)))
            child, verb, hops = verb, verb.head, hops + 1
    return found


def _around(spans: list[tuple[int, int]], mark: MarkedQuote) -> list[tuple[int, int]]:
    """The spans (sorted) that may overlap a candidate around `mark`: those starting at most
    `NEAR_CHARS` before it (and the one before those), up to the end of its sentence's reach."""
    lo = max(0, bisect.bisect_left(spans, (mark.open_mark - NEAR_CHARS, 0)) - 1)
    hi = bisect.bisect_left(spans, (mark.open_mark + NEAR_CHARS, 0))
    return spans[lo:hi]


def _name(token: Token) -> str:
    """A token as part of a feature name (LightGBM takes letters, digits and _ only)."""
    if token.lower_.isascii() and token.lower_.isalpha():
        return token.lower_
    return "punct" if token.is_punct else "other"


def _within(spans: list[tuple[int, int]], starts: list[int], start: int, end: int) -> bool:
    index = bisect.bisect_right(starts, start) - 1
    return any(s <= start + 1 and end - 1 <= e for s, e in spans[max(0, index - 4) : index + 1])


def _candidates(doc: Doc, index: int, mark: MarkedQuote, piece: dict[str, float], verb: Token,
                subject: Token, child: Token, hops: int, direct: list[tuple[int, int]],
                taken: list[tuple[int, int]]) -> list[Candidate]:
    assert mark.close_mark is not None
    _, s_end = sentence_of(doc, verb.i)
    right = [c for c in verb.children if c.i > verb.i and not c.is_punct]
    cuts = {
        "complements": [c for c in right if c.dep_ in COMPLEMENTS],
        "rest": [c for c in right if c.dep_ not in {"cc", "conj"}],
        # the branch the piece hangs from, before the verb too: `… “arbitrarily detained” …, the group says`
        "path": [] if child.is_punct else [child],
    }
    found: list[Candidate] = []
    seen: set[tuple[int, int]] = set()
    text = text_of(doc)
    for cut, parts in cuts.items():
        if not parts:
            continue
        first = min(p.left_edge.i for p in parts)
        last = max(p.right_edge.i for p in parts)
        while first <= last and (doc[first].dep_ == "mark" or doc[first].is_punct) and (
                doc[first].text not in "“\""):
            first += 1
        while last >= first and doc[last].is_punct and doc[last].text not in CLOSERS:
            last -= 1
        if last < first:
            continue
        start, end = doc[first].idx, doc[last].idx + len(doc[last].text)
        if end < mark.close_mark + 1 and text[end : mark.close_mark].strip(".,!?;:… ") == "":
            end = mark.close_mark + 1  # the stop inside the closing mark
        if not (start <= mark.open_mark and mark.close_mark < end) or (start, end) in seen:
            continue
        if any(start < d_end and d_start < end and not (start < d_start and d_end < end)
               for d_start, d_end in direct):
            continue  # cuts a quotation in two
        seen.add((start, end))
        words = len(WORD.findall(text[start:end]))
        before = len(WORD.findall(text[start : mark.open_mark]))
        after = len(WORD.findall(text[mark.close_mark + 1 : end]))
        if not before + after:
            continue  # the piece alone: a quotation, not a paraphrase around one
        ent = entity_of(subject)
        lemma = verb.lemma_.lower()
        features = {
            **piece,
            "lemma_" + lemma: 1.0,
            "reporting": float(lemma in REPORTING_VERBS),
            "attribution": float(lemma in ATTRIBUTION_VERBS_EN),
            "labelling": float(lemma in LABELLING),
            "hops": float(hops),
            "path_dep_" + child.dep_: 1.0,
            "verb_dep_" + verb.dep_: 1.0,
            "verb_root": float(verb.dep_ == "ROOT"),
            "noun_cue": float(verb.pos_ == "NOUN"),
            "content_before_verb": float(end <= verb.idx),
            "cut_" + cut: 1.0,
            "content_words": float(words),
            "log_ratio": math.log((piece["piece_words"] + 1) / (words + 1)),
            "words_before": float(before),
            "words_after": float(after),
            "starts_at_piece": float(start == mark.open_mark),
            "ends_at_piece": float(end == mark.close_mark + 1),
            "has_that": float(any(c.dep_ == "mark" and c.lower_ == "that" for c in verb.subtree)),
            "verb_distance": float(mark.open_mark - verb.idx),
            "to_sentence_end": float(last >= s_end - 2),
            "pieces_inside": float(sum(1 for d in direct if start < d[0] and d[1] < end)),
            "subject_person": float(ent is not None and ent.label_ == "PERSON"),
            "subject_org": float(ent is not None and ent.label_ in {"ORG", "NORP", "GPE"}),
            "subject_pronoun": float(subject.lower_ in PERSON_PRONOUNS),
            "subject_it": float(subject.lower_ in {"it", "this", "that", "which"}),
            "subject_noun": float(ent is None and subject.pos_ in {"NOUN", "PROPN"}),
            "passive": float(subject.dep_ == "nsubjpass"),
            "negated": float(any(c.dep_ == "neg" for c in verb.children)),
            "overlaps_reported": float(any(start < t_end and t_start < end for t_start, t_end in taken)),
            "verb_in_reported": float(any(t_start <= verb.idx < t_end for t_start, t_end in taken)),
        }
        found.append(Candidate(index, (start, end), verb, subject, features))
    return found


COMPLEMENTS = frozenset({"ccomp", "xcomp", "dobj", "prep", "dative", "oprd", "attr", "acomp"})
