"""The attribute guard's one-pattern reading of a page (markup.limit_attributes) against the
tag-by-tag walk it replaces for pages within the limits (markup._limit_attributes_walk): the same
markup, element count, attribute count and dropped count, on hostile markup written here."""

from __future__ import annotations

import random

import pytest

from newsdesk.extract.html.markup import _limit_attributes_walk, limit_attributes

PAGES = [
    "",
    "plain text, no tag at all",
    '<div a=1 b="x > y" c d=\'q\'>kept</div><script>if (a<b c d e) {}</script>'
    "<!-- <p a b c d> --><p e f>t</p>",
    "<SCRIPT type=x>var s = '<div a b c>';</Script ><div class=after>text</div>",
    "<scripty a b>not raw</scripty><div c d>x</div>",
    "<style>p{}</STYLE><title>a <b c d> title</title><textarea x y><p q r></textarea><p s t>",
    "<!-- unclosed comment <div a b c>",
    "<!---><div a b>after a short comment</div><!--->--><p c d>",
    '<div a="unclosed quote > <p b c>still the same tag',
    "<div ==== a= b =c>equals</div><p/a/b/c>slashes</p>",
    "<iframe src=x><div a b c d e f></iframe ><noembed><p x y z></NOEMBED><plaintext a><p b c>",
    "<div " + " ".join(f"a{n}=v" for n in range(300)) + ">many attributes</div>",
    "<p " + "x " * 150 + ">" + "<p y z>" * 120,
]


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("limits", [(256, 200_000), (2, 3), (1, 1), (0, 0), (300, 400)])
def test_the_one_pattern_guard_reads_a_page_as_the_walk_does(page: str, limits: tuple[int, int]) -> None:
    fast, walk = limit_attributes(page, *limits), _limit_attributes_walk(page, *limits)
    assert (fast.markup, fast.elements, fast.attributes, fast.dropped) == (
        walk.markup, walk.elements, walk.attributes, walk.dropped)


def test_the_one_pattern_guard_agrees_with_the_walk_on_random_markup() -> None:
    pieces = ["<", ">", "=", '"', "'", " ", "/", "a", "B", "script", "</script", "</SCRIPT", "<!--", "-->",
              "style", "\n", "\u017f", "\u0131", "\u212a", "title", "<p", "<div", "-", "x"]
    rng = random.Random(14)
    for _ in range(3_000):
        page = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 40)))
        for limits in ((2, 3), (256, 200_000), (1, 1)):
            fast, walk = limit_attributes(page, *limits), _limit_attributes_walk(page, *limits)
            assert (fast.markup, fast.elements, fast.attributes, fast.dropped) == (
                walk.markup, walk.elements, walk.attributes, walk.dropped), (page, limits)
