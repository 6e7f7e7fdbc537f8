"""Classify the lines of a flattened page as prose or chrome, the way jusText classifies paragraphs.

Each line gets a context-free class from its length, function-word density and cues; short and
borderline lines then take the class of their neighbours.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from newsdesk.extract.text.lines import Kind, Line, is_teaser

REPEATED_ALT_MIN_WORDS = 6
REPEATED_ALT_MIN_COUNT = 3
BOX_ITEM_MAX_WORDS = 25


@dataclass(frozen=True)
class Thresholds:
    """Bars a line must clear to count as prose, scaled to the page's language (see `thresholds_for`)."""

    good_length: int = 150
    good_density: float = 0.30
    near_density: float = 0.20
    sentence_density: float = 0.12  # enough for a line that also ends like a sentence
    known_language: bool = True


# Typical function-word density of prose in a language the stop list covers well (English: ~0.45).
WELL_COVERED_DENSITY = 0.42
UNKNOWN_LANGUAGE_DENSITY = 0.06
RELAXED_GOOD_LENGTH = 60


def thresholds_for(lines: list[Line]) -> Thresholds:
    """Scale the density bars to this page: the merged stop list covers some languages thinly.

    The reference is the density of the page's longer lines at the upper quartile, where its prose
    is. Below a floor the language is not covered at all and sentence shape stands in for density.
    """
    densities = sorted(line.stop_density for line in lines if line.words >= 10)
    if not densities:
        return Thresholds()
    reference = densities[(3 * len(densities)) // 4]
    if reference < UNKNOWN_LANGUAGE_DENSITY:
        return Thresholds(known_language=False)
    scale = min(1.0, reference / WELL_COVERED_DENSITY)
    base = Thresholds()
    return Thresholds(
        good_density=base.good_density * scale,
        near_density=base.near_density * scale,
        sentence_density=base.sentence_density * scale,
    )


def classify(lines: list[Line], bars: Thresholds) -> None:
    """Context-free class of each line (jusText's rules, with bars from `thresholds_for`).

    Pages of short paragraphs (results, lists, recipes) have no line long enough to be good; they get
    a second pass with a lower bar rather than an empty body.
    """
    mark_image_lines(lines, bars)
    for line in lines:
        line.kind = context_free_kind(line, bars)
    if not any(line.kind is Kind.GOOD for line in lines):
        relaxed = Thresholds(
            good_length=RELAXED_GOOD_LENGTH,
            good_density=bars.near_density,
            near_density=bars.near_density,
            sentence_density=bars.sentence_density,
            known_language=bars.known_language,
        )
        for line in lines:
            line.kind = context_free_kind(line, relaxed)


def context_free_kind(line: Line, bars: Thresholds) -> Kind:
    if line.chrome or line.neutral:
        return Kind.BAD
    if line.length < 50:
        return Kind.SHORT
    # Without a stop list for the language, ending like a sentence stands in for function words.
    sentence_density = bars.good_density if line.sentence_like else 0.0
    density = line.stop_density if bars.known_language else sentence_density
    if density >= bars.good_density and line.length >= bars.good_length:
        # A cut-off excerpt is a teaser for another article more often than a truncated paragraph.
        return Kind.NEAR_GOOD if is_teaser(line) else Kind.GOOD
    if density >= bars.near_density or (line.sentence_like and density >= bars.sentence_density):
        return Kind.NEAR_GOOD
    if line.length < 80:
        return Kind.SHORT
    return Kind.BAD


def smooth(lines: list[Line]) -> None:
    """Give short and borderline lines the class their neighbours suggest (jusText's second pass)."""
    for line in lines:
        line.base_kind = line.kind
    # Image lines are transparent: the paragraphs on either side are each other's neighbours.
    base = [Kind.SHORT if line.neutral else line.kind for line in lines]
    prev_hard = _nearest_hard(base, range(len(base)), include_near=False)
    next_hard = _nearest_hard(base, range(len(base) - 1, -1, -1), include_near=False)
    prev_any = _nearest_hard(base, range(len(base)), include_near=True)
    next_any = _nearest_hard(base, range(len(base) - 1, -1, -1), include_near=True)
    for i, line in enumerate(lines):
        if base[i] is Kind.SHORT and not line.neutral:
            before, after = prev_hard[i], next_hard[i]
            if before is Kind.GOOD and after is Kind.GOOD:
                line.kind = Kind.GOOD
            elif before is Kind.BAD and after is Kind.BAD:
                line.kind = Kind.BAD
            elif (before is Kind.BAD and prev_any[i] is Kind.NEAR_GOOD) or (
                after is Kind.BAD and next_any[i] is Kind.NEAR_GOOD
            ):
                line.kind = Kind.GOOD
            else:
                line.kind = Kind.BAD
    for i, line in enumerate(lines):
        if base[i] is Kind.NEAR_GOOD:
            both_bad = prev_hard[i] is Kind.BAD and next_hard[i] is Kind.BAD
            line.kind = Kind.BAD if both_bad else Kind.GOOD


def _nearest_hard(kinds: list[Kind], order: range, include_near: bool) -> list[Kind]:
    """For each position, the class of the nearest earlier (in `order`) good or bad line.

    Short lines are skipped, and near-good ones too unless `include_near`; the page edge counts as
    bad. One pass, so the whole smoothing is linear.
    """
    result = [Kind.BAD] * len(kinds)
    last = Kind.BAD
    for i in order:
        result[i] = last
        kind = kinds[i]
        if kind is Kind.GOOD or kind is Kind.BAD or (include_near and kind is Kind.NEAR_GOOD):
            last = kind
    return result


def mark_image_lines(lines: list[Line], bars: Thresholds) -> None:
    """Mark lines that stand for images so they neither break nor join the prose around them.

    A flattener leaves an image's file name, or its alt text; the same alt text on every image of a
    gallery repeats verbatim, and unlike a repeated paragraph it is not prose. Lines without a letter
    (share counts, ids) and photo credits are as transparent.
    """
    counts = Counter(line.text for line in lines if line.words >= REPEATED_ALT_MIN_WORDS)
    for line in lines:
        repeated = counts.get(line.text, 0) >= REPEATED_ALT_MIN_COUNT
        if (
            line.image_name
            or line.photo_credit
            or not line.has_letters
            or (repeated and line.stop_density < bars.near_density)
        ):
            line.neutral = True


def drop_related_boxes(lines: list[Line]) -> None:
    """Take the headlines listed under a "Related"/"More" cue out of the body, wherever they sit.

    A box of links inside the article is crossed by the region, and its headlines, being between
    paragraphs, would be smoothed into the body; they end at the first line that reads as a sentence.
    """
    inside = False
    for line in lines:
        if line.related_cue:
            inside = True
        elif inside and not line.sentence_like and line.words <= BOX_ITEM_MAX_WORDS:
            line.kind = Kind.BAD
        else:
            inside = False
