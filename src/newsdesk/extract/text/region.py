"""Pick the article out of the classified lines: the best-scoring contiguous run, cut at its end.

Kadane's maximum-sum run over per-line scores: prose pays by its length, chrome and boundaries cost.
"""

from __future__ import annotations

from newsdesk.extract.text.lines import Kind, Line

MIN_PROSE_BEFORE_END = 200
AFTER_END_WEIGHT = 0.25
BOUNDARY_COST = 300.0
CHROME_COST = 40.0
DATE_LINE_COST = 150.0
SHORT_COST = 12.0
MAX_SHORT_COST = 80.0
NEAR_GOOD_WEIGHT = 0.5
HEADLINE_WEIGHT = 0.0
MAX_LIST_ITEMS = 100
LIST_ITEM_MAX_WORDS = 30


def line_score(line: Line, run: int) -> float:
    """What a line adds to a region: prose pays by its length, other lines cost.

    `run` counts the non-prose lines just before this one: a lone short line inside an article is
    likely a subheading and costs little, while a run of them is a menu and costs more each line.
    """
    if line.neutral:
        return 0.0
    if line.related_cue or line.boundary_cue or line.final_cue:
        return -BOUNDARY_COST
    if line.date_only:
        return -DATE_LINE_COST
    if line.kind is Kind.GOOD and line.base_kind is Kind.GOOD:
        return float(line.length)
    if line.kind is Kind.GOOD and line.base_kind is Kind.NEAR_GOOD:
        # Unpunctuated lines of this length are mostly headlines in link lists, not paragraphs.
        return line.length * (NEAR_GOOD_WEIGHT if line.sentence_like else HEADLINE_WEIGHT)
    if line.chrome:
        return -CHROME_COST
    return -min(SHORT_COST * (1 + run), MAX_SHORT_COST)


def best_region(lines: list[Line]) -> tuple[int, int]:
    """The contiguous run of lines with the highest total score (Kadane's algorithm); (0, -1) if none.

    Prose after the first comments/bio/footer line that follows prose is worth a fraction of its
    length: a long comment thread must not outweigh a short article.
    """
    best, best_start, best_end = 0.0, 0, -1
    total, start = 0.0, 0
    prose, weight, run = 0, 1.0, 0
    for i, line in enumerate(lines):
        if total <= 0:
            total, start = 0.0, i
        score = line_score(line, run)
        total += score * weight if score > 0 else score
        run = 0 if score > 0 else run + (not line.neutral)
        if line.kind is Kind.GOOD:
            prose += line.length
        elif line.final_cue and prose >= MIN_PROSE_BEFORE_END:
            weight = AFTER_END_WEIGHT
        if total > best:
            best, best_start, best_end = total, start, i
    return best_start, best_end


def cut_at_final_cue(lines: list[Line], start: int, end: int) -> int:
    """The region's new last index: just before the first comments/share/bio/footer line after prose.

    Such lines at the top of a page (a sharing bar above the headline) are not an end, hence the
    prose requirement.
    """
    prose = 0
    for i in range(start, end + 1):
        line = lines[i]
        if line.final_cue and prose >= MIN_PROSE_BEFORE_END:
            return i - 1
        if line.kind is Kind.GOOD:
            prose += line.length
    return end


def trim_region(lines: list[Line], start: int, end: int) -> int:
    """The region's last index once trailing lines that are not prose by themselves are dropped.

    After a cut, a bio's name line or a lone "Tags" may be left at the end; a body never ends on one.
    """
    while end >= start and lines[end].base_kind not in (Kind.GOOD, Kind.NEAR_GOOD):
        end -= 1
    return end


def include_colon_lists(lines: list[Line], start: int, end: int) -> int:
    """Keep the list that a prose line ending with a colon announces ("Tour dates:") with the body.

    List items are short and poor in function words, so on their own they look like a menu; the
    colon says they are the article's. Where the page separates blocks by blank lines, the list ends
    at the first one. Returns the region's possibly extended last index.
    """
    blocks_spaced = any(line.gap_before for line in lines)
    i = start
    while i <= end:
        if lines[i].kind is Kind.GOOD and lines[i].text.endswith(":"):
            j = i + 1
            while (
                j < len(lines)
                and j - i <= MAX_LIST_ITEMS
                and is_list_item(lines[j])
                and not (blocks_spaced and lines[j].gap_before and j > i + 1)
            ):
                lines[j].kind = Kind.GOOD
                j += 1
            end = max(end, j - 1)
            i = j
        else:
            i += 1
    return end


def is_list_item(line: Line) -> bool:
    return line.words <= LIST_ITEM_MAX_WORDS and not (line.chrome or line.neutral)
