"""The extractor's fast paths give exactly what their plain forms give (issue 14: speed with
byte-identical output). Each rewritten pattern or shortcut is held to the plain one on text made to
hit its edges (digits of other scripts, separators, currency signs, words glued to numbers)."""

from __future__ import annotations

import re

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from newsdesk.extract.html import blocks, page_reading

# Characters the patterns turn on, and a few that look like them to a lax reader.
_ALPHABET = "0123456789 ./-()$€£¥₹₽₺₩kKrUSDEURGBPzłTLChFtlei_a٣۴\u00a0\n:,x"
# Pieces of what the patterns are for (a phone number's parts, dates, digit runs, currencies, digits of
# other scripts): characters drawn one by one almost never line up into a date or a phone number.
_TOKENS = ("(555) ", "(555)", "(555) 123-", "555-", "555.", "123-", "123.", "123 ", "123-4567", "4567",
           "45678", "2024-10-01", "1999-12-31", "2024-13-40", "1.2.2024", "01/12/99", "31.12.", "20", "19",
           "٣٤٥", "۴۵۶-", "١٢٣ ", "5", "55", "555", "12345", "$", "$ ", "€", " EUR", "EUR", "kr", "Kč", "руб",
           "zł", "12,99", "9.99", "x", "a", "_", " ", "\u00a0", "-", ".", "/", "\n")
_PIECES = st.sampled_from(_TOKENS) | st.text(alphabet=_ALPHABET, max_size=3)
_TEXTS = st.lists(_PIECES, max_size=12).map("".join)


def _spans(pattern: re.Pattern[str], text: str) -> list[tuple[int, int]]:
    return [match.span() for match in pattern.finditer(text)]


@settings(max_examples=3000, deadline=None)
@given(_TEXTS)
def test_the_page_readings_text_patterns_find_the_matches_of_their_plain_forms(text: str) -> None:
    for name, plain in page_reading.PLAIN_TEXT_PATTERNS.items():
        fast = getattr(page_reading, name)
        assert _spans(fast, text) == _spans(re.compile(plain), text), name


@settings(max_examples=3000, deadline=None)
@given(_TEXTS)
def test_the_block_features_price_pattern_finds_the_matches_of_its_plain_form(text: str) -> None:
    assert _spans(blocks._PRICE, text) == _spans(re.compile(blocks.PLAIN_PRICE), text)


def test_the_generated_texts_hit_every_pattern() -> None:
    """The texts drawn as the tests above draw them (here with a fixed seed) match each pattern often:
    the fast forms are held to their plain ones on matches, not only on text where neither matches."""
    import random

    draw = random.Random(14)
    patterns = {**{name: getattr(page_reading, name) for name in page_reading.PLAIN_TEXT_PATTERNS},
                "blocks._PRICE": blocks._PRICE}
    hits = dict.fromkeys(patterns, 0)
    for _ in range(2000):
        text = "".join(draw.choice(_TOKENS) for _ in range(draw.randint(0, 12)))
        for name, pattern in patterns.items():
            hits[name] += bool(pattern.search(text))
        for name, plain in page_reading.PLAIN_TEXT_PATTERNS.items():
            assert _spans(getattr(page_reading, name), text) == _spans(re.compile(plain), text), name
        assert _spans(blocks._PRICE, text) == _spans(re.compile(blocks.PLAIN_PRICE), text)
    assert all(found >= 40 for found in hits.values()), hits  # 2% of the texts or more


def test_the_fast_patterns_still_find_what_they_are_for() -> None:
    text = ("Call (555) 123-4567 or 555.123.4567, not x555 123 4567; $ 5, 12,99 € and 3 EUR on 2024-10-01, "
            "1.2.2024")
    assert page_reading._PHONE.findall(text) == ["(555) 123-4567", "555.123.4567"]
    assert page_reading._PRICE.findall(text) == ["$ 5", "9 €", "3 EUR"]
    assert page_reading._DATE.findall(text) == ["2024-10-01", "1.2.2024"]
    assert blocks._PRICE.findall(text) == ["$ 5", "3 EUR"]  # (a sign then a space: no \b after it)


@settings(max_examples=500, deadline=None)
@given(st.integers(0, 300).flatmap(lambda n: st.tuples(st.just(n), st.sets(st.integers(0, max(n - 1, 0)),
                                                                               max_size=n))))
def test_the_gap_to_the_nearest_kept_block_is_the_matrix_forms(case: tuple[int, set[int]]) -> None:
    n, kept = case
    kept_idx = np.array(sorted(kept), np.int64)
    index = np.arange(n, dtype=np.float32)
    plain = (np.minimum(np.abs(index[:, None] - kept_idx[None, :]).min(axis=1), 50) if len(kept_idx)
             else np.full(n, 50.0, np.float32))
    assert np.array_equal(blocks._kept_gap(kept_idx, n).astype(np.float32), plain.astype(np.float32))
