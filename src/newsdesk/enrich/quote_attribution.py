"""Attach cues and speakers to direct quotations and find reported (indirect) speech in a parsed Doc."""

from __future__ import annotations

import bisect
import sys

import numpy
from spacy.tokens import Doc, Span, Token

from newsdesk.article import Quote
from newsdesk.enrich.nlp import text_of
from newsdesk.enrich.quote_cues import ATTRIBUTION_VERBS_EN
from newsdesk.enrich.quote_marks import WORD, MarkedQuote
from newsdesk.enrich.quote_speakers import (
    CUE_LEMMAS,
    SUBJECT_DEPS,
    Attribution,
    cue_phrase,
    ent_at,
    is_reporting_verb,
    lemma_in,
    one_of,
    resolve_speaker,
    sentence_of,
    subject_of,
)

MIN_INDIRECT_WORDS = 3
MAX_SENTENCE_TOKENS = 300
CUE_WINDOW = 40  # tokens either side of a quote where its cue may be
CUE_CHARS = 2_000  # characters either side of a quote where its cue may be


def attribute_direct(
    body: str, doc: Doc, marked: list[MarkedQuote], quotes: list[Quote], paras: list[tuple[int, int]]
) -> None:
    """Fill cue and speaker of each direct quote; a quote without its own cue takes the previous
    quote's speaker when both are in the same paragraph (`"…," he said. "…"`)."""
    previous: tuple[int, Attribution] | None = None  # (paragraph index, attribution)
    last_named: tuple[int, str] | None = None  # (paragraph index, speaker name)
    parsed = len(text_of(doc))
    for mark, quote in zip(marked, quotes, strict=True):
        if mark.open_mark >= parsed:
            break  # past the parsed part of a long body: no speakers there
        para = _paragraph_of(paras, mark.open_mark)
        found = _cue_near(doc, mark)
        if found is None and previous is not None and _continues(body, paras, previous[0], para, mark):
            found = previous[1]
        if found is None:
            continue
        if found.speaker_name is None and found.speaker_span is not None and last_named is not None \
                and para - last_named[0] <= 2 and body[slice(*found.speaker_span)].lower() in {"he", "she"}:
            # `“…,” she continued.` far from the name: the last named speaker goes on.
            found = Attribution(found.cue, found.cue_span, last_named[1], found.speaker_span)
        if found.speaker_name is not None:
            last_named = (para, found.speaker_name)
        quote.cue, quote.cue_span = found.cue, found.cue_span
        quote.speaker_name, quote.speaker_span = found.speaker_name, found.speaker_span
        previous = (para, found)


def _continues(body: str, paras: list[tuple[int, int]], before: int, para: int, mark: MarkedQuote) -> bool:
    """A quote with no cue goes on from the last one in its paragraph, or from the previous
    paragraph when this one opens with the quote (the news convention for a speech quoted at length)."""
    if before == para:
        return True
    return before == para - 1 and para >= 0 and mark.open_mark == paras[para][0]


def _paragraph_of(paras: list[tuple[int, int]], offset: int) -> int:
    index = bisect.bisect_right(paras, (offset, sys.maxsize)) - 1
    return index if index >= 0 and paras[index][0] <= offset < paras[index][1] else -1


def _cue_near(doc: Doc, mark: MarkedQuote) -> Attribution | None:
    """The reporting verb closest to the quote, outside it, in the sentences the quote touches."""
    close = mark.close_mark + 1 if mark.close_mark is not None else mark.end
    inside = range(mark.open_mark, close)
    span = doc.char_span(mark.open_mark, min(close, len(text_of(doc))), alignment_mode="expand")
    if span is None:
        return None
    first = sentence_of(doc, span.start)[0]
    last = sentence_of(doc, span.end - 1)[1]
    if (last < len(doc) and doc[last].idx - close <= 2 and "\n" not in text_of(doc)[close : doc[last].idx]
            and _attribution_tail(doc[slice(*sentence_of(doc, last))], text_of(doc)[mark.start : mark.end])):
        last = sentence_of(doc, last)[1]  # `“…,” he said.` split off as a sentence of its own
    # The cue is in the quote's own paragraph(s): never borrow one from the next paragraph. (Searched
    # within CUE_CHARS only: the cue window below is narrower anyway.)
    para_start = text_of(doc).rfind("\n", max(0, mark.open_mark - CUE_CHARS), mark.open_mark) + 1
    para_start = max(para_start, mark.open_mark - CUE_CHARS)
    para_end = text_of(doc).find("\n", close, close + CUE_CHARS)
    para_end = min(len(text_of(doc)), close + CUE_CHARS) if para_end < 0 else para_end
    candidates: list[tuple[int, Attribution]] = []
    # Within a window of the quote: a cue further away is not its cue, and a 100,000-character
    # "sentence" must not be walked once per quote.
    first = max(first, span.start - CUE_WINDOW)
    last = min(last, span.end + CUE_WINDOW)
    for token in doc[first:last]:
        if token.idx in inside or not _cue_verb(token) or not para_start <= token.idx < para_end:
            continue
        subject = subject_of(token, inside)
        if subject is None and token.idx >= close:
            subject = _name_before_cue(doc, close, token)
        speaker: Attribution | None = None
        if subject is None and token.idx >= close and not text_of(doc)[close : token.idx].strip(" ,—–-"):
            speaker = _named_after_cue(doc, token)
        elif subject is not None and subject.idx not in inside:
            speaker = resolve_speaker(subject, token)
        if speaker is None:
            continue
        distance = mark.open_mark - token.idx if token.idx < mark.open_mark else token.idx - close
        cue, cue_span = cue_phrase(token)
        candidates.append((distance, Attribution(cue, cue_span, speaker.speaker_name, speaker.speaker_span)))
    introduced = _introduced_by_colon(doc, mark)
    if introduced is not None:
        candidates.append(introduced)
    according = _according_to(doc[first:last], inside)
    if according is not None:
        candidates.append(according)
    if not candidates:
        return None
    return min(candidates, key=lambda c: c[0])[1]


def _cue_verb(token: Token) -> bool:
    """A reporting verb, or a learned attribution verb (`“…,” he mocks`)."""
    return is_reporting_verb(token) or (token.pos_ == "VERB" and token.lemma_.lower() in ATTRIBUTION_VERBS_EN)


def _loose_subject(verb: Token) -> Token | None:
    """`Clinton, exasperated, famously responded:` parsed with Clinton the subject of "exasperated":
    the last person named as a subject before a reporting verb in its sentence, when the verb has none."""
    if not is_reporting_verb(verb):
        return None
    sentence_start = sentence_of(verb.doc, verb.i)[0]
    for token in reversed(verb.doc[sentence_start : verb.i]):
        if token.dep_ in SUBJECT_DEPS and token.ent_type_ == "PERSON":
            return token
    return None


def _named_after_cue(doc: Doc, verb: Token) -> Attribution | None:
    """`“…,” said David Brock, a confidant who …` / `said the woman, who …` / `said one of those
    advisers`: when the parse loses the subject of a cue right after the quote, the speaker is the
    name or noun phrase right after the cue."""
    if verb.i + 1 >= len(doc):
        return None
    first = doc[verb.i + 1]
    ent = ent_at(first) if first.ent_type_ in {"PERSON", "ORG"} else None
    if ent is not None and ent.start == first.i:
        return resolve_speaker(ent.root)
    end = first.i
    if first.lower_ in {"the", "a", "an", "one"} or first.pos_ == "DET":
        phrase = {"NOUN", "PROPN", "ADJ", "DET", "ADP", "NUM"}
        while end + 1 < len(doc) and end - first.i < 6 and doc[end + 1].pos_ in phrase and (
                doc[end + 1].lower_ != "who"):
            end += 1
            if doc[end].pos_ in {"NOUN", "PROPN"} and doc[end + 1 : end + 2].text not in {"of", "'s", "’s"}:
                break
        if doc[end].pos_ in {"NOUN", "PROPN"}:
            span = doc[first.i : end + 1]
            return Attribution("", (0, 0), span.text, (span.start_char, span.end_char))
    return None


def _name_before_cue(doc: Doc, close: int, verb: Token) -> Token | None:
    """`“…,” Gene Sperling, a top Clinton adviser, said`: when the parse loses the subject, a person
    named right after the closing mark, before the cue, is it."""
    after = [t for t in doc[max(0, verb.i - 15) : verb.i] if t.idx >= close and not t.is_punct]
    if not after or after[0].ent_type_ != "PERSON":
        return None
    ent = ent_at(after[0])
    if ent is None or ent.label_ != "PERSON" or ent.start != after[0].i:
        return None
    return ent.root


def _attribution_tail(sent: Span, quoted: str) -> bool:
    """Whether the sentence after a quote is its attribution (`“…,” he said.`) rather than a sentence
    of its own that happens to report something else (`“…” Smith said the plan was dead.`)."""
    if quoted.rstrip()[-1:] in {",", "—", "–", "-"}:
        return True
    root = sent.root
    return is_reporting_verb(root) and not any(c.dep_ in {"ccomp", "dobj", "xcomp"} for c in root.children)


def _introduced_by_colon(doc: Doc, mark: MarkedQuote) -> tuple[int, Attribution] | None:
    """`She released a statement: “…”`: the subject of the clause the colon ends speaks."""
    text = text_of(doc)
    at = mark.open_mark - 1
    while at >= 0 and text[at].isspace():
        at -= 1
    if at < 0 or text[at] != ":":
        return None
    colon = doc.char_span(at, at + 1, alignment_mode="expand")
    if colon is None or not colon[0].is_punct:
        return None
    verb = colon[0].head if colon[0].head.pos_ in {"VERB", "AUX"} else colon[0].sent.root
    if any(c.dep_ == "aux" and c.lower_ == "to" for c in verb.children):
        return None  # "led people to believe: “…”": whoever believes, nobody is said to speak
    subject = subject_of(verb) or _loose_subject(verb)
    if subject is None:
        return None
    speaker = resolve_speaker(subject, verb)
    if speaker is None or speaker.speaker_name is None:
        return None
    cue, cue_span = cue_phrase(verb)
    distance = mark.open_mark - verb.idx
    return distance, Attribution(cue, cue_span, speaker.speaker_name, speaker.speaker_span)


def _according_to(tokens: Span, inside: range) -> tuple[int, Attribution] | None:
    for token in tokens:
        if token.lower_ == "according" and token.idx not in inside and token.i + 1 < len(token.doc):
            to = token.doc[token.i + 1]
            objects = [c for c in to.children if c.dep_ == "pobj"]
            if to.lower_ == "to" and objects:
                speaker = resolve_speaker(objects[0])
                if speaker is not None:
                    cue_span = (token.idx, to.idx + len(to.text))
                    attribution = Attribution(
                        "according to", cue_span, speaker.speaker_name, speaker.speaker_span
                    )
                    return 0, attribution
    return None


def find_indirect(doc: Doc, direct_spans: list[tuple[int, int]]) -> list[Quote]:
    """Reported speech: a reporting verb with a subject and a clausal complement, or "according to X"."""
    starts = [d_start for d_start, _ in direct_spans]

    def overlaps_direct(start: int, end: int) -> bool:
        # direct_spans are sorted and disjoint: only the one starting last before `end` can overlap.
        index = bisect.bisect_left(starts, end) - 1
        return index >= 0 and direct_spans[index][1] > start

    # Reported speech lives in sentences of prose length; a 20,000-token "sentence" is not walked.
    in_prose = [False] * len(doc)
    for sent in doc.sents:
        if len(sent) <= MAX_SENTENCE_TOKENS:
            in_prose[sent.start : sent.end] = [True] * len(sent)
    found: list[Quote] = []
    # Only a verb with a reporting or attribution lemma can be a cue (the tests below): those, picked
    # out on the Doc's columns, not every token.
    verbs = one_of(doc, "POS", ["VERB", "AUX"]) & lemma_in(doc, CUE_LEMMAS)
    for i in numpy.flatnonzero(verbs).tolist():
        token = doc[i]
        if not in_prose[i] or overlaps_direct(token.idx, token.idx + 1):
            continue
        if is_reporting_verb(token):
            clause = _reported_clause(token)
        elif token.pos_ == "VERB" and token.lemma_.lower() in ATTRIBUTION_VERBS_EN:
            clause = _complement(token)
        else:
            continue
        subject = subject_of(token)
        whole_clause = clause is not None and is_reporting_verb(token)
        if clause is None and subject is not None and is_reporting_verb(token):
            parenthetical = _parenthetical(token, subject)
            if parenthetical is not None:
                found.append(parenthetical)
                continue
            if token.lemma_.lower() in NO_OBJECT_CONTENT:
                continue
            clause = _complement(token) or next(  # "urged Congress to act", "called for a ban"
                (c for c in token.children if c.dep_ == "prep" and c.i > token.i
                 and c.lower_ in {"for", "on", "about", "of"}), None)
        if clause is None or subject is None:
            continue
        tokens = list(clause.subtree) if whole_clause else _complement_tokens(token, clause)
        while tokens and (tokens[0].dep_ == "mark" or tokens[0].is_punct):
            tokens = tokens[1:]
        tokens = _without_trailing_participle(tokens)
        while tokens and tokens[-1].is_punct:
            tokens = tokens[:-1]
        if not tokens:
            continue
        start, end = tokens[0].idx, tokens[-1].idx + len(tokens[-1].text)
        end = _through_closing_mark(text_of(doc), start, end, direct_spans)
        if text_of(doc)[end : end + 2].strip()[:1] == ":":
            continue  # "Millbrook had reason to believe:" introduces what follows; it says nothing
        text = text_of(doc)[start:end]
        too_short = len(WORD.findall(text)) < MIN_INDIRECT_WORDS
        if too_short or _crosses_direct(text_of(doc), start, end, direct_spans):
            continue
        speaker = resolve_speaker(subject, token)
        if speaker is None:
            continue
        cue, cue_span = cue_phrase(token)
        found.append(Quote(text, "indirect", (start, end), speaker.speaker_name, speaker.speaker_span,
                           cue, cue_span))
    found.extend(_according_to_quotes(doc, direct_spans))
    found.extend(_labels(doc, direct_spans))
    return found


def _without_trailing_participle(tokens: list[Token]) -> list[Token]:
    """`promising to create "a big spectacle", leaving Cleveland excited`: a participle clause after a
    comma says what the writer adds, not what was said; the reported words end before the comma."""
    for k in range(2, len(tokens)):
        token = tokens[k]
        if token.tag_ == "VBG" and token.dep_ == "advcl" and tokens[k - 1].text == ",":
            return tokens[: k - 1]
    return tokens


LABELLING_VERBS = frozenset({"call", "describe", "label", "dub", "brand", "deem"})


def _labels(doc: Doc, direct_spans: list[tuple[int, int]]) -> list[Quote]:
    """`Bush called Trump “unhinged”`: a quoted label is the speaker's words about its object."""
    found: list[Quote] = []
    for i in numpy.flatnonzero(one_of(doc, "POS", ["VERB"]) & lemma_in(doc, LABELLING_VERBS)).tolist():
        verb = doc[i]
        parts = [c for c in verb.children if c.dep_ in {"dobj", "oprd", "xcomp", "ccomp", "attr", "prep"}
                 and c.i > verb.i]
        subject = subject_of(verb)
        if not parts or subject is None:
            continue
        start_token = min(p.left_edge.i for p in parts)
        end_token = max(p.right_edge.i for p in parts)
        tokens = [t for t in doc[start_token : end_token + 1]]
        while tokens and tokens[-1].is_punct and tokens[-1].text not in QUOTE_CLOSERS:
            tokens = tokens[:-1]
        if not tokens:
            continue
        start, end = tokens[0].idx, tokens[-1].idx + len(tokens[-1].text)
        text = text_of(doc)[start:end]
        quoted = any(mark in text for mark in "“\"«")
        if not quoted or _crosses_direct(text_of(doc), start, end, direct_spans):
            continue
        speaker = resolve_speaker(subject, verb)
        if speaker is None:
            continue
        cue, cue_span = cue_phrase(verb)
        found.append(Quote(text, "indirect", (start, end), speaker.speaker_name, speaker.speaker_span,
                           cue, cue_span))
    return found


QUOTE_CLOSERS = frozenset('”"»')


def _through_closing_mark(text: str, start: int, end: int, direct_spans: list[tuple[int, int]]) -> int:
    """Extend a reported clause that ends inside a quotation (`said it was “simply not true.”`, the
    parse leaving the final stop and mark out) to the closing mark."""
    index = bisect.bisect_left(direct_spans, (end, end)) - 1
    if index >= 0:
        d_start, d_end = direct_spans[index]
        if start < d_start < end <= d_end and d_end - end <= 3 and not text[end:d_end].strip(".,!?…;: "):
            return d_end + 1 if d_end < len(text) else d_end
    return end


def _crosses_direct(text: str, start: int, end: int, direct_spans: list[tuple[int, int]]) -> bool:
    """Whether a reported clause collides with a direct quote, rather than holding a short part of
    one (`Trump argued that Cruz has “got to come a long way” on ethanol` is reported speech)."""
    first = max(0, bisect.bisect_right(direct_spans, (start, start)) - 1)
    for d_start, d_end in direct_spans[first:]:
        if d_start >= end:
            break
        if start < d_end and d_start < end:
            if d_start - 1 < start or d_end + 1 > end:
                return True
            if text[max(start, d_start - 4) : d_start - 1].strip().endswith(":"):
                return True  # `she called: “Help, …”`: a quotation of its own, introduced by a colon
            if len(WORD.findall(text[start : d_start - 1] + " " + text[d_end + 1 : end])) < 2:
                return True
    return False


def _parenthetical(verb: Token, subject: Token) -> Quote | None:
    """`Otherwise, she said, countries may simply steal growth` / `The FBI made a mistake, Comey has
    said.`: a reporting verb with no clause of its own, set off by commas from a sentence without
    quotation marks, attributes the rest of the sentence to its subject."""
    doc = verb.doc
    if any(c.dep_ in {"dobj", "xcomp", "ccomp", "dative"} and c.i > verb.i for c in verb.children):
        return None
    start, end = sentence_of(doc, verb.i)
    if end - start > MAX_SENTENCE_TOKENS:
        return None
    first = min(subject.left_edge.i, *(c.i for c in verb.children if c.dep_ in {"aux", "neg"}), verb.i)
    last = verb.i
    while last + 1 < end and doc[last + 1].dep_ in {"npadvmod", "advmod"} and doc[last + 1].head.i == verb.i:
        last += 1  # "said Tuesday"
    before = [t for t in doc[start:first] if not t.is_space]
    after = [t for t in doc[last + 1 : end] if not t.is_space]
    if any(t.text in QUOTE_MARKS for t in doc[start:end]):
        return None
    if after and after[0].text == "," and (not before or before[-1].text == ","):
        content = [t for t in after[1:] if not t.is_punct or t.i < end - 1]  # "…, she said, REST."
    elif before and before[-1].text == "," and (not after or after[0].is_punct):
        content = before[:-1]  # "REST, Comey has said."
    else:
        return None
    while content and content[-1].is_punct:
        content.pop()
    if len(WORD.findall(" ".join(t.text for t in content))) < MIN_INDIRECT_WORDS + 1:
        return None
    speaker = resolve_speaker(subject, verb)
    if speaker is None:
        return None
    c_start, c_end = content[0].idx, content[-1].idx + len(content[-1].text)
    cue, cue_span = cue_phrase(verb)
    return Quote(text_of(doc)[c_start:c_end], "indirect", (c_start, c_end), speaker.speaker_name,
                 speaker.speaker_span, cue, cue_span)


QUOTE_MARKS = frozenset('"“”«»„')
# Verbs of saying whose object is not what is said ("told reporters", "added a line").
NO_OBJECT_CONTENT = frozenset({"say", "tell", "add", "continue", "write", "read", "post", "tweet", "quote"})


def _complement(verb: Token) -> Token | None:
    """What an attribution verb attributes: its clause, infinitive or object after it ("accused Smith
    of lying", "vowed to fight", "endorsed the plan")."""
    for child in verb.children:
        if child.dep_ in {"ccomp", "xcomp", "dobj"} and child.i > verb.i:
            return child
    return None


def _complement_tokens(verb: Token, first: Token) -> list[Token]:
    """From the complement to the end of the verb's last complement or preposition after it."""
    parts = [c for c in verb.children if c.i >= first.i and c.dep_ in COMPLEMENT_DEPS]
    end = max(c.right_edge.i for c in parts) if parts else first.right_edge.i
    return list(verb.doc[first.left_edge.i : end + 1])


COMPLEMENT_DEPS = frozenset({"ccomp", "xcomp", "dobj", "prep", "dative", "oprd"})


def _reported_clause(verb: Token) -> Token | None:
    """The clause a reporting verb reports: its ccomp, or (when the parser attached it elsewhere) the
    first following clause in its subtree that opens with "that"."""
    for child in verb.children:
        if child.dep_ == "ccomp" and child.i > verb.i:
            return child
    for token in verb.subtree:
        if token.i <= verb.i or token.pos_ not in {"VERB", "AUX"} or token.dep_ not in {"acl", "advcl"}:
            continue
        if any(c.dep_ == "mark" and c.lower_ == "that" and c.i < token.i for c in token.children):
            return token
    return None


def _according_to_quotes(doc: Doc, direct_spans: list[tuple[int, int]]) -> list[Quote]:
    found: list[Quote] = []
    # Only a sentence with an "according" in it can hold one: those, in order, not every sentence.
    according = numpy.flatnonzero(one_of(doc, "LOWER", ["according"])).tolist()
    for start, end in sorted({sentence_of(doc, i) for i in according}):
        sent = doc[start:end]
        hit = _according_to(sent, range(0))
        if hit is None:
            continue
        attribution = hit[1]
        cue_start = attribution.cue_span[0]
        phrase_end = _phrase_end(doc, cue_start)
        if cue_start - sent.start_char <= 1:  # "According to X, ..."
            rest = [t for t in sent if t.idx >= phrase_end and not t.is_punct]
        else:  # "..., according to X."
            rest = [t for t in sent if t.idx < cue_start and not t.is_punct]
        if len(rest) < MIN_INDIRECT_WORDS or _reports_someone(rest):
            continue  # "According to KTVN, a neighbour said ...": the outlet reports the neighbour
        start, end = rest[0].idx, rest[-1].idx + len(rest[-1].text)
        if any(start < d_end and d_start < end for d_start, d_end in direct_spans):
            continue
        found.append(Quote(text_of(doc)[start:end], "indirect", (start, end), attribution.speaker_name,
                           attribution.speaker_span, attribution.cue, attribution.cue_span))
    return found


def _reports_someone(tokens: list[Token]) -> bool:
    """Whether `tokens` hold a reporting verb with a subject of its own: someone else's speech."""
    return any(is_reporting_verb(t) and (subject_of(t) is not None
                                         or any(c.dep_ == "ccomp" for c in t.children))
               for t in tokens)


def _phrase_end(doc: Doc, cue_start: int) -> int:
    according: Token = doc.char_span(cue_start, cue_start + 9, alignment_mode="expand")[0]  # type: ignore[index]
    return max(t.idx + len(t.text) for t in according.subtree)
