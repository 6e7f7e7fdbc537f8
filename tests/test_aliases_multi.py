"""Cross-language aliases: the same place or organisation named in German, French, Dutch, Portuguese or
English gets one canonical name, hence one entity id, and the table of other languages' names changes
no entity of the English CoNLL++ development set (no wrong merge, and English reads as before)."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsdesk.article import Article
from newsdesk.enrich import enrich_articles
from newsdesk.enrich.aliases import AliasTable, Canonical, load_aliases, shipped_table_text
from newsdesk.enrich.entities import entity_id

CONLLPP_DEV = Path(__file__).resolve().parents[2] / "shared" / "data" / "conllpp" / "conllpp_dev.txt"

# The pairs the issue names, and 20 more: every name in a row is the same entity.
SAME = [
    ("Kyiv", "Kiew", "Kiev"), ("Brussels", "Brüssel", "Bruxelles", "Brussel"), ("Moscow", "Moskau", "Moscou"),
    ("Germany", "Deutschland", "Allemagne", "Duitsland", "Alemanha"),
    ("France", "Frankreich", "Frankrijk", "França"),
    ("Netherlands", "Niederlande", "Pays-Bas", "Nederland", "Holland"),
    ("United States", "USA", "Vereinigte Staaten", "États-Unis", "Verenigde Staten", "Estados Unidos"),
    ("United Kingdom", "Großbritannien", "Royaume-Uni", "Verenigd Koninkrijk", "Reino Unido"),
    ("Russia", "Russland", "Russie", "Rusland", "Rússia"),
    ("Belgium", "Belgien", "Belgique", "België", "Bélgica"),
    ("Switzerland", "Schweiz", "Suisse", "Zwitserland", "Suíça"),
    ("Austria", "Österreich", "Autriche", "Oostenrijk"),
    ("Poland", "Polen", "Pologne", "Polónia"), ("Spain", "Spanien", "Espagne", "Spanje", "Espanha"),
    ("Italy", "Italien", "Italie", "Italië", "Itália"), ("Greece", "Griechenland", "Grèce", "Griekenland"),
    ("Turkey", "Türkei", "Turquie", "Turkije", "Türkiye"), ("Vienna", "Wien", "Wenen", "Viena"),
    ("Munich", "München", "Munique"), ("Cologne", "Köln", "Keulen"),
    ("Lisbon", "Lissabon", "Lisbonne", "Lisboa"), ("Warsaw", "Warschau", "Varsovie", "Varsóvia"),
    ("Geneva", "Genf", "Genève"), ("Beijing", "Peking", "Pékin", "Pequim"),
    ("European Union", "EU", "Europäische Union", "Union européenne", "Europese Unie", "União Europeia"),
    ("United Nations", "UN", "Vereinte Nationen", "Nations unies", "ONU", "Verenigde Naties"),
    ("NATO", "Nato", "OTAN", "NAVO"),
    ("European Central Bank", "ECB", "EZB", "BCE", "Europäische Zentralbank", "Banque centrale européenne"),
    ("International Monetary Fund", "IMF", "IWF", "FMI", "Internationaler Währungsfonds"),
    ("World Health Organization", "WHO", "Weltgesundheitsorganisation", "OMS"),
    ("European Commission", "EU-Kommission", "Commission européenne", "Europese Commissie"),
]


@pytest.mark.parametrize("names", SAME, ids=[names[0] for names in SAME])
def test_names_in_every_language_are_one_entity(names: tuple[str, ...]) -> None:
    table = load_aliases()
    # As entities.py names a mention: its canonical name, or the mention itself when it has none.
    resolved = {name: (canonical.name if (canonical := table.lookup(name)) else name) for name in names}
    assert set(resolved.values()) == {names[0]}, resolved


def test_an_article_in_german_names_the_english_ids() -> None:
    article = Article(body="Die Außenminister der Europäischen Union haben am Montag in Brüssel beraten. "
                      "Danach flog der Kanzler weiter nach Moskau. Auch Vertreter der Nato waren dabei, "
                      "teilte die Regierung in Berlin mit.")
    enrich_articles([article])
    names = {entity.id: entity.name for entity in article.entities}
    for kind, name in [("place", "Brussels"), ("place", "Moscow"), ("org", "NATO"),
                       ("place", "European Union")]:
        assert entity_id(kind, name) in names, names


def _conll_entities(path: Path) -> dict[str, set[str]]:
    """Each entity string of a CoNLL file with the gold types it is written with."""
    found: dict[str, set[str]] = {}
    words: list[str] = []
    kind = ""

    def close() -> None:
        if words:
            found.setdefault(" ".join(words), set()).add(kind)
        words.clear()

    for line in path.read_text(encoding="utf-8").splitlines():
        cells = line.split()
        tag = cells[-1] if len(cells) >= 4 else "O"
        if tag.startswith("I-") and words and tag[2:] == kind:
            words.append(cells[0])
            continue
        close()
        if tag.startswith("B-") or tag.startswith("I-"):
            kind = tag[2:]
            words.append(cells[0])
    close()
    return found


def test_other_language_names_rename_no_english_conllpp_entity() -> None:
    if not CONLLPP_DEV.is_file():
        pytest.fail(f"missing shared data: {CONLLPP_DEV}")
    english = AliasTable()
    english.read(shipped_table_text(), "aliases.tsv")
    every = load_aliases()
    entities = _conll_entities(CONLLPP_DEV)
    assert len(entities) > 2_500
    # No wrong merge, and no change at all: every English entity reads as it did without the table.
    changed = {name: (english.lookup(name), every.lookup(name)) for name in entities
               if english.lookup(name) != every.lookup(name)}
    assert changed == {}
    # The table is loaded, and its canonical names are no aliases (so "LONDON" stays "LONDON").
    assert every.lookup("Londres") == Canonical("London", "place") and every.lookup("LONDON") is None
