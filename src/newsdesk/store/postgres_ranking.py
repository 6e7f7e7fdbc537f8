"""The bounds that let the PostgreSQL store rank a query of plain words from the few articles that
have one of them in their title or authors (`PostgresStore._ranked_by_head`), the ties that let it rank
a word with NOTs by id (`pairs_query`), and the analysis of a query they need.

How PostgreSQL 15 ranks (tsrank.c, ts_rank without normalisation): calc_rank looks at the query's top
operator only. An AND or a phrase at the top is ranked by calc_rank_and, anything else (one word, an OR,
an OR holding ANDs and NOTs) by calc_rank_or. Both take the query's distinct operands by their text
(SortAndUniqItems: every operand, those under a NOT too). calc_rank_or sums a value per operand found
in the article and divides by the number of operands (below). calc_rank_and looks only at *pairs of
positions of two different operands* found in the article: res = 1 - prod(1 - sqrt(w1 * w2 *
word_distance(d))) over those pairs, and when there is no such pair res stays -1, which calc_rank turns
into 1e-20. Two consequences used here:

* An AND's body alone can rank near 1 (many close pairs of body positions: each adds up to 0.099), so
  the head bounds below do not hold for an AND: `test_an_and_of_body_words_outranks_its_title_match`
  shows a body-only article above a title match. ANDs of several words found in every match (`trump
  AND election`) keep the full ranking.
* A match that holds at most one of the operands has no pair: its rank is exactly float4(1e-20)
  (NO_PAIR_RANK), whatever else it holds. `police NOT court` (its operands: police and court, and no
  match holds court) ranks every match 1e-20: the ranking is the matches in order of id. `(energy OR
  oil) -climate` ranks the matches holding both energy and oil by ts_rank, then every other match at
  1e-20 by id (`pairs_query`; PostgresStore._ranked_by_pairs merges the two).
"""

from __future__ import annotations

import struct
from itertools import combinations

from newsdesk.search.query import And, Node, Not, Or, Phrase, Term, to_tsquery

# ts_rank (weights D 0.1, C 0.2, B 0.4, A 1.0; no normalisation) of an OR of words, as PostgreSQL computes
# it (calc_rank_or): the mean over the query's distinct words of r(w) = (m + sum_j p_j / (j + 1)^2 - m /
# (k + 1)^2) / 1.64493, p_j the weights of w's positions in order, m the largest (first at index k). The
# title's and authors' positions come before the body's, so what the body adds to a word is at most
# 0.1 * sum_{j > n} 1/j^2 / 1.64493 after n >= 1 of them: below TAIL_BOUND; for a word only in the body,
# r(w) is below BODY_BOUND (at most 255 positions). Both are rounded up, above float4's rounding.
TAIL_BOUND = 0.0393  # 0.1 * (pi^2/6 - 1) / 1.64493 = 0.039207
BODY_BOUND = 0.0998  # 0.1 * sum_{j<=255} 1/j^2 / 1.64493 = 0.099762
NO_PAIR_RANK: float = struct.unpack("f", struct.pack("f", 1e-20))[0]  # calc_rank_and without a pair
MOST_PAIRED = 6  # operands a match may hold: beyond, the pairs' query is too long to be worth it
BOUNDED_LIMIT = 1_000  # a larger page is ranked fully
MOST_CANDIDATES = 20_000  # more articles than this with a query word in their head: rank fully


def or_words(tree: Node) -> list[str] | None:
    """The distinct words of a query that ts_rank ranks as an OR (calc_rank_or: no AND or phrase at
    its top) and that the bounds hold for (no prefix, which may match many words of one article); else
    None. Words under a NOT count: calc_rank_or divides by the number of every distinct operand, and a
    word under a NOT inside an OR may be in a match (`a OR (b -c)` matches an article with a and c).

    Why a NOT keeps the bounds: a NOT only removes articles from the matches, never changes the rank
    of one that is left (ts_rank of an article does not depend on which other articles match). The
    bounds say: a match with none of the words in its head ranks below BODY_BOUND, and a match with
    one there ranks below its head rank plus the slack. They hold for every article that has the words,
    so for the matches that survive the NOT too. The candidates (a word in the head) must then be
    matches themselves: the caller checks them against the whole query (`checks_match`)."""
    if isinstance(tree, And) or (isinstance(tree, Phrase) and len(tree.terms) > 1):
        return None
    words: list[str] = []

    def walk(node: Node) -> bool:
        if isinstance(node, Term):
            if node.prefix:
                return False
            if node.text not in words:
                words.append(node.text)
            return True
        if isinstance(node, Phrase):
            return all(walk(term) for term in node.terms)
        if isinstance(node, Not):
            return walk(node.child)
        return all(walk(child) for child in node.children)

    return words if walk(tree) and words else None


def checks_match(tree: Node) -> bool:
    """Whether an article with a query word in its head may still not match (a phrase, a NOT)."""
    if isinstance(tree, Not):
        return True
    if isinstance(tree, Phrase):
        return len(tree.terms) > 1
    if isinstance(tree, (And, Or)):
        return any(checks_match(child) for child in tree.children)
    return False


def _terms(node: Node) -> list[Term]:
    if isinstance(node, Term):
        return [node]
    if isinstance(node, Phrase):
        return list(node.terms)
    if isinstance(node, Not):
        return _terms(node.child)
    return [term for child in node.children for term in _terms(child)]


def _words_only(node: Node) -> bool:
    """Terms and ORs of them: a NOT of such a node keeps every one of them out of a match."""
    if isinstance(node, Term):
        return True
    if isinstance(node, Phrase):
        return len(node.terms) == 1
    return isinstance(node, Or) and all(_words_only(child) for child in node.children)


def pairs_query(tree: Node) -> str | None:
    """For a query of one word or OR with NOTs at its top (`police NOT court`, `(energy OR oil)
    -climate`): a tsquery of the articles that hold two of its operands (an OR of their pairs); "" when
    no match can hold two; None for any other query (or more than MOST_PAIRED operands a match may
    hold).

    The proof (the module's docstring has calc_rank_and). The query's top is an AND, so ts_rank is
    calc_rank_and over the distinct operands (by text), which are at least two. An operand under a NOT
    of words at the top (`-court`, `-(x OR y)`) is in no match. A match that holds at most one of the
    others (it does not match the pairs' query) has no pair of positions of two different operands:
    its rank is exactly NO_PAIR_RANK. So the full ranking is: the matches of the pairs' query by their
    own ts_rank, merged with every other match at NO_PAIR_RANK, in order of id. One text as a word and
    as a prefix (`tech* -tech`) is left to the full ranking: PostgreSQL keeps one of the two, which one
    is not said."""
    if not isinstance(tree, And):
        return None
    positive = [child for child in tree.children if not isinstance(child, Not)]
    if len(positive) != 1 or not isinstance(positive[0], (Term, Or)):
        return None  # two positive parts, or a phrase: (nearly) every match holds two operands
    terms = _terms(tree)
    if any(Term(term.text, not term.prefix) in terms for term in terms):
        return None
    if len({term.text for term in terms}) < 2:
        return None  # calc_rank_and falls back to calc_rank_or
    absent = {term.text for child in tree.children if isinstance(child, Not) and _words_only(child.child)
              for term in _terms(child.child)}
    present: list[Term] = []
    for term in terms:
        if term.text not in absent and all(term.text != seen.text for seen in present):
            present.append(term)
    if len(present) > MOST_PAIRED:
        return None
    return " | ".join(f"({to_tsquery(a)} & {to_tsquery(b)})" for a, b in combinations(present, 2))


def quoted(word: str) -> str:
    return to_tsquery(Term(word))


def index_ranks(tree: Node) -> bool:
    """Whether the RUM index ranks `tree` in the order of its own distance operator: words under AND, OR
    and NOT. Not a prefix (the index scores an article by other terms than `tsv <=> query` computes,
    when several of its words start with the prefix) nor a phrase (likewise, seen with a phrase ANDed
    with a word): measured on 100,000 articles, `tech*` had 754 of its first 3,000 articles out of the
    operator's order, `"vice president" biden` 369 of 852; words alone, none."""
    if isinstance(tree, Term):
        return not tree.prefix
    if isinstance(tree, Phrase):
        return len(tree.terms) == 1 and index_ranks(tree.terms[0])
    if isinstance(tree, Not):
        return index_ranks(tree.child)
    return all(index_ranks(child) for child in tree.children)
