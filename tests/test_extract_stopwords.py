"""Function-word density as block features: the page's language from its own words, spaCy's lists."""

from __future__ import annotations

import numpy as np
import pytest

from newsdesk.extract.html import parse_page
from newsdesk.extract.html.blocks import FEATURES, block_features, page_hints
from newsdesk.extract.html.body import choose_blocks
from newsdesk.extract.html.stopwords import language_words, page_stop_words, stop_lists
from newsdesk.settings import Settings

GERMAN = ("Der Gemeinderat hat am Dienstag nach drei Monaten Streit über die Kosten der neuen Ufermauer "
          "den Haushalt für den Hafen beschlossen, und die Fischer sind mit dem Ergebnis zufrieden.")
ENGLISH = ("The council approved the harbour budget on Tuesday after three months of argument over how "
           "much the town should spend on the sea wall, which the storms of last winter had damaged.")
MENU = ["Startseite", "Politik", "Wirtschaft", "Sport", "Kultur", "Wetter", "Impressum"]


def test_the_lists_are_spacys_read_without_importing_it() -> None:
    import sys

    languages, _ = stop_lists()
    assert {"de", "en", "fr", "es", "pl"} <= set(languages)
    assert "zh" not in languages  # written without spaces: no words to count
    import spacy.lang.de.stop_words as german  # the list itself, to compare (imports spaCy here only)
    import spacy.lang.en.stop_words as english

    assert language_words("de") == frozenset(w.casefold() for w in german.STOP_WORDS)
    assert {w.casefold() for w in english.STOP_WORDS if w.isalpha()} <= language_words("en")
    assert "spacy" in sys.modules
    assert language_words("no such language") == frozenset()


@pytest.mark.parametrize(("text", "code"), [(GERMAN, "de"), (ENGLISH, "en")])
def test_the_page_language_is_the_one_whose_function_words_it_uses_most(text: str, code: str) -> None:
    words = (text.casefold().replace(",", " ").replace(".", " ").split()) * 3
    assert page_stop_words(words) == language_words(code)
    assert page_stop_words(words * 500) == language_words(code)  # a long page: read from a sample
    assert page_stop_words(["xqzv", "2024"]) == frozenset()


def _rows(html: str) -> tuple[list[str], dict[str, np.ndarray]]:
    parsed = parse_page(html, None, Settings(body_model="rules"))
    assert parsed.flat is not None
    rows = block_features(parsed.flat, choose_blocks(parsed.flat), page_hints(parsed.text), None, None)
    return [b.text for b in parsed.flat.blocks], dict(zip(FEATURES, rows.T, strict=True))


def test_prose_is_dense_in_function_words_and_a_menu_is_not_in_either_language() -> None:
    for prose in (GERMAN, ENGLISH):
        menu = "".join(f"<li><a href='/{w}'>{w}</a></li>" for w in MENU)
        html = (f"<html><body><nav><ul>{menu}</ul></nav><article><p>{prose}</p><p>{prose}</p>"
                f"<p>{prose}</p></article></body></html>")
        texts, columns = _rows(html)
        share, window = columns["stop_share"], columns["window_stop_share"]
        at_prose = [i for i, t in enumerate(texts) if t == prose]
        at_menu = [i for i, t in enumerate(texts) if t in MENU]
        assert len(at_prose) == 3 and len(at_menu) == len(MENU)
        assert all(share[i] > 0.3 for i in at_prose)
        assert all(share[i] == 0.0 for i in at_menu)
        # the window (three blocks each side) of the menu's first items holds no prose
        assert window[at_menu[0]] == 0.0
        assert window[at_prose[-1]] > 0.3
        assert columns["stop_words"][at_prose[0]] == pytest.approx(
            np.log1p(share[at_prose[0]] * len(prose.split())), rel=0.1)
        assert 0.0 < float(columns["page_stop_share"][0]) < float(share[at_prose[0]])
