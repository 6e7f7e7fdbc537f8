"""The bounds that let the PostgreSQL store rank a query of plain words from the few articles that
have one of them in their title or authors (`PostgresStore._ranked_by_head`), and the analysis of a
query they need."""

from __future__ import annotations

from newsdesk.search.query import And, Node, Not, Or, Phrase, Term, to_tsquery

# ts_rank (weights D 0.1, C 0.2, B 0.4, A 1.0; no normalisation) of an OR of words, as PostgreSQL computes
# it (calc_rank_or): the mean over the query's distinct words of r(w) = (m + sum_j p_j / (j + 1)^2 - m /
# (k + 1)^2) / 1.64493, p_j the weights of w's positions in order, m the largest (first at index k). The
# title's and authors' positions come before the body's, so what the body adds to a word is at most
# 0.1 * sum_{j > n} 1/j^2 / 1.64493 after n >= 1 of them: below TAIL_BOUND; for a word only in the body,
# r(w) is below BODY_BOUND (at most 255 positions). Both are rounded up, above float4's rounding.
TAIL_BOUND = 0.0393  # 0.1 * (pi^2/6 - 1) / 1.64493 = 0.039207
BODY_BOUND = 0.0998  # 0.1 * sum_{j<=255} 1/j^2 / 1.64493 = 0.099762
BOUNDED_LIMIT = 1_000  # a larger page is ranked fully
MOST_CANDIDATES = 20_000  # more articles than this with a query word in their head: rank fully


def or_words(tree: Node) -> list[str] | None:
    """The distinct words of a query that ts_rank ranks as an OR (calc_rank_or: no AND or phrase at
    its top) and that the bounds hold for (no prefix, which may match many words of one article; no
    NOT); else None."""
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
            return False
        return all(walk(child) for child in node.children)

    return words if walk(tree) and words else None


def has_phrase(tree: Node) -> bool:
    if isinstance(tree, Phrase):
        return len(tree.terms) > 1
    if isinstance(tree, (And, Or)):
        return any(has_phrase(child) for child in tree.children)
    return isinstance(tree, Not) and has_phrase(tree.child)


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
