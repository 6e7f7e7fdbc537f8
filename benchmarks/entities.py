"""Entity benchmark: newsdesk's entity mentions against CoNLL++ (CoNLL-2003 English with corrections).

    .venv/bin/python benchmarks/entities.py [--data ../shared/data/conllpp/conllpp_dev.txt] [--limit N]
                                         [--parse selective|full]

How it scores:

* Each `-DOCSTART-` document becomes one article: tokens joined by spaces, sentences by newlines; every
  token keeps its character offsets. Gold entities are the IOB2 chunks, as character spans.
* Types: spaCy PERSON -> PER, ORG -> ORG, GPE/LOC/FAC -> LOC (newsdesk: person, org, place). Gold MISC
  and predicted NORP (newsdesk "group") are not scored: CoNLL's MISC mixes nationalities, events and
  works, which spaCy splits differently. A PER/ORG/LOC prediction on a MISC span counts as wrong.
* Entity level, exact spans and type: precision, recall and F1 per type and over the three (micro).
* Rows: "spacy ents" is the pipeline's raw NER; "newsdesk" is every mention of `extract_entities`
  (titles and possessives stripped, types corrected by the alias table and by surname merges, further
  occurrences of a found name added) on the same Docs.
* `--parse selective` (default) parses as enrichment does (`parse_selectively`: the dependency parse
  only over sentences that may hold an attribution); `--parse full` runs spaCy's whole pipeline.
* Speed: articles per second of parsing and of
  `extract_entities` on the parsed Docs, one process. Load time and memory of spaCy and lingua too.

Results on stdout as a table; progress on stderr.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_DATA = Path("../shared/data/conllpp/conllpp_dev.txt")
TYPES = ("PER", "ORG", "LOC")
FROM_SPACY = {"PERSON": "PER", "ORG": "ORG", "GPE": "LOC", "LOC": "LOC", "FAC": "LOC"}
FROM_NEWSDESK = {"person": "PER", "org": "ORG", "place": "LOC"}
Span = tuple[int, int, str]


@dataclass
class Document:
    text: str = ""
    gold: set[Span] = field(default_factory=set)


def read_conll(path: Path) -> Iterator[Document]:
    """Documents of a CoNLL-2003 file with IOB2 tags, text rebuilt from the tokens."""
    sentences: list[list[tuple[str, str]]] = []
    sentence: list[tuple[str, str]] = []
    for line in [*path.read_text(encoding="utf-8").splitlines(), "-DOCSTART- -X- -X- O"]:
        if line.startswith("-DOCSTART-") or not line.strip():
            if sentence:
                sentences.append(sentence)
                sentence = []
            if line.startswith("-DOCSTART-") and sentences:
                yield _document(sentences)
                sentences = []
            continue
        cells = line.split()
        sentence.append((cells[0], cells[-1]))


def _document(sentences: list[list[tuple[str, str]]]) -> Document:
    document = Document()
    parts: list[str] = []
    offset = 0
    for number, sentence in enumerate(sentences):
        if number:
            parts.append("\n")
            offset += 1
        open_chunk: tuple[int, str] | None = None
        last_end = offset
        for index, (token, tag) in enumerate(sentence):
            if index:
                parts.append(" ")
                offset += 1
            start, end = offset, offset + len(token)
            parts.append(token)
            offset = end
            if open_chunk and not (tag.startswith("I-") and tag[2:] == open_chunk[1]):
                document.gold.add((open_chunk[0], last_end, open_chunk[1]))
                open_chunk = None
            if tag.startswith("B-") or (tag.startswith("I-") and open_chunk is None):
                open_chunk = (start, tag[2:])
            last_end = end
        if open_chunk:
            document.gold.add((open_chunk[0], last_end, open_chunk[1]))
    document.text = "".join(parts)
    document.gold = {span for span in document.gold if span[2] in TYPES}
    return document


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def score(gold: Counter[str], predicted: Counter[str], right: Counter[str], kind: str) -> tuple[float, ...]:
    p = right[kind] / predicted[kind] if predicted[kind] else 0.0
    r = right[kind] / gold[kind] if gold[kind] else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--limit", type=int, default=0, help="score only the first N documents")
    parser.add_argument("--parse", choices=["selective", "full"], default="selective",
                        help="enrichment's parse (default) or spaCy's full pipeline over every sentence")
    args = parser.parse_args()
    if not args.data.exists():
        sys.exit(f"missing {args.data.resolve()}: the CoNLL++ dev split (see ../shared/data/README.md)")
    documents = list(read_conll(args.data))[: args.limit or None]
    print(f"{len(documents)} documents from {args.data}", file=sys.stderr)

    from newsdesk.enrich.aliases import load_aliases
    from newsdesk.enrich.entities import extract_entities
    from newsdesk.enrich.language import _detector, detect_language
    from newsdesk.enrich.nlp import load_pipeline, parse
    from newsdesk.enrich.selective import parse_selectively

    loads = []
    for name, load in (("spaCy pipeline", load_pipeline), ("lingua detector", _detector)):
        before, started = rss_mb(), time.perf_counter()
        load()
        loads.append((name, time.perf_counter() - started, rss_mb() - before))
    aliases = load_aliases()

    started = time.perf_counter()
    docs = list(parse(d.text for d in documents) if args.parse == "full"
                else parse_selectively(load_pipeline(), (d.text for d in documents), "en"))
    parse_seconds = time.perf_counter() - started
    started = time.perf_counter()
    entities = [extract_entities(d.text, doc, aliases=aliases)
                for d, doc in zip(documents, docs, strict=True)]
    entity_seconds = time.perf_counter() - started
    started = time.perf_counter()
    for document in documents:
        detect_language(document.text)
    language_seconds = time.perf_counter() - started

    systems: dict[str, list[set[Span]]] = {
        "spacy ents": [{(e.start_char, e.end_char, FROM_SPACY[e.label_]) for e in doc.ents
                        if e.label_ in FROM_SPACY} for doc in docs],
        "newsdesk": [{(s, t, FROM_NEWSDESK[e.type]) for e in found if e.type in FROM_NEWSDESK
                      for s, t in e.mentions} for found in entities],
    }
    print("| system | type | gold | predicted | precision | recall | F1 |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for system, predictions in systems.items():
        gold: Counter[str] = Counter()
        predicted: Counter[str] = Counter()
        right: Counter[str] = Counter()
        for document, spans in zip(documents, predictions, strict=True):
            for kind_counter, found in ((gold, document.gold), (predicted, spans),
                                        (right, document.gold & spans)):
                for _, _, kind in found:
                    kind_counter[kind] += 1
                    kind_counter["all"] += 1
        for kind in (*TYPES, "all"):
            p, r, f = score(gold, predicted, right, kind)
            print(f"| {system} | {kind} | {gold[kind]} | {predicted[kind]} | {p:.3f} | {r:.3f} | {f:.3f} |")
    n = len(documents)
    print()
    print("| step | seconds | articles/s |")
    print("|---|---:|---:|")
    print(f"| parse ({args.parse}) | {parse_seconds:.1f} | {n / parse_seconds:.1f} |")
    print(f"| extract_entities on parsed Docs | {entity_seconds:.2f} | {n / entity_seconds:.0f} |")
    print(f"| parse + entities | {parse_seconds + entity_seconds:.1f} | "
          f"{n / (parse_seconds + entity_seconds):.1f} |")
    print(f"| detect_language | {language_seconds:.2f} | {n / language_seconds:.0f} |")
    print()
    print("| loaded once per process | seconds | RSS added (MB) |")
    print("|---|---:|---:|")
    for name, seconds, megabytes in loads:
        print(f"| {name} | {seconds:.1f} | {megabytes:.0f} |")
    print(f"\nMISC (gold) and NORP/group (predicted) are not scored; {n} articles, "
          f"{sum(len(d.text) for d in documents) / n:.0f} characters on average.")


if __name__ == "__main__":
    main()
