"""Entity benchmark beyond English: the shipped German, French, Dutch and Portuguese models against the
gold test splits of ../shared/data/ner-multi (and, for French, spaCy's fr_core_news_sm beside them).

    .venv/bin/python benchmarks/entities_multi.py [--lang de fr nl pt] [--split test] [--limit N]

Scored as benchmarks/entities.py scores CoNLL++: every 10 sentences of a split make one article (tokens
joined by spaces, sentences by newlines), gold entities are character spans, entity level, exact span
and type; PER, ORG and LOC (person, org, place) are scored and MISC (gold, in de only) is not. Rows:
"model ents" is the pipeline's raw NER on the text (its own tokenizer), "newsdesk" every mention of
`extract_entities` on the same Docs. The test splits were never used in training or model choice
(training picks the best checkpoint on dev): these figures are held out. fr and nl are 19th-century
OCR newspapers: see benchmarks/entities_modern.py for modern articles.

fr_core_news_sm needs the bench extra (scripts/bootstrap dev,bench).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

from entities import TYPES, Document, Span, _document, score

DATA = Path("../shared/data/ner-multi")
SENTENCES_PER_ARTICLE = 10
FROM_MODEL = {"PER": "PER", "PERSON": "PER", "ORG": "ORG", "LOC": "LOC", "GPE": "LOC"}
FROM_NEWSDESK = {"person": "PER", "org": "ORG", "place": "LOC"}


def read_split(path: Path) -> list[Document]:
    from newsdesk.enrich.train_ner import read_sentences

    sentences = [[(token, tag) for token, tag in sentence] for sentence in read_sentences(path)]
    return [_document(sentences[first : first + SENTENCES_PER_ARTICLE])
            for first in range(0, len(sentences), SENTENCES_PER_ARTICLE)]


def systems_for(lang: str) -> list[tuple[str, str]]:
    """(label, pipeline name or path) of every system scored for `lang`."""
    from newsdesk.enrich.models import shipped_model

    found = []
    if path := shipped_model(lang):
        found.append(("newsdesk model", path))
    if lang == "fr":
        import spacy.util

        if spacy.util.is_package("fr_core_news_sm"):
            found.append(("fr_core_news_sm 3.8.0", "fr_core_news_sm"))
        else:
            print("fr_core_news_sm is not installed (scripts/bootstrap dev,bench): not compared",
                  file=sys.stderr)
    return found


def evaluate(documents: list[Document], name: str) -> tuple[dict[str, list[set[Span]]], float]:
    from newsdesk.enrich.aliases import load_aliases
    from newsdesk.enrich.entities import extract_entities
    from newsdesk.enrich.nlp import load_pipeline

    nlp = load_pipeline(name)
    aliases = load_aliases()
    started = time.perf_counter()
    docs = list(nlp.pipe((d.text for d in documents), batch_size=32))
    seconds = time.perf_counter() - started
    entities = [extract_entities(d.text, doc, aliases=aliases)
                for d, doc in zip(documents, docs, strict=True)]
    return {
        "model ents": [{(e.start_char, e.end_char, FROM_MODEL[e.label_]) for e in doc.ents
                        if e.label_ in FROM_MODEL} for doc in docs],
        "newsdesk": [{(s, t, FROM_NEWSDESK[e.type]) for e in found if e.type in FROM_NEWSDESK
                      for s, t in e.mentions} for found in entities],
    }, seconds


def table_rows(lang: str, system: str, documents: list[Document], predictions: list[set[Span]]) -> list[str]:
    gold: Counter[str] = Counter()
    predicted: Counter[str] = Counter()
    right: Counter[str] = Counter()
    for document, spans in zip(documents, predictions, strict=True):
        for counter, found in ((gold, document.gold), (predicted, spans), (right, document.gold & spans)):
            for _, _, kind in found:
                counter[kind] += 1
                counter["all"] += 1
    rows = []
    for kind in (*TYPES, "all"):
        p, r, f = score(gold, predicted, right, kind)
        rows.append(f"| {lang} | {system} | {kind} | {gold[kind]} | {predicted[kind]} | {p:.3f} | {r:.3f} | "
                    f"{f:.3f} |")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lang", nargs="+", default=["de", "fr", "nl", "pt"])
    parser.add_argument("--split", default="test", choices=["test", "dev"])
    parser.add_argument("--limit", type=int, default=0, help="score only the first N articles")
    parser.add_argument("--data", type=Path, default=DATA)
    args = parser.parse_args()
    print("| lang | system | type | gold | predicted | precision | recall | F1 |")
    print("|---|---|---|---:|---:|---:|---:|---:|")
    speeds = []
    for lang in args.lang:
        path = args.data / lang / f"{args.split}.tsv"
        if not path.is_file():
            sys.exit(f"missing benchmark data: {path.resolve()} (run from the repository root)")
        documents = read_split(path)[: args.limit or None]
        for label, name in systems_for(lang):
            found, seconds = evaluate(documents, name)
            for row, predictions in found.items():
                for line in table_rows(lang, f"{label}: {row}", documents, predictions):
                    print(line, flush=True)
            speeds.append((lang, label, len(documents), seconds))
    print("\n| lang | system | articles | parse seconds | articles/s |\n|---|---|---:|---:|---:|")
    for lang, label, n, seconds in speeds:
        print(f"| {lang} | {label} | {n} | {seconds:.1f} | {n / seconds:.1f} |")


if __name__ == "__main__":
    main()
