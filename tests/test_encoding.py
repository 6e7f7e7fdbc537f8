"""Decoding a page's bytes: declared, detected, wrong and mixed encodings all end as readable text."""

from __future__ import annotations

import codecs
import random

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from conftest import ACCENTED, JAPANESE, RUSSIAN, article_html
from newsdesk.errors import InputError
from newsdesk.extract.encoding import declared_charset, decode_html, sniff_binary

ENGLISH = ACCENTED


def page(text: str, head: str = "", lang: str = "en") -> str:
    return article_html("Headline", [text], head=head, lang=lang)


# --- what the page declares -------------------------------------------------------------------------

def test_plain_utf8_is_decoded_as_utf8() -> None:
    assert ENGLISH in decode_html(page(ENGLISH).encode("utf-8"))


def test_http_header_charset_is_used() -> None:
    data = page(RUSSIAN, lang="ru").encode("cp1251")
    assert RUSSIAN in decode_html(data, "text/html; charset=windows-1251")


def test_http_header_charset_wins_over_the_meta_charset() -> None:
    data = page(RUSSIAN, head='<meta charset="koi8-r">', lang="ru").encode("cp1251")
    assert declared_charset(data, "text/html; charset=windows-1251") == "cp1251"
    assert RUSSIAN in decode_html(data, "text/html; charset=windows-1251")


def test_quoted_header_charset_is_understood() -> None:
    assert declared_charset(b"", 'text/html; charset="Shift_JIS"') == "cp932"


@pytest.mark.parametrize("meta", [
    '<meta charset="windows-1251">',
    "<meta charset=windows-1251>",
    '<meta http-equiv="Content-Type" content="text/html; charset=windows-1251">',
])
def test_meta_charset_is_used(meta: str) -> None:
    data = page(RUSSIAN, head=meta, lang="ru").encode("cp1251")
    assert declared_charset(data) == "cp1251"
    assert RUSSIAN in decode_html(data)


def test_meta_shift_jis_decodes_japanese() -> None:
    data = page(JAPANESE, head='<meta charset="Shift_JIS">', lang="ja").encode("shift_jis")
    assert JAPANESE in decode_html(data)


def test_iso_8859_1_is_read_as_windows_1252_like_browsers_do() -> None:
    data = page(ENGLISH, head='<meta charset="iso-8859-1">').encode("cp1252")
    assert ENGLISH in decode_html(data)


def test_seven_bit_iso_2022_jp_page_is_not_taken_for_ascii() -> None:
    data = page(JAPANESE, head='<meta charset="iso-2022-jp">', lang="ja").encode("iso2022_jp")
    assert data.isascii()
    assert JAPANESE in decode_html(data)


@pytest.mark.parametrize("label", ["x-bogus", "base64", "rot13", "undefined", "zlib", "utf-7", ""])
def test_unknown_or_non_text_charset_labels_are_ignored(label: str) -> None:
    data = page(ENGLISH, head=f'<meta charset="{label}">').encode("utf-8")
    assert declared_charset(data) is None
    assert ENGLISH in decode_html(data, f"text/html; charset={label}")


# --- byte-order marks ---------------------------------------------------------------------------

@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "utf-16-le", "utf-16-be"])
def test_byte_order_mark_decides_and_is_dropped(encoding: str) -> None:
    text = page(ENGLISH + " " + RUSSIAN)
    data = text.encode(encoding)
    if encoding in ("utf-16-le", "utf-16-be"):
        data = (codecs.BOM_UTF16_LE if encoding.endswith("le") else codecs.BOM_UTF16_BE) + data
    decoded = decode_html(data)
    assert decoded == text
    assert not decoded.startswith("\ufeff")


def test_byte_order_mark_wins_over_a_wrong_meta_charset() -> None:
    data = codecs.BOM_UTF8 + page(RUSSIAN, head='<meta charset="windows-1251">').encode("utf-8")
    assert RUSSIAN in decode_html(data)


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_byte_order_mark_is_recognised(encoding: str) -> None:
    text = page(ENGLISH + " " + RUSSIAN)
    assert decode_html(text.encode(encoding)) == text


# --- no declaration: detection ------------------------------------------------------------------

def test_undeclared_windows_1251_russian_page_is_detected() -> None:
    assert RUSSIAN in decode_html(page(RUSSIAN, lang="ru").encode("windows-1251"))


def test_undeclared_koi8_r_russian_page_is_detected() -> None:
    assert RUSSIAN in decode_html(page(RUSSIAN, lang="ru").encode("koi8-r"))


def test_undeclared_shift_jis_japanese_page_is_detected() -> None:
    assert JAPANESE in decode_html(page(JAPANESE, lang="ja").encode("shift_jis"))


def test_undeclared_euc_jp_japanese_page_is_detected() -> None:
    assert JAPANESE in decode_html(page(JAPANESE, lang="ja").encode("euc-jp"))


@pytest.mark.parametrize(("text", "encoding"), [(RUSSIAN, "windows-1251"), (JAPANESE, "shift_jis")])
def test_detection_is_not_fooled_by_a_long_ascii_head(text: str, encoding: str) -> None:
    # Real pages carry tens of kilobytes of inline script and markup before the first word of text.
    script = "<script>" + "window.dataLayer.push({event: 'load', id: 12345});\n" * 2000 + "</script>"
    data = page(text, head=script).encode(encoding)
    assert text in decode_html(data)


# --- wrong declarations -------------------------------------------------------------------------

def test_page_declaring_utf8_but_sent_as_windows_1252_is_readable() -> None:
    data = page(ENGLISH, head='<meta charset="utf-8">').encode("cp1252")
    assert ENGLISH in decode_html(data)


def test_page_declaring_utf8_in_the_header_but_sent_as_windows_1252_is_readable() -> None:
    data = page(ENGLISH).encode("cp1252")
    assert ENGLISH in decode_html(data, "text/html; charset=utf-8")


def test_page_declaring_iso_8859_1_but_sent_as_utf8_is_readable() -> None:
    data = page(ENGLISH + " " + RUSSIAN, head='<meta charset="iso-8859-1">').encode("utf-8")
    assert ENGLISH + " " + RUSSIAN in decode_html(data)


# --- mixed encodings ----------------------------------------------------------------------------

def mixed_page(head: str = "") -> bytes:
    """UTF-8 text with a paragraph pasted from a Windows editor: its quotes and dashes stay cp1252."""
    utf8 = page(ENGLISH + " Müller said so. Déjà vu in Zürich.", head=head).encode("utf-8")
    stray = "<p>He called it “a disaster” – twice.</p>".encode("cp1252")
    return utf8.replace(b"</article>", stray + b"</article>")


@pytest.mark.parametrize("head", ["", '<meta charset="utf-8">', '<meta charset="iso-8859-1">'])
def test_mixed_utf8_and_windows_1252_bytes_both_read_correctly(head: str) -> None:
    decoded = decode_html(mixed_page(head))
    assert ENGLISH in decoded
    assert "Déjà vu in Zürich" in decoded
    assert "He called it “a disaster” – twice." in decoded
    assert "\ufffd" not in decoded


# --- not text at all ------------------------------------------------------------------------------

def test_empty_input_decodes_to_empty_text() -> None:
    assert decode_html(b"") == ""


def test_png_image_is_refused_as_binary() -> None:
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06\x00\x00\x00"
    assert sniff_binary(png) == "a PNG image"
    with pytest.raises(InputError, match="PNG image"):
        decode_html(png)


def test_random_bytes_are_refused_as_binary() -> None:
    junk = random.Random(7).randbytes(64 * 1024)
    with pytest.raises(InputError, match="binary"):
        decode_html(junk)


def test_a_few_stray_control_bytes_do_not_make_a_page_binary() -> None:
    data = page(ENGLISH).encode("utf-8").replace("Zürich".encode(), b"Z\x00\x01rich", 1)
    assert ENGLISH.split("Zürich")[1] in decode_html(data)


@given(st.binary(max_size=2000), st.sampled_from([None, "text/html", "text/html; charset=utf-8",
                                                  "text/html; charset=shift_jis", "text/html; charset=x"]))
def test_any_bytes_decode_to_text_or_fail_as_binary(data: bytes, content_type: str | None) -> None:
    try:
        assert isinstance(decode_html(data, content_type), str)
    except InputError as error:
        assert "binary" in error.reason


@given(st.text(st.characters(exclude_categories=("Cc", "Cs")), max_size=500),
       st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]))
def test_any_text_in_a_unicode_encoding_comes_back_unchanged(text: str, encoding: str) -> None:
    assume(not (encoding == "utf-8" and text.startswith("\ufeff")))  # that is a byte-order mark
    assert decode_html(text.encode(encoding)) == text
