"""Entities on modern articles in other languages, hand-annotated: benchmarks/data/ner-modern.tsv.

    .venv/bin/python benchmarks/entities_modern.py [--lang de fr pt]

The annotations (guidelines: benchmarks/data/ner-modern-guidelines.md) mark every PER, ORG and LOC
mention in the first WINDOW characters of the body newsdesk extracts from pages of
../shared/data/trafilatura-dev. They are kept as offsets, not text: `dataset, page id, language, start,
end, type, digest` where the digest is the first 12 hex digits of the SHA-1 of the mention. When the
extractor changes, a mention whose offsets no longer hold is found again by its digest (the nearest
span of the same length with the same digest); one found nowhere is counted as lost and printed.

Scored like benchmarks/entities.py (entity level, exact span and type) over the window only, with the
shipped model of each language ("newsdesk"), and for French also fr_core_news_sm when installed. The
pages were never seen in training: held-out figures, on few articles (see the counts).

    .venv/bin/python benchmarks/entities_modern.py --anchor DRAFT.tsv   # annotator's tool
turns a draft of `dataset, page id, TYPE, mention text` lines (every whole-word occurrence in the
window is taken, except inside a longer mention; "aus [Dortmund]" takes the bracketed part of the
occurrences of the whole; TYPE "-" marks text that is no entity and keeps shorter lines off it) into
the offsets file.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import sys
from collections import Counter
from pathlib import Path

from entities import TYPES, score

DATA = Path("../shared/data")
ANNOTATIONS = Path(__file__).resolve().parent / "data" / "ner-modern.tsv"
WINDOW = 2_000
FROM_NEWSDESK = {"person": "PER", "org": "ORG", "place": "LOC"}
FROM_MODEL = {"PER": "PER", "PERSON": "PER", "ORG": "ORG", "LOC": "LOC", "GPE": "LOC"}
Span = tuple[int, int, str]


def digest(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()[:12]


def body_of(dataset: str, page: str) -> str:
    import newsdesk

    path = DATA / dataset / "html" / f"{page}.html.gz"
    if not path.is_file():
        sys.exit(f"missing benchmark data: {path.resolve()} (run from the repository root)")
    return newsdesk.extract(gzip.decompress(path.read_bytes())).body


def anchor(draft: Path) -> None:
    rows: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for line in draft.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            dataset, page, kind, text = line.split("\t")[:4]
            rows.setdefault((dataset, page), []).append((kind, text))
    from newsdesk.enrich.language import detect_language

    out = ["# dataset\tpage\tlanguage\tstart\tend\ttype\tsha1[:12] of the mention (guidelines: "
           "ner-modern-guidelines.md)"]
    for (dataset, page), mentions in rows.items():
        body = body_of(dataset, page)
        window = body[:WINDOW]
        taken: list[Span] = []
        for kind, text in sorted(mentions, key=lambda m: -len(m[1])):
            if not text:
                continue  # a page read through that names no entity
            # "aus [Dortmund]": find the whole text, mark only the bracketed part.
            pattern = text.replace("[", "").replace("]", "")
            inner = (text.index("["), text.index("]") - 1) if "[" in text else (0, len(pattern))
            found = 0
            start = window.find(pattern)
            while start >= 0:
                end = start + len(pattern)
                whole = not (start and _joined(window[start - 1])) and not (end < len(window)
                                                                              and _joined(window[end]))
                span = (start + inner[0], start + inner[1])
                if whole and not any(s < span[1] and span[0] < e for s, e, _ in taken):
                    taken.append((*span, kind))
                    found += 1
                start = window.find(pattern, start + 1)
            if not found:
                sys.exit(f"{dataset} {page}: {text!r} is not in the window")
        taken = [span for span in taken if span[2] != "-"]  # "-": seen, and not an entity
        language = detect_language(body) or "?"
        out.append(f"{dataset}\t{page}\t{language}\t0\t0\t-\t-")  # the page, annotated
        out += [f"{dataset}\t{page}\t{language}\t{s}\t{e}\t{k}\t{digest(window[s:e])}"
                for s, e, k in sorted(taken)]
    ANNOTATIONS.write_text("\n".join(out) + "\n", encoding="utf-8")
    print(f"{len(out) - 1} mentions in {len(rows)} pages written to {ANNOTATIONS}")


def _joined(char: str) -> bool:
    """A character that makes a name part of a longer word: "IG Metall-Sekretär" is no mention."""
    return char.isalnum() or char in "-+"


def load() -> dict[tuple[str, str, str], list[tuple[int, int, str, str]]]:
    pages: dict[tuple[str, str, str], list[tuple[int, int, str, str]]] = {}
    for line in ANNOTATIONS.read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        dataset, page, language, start, end, kind, sha = line.split("\t")
        mentions = pages.setdefault((dataset, page, language), [])
        if kind != "-":
            mentions.append((int(start), int(end), kind, sha))
    return pages


def resolve(body: str, mentions: list[tuple[int, int, str, str]]) -> tuple[set[Span], int]:
    """The gold spans in this body, and how many mentions were lost."""
    gold: set[Span] = set()
    lost = 0
    for start, end, kind, sha in mentions:
        if digest(body[start:end]) == sha:
            gold.add((start, end, kind))
            continue
        length = end - start
        places = [s for s in range(len(body) - length + 1) if digest(body[s : s + length]) == sha]
        if places:
            best = min(places, key=lambda s: abs(s - start))
            gold.add((best, best + length, kind))
        else:
            lost += 1
    return gold, lost


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lang", nargs="+", default=["de", "fr", "nl", "pt"])
    parser.add_argument("--anchor", type=Path, help="turn this draft into benchmarks/data/ner-modern.tsv")
    args = parser.parse_args()
    if args.anchor:
        anchor(args.anchor)
        return
    import spacy.util

    from newsdesk.enrich.aliases import load_aliases
    from newsdesk.enrich.entities import extract_entities
    from newsdesk.enrich.models import shipped_model
    from newsdesk.enrich.nlp import load_pipeline

    pages = load()
    aliases = load_aliases()
    print("| lang | system | type | gold | predicted | precision | recall | F1 |")
    print("|---|---|---|---:|---:|---:|---:|---:|")
    notes = []
    for lang in args.lang:
        chosen = [(key, mentions) for key, mentions in pages.items() if key[2] == lang]
        if not chosen:
            notes.append(f"{lang}: no annotated article")
            continue
        bodies = [body_of(dataset, page) for (dataset, page, _), _ in chosen]
        resolved = [resolve(body, mentions) for body, (_, mentions) in zip(bodies, chosen, strict=True)]
        lost = sum(n for _, n in resolved)
        notes.append(f"{lang}: {len(chosen)} articles, {sum(len(g) for g, _ in resolved)} mentions"
                     + (f", {lost} lost (offsets and digest both gone)" if lost else ""))
        systems = [("newsdesk model", shipped_model(lang))]
        if lang == "fr" and spacy.util.is_package("fr_core_news_sm"):
            systems.append(("fr_core_news_sm 3.8.0", "fr_core_news_sm"))
        for label, name in systems:
            if name is None:
                notes.append(f"{lang}: no shipped model")
                continue
            nlp = load_pipeline(name)
            docs = list(nlp.pipe(body[:WINDOW] for body in bodies))
            for row in ("model ents", "newsdesk"):
                gold: Counter[str] = Counter()
                predicted: Counter[str] = Counter()
                right: Counter[str] = Counter()
                for body, doc, (spans, _) in zip(bodies, docs, resolved, strict=True):
                    if row == "model ents":
                        found = {(e.start_char, e.end_char, FROM_MODEL[e.label_]) for e in doc.ents
                                 if e.label_ in FROM_MODEL}
                    else:
                        found = {(s, t, FROM_NEWSDESK[e.type])
                                 for e in extract_entities(body[:WINDOW], doc, aliases=aliases)
                                 if e.type in FROM_NEWSDESK for s, t in e.mentions}
                    for counter, group in ((gold, spans), (predicted, found), (right, spans & found)):
                        for _, _, kind in group:
                            counter[kind] += 1
                            counter["all"] += 1
                for kind in (*TYPES, "all"):
                    p, r, f = score(gold, predicted, right, kind)
                    print(f"| {lang} | {label}: {row} | {kind} | {gold[kind]} | {predicted[kind]} | "
                          f"{p:.3f} | {r:.3f} | {f:.3f} |")
    print()
    for note in notes:
        print(note)


if __name__ == "__main__":
    main()
