"""The search query language: one parser, one syntax tree, compiled for each backend.

    budget council            both words (AND is implied)
    "harbour bridge"          a phrase: the words next to each other
    nato OR "north atlantic"  either
    ukraine NOT russia        also `ukraine -russia`
    (kyiv OR kiev) AND war    parentheses group
    elect*                    a prefix: election, elected, electorate...

Operators are upper case; lower-case "and", "or", "not" are words. Words are tokenised like the
documents (`newsdesk.search.tokens`), so `e-mail` or `東京` become phrases of their parts. The parser
is lenient: unbalanced quotes and parentheses are closed, stray operators and characters that are
not words are dropped. It raises `QueryError` for a query with no word left, one that asks only for
what must not be there (`-russia`, `a OR NOT b`), which no index can answer, and one beyond the limits
every store shares: parentheses nested more than `MAX_DEPTH` (32) deep, or a word longer than
`MAX_TERM_LENGTH` (100) letters and digits, the longest the index keeps (at most 400 bytes in UTF-8,
well under PostgreSQL's 2,047-byte lexeme limit). Any string gives a tree or a `QueryError`, never
another exception (a chain of NOTs, however long, is read without recursion).
"""

from __future__ import annotations

from dataclasses import dataclass

from newsdesk.errors import QueryError
from newsdesk.search.tokens import MAX_TOKEN_LENGTH, tokens

MAX_DEPTH = 32  # parentheses (and -( groups) nested deeper are refused: a QueryError, the same everywhere
MAX_TERM_LENGTH = MAX_TOKEN_LENGTH  # a longer word is never indexed, so no store could match it


@dataclass(frozen=True)
class Term:
    text: str
    prefix: bool = False


@dataclass(frozen=True)
class Phrase:
    terms: tuple[Term, ...]


@dataclass(frozen=True)
class And:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    child: Node


Node = Term | Phrase | And | Or | Not

_OPERATORS = {"AND", "OR", "NOT"}


def parse_query(text: str | None) -> Node | None:
    """The syntax tree of a query, or None for a blank one (which matches everything)."""
    if text is None or not text.strip():
        return None
    parser = _Parser(_lex(text), text)
    parts: list[Node] = []
    while not parser.done():
        node = parser.parse_or()
        if node is not None:
            parts.append(node)
        parser.skip_stray_close()
    if not parts:
        raise QueryError(f"no words to search for in {text!r}", stage="search")
    tree = _simplify(And(tuple(parts)))
    _check(tree, text)
    return tree


def _lex(text: str) -> list[str | Node]:
    """Operators and parentheses as strings, words and phrases as nodes; nothing searchable dropped."""
    out: list[str | Node] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char.isspace():
            i += 1
        elif char == "-" and text[i + 1:i + 2] in ('"', "("):
            out.append("NOT")  # -"a phrase", -(a group)
            i += 1
        elif char in "()":
            out.append(char)
            i += 1
        elif char == '"':
            end = text.find('"', i + 1)
            end = len(text) if end < 0 else end
            prefix = text.startswith("*", end + 1)
            node = _words(text[i + 1:end], prefix)
            if node is not None:
                out.append(node)
            i = end + 1 + prefix
        else:
            start = i
            while i < len(text) and not text[i].isspace() and text[i] not in '()"':
                i += 1
            word = text[start:i]
            if word in _OPERATORS:
                out.append(word)
                continue
            negated = word.startswith("-")
            node = _words(word, False)
            if node is not None:
                out.extend(["NOT", node] if negated else [node])
    return out


def _words(text: str, prefix: bool) -> Term | Phrase | None:
    """The terms of a word or a quoted phrase; a piece ending in `*` (or all, after `"..."*`) is a prefix."""
    terms: list[Term] = []
    for piece in text.split():
        found = tokens(piece)
        for token in found:
            if len(token) > MAX_TERM_LENGTH:
                raise QueryError(f"the word {token[:20]!r}... is {len(token):,} letters long: no stored "
                                 f"word is longer than {MAX_TERM_LENGTH}", stage="search")
        if found:
            terms += [Term(token) for token in found[:-1]]
            terms.append(Term(found[-1], piece.endswith("*")))
    if not terms:
        return None
    if prefix:
        terms[-1] = Term(terms[-1].text, True)
    return terms[0] if len(terms) == 1 else Phrase(tuple(terms))


class _Parser:
    def __init__(self, items: list[str | Node], text: str) -> None:
        self.items = items
        self.text = text
        self.at = 0
        self.depth = 0

    def done(self) -> bool:
        return self.at >= len(self.items)

    def peek(self) -> str | Node | None:
        return self.items[self.at] if self.at < len(self.items) else None

    def skip_stray_close(self) -> None:
        while self.peek() == ")":
            self.at += 1

    def parse_or(self) -> Node | None:
        options: list[Node] = []
        while True:
            node = self.parse_and()
            if node is not None:
                options.append(node)
            if self.peek() != "OR":
                break
            self.at += 1
        if not options:
            return None
        return options[0] if len(options) == 1 else Or(tuple(options))

    def parse_and(self) -> Node | None:
        parts: list[Node] = []
        while (item := self.peek()) is not None and item not in (")", "OR"):
            if item == "AND":
                self.at += 1
                continue
            node = self.parse_unary()
            if node is not None:
                parts.append(node)
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else And(tuple(parts))

    def parse_unary(self) -> Node | None:
        negations = 0  # NOT NOT NOT ... x: counted in a loop, never one call per NOT
        while self.peek() == "NOT":
            self.at += 1
            negations += 1
        if negations and self.peek() in (None, ")", "OR", "AND"):
            return None
        item = self.peek()
        self.at += 1
        if item == "(":
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise QueryError(f"parentheses nested more than {MAX_DEPTH} deep in {self.text[:60]!r}...",
                                 stage="search")
            inner = self.parse_or()
            self.depth -= 1
            if self.peek() == ")":
                self.at += 1
        else:
            assert item is not None and not isinstance(item, str)
            inner = item
        if inner is None:
            return None
        return Not(inner) if negations % 2 else inner


def _simplify(node: Node) -> Node:
    """Flatten nested AND/OR, unwrap single children, cancel double negations."""
    if isinstance(node, Not):
        child = _simplify(node.child)
        return child.child if isinstance(child, Not) else Not(child)
    if isinstance(node, And | Or):
        kind = type(node)
        children: list[Node] = []
        for child in map(_simplify, node.children):
            children.extend(child.children if isinstance(child, kind) else (child,))
        return children[0] if len(children) == 1 else kind(tuple(children))
    return node


def _check(node: Node, text: str) -> None:
    """A NOT only subtracts from something: it must stand in an AND beside a positive part."""
    if isinstance(node, Not):
        raise QueryError(f"{text!r} asks only for what must not be there; add a word to search for",
                         stage="search")
    if isinstance(node, Or):
        for child in node.children:
            _check(child, text)
    elif isinstance(node, And):
        if all(isinstance(child, Not) for child in node.children):
            raise QueryError(f"{text!r} asks only for what must not be there; add a word to search for",
                             stage="search")
        for child in node.children:
            _check(child.child if isinstance(child, Not) else child, text)


def positive_terms(node: Node | None) -> list[Term]:
    """The terms a match may contain (those under a NOT left out): what a snippet marks."""
    if node is None or isinstance(node, Not):
        return []
    if isinstance(node, Term):
        return [node]
    if isinstance(node, Phrase):
        return list(node.terms)
    return [term for child in node.children for term in positive_terms(child)]


def to_fts5(node: Node) -> str:
    """An SQLite FTS5 MATCH expression. Every token is quoted, so no character is ever an operator."""
    if isinstance(node, Term):
        return f'"{node.text}"' + (" *" if node.prefix else "")
    if isinstance(node, Phrase):
        return " + ".join(map(to_fts5, node.terms))
    if isinstance(node, Or):
        return "(" + " OR ".join(f"({to_fts5(child)})" for child in node.children) + ")"
    if isinstance(node, And):
        positive = " AND ".join(f"({to_fts5(c)})" for c in node.children if not isinstance(c, Not))
        negative = "".join(f" NOT ({to_fts5(c.child)})" for c in node.children if isinstance(c, Not))
        return f"(({positive}){negative})"
    raise QueryError("a NOT needs something to subtract from", stage="search")


def to_tsquery(node: Node) -> str:
    """A PostgreSQL tsquery literal (to cast with ::tsquery; no text-search parser involved)."""
    if isinstance(node, Term):
        quoted = node.text.replace("\\", "\\\\").replace("'", "''")
        return f"'{quoted}'" + (":*" if node.prefix else "")
    if isinstance(node, Phrase):
        return "(" + " <-> ".join(map(to_tsquery, node.terms)) + ")"
    if isinstance(node, Or):
        return "(" + " | ".join(map(to_tsquery, node.children)) + ")"
    if isinstance(node, And):
        return "(" + " & ".join(f"!{to_tsquery(c.child)}" if isinstance(c, Not) else to_tsquery(c)
                                for c in node.children) + ")"
    raise QueryError("a NOT needs something to subtract from", stage="search")
