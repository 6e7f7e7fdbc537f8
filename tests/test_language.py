"""Language: an ISO 639-1 code for texts in many scripts and languages, None when there is nothing to tell."""

from __future__ import annotations

import pytest

from newsdesk.enrich.language import FIRST_CHARS, PREFIX_CHARS, detect_language

SAMPLES = {
    "en": "Mark Rutte took office as the NATO Secretary General on Tuesday in Brussels.",
    "fr": "Le nouveau secrétaire général de l’OTAN a pris ses fonctions mardi à Bruxelles.",
    "de": "Der neue Generalsekretär der NATO hat am Dienstag in Brüssel sein Amt angetreten.",
    "es": "El nuevo secretario general de la OTAN asumió el cargo el martes en Bruselas.",
    "it": "Il nuovo segretario generale della NATO è entrato in carica martedì a Bruxelles.",
    "nl": "De nieuwe secretaris-generaal van de NAVO is dinsdag in Brussel begonnen.",
    "pt": "O novo secretário-geral da OTAN tomou posse na terça-feira em Bruxelas.",
    "pl": "Nowy sekretarz generalny NATO objął we wtorek urząd w Brukseli.",
    "ru": "Новый генеральный секретарь НАТО во вторник вступил в должность в Брюсселе.",
    "uk": "Новий генеральний секретар НАТО у вівторок обійняв посаду в Брюсселі.",
    "el": "Ο νέος γενικός γραμματέας του ΝΑΤΟ ανέλαβε την Τρίτη τα καθήκοντά του στις Βρυξέλλες.",
    "tr": "NATO'nun yeni genel sekreteri salı günü Brüksel'de görevine başladı.",
    "ar": "تولى الأمين العام الجديد لحلف الناتو منصبه يوم الثلاثاء في بروكسل.",
    "zh": "北约新任秘书长周二在布鲁塞尔正式上任。",
    "ja": "北大西洋条約機構の新しい事務総長が火曜日にブリュッセルで就任した。",
    "ko": "나토의 새 사무총장이 화요일 브뤼셀에서 취임했다.",
}


@pytest.mark.parametrize(("code", "text"), SAMPLES.items())
def test_short_news_sentences(code: str, text: str) -> None:
    assert detect_language(text) == code


@pytest.mark.parametrize("text", ["", "   \n\t", "12,345 — 67.8% (2024)", "…!?", "OK"])
def test_nothing_to_tell_gives_none(text: str) -> None:
    assert detect_language(text) is None


def test_only_a_prefix_is_read() -> None:
    # An English article followed by a megabyte of French: the opening decides, and quickly.
    text = SAMPLES["en"] * (PREFIX_CHARS // len(SAMPLES["en"]) + 1) + SAMPLES["fr"] * 20_000
    assert detect_language(text) == "en"


def test_a_sure_opening_decides_without_reading_on() -> None:
    # The opening (FIRST_CHARS) in one language, the rest of the prefix in another: when the detector
    # is sure of the opening, the rest is not read.
    opening = (SAMPLES["de"] + " ") * (FIRST_CHARS // len(SAMPLES["de"]) + 1)
    assert len(opening) > FIRST_CHARS
    assert detect_language(opening[:FIRST_CHARS] + (SAMPLES["fr"] + " ") * 30) == "de"


def test_an_unsure_opening_reads_the_whole_prefix() -> None:
    # An opening of names alone leaves the detector unsure (it leans to German); the article after
    # it, within the prefix, decides.
    names = ("Mark Rutte, NATO, Brussels, Jens Stoltenberg, Ursula von der Leyen, Emmanuel Macron, "
             "Olaf Scholz. ")
    opening = (names * (FIRST_CHARS // len(names) + 1))[:FIRST_CHARS]
    assert detect_language(opening) == "de"  # (what the opening alone is taken for)
    assert detect_language(opening + (SAMPLES["en"] + " ") * 20) == "en"
