"""The attribute guard's one-pattern reading of a page (markup.limit_attributes) against the
tag-by-tag walk it replaces for pages within the limits (markup._limit_attributes_walk): the same
markup, element count, attribute count and dropped count, on hostile markup written here."""

from __future__ import annotations

import random

import pytest
from selectolax.lexbor import LexborHTMLParser

from newsdesk.extract.html.markup import _limit_attributes_walk, limit_attributes, limit_nesting
from newsdesk.extract.html.visible import shown_text

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


def _shown_after_the_cut(inner: str) -> str:
    """The shown text of a page whose `inner` sits below the depth cut, once limit_nesting has cut it."""
    page = ("<html><body>" + "<div>" * 4000 + inner + "</div>" * 4000
            + "<p>after the deep part</p></body></html>")
    tree = LexborHTMLParser(limit_nesting(page, 2000))
    assert tree.body is not None
    return " ".join(shown_text(tree.body).split())


@pytest.mark.parametrize("inner", [
    "<div hidden><!-- </div> -->PLANTED</div>",
    "<div hidden><!-- </div> --!><div><div>--></div></div>PLANTED</div>",
    "<div hidden><!x </div>PLANTED</div>",
    "<div hidden><script>var s = \"</div>\";</script>PLANTED</div>",
    "<div style='display:none'><style>/* </div> */</style><textarea></div></textarea>PLANTED</div>",
    "<div class=\"x\"hidden>PLANTED</div>",
    "<div aria-hidden='true'><title></div></title>PLANTED</div>",
])
def test_a_hidden_element_below_the_depth_cut_keeps_its_text_hidden_whatever_it_holds(inner: str) -> None:
    shown = _shown_after_the_cut(inner)
    assert "PLANTED" not in shown and "after the deep part" in shown


@pytest.mark.parametrize("inner", [
    "<div class=\"x hidden y\">SHOWN words</div>",
    "<div data-note=\"hidden\" title='style=display:none'>SHOWN words</div>",
    "<div><!-- <div hidden> -->SHOWN words</div>",
])
def test_an_element_below_the_depth_cut_that_only_mentions_hidden_keeps_its_text(inner: str) -> None:
    assert "SHOWN words" in _shown_after_the_cut(inner)
