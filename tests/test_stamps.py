"""Created/updated stamps after the article, on pages written here: left out of the body."""

from __future__ import annotations

import pytest

from newsdesk.extract.html import extract_html
from newsdesk.extract.stamps import drop_trailing_stamps, is_stamp
from newsdesk.extract.text import extract_text

PROSE = ("Le conseil municipal a voté mardi le nouveau budget, après trois mois de débats entre les élus "
         "qui ne s'accordaient pas sur la part qu'il fallait réserver aux écoles de la ville. " * 2).strip()


@pytest.mark.parametrize("text", [
    "Créé: 12.12.2019, 07h36", "Créé: 12.12.2019, 07h36 Mis à jour: 13.12.2019, 08h00",
    "Updated: March 5, 2024 at 10:45 a.m. EST", "Published on Thursday, 12 December 2019",
    "Stand: 01.10.2024 18:52 Uhr", "Publicado el 3 de marzo de 2024 a las 10:30", "12.12.2019",
    "Aggiornato il 3 marzo 2024", "Bijgewerkt op 3 maart 2024 om 10:30",
])
def test_stamps(text: str) -> None:
    assert is_stamp(text)


@pytest.mark.parametrize("text", [
    "The vote was held on 12.12.2019.", "Created by Jane Doe on 12.12.2019", "Foto: 12.12.2019",
    "Créé: en 2019", "Updated", PROSE, "29 November 2018 | 20 January 2019",
])
def test_not_stamps(text: str) -> None:
    assert not is_stamp(text)


def test_only_trailing_stamps_go() -> None:
    body = f"Stand: 01.10.2024 18:52 Uhr\n\n{PROSE}\n\nCréé: 12.12.2019, 07h36\n\nMis à jour: 13.12.2019"
    assert drop_trailing_stamps(body) == f"Stand: 01.10.2024 18:52 Uhr\n\n{PROSE}"
    assert drop_trailing_stamps("12.12.2019") == "12.12.2019"  # a body that is only a stamp stays
    assert drop_trailing_stamps("") == ""


def test_html_body_ends_before_the_stamp() -> None:
    page = (f"<html><body><article><h1>Le budget est voté</h1><p>{PROSE}</p><p>{PROSE}</p>"
            "<p>Créé: 12.12.2019, 07h36</p><p>Mis à jour: 12.12.2019, 09h10</p></article></body></html>")
    article = extract_html(page, url="https://ville.example.org/budget")
    assert article.body.endswith("de la ville.")
    assert "Créé" not in article.body and "Mis à jour" not in article.body


def test_text_body_ends_before_the_stamp() -> None:
    text = f"Le budget est voté | Ville\nLe budget est voté\n{PROSE}\n{PROSE}\nCréé: 12.12.2019, 07h36\n"
    article = extract_text(text)
    assert PROSE.strip()[:60] in article.body
    assert "Créé" not in article.body
