"""A learned speaker chooser for quotations in the languages of `quote_rules` (German, French, Dutch,
Portuguese, Spanish, Italian), for each language that has a fitted model: for each direct quotation,
the mentions around it that could be its speaker, each scored by a gradient-boosted model (LightGBM)
over features that read no parse (none of these languages has a shipped parser); the best one names
the speaker where the rules found none, or would replace the rules' choice when the model is surer of
another by the policy's override margin (`quote_chooser.decide`); the shipped policy (override 2.0)
never replaces the rules' speaker.

    >>> choose_speakers_multi(body, "de", quotes, entities)   # fills speaker_name / speaker_span in place

Candidates: the mentions of the caller's person and organisation entities and the third-person
pronouns in the quotation's paragraph and up to `BEFORE_CHARS` before it and `AFTER_CHARS` after it
within its paragraph (never inside a quotation), the nearest `MAX_CANDIDATES` on each side, plus the
rules' own choice. Features (`_features`): side, distance in characters, words, sentences and
paragraphs, same sentence, rank among the candidates on its side, kind of mention, whether a reporting
verb or an according-to word stands next to it, a colon between it and the quotation, whether it
opens its sentence or is followed by a colon, how often the name recurs, whether the rules chose it,
whether the previous quotation's speaker (by the rules) has that name. A pronoun names the last person
mention before it (outside quotations).

Models: models/speakers-multi/LANGUAGE/model.txt and policy.tsv beside it, fitted on the `tuned` pages of
benchmarks/data/quotes_multi.tsv only by `python -m newsdesk.enrich.train_speakers_multi` (see there).
A language with no model keeps the rules' speakers; a model.txt with no policy.tsv beside it, or either
file unreadable or corrupt, is an ExtractionError naming the file. Cost: linear in the number of
quotations times the candidates in their window (at most 2 * MAX_CANDIDATES, plus the main person
and the rules' choice however far), with binary searches over the sorted entity mentions, pronouns
and quotations, and over the body's words, sentence ends, line breaks and colons to count what lies
between a candidate and its quotation (`_Context.gap`: a far candidate costs no walk of its gap).
"""

from __future__ import annotations

import bisect
import math
import re
import threading
from collections import Counter
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, TypeVar

from newsdesk.article import Quote
from newsdesk.enrich.quote_chooser import Candidate, Policy, decide, probabilities, read_model
from newsdesk.enrich.quote_cues import ACCORDING_TO, NOT_SPEAKERS, PRONOUNS, REPORTING_VERBS
from newsdesk.errors import ExtractionError
from newsdesk.lightgbm_import import complete_model, import_lightgbm

if TYPE_CHECKING:
    import lightgbm

MODELS = Path(__file__).resolve().parent / "models" / "speakers-multi"
BEFORE_CHARS = 1_500
AFTER_CHARS = 300
MAX_CANDIDATES = 8  # on each side of a quotation
PERSON_LABELS = frozenset({"PERSON", "PER"})
SPEAKER_LABELS = frozenset({"PERSON", "PER", "ORG", "NORP"})
SENTENCE_END = re.compile(r"(?<!\d)[.!?][\"“”»«’']?\s")
WORDS = re.compile(r"\w+")
UPPER = "A-ZÀ-ÖØ-ÞĀ-Ž"
NAME_WORD = rf"[{UPPER}][\w’'-]*"
NAMES = re.compile(rf"(?<![\w’'-]){NAME_WORD}(?:[^\S\n]+{NAME_WORD})+(?![\w’'-])")
DETERMINER = (r"(?:der|die|das|dem|den|des|ein|eine|einer|einem|eines|diese[rmns]?|le|la|les|un|une|"
              r"het|een|o|a|os|as|um|uma|el|los|las|il|lo|gli|uno|una)")
DESCRIPTIONS = re.compile(rf"(?<![\w’'-])(?i:{DETERMINER})\s+(?:[a-zß-ÿ-]+\s+){{0,2}}[{UPPER}][\w-]+")
EntitySpans = Sequence[tuple[int, int, str]]
_lock = threading.Lock()


def model_path(language: str) -> Path:
    """Where a language's model is (its policy.tsv beside it)."""
    return MODELS / language / "model.txt"


@cache
def load_model(language: str) -> tuple[lightgbm.Booster, Policy] | None:
    """The language's fitted model and policy, loaded once; None when the language has none (no
    model.txt). A model with no policy.tsv beside it, or either file unreadable, cut off or corrupt, is
    an ExtractionError naming the file (as the body model's loader says), never a half-loaded chooser."""
    path = model_path(language)
    return read_chooser(path) if path.is_file() else None


def read_chooser(path: Path) -> tuple[lightgbm.Booster, Policy]:
    """The model at `path` and the policy.tsv beside it; an ExtractionError naming the file when either
    is missing, unreadable, cut off or corrupt."""
    policy = path.with_name("policy.tsv")
    retrain = "refit it with python -m newsdesk.enrich.train_speakers_multi"
    if not policy.is_file():
        raise ExtractionError(f"speaker model {path} has no policy.tsv beside it; {retrain}", stage="enrich")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ExtractionError(f"speaker model {path} cannot be read: {exc}", stage="enrich") from exc
    if not complete_model(text):  # (LightGBM may abort the process on a cut-off model)
        raise ExtractionError(f"speaker model {path} is cut off or not a LightGBM model; {retrain}",
                              stage="enrich")
    import_lightgbm()
    import lightgbm

    with _lock:
        try:
            booster, values = read_model(path, policy)
            return booster, Policy(float(values["fill"]), float(values["override"]))
        except (OSError, UnicodeDecodeError, lightgbm.basic.LightGBMError, ValueError, KeyError) as exc:
            raise ExtractionError(f"speaker model {path} or its policy.tsv cannot be read: {exc!r}; "
                                  f"{retrain}", stage="enrich") from exc


def choose_speakers_multi(body: str, language: str, quotes: list[Quote], entities: EntitySpans,
                          model: tuple[lightgbm.Booster, Policy] | None = None) -> None:
    """Fill or correct the speakers of the direct quotations of `quotes` in place, where the language
    has a model (or with `model`); `entities` are (start, end, label) mentions as the rules read them."""
    loaded = model or load_model(language)
    if loaded is None:
        return
    booster, policy = loaded
    if policy.fill > 1 and policy.override > 1:
        return  # a policy no probability reaches (the rules alone): no candidate needs scoring
    direct = [q for q in quotes if q.type == "direct"]
    found = candidates_of(body, language, direct, entities)
    everyone = [c for candidates in found for c in candidates]
    if not everyone:
        return
    scores = iter(probabilities(booster, everyone))
    for quote, candidates in zip(direct, found, strict=True):
        scored = [(next(scores), c) for c in candidates]
        if quote.speaker_name is not None and quote.speaker_span is None:
            continue  # a verb with no subject: the rules' antecedent stays (no span to weigh it by)
        choice = decide(scored, policy)  # None: no one sure enough where the rules had no speaker
        if choice is not None and choice.name is not None and not choice.features.get("rule_choice"):
            quote.speaker_name, quote.speaker_span, quote.speaker = choice.name, choice.span, None


class _Context:
    """What every quotation's candidates are read from, found once per body."""

    def __init__(self, body: str, language: str, quotes: list[Quote], entities: EntitySpans) -> None:
        self.body = body
        self.quoted = sorted(q.span for q in quotes)
        self.quoted_starts = [s for s, _ in self.quoted]
        self.mentions = sorted(e for e in entities if e[2] in SPEAKER_LABELS and not self.in_quote(e[0]))
        self.mention_starts = [e[0] for e in self.mentions]
        self.people = [e for e in self.mentions if e[2] in PERSON_LABELS]
        self.people_ends = [e[1] for e in self.people]
        pronouns = "|".join(sorted(PRONOUNS.get(language, ()), key=len, reverse=True))
        self.pronouns = [m.span() for m in re.finditer(rf"(?<!\w)(?i:{pronouns})(?!\w)", body)
                         if not self.in_quote(m.start())] if pronouns else []
        self.pronoun_starts = [s for s, _ in self.pronouns]
        verbs = "|".join(map(re.escape, sorted(REPORTING_VERBS.get(language, ()), key=len, reverse=True)))
        self.verb = re.compile(rf"(?<!\w)(?i:{verbs})(?!\w)") if verbs else None
        according = "|".join(map(re.escape, sorted(ACCORDING_TO.get(language, ()), key=len, reverse=True)))
        self.according = (re.compile(rf"(?<!\w)(?i:{according})\s*$") if according else None)
        self.last_counts = Counter(self.last_word(body[s:e]) for s, e, _ in self.mentions)
        people = Counter(self.last_word(body[s:e]) for s, e, _ in self.people)
        top = people.most_common(2)
        # The person the article names most (three times at least, no tie): whom a pull-quote gives.
        self.main = top[0][0] if top and top[0][1] >= 3 and (len(top) == 1 or top[1][1] < top[0][1]) else ""
        self.main_mentions = [(s, e) for s, e, _ in self.people if self.last_word(body[s:e]) == self.main]
        # Mentions the entity model may have missed: runs of two capitalised words, and descriptions
        # (an article and a noun) next to a reporting verb or before a colon.
        taken = [(s, e) for s, e, _ in self.mentions]
        not_speakers = NOT_SPEAKERS.get(language, frozenset())
        others: list[tuple[int, int, str]] = []
        for match in NAMES.finditer(body) if not self.mentions else ():
            first = match.group().split()[0]
            if (first.lower() not in not_speakers and not re.fullmatch(DETERMINER, first, re.IGNORECASE)
                    and not self.in_quote(match.start()) and not _overlaps(match.span(), taken)):
                others.append((match.start(), match.end(), "name"))
        for match in DESCRIPTIONS.finditer(body):
            near = body[match.end() : match.end() + 25]
            left = body[max(0, match.start() - 25) : match.start()]
            cue = near.lstrip()[:1] == ":" or (self.verb is not None and (
                self.verb.search(near) is not None or self.verb.search(left) is not None))
            if cue and not self.in_quote(match.start()) and not _overlaps(match.span(), taken):
                others.append((match.start(), match.end(), "description"))
        self.others = sorted(others)
        self.other_starts = [s for s, _, _ in self.others]
        # Where the words, sentence ends, line breaks and colons are, for counting them in any gap by
        # binary search (a far candidate, the article's main person, must not cost a walk of its gap).
        words = [m.span() for m in WORDS.finditer(body)]
        self.word_starts = [s for s, _ in words]
        self.word_ends = [e for _, e in words]
        self.sentence_starts = [m.start() for m in SENTENCE_END.finditer(body)]
        self.newlines = [m.start() for m in re.finditer("\n", body)]
        self.colons = [m.start() for m in re.finditer(":", body)]

    def gap(self, lo: int, hi: int) -> Gap:
        """What `_features` reads of the text between a candidate and its quotation, body[lo:hi]: the
        same counts as `WORDS.findall`, `SENTENCE_END.findall` (on the gap without its end marks and
        with a space after it), and line breaks and colons on that slice, each in logarithmic time."""
        if hi <= lo:
            return Gap(0, 0, 0, 0, False, "")
        words = bisect.bisect_left(self.word_starts, hi) - bisect.bisect_right(self.word_ends, lo)
        newlines = bisect.bisect_left(self.newlines, hi) - bisect.bisect_left(self.newlines, lo)
        colon = bisect.bisect_left(self.colons, hi) > bisect.bisect_left(self.colons, lo)
        s_lo, s_hi = _strip_marks(self.body, lo, hi)
        if s_hi - s_lo < 8:
            sentences = len(SENTENCE_END.findall(self.body[s_lo:s_hi] + " "))
        else:
            # A match is two or three characters, and none overlaps another: the ones starting inside
            # the stripped gap before its last three characters are the body's (bar the first, whose
            # look-behind sees no character in the slice); the last few are matched on a short slice.
            cut = s_hi - 3
            opening = SENTENCE_END.match(self.body[s_lo : s_lo + 3]) is not None
            ends = self.sentence_starts
            inner = bisect.bisect_left(ends, cut) - bisect.bisect_right(ends, s_lo)
            tail = sum(1 for _ in SENTENCE_END.finditer(self.body[cut - 1 : s_hi] + " ", 1))
            sentences = int(opening) + inner + tail
        first = lo
        while first < hi and (self.body[first] in GAP_MARKS or self.body[first] == " "):
            first += 1
        first_char = self.body[first] if first < hi else ""
        return Gap(hi - lo, words, sentences, newlines, colon, first_char)

    @staticmethod
    def last_word(text: str) -> str:
        words = text.split()
        return words[-1].casefold() if words else ""

    def in_quote(self, at: int) -> bool:
        index = bisect.bisect_right(self.quoted_starts, at) - 1
        return index >= 0 and self.quoted[index][0] <= at < self.quoted[index][1]

    def person_before(self, at: int) -> str | None:
        """The last person mention ending by `at` (outside quotations): whom a pronoun there names."""
        index = bisect.bisect_right(self.people_ends, at) - 1
        if index < 0 or at - self.people[index][0] > 3_000:
            return None
        start, end, _ = self.people[index]
        return self.body[start:end]


GAP_MARKS = "„“”\"»«‚‘’'"


class Gap(NamedTuple):
    """The counts `_features` reads of the text between a candidate and its quotation."""

    length: int
    words: int
    sentences: int  # sentence ends, the gap's end marks left out (as `SENTENCE_END` on it plus a space)
    newlines: int
    colon: bool
    first: str  # its first character after the marks and spaces (`gap_comma`), "" if none


def _strip_marks(body: str, lo: int, hi: int, marks: str = GAP_MARKS) -> tuple[int, int]:
    """The bounds of body[lo:hi].strip(marks)."""
    while lo < hi and body[lo] in marks:
        lo += 1
    while hi > lo and body[hi - 1] in marks:
        hi -= 1
    return lo, hi


def _overlaps(span: tuple[int, int], sorted_spans: list[tuple[int, int]]) -> bool:
    """Whether `span` overlaps one of `sorted_spans` (sorted, hardly nested: the two last starting
    before its end are looked at)."""
    index = bisect.bisect_left(sorted_spans, (span[1], -1)) - 1
    return any(sorted_spans[i][1] > span[0] for i in (index, index - 1) if i >= 0)


T = TypeVar("T")


def _between(items: list[T], starts: list[int], lo: int, hi: int) -> list[T]:
    """The items (sorted, with their `starts`) starting in [lo, hi)."""
    return items[bisect.bisect_left(starts, lo) : bisect.bisect_left(starts, hi)]


def candidates_of(body: str, language: str, quotes: list[Quote],
                  entities: EntitySpans) -> list[list[Candidate]]:
    """The candidates of every direct quotation of `quotes` (sorted), with their features, in order."""
    context = _Context(body, language, quotes, entities)
    found: list[list[Candidate]] = []
    previous_name = ""
    for quote in quotes:
        start, end = quote.span
        # Up to BEFORE_CHARS before it, and after it to its paragraph's end, at most AFTER_CHARS.
        lo = max(0, start - BEFORE_CHARS)
        para_end = body.find("\n", end, end + AFTER_CHARS)
        hi = min(len(body), end + AFTER_CHARS) if para_end < 0 else para_end
        spans: dict[tuple[int, int], tuple[str | None, str]] = {}
        for m_start, m_end, label in _between(context.mentions, context.mention_starts, lo, hi):
            if (m_end <= start or m_start >= end) and m_end <= hi:
                kind = "person" if label in PERSON_LABELS else "org"
                spans.setdefault((m_start, m_end), (body[m_start:m_end], kind))
        for o_start, o_end, kind in _between(context.others, context.other_starts, lo, hi):
            if (o_end <= start or o_start >= end) and o_end <= hi:
                spans.setdefault((o_start, o_end), (body[o_start:o_end], kind))
        if context.main and not any(context.last_word(n or "") == context.main for n, _ in spans.values()):
            # The article's main person, at the mention nearest before the quotation (else the first).
            index = bisect.bisect_left(context.main_mentions, (start, start)) - 1
            m_start, m_end = context.main_mentions[max(0, index)]
            if m_end <= start or m_start >= end:
                spans[(m_start, m_end)] = (body[m_start:m_end], "person")
        for p_start, p_end in _between(context.pronouns, context.pronoun_starts, lo, hi):
            if p_end <= start or p_start >= end:
                spans.setdefault((p_start, p_end), (context.person_before(p_start), "pronoun"))
        said = quote.speaker_span
        if said is not None:
            # The rules' choice is a candidate however far, under the name the rules gave it (and
            # the kind of the mention it is, if any).
            kind = "rules"
            for key in [s for s in spans if s[0] < said[1] and said[0] < s[1]]:
                kind = spans.pop(key)[1]
            spans[said] = (quote.speaker_name, kind)
        items = sorted(spans.items())
        before = [item for item in items if item[0][1] <= start]
        after = [item for item in items if item[0][0] >= end]
        before = [item for i, item in enumerate(before)
                  if i >= len(before) - MAX_CANDIDATES or item[0] == said]
        after = [item for i, item in enumerate(after) if i < MAX_CANDIDATES or item[0] == said]
        candidates = []
        for rank, ((c_start, c_end), (name, kind)) in enumerate(reversed(before)):
            candidates.append(Candidate((c_start, c_end), name, _features(
                context, quote, (c_start, c_end), name, kind, rank, previous_name)))
        for rank, ((c_start, c_end), (name, kind)) in enumerate(after):
            candidates.append(Candidate((c_start, c_end), name, _features(
                context, quote, (c_start, c_end), name, kind, rank, previous_name)))
        found.append(candidates)
        if quote.speaker_name:
            previous_name = context.last_word(quote.speaker_name)
    return found


def _features(context: _Context, quote: Quote, span: tuple[int, int], name: str | None, kind: str,
              rank: int, previous_name: str) -> dict[str, float]:
    body = context.body
    start, end = quote.span
    before = span[1] <= start
    gap = context.gap(span[1], start) if before else context.gap(end, span[0])
    # The marks themselves are not part of the gap's words.
    sentences = gap.sentences
    said = quote.speaker_span
    rule = said is not None and span[0] < said[1] and said[0] < span[1]
    last = context.last_word(name or "")
    line_start = body.rfind("\n", max(0, span[0] - 300), span[0]) + 1
    ends = list(SENTENCE_END.finditer(body, max(line_start, span[0] - 300), span[0]))
    opening = body[ends[-1].end() if ends else max(line_start, span[0] - 300) : span[0]]
    left = body[max(0, span[0] - 40) : span[0]]
    right = body[span[1] : span[1] + 40]
    verb_left = context.verb is not None and context.verb.search(left[-25:]) is not None
    verb_right = context.verb is not None and context.verb.search(right[:25]) is not None
    q_para = body.rfind("\n", max(0, start - 300), start) + 1
    f: dict[str, float] = {
        "before": float(before),
        "log_distance": math.log1p(gap.length),
        "words_between": min(40.0, float(gap.words)),
        "sentences_between": min(5.0, float(sentences)),
        "paragraphs_apart": min(3.0, float(gap.newlines)),
        "same_sentence": float(sentences == 0 and gap.newlines == 0),
        "same_paragraph": float(gap.newlines == 0),
        "subject_just_before": float(before and sentences == 1 and gap.newlines == 0),
        "rank": min(8.0, float(rank)),
        "nearest": float(rank == 0),
        "kind_" + kind: 1.0,
        "name_words": min(4.0, float(len((name or "").split()))),
        "resolved": float(name is not None),
        "verb_left": float(verb_left),
        "verb_right": float(verb_right),
        "according": float(context.according is not None and context.according.search(left) is not None),
        "zufolge": float(right.lstrip().lower().startswith("zufolge")),
        "colon_between": float(before and gap.colon and sentences == 0),
        "gap_comma": float(gap.first in {",", "–", "—", "-"} and not before),
        "colon_after": float(right.lstrip()[:1] == ":"),
        "opens_sentence": float(len(opening.split()) <= 2 and not any(c in opening for c in ",;:")),
        "log_name_count": math.log1p(context.last_counts.get(last, 0)) if kind != "pronoun" else 0.0,
        "rule_choice": float(rule),
        "rule_found": float(said is not None),
        "previous_speaker": float(bool(last) and last == previous_name),
        "main_person": float(bool(last) and last == context.main),
        "has_cue": float(bool(quote.cue)),
        "quote_opens_paragraph": float(start - q_para <= 300
                                       and body[q_para:start].strip(" „“”\"»«‚‘’'") == ""),
        "quote_words": min(60.0, float(len(WORDS.findall(quote.text)))),
        "capital_pronoun": float(kind == "pronoun" and body[span[0]].isupper() and opening.strip() != ""),
    }
    f["nearest_before"] = f["nearest"] * f["before"]
    f["nearest_after"] = f["nearest"] * (1 - f["before"])
    return f
