"""The multilingual quotation benchmark's annotations survive a change of the extracted body: each
span is re-found by its length and hash nearest its old offset, and a page with a lost span is not
scored; a speaker is right only when the name newsdesk reports is the annotated speaker
(newsdesk.enrich.quote_annotations, read by benchmarks/quotes_multi.py and train_speakers_multi)."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsdesk.article import Quote
from newsdesk.enrich.quote_annotations import (
    Gold,
    GoldLine,
    Marked,
    Page,
    digest,
    golds_of,
    place,
    read_annotations,
    refind,
    speaker_right,
)

OLD = "Titel\n„Wir bleiben hier“, sagte Anna Berg. Sie lachte. „Wir bleiben hier“, sagte sie noch einmal."


def marked(body: str, words: str, occurrence: int = 0) -> Marked:
    start = -1
    for _ in range(occurrence + 1):
        start = body.index(words, start + 1)
    return Marked((start, start + len(words)), digest(words))


def test_a_span_is_refound_after_text_was_added_before_it() -> None:
    second = marked(OLD, "Wir bleiben hier", 1)
    new = "Ein neuer Vorspann der Seite.\n" + OLD
    start, end = refind(new, second, shift=30) or (0, 0)
    assert new[start:end] == "Wir bleiben hier"
    # the occurrence nearest the old offset moved as the previous quotation moved: the second one
    assert start == new.index("Wir bleiben hier", new.index("Wir bleiben hier") + 1)
    assert refind(OLD, second) == second.span
    assert refind(OLD.replace("hier", "dort"), second) is None


def test_a_page_with_a_lost_span_is_not_placed() -> None:
    page = Page("set", "page", "de", "held-out", digest(OLD), [
        GoldLine(marked(OLD, "Wir bleiben hier"), marked(OLD, "Anna Berg"), marked(OLD, "Anna Berg")),
        GoldLine(marked(OLD, "Wir bleiben hier", 1), marked(OLD, "sie noch"), marked(OLD, "Anna Berg")),
    ])
    moved = "Ein neuer, langer Vorspann der Seite.\n" + OLD
    golds = place(moved, page)
    assert golds is not None and [moved[slice(*g.span)] for g in golds] == ["Wir bleiben hier"] * 2
    assert golds[1].cue_mention is not None and moved[slice(*golds[1].cue_mention)] == "sie noch"
    assert place(OLD.replace("Anna Berg", "Anna Borg"), page) is None


def test_the_shipped_annotations_read(tmp_path: Path) -> None:
    pages = read_annotations(Path(__file__).resolve().parents[1] / "benchmarks" / "data" / "quotes_multi.tsv")
    assert {p.language for p in pages} >= {"de", "es", "fr"}
    assert all(p.split in {"tuned", "held-out"} for p in pages)
    table = tmp_path / "bad.tsv"
    table.write_text("set\tpage\tde\tabc\t1\t2\n", encoding="utf-8")
    with pytest.raises(ValueError, match="columns"):
        read_annotations(table)


SCENE = ("Anna Berg kam zuerst. Tom Kern folgte ihr. „Wir bleiben hier“, sagte sie. "
         "„Das Amt schweigt“, sagte der Sprecher der Stadt.")


def quote_said(words: str, speaker: str | None, mention: str | None) -> Quote:
    start = SCENE.index(words)
    at = SCENE.index(mention) if mention else None
    return Quote(words, "direct", (start, start + len(words)), speaker_name=speaker,
                 speaker_span=(at, at + len(mention)) if at is not None and mention else None)


def span(words: str) -> tuple[int, int]:
    start = SCENE.index(words)
    return start, start + len(words)


def test_a_pronoun_is_right_only_through_the_person_it_names() -> None:
    gold = Gold(span("Wir bleiben hier"), span("sie"), span("Anna Berg"))
    # the pronoun on the annotated cue, resolved to the annotated person: right
    assert speaker_right(SCENE, gold, quote_said("Wir bleiben hier", "Anna Berg", "sie"))
    assert speaker_right(SCENE, gold, quote_said("Wir bleiben hier", "Berg", "sie"))
    # the same pronoun resolved to someone else, or left a pronoun: wrong, whatever its span
    assert not speaker_right(SCENE, gold, quote_said("Wir bleiben hier", "Tom Kern", "sie"))
    assert not speaker_right(SCENE, gold, quote_said("Wir bleiben hier", "sie", "sie"))
    assert not speaker_right(SCENE, gold, quote_said("Wir bleiben hier", None, None))


def test_a_description_at_the_quotation_and_no_speaker() -> None:
    gold = Gold(span("Das Amt schweigt"), span("der Sprecher der Stadt"), span("der Sprecher der Stadt"))
    assert speaker_right(SCENE, gold, quote_said("Das Amt schweigt", "der Sprecher der Stadt",
                                                 "der Sprecher der Stadt"))
    assert not speaker_right(SCENE, gold, quote_said("Das Amt schweigt", "Anna Berg", "Anna Berg"))
    nobody = Gold(span("Das Amt schweigt"), None, None)
    assert speaker_right(SCENE, nobody, quote_said("Das Amt schweigt", None, None))
    assert not speaker_right(SCENE, nobody, quote_said("Das Amt schweigt", "Tom Kern", "Tom Kern"))


def test_every_annotated_page_is_placed_in_todays_body() -> None:
    """No page of the shipped annotations is left out by today's extraction (each was re-anchored)."""
    import gzip

    from newsdesk import extract

    data = Path(__file__).resolve().parents[2] / "shared" / "data"
    pages = read_annotations(Path(__file__).resolve().parents[1] / "benchmarks" / "data" / "quotes_multi.tsv")
    assert data.is_dir(), f"the shared evaluation data are missing: {data}"
    lost = [p.page for p in pages
            if golds_of(extract(gzip.decompress((data / p.dataset / "html" / f"{p.page}.html.gz")
                                                .read_bytes())).body, p) is None]
    assert lost == []
