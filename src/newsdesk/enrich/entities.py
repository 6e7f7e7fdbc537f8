"""Who and what an article mentions: people, organisations, places and groups (nationalities, religious
and political groups, kept apart from places), each with every span where the body names it.

    >>> [(e.name, e.type, len(e.mentions)) for e in extract_entities(article.body)]

spaCy's named entities are the mentions. Within an article they are merged into entities: honorifics,
titles and possessives are stripped; a lone surname ("Rutte", "Mr Rutte") joins the one full name that
ends with it ("Mark Rutte"), whatever label spaCy gave it; an acronym joins the organisation whose
initials it spells; the alias table turns every known spelling into one canonical name ("Kiev" ->
"Kyiv", "the North Atlantic Alliance" -> "NATO"), and its type wins over spaCy's guess. Finally every
other occurrence of a name already found is added as a mention. An entity's id is a short hash of its
type and canonical name, so the same entity has the same id in every article of the store.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from newsdesk.article import Entity, EntityType
from newsdesk.enrich.aliases import AliasTable, load_aliases
from newsdesk.enrich.nlp import text_of

if TYPE_CHECKING:
    from spacy.tokens import Doc, Span

# spaCy's English labels, and PER (with ORG, LOC) of the models for other languages; MISC is not kept.
LABELS: dict[str, EntityType] = {
    "PERSON": "person", "ORG": "org", "GPE": "place", "LOC": "place", "FAC": "place", "NORP": "group",
    "PER": "person",
}
# Words that come before a name without being part of it; stripped from the start of a person mention.
TITLES = frozenset(
    "mr mrs ms miss mx dr prof professor sir dame lord lady president vice prime minister premier "
    "secretary general secretary-general chancellor senator sen rep representative congressman "
    "congresswoman gov governor mayor judge justice king queen prince princess pope sheikh ayatollah "
    "former ex late incoming outgoing acting deputy foreign defence defense finance chief executive ceo "
    "chairman chairwoman chair spokesman spokeswoman spokesperson gen general col colonel lt capt captain "
    "adm admiral sgt st saint assemblyman assemblywoman councilman councilwoman alderman ambassador "
    "attorney commissioner sheriff rabbi imam reverend rev father sister president-elect speaker leader "
    "majority minority house whip candidate nominee businessman the".split()
)
POSSESSIVE = re.compile(r"(?:['’]s|['’])$")
ARTICLE = re.compile(r"^(?:the|The|THE)\s+")
NAME_SUFFIXES = frozenset({"jr", "jr.", "sr", "sr.", "ii", "iii", "iv"})
SMALL_WORDS = frozenset({"of", "the", "and", "for", "de", "du", "des", "la", "le", "et", "&"})


@dataclass(slots=True)
class _Mention:
    start: int
    end: int
    text: str
    type: EntityType
    name: str = ""  # canonical, once resolved
    typed_by_alias: bool = False


def entity_id(type: str, name: str) -> str:
    """The store-wide id of an entity: stable for the same type and canonical name."""
    return hashlib.blake2b(f"{type}\t{name}".encode(), digest_size=6).hexdigest()


def extract_entities(body: str, doc: Doc | None = None, *, aliases: AliasTable | None = None) -> list[Entity]:
    """The entities of one body, in order of first mention; pass `doc` when it was already parsed."""
    if doc is None:
        if not body.strip():
            return []
        from newsdesk.enrich.nlp import parse

        doc = next(parse([body]))
    if not body.startswith(text_of(doc)):
        raise ValueError("the spaCy Doc was not made from this body")
    if aliases is None:
        from newsdesk.settings import Settings

        aliases = load_aliases(Settings.from_env().alias_file)
    mentions = [m for ent in doc.ents if ent.label_ in LABELS and (m := _mention(body, ent, aliases))]
    for mention in mentions:
        _canonicalise(mention, aliases)
    _merge_surnames(mentions)
    _merge_acronyms(mentions)
    return _entities(body, mentions)


def _mention(body: str, ent: Span, aliases: AliasTable) -> _Mention | None:
    kind = LABELS[ent.label_]
    start, end = ent.start_char, ent.end_char
    # "North Atlantic" + "alliance": a name spaCy cut short, when the longer form is a known alias.
    doc = ent.doc
    for extra in (2, 1):
        last = min(ent.end + extra, len(doc)) - 1  # the longer form's last token
        if last >= ent.end:
            longer_end = doc[last].idx + len(doc[last])
            longer = body[start:longer_end]
            if "\n" not in longer and aliases.lookup(longer):
                end = longer_end
                break
    text = body[start:end]
    if "\n" in text:
        end = start + text.index("\n")
    start, end = _strip(body, start, end, kind)
    if end - start < 2 or not any(ch.isalpha() for ch in body[start:end]):
        return None
    return _Mention(start, end, body[start:end], kind)


def _strip(body: str, start: int, end: int, kind: EntityType) -> tuple[int, int]:
    """Bounds without a leading "the", titles (people only), a possessive or trailing punctuation."""
    while True:
        text = body[start:end]
        if match := ARTICLE.match(text):
            start += match.end()
            continue
        if kind == "person":
            word = text.split(maxsplit=1)[0] if text.split() else ""
            rest = text[len(word) :]
            parts = word.rstrip(".").casefold().split("-")
            if rest.strip() and all(part in TITLES for part in parts):
                start += len(word) + len(rest) - len(rest.lstrip())
                continue
        if match := POSSESSIVE.search(text):
            end -= len(match.group())
            continue
        stripped = text.rstrip(" ,;:")
        if len(stripped) < len(text):
            end -= len(text) - len(stripped)
            continue
        return start, end


def _canonicalise(mention: _Mention, aliases: AliasTable) -> None:
    canonical = aliases.lookup(mention.text)
    mention.name = canonical.name if canonical else " ".join(mention.text.split())
    if canonical and canonical.type:
        mention.type = canonical.type  # type: ignore[assignment]
        mention.typed_by_alias = True


def _merge_surnames(mentions: list[_Mention]) -> None:
    """A one-word mention joins the unique multi-word person name that ends with it (before a
    suffix: "Truex" joins "Martin Truex Jr.")."""
    full_names: dict[str, set[str]] = {}
    for mention in mentions:
        words = [word for word in mention.name.split() if word.casefold() not in NAME_SUFFIXES]
        if mention.type == "person" and len(words) > 1:
            full_names.setdefault(words[-1], set()).add(mention.name)
    for mention in mentions:
        words = mention.name.split()
        if len(words) != 1 or (mention.typed_by_alias and mention.type != "person"):
            continue
        if words[0].casefold() in NAME_SUFFIXES:
            continue
        names = full_names.get(words[0], set())
        if len(names) == 1:
            mention.name = next(iter(names))
            mention.type = "person"


def _merge_acronyms(mentions: list[_Mention]) -> None:
    """An all-capitals organisation name joins the longer organisation whose initials it spells."""
    by_initials: dict[str, set[str]] = {}
    for mention in mentions:
        words = [w for w in mention.name.split() if w.lower() not in SMALL_WORDS]
        if mention.type == "org" and len(words) > 1 and all(w[0].isupper() for w in words):
            by_initials.setdefault("".join(w[0] for w in words), set()).add(mention.name)
    for mention in mentions:
        if mention.type == "org" and mention.name.isupper() and " " not in mention.name:
            names = by_initials.get(mention.name.replace(".", ""), set())
            if len(names) == 1:
                mention.name = next(iter(names))


def _entities(body: str, mentions: list[_Mention]) -> list[Entity]:
    groups: dict[str, list[_Mention]] = {}
    for mention in mentions:
        groups.setdefault(mention.name, []).append(mention)
    entities: list[Entity] = []
    taken = bytearray(len(body))  # 1 where a mention already is: overlap checks stay linear
    for mention in mentions:
        taken[mention.start : mention.end] = b"\x01" * (mention.end - mention.start)
    for name, group in groups.items():
        kind = _vote(group)
        spans = {(m.start, m.end) for m in group}
        # Every other occurrence of a form already seen (a surname spaCy missed, a repeated acronym); the
        # longer forms first, so that "Davis Cup" claims its words before "Cup" can (and the same text
        # gives the same entities whatever the order of a set).
        forms = {m.text for m in group} | ({_surname(name)} if kind == "person" else set())
        for form in sorted(forms, key=lambda form: (-len(form), form)):
            if len(form) < 2 or not form[0].isupper():
                continue
            for start, end in _occurrences(body, form):
                if 1 not in taken[start:end]:
                    spans.add((start, end))
                    taken[start:end] = b"\x01" * (end - start)
        entities.append(Entity(entity_id(kind, name), name, kind, sorted(spans)))
    entities.sort(key=lambda e: e.mentions[0])
    return entities


def _surname(name: str) -> str:
    words = [word for word in name.split() if word.casefold() not in NAME_SUFFIXES]
    return words[-1] if words else name


def _occurrences(body: str, form: str) -> Iterator[tuple[int, int]]:
    """Where `form` stands as whole words (str.find: a regex with a lookbehind scans far slower)."""
    start = body.find(form)
    while start >= 0:
        end = start + len(form)
        if not (start and _is_word(body[start - 1])) and not (end < len(body) and _is_word(body[end])):
            yield start, end
        start = body.find(form, start + 1)


def _is_word(char: str) -> bool:
    return char.isalnum() or char == "_"


def _vote(group: list[_Mention]) -> EntityType:
    for mention in group:
        if mention.typed_by_alias:
            return mention.type
    if any(m.type == "person" for m in group) and len(group[0].name.split()) > 1:
        return "person"
    return Counter(m.type for m in group).most_common(1)[0][0]
