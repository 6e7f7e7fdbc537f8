"""keyword_search.searched gives, block by block, exactly what its pattern's own search gives, for
every phrase pattern the block features and tidy search that way (their keyword lists are complete),
on ASCII and non-ASCII texts alike."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from newsdesk.extract.html import blocks, body, tidy
from newsdesk.extract.html.keyword_search import searched

SEARCHES = {
    "comment heading": (blocks._COMMENT_HEADING, 80, blocks._COMMENT_WORDS),
    "call to action": (body._CALL_TO_ACTION, 200, blocks._CALL_WORDS),
    "like text": (blocks._LIKE_TEXT, 200, blocks._LIKE_WORDS),
    "widget": (tidy._WIDGET, 120, tidy._WIDGET_WORDS),
}

# Every phrase of the four patterns, and pieces around them; texts are drawn from these in any case.
PHRASES = """comment comments kommentar kommentare leserkommentare commentaire commentaires comentario
comentarios commenti reacties komentarz komentarze коммент комментарии response responses replies reply
reaction reactions discussion diskussion leave a reply antworten répondre responder rispondi sign up
signing up subscribe newsletter download the our app apps install telegram whatsapp channel kanal canal
canal de abonnieren melde dich suscríbete suscribete abonnez-vous inscrivez-vous iscriviti assine %d %D
like this likes this gefällt j'aime me gusta mi piace curtir loading... share this teilen partager
compartir condividi tweet pin it be the first to like blogger bloggers like gefällt mir gefällt das
bloggern gefällt aiment cela share on teilen mit wird geladen chargement 12 3 the a and""".split()
PIECES = [*PHRASES, " ", " ", "\n", ":", ".", "-", "_", "'", "é", "K", "ſ", "ı", "İ", "x", "9", "“"]


def plain(pattern: re.Pattern[str], texts: list[str], limit: int) -> list[bool]:
    return [len(t) < limit and pattern.search(t) is not None for t in texts]


def _case(text: str, how: int) -> str:
    return (text, text.upper(), text.title(), text.swapcase())[how % 4]


texts_strategy = st.lists(
    st.builds(lambda parts, how: _case("".join(parts), how),
              st.lists(st.sampled_from(PIECES), max_size=30), st.integers(0, 3)),
    max_size=12)


@settings(max_examples=400, deadline=None)
@given(texts_strategy)
def test_searched_is_the_pattern_search_on_any_text(texts: list[str]) -> None:
    for pattern, limit, keywords in SEARCHES.values():
        assert searched(pattern, texts, limit, keywords) == plain(pattern, texts, limit)


def test_each_phrase_alone_and_in_a_sentence_is_found_as_the_pattern_finds_it() -> None:
    # A keyword list that missed an alternative ("tweet", "pin it") fails here on the ASCII texts.
    texts = [t for phrase in PHRASES for t in (phrase, phrase.upper(), f"Please {phrase.title()} now",
                                               f"x{phrase}y", f"{phrase}: 3")]
    for name, (pattern, limit, keywords) in SEARCHES.items():
        expected = plain(pattern, texts, limit)
        assert any(expected), name
        assert searched(pattern, texts, limit, keywords) == expected, name


def test_texts_at_the_length_limit_are_not_searched_and_non_ascii_ones_are() -> None:
    pattern, limit, keywords = SEARCHES["widget"]
    texts = ["Share this:", "x" * (limit - 11) + "share this", "Share this: “quoted”", "\u212aommentar", ""]
    assert searched(pattern, texts, limit, keywords) == [True, False, True, False, False]
    # "K" (the Kelvin sign) is a "k" to a case-insensitive pattern, though no lower-casing shows it.
    pattern, limit, keywords = SEARCHES["comment heading"]
    assert searched(pattern, ["\u212aommentare", "Kommentare (3)"], limit, keywords) == [True, True]
