"""Train the shipped named-entity pipelines for languages other than English, one per language.

    .venv/bin/python -m newsdesk.enrich.train_ner [--lang de fr nl pt] [--data ../shared/data/ner-multi]

For each language it converts `<data>/<lang>/{train,dev}.tsv` (TOKEN<TAB>IOB2-TAG, a blank line
between sentences) into spaCy DocBins, trains `training/ner/<lang>.cfg` with `spacy train` (CPU, seed
fixed in the config, one BLAS thread, so that a retrain gives the same model), and copies the best
model (by dev F1) to `src/newsdesk/enrich/models/<lang>/`, stripped of what enrichment never reads.
The test split is left alone: `benchmarks/entities_multi.py` scores it.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

LANGUAGES = ("de", "fr", "nl", "pt")
SENTENCES_PER_DOC = 10  # as `spacy convert -n 10`: some context around each sentence
ROOT = Path(__file__).resolve().parents[3]
CONFIGS = ROOT / "training" / "ner"
MODELS = Path(__file__).resolve().parent / "models"


class DataError(ValueError):
    """A training file that is not TOKEN<TAB>TAG lines in IOB2."""


def read_sentences(path: Path) -> Iterator[list[tuple[str, str]]]:
    """The sentences of an IOB2 TSV file, each a list of (token, tag)."""
    try:
        yield from _sentences(path)
    except UnicodeDecodeError as error:
        raise DataError(f"{path}: not UTF-8 ({error.reason} at byte {error.start})") from None


def _sentences(path: Path) -> Iterator[list[tuple[str, str]]]:
    sentence: list[tuple[str, str]] = []
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            line = line.rstrip("\n")
            if not line.strip():
                if sentence:
                    yield sentence
                sentence = []
                continue
            token, sep, tag = line.rpartition("\t")
            if not sep or not token or not (tag == "O" or tag[:2] in {"B-", "I-"}):
                raise DataError(f"{path}:{number}: expected TOKEN<TAB>TAG (IOB2), got {line[:60]!r}")
            sentence.append((token, tag))
    if sentence:
        yield sentence


def to_docbin(path: Path, lang: str, out: Path) -> int:
    """Write the sentences of `path` as a DocBin of documents of SENTENCES_PER_DOC sentences; returns
    how many documents."""
    import spacy
    from spacy.tokens import Doc, DocBin
    from spacy.training import biluo_tags_to_spans, iob_to_biluo

    nlp = spacy.blank(lang)
    docs = DocBin(attrs=["ORTH", "ENT_IOB", "ENT_TYPE"], store_user_data=False)
    sentences = list(read_sentences(path))
    count = 0
    for first in range(0, len(sentences), SENTENCES_PER_DOC):
        group = [pair for sentence in sentences[first : first + SENTENCES_PER_DOC] for pair in sentence]
        words = [token for token, _ in group]
        doc = Doc(nlp.vocab, words=words, spaces=[True] * len(words))
        # An I- after O (never in these files, but cheap to mend) starts an entity.
        tags = [tag if not (tag.startswith("I-") and (i == 0 or group[i - 1][1] == "O")) else "B-" + tag[2:]
                for i, (_, tag) in enumerate(group)]
        doc.ents = biluo_tags_to_spans(doc, iob_to_biluo(tags))
        docs.add(doc)
        count += 1
    docs.to_disk(out)
    return count


def train(lang: str, data: Path, work: Path) -> Path:
    """Train one language; returns the directory of the best model."""
    corpus = work / lang
    corpus.mkdir(parents=True, exist_ok=True)
    for split in ("train", "dev"):
        source = data / lang / f"{split}.tsv"
        if not source.is_file():
            raise SystemExit(f"missing training data: {source.resolve()}")
        print(f"{lang}: {split}: {to_docbin(source, lang, corpus / f'{split}.spacy')} documents", flush=True)
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    command = [sys.executable, "-m", "spacy", "train", str(CONFIGS / f"{lang}.cfg"),
               "--output", str(corpus / "out"), "--paths.train", str(corpus / "train.spacy"),
               "--paths.dev", str(corpus / "dev.spacy")]
    subprocess.run(command, check=True, env=env)
    return corpus / "out" / "model-best"


# Where each language's training data comes from, written into the model's meta.json.
SOURCES = {
    "de": ("GermEval 2014 NER (NoSta-D), official dev and test re-split", "CC BY 4.0"),
    "fr": ("Europeana Newspapers NER corpus, BnF part", "CC0 1.0"),
    "nl": ("Europeana Newspapers NER corpus, KB part", "CC0 1.0"),
    "pt": ("Universal NER v1, Portuguese-Bosque", "CC BY-SA 4.0"),
}
VERSION = "1.0.0"


def install(best: Path, lang: str) -> Path:
    """Copy the model into the package and describe it in its meta.json."""
    target = MODELS / lang
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(best, target)
    describe(target, lang)
    return target


def describe(target: Path, lang: str) -> None:
    """Name, version, data source and licence of a shipped model, in its meta.json."""
    path = target / "meta.json"
    meta = json.loads(path.read_text(encoding="utf-8"))
    source, licence = SOURCES[lang]
    meta.update({
        "name": "newsdesk_ner", "version": VERSION, "license": licence,
        "description": f"newsdesk's named-entity model for '{lang}' (python -m newsdesk.enrich.train_ner)",
        "sources": [{"name": source, "license": licence}],
    })
    path.write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lang", nargs="+", choices=LANGUAGES, default=list(LANGUAGES))
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "ner-multi")
    parser.add_argument("--work", type=Path, default=None, help="Keep the DocBins and checkpoints here.")
    options = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="newsdesk-ner-") as scratch:
        work = options.work or Path(scratch)
        for lang in options.lang:
            started = time.monotonic()
            target = install(train(lang, options.data, work), lang)
            size = sum(f.stat().st_size for f in target.rglob("*") if f.is_file())
            print(f"{lang}: {target} ({size / 1e6:.1f} MB) in {time.monotonic() - started:.0f} s", flush=True)


if __name__ == "__main__":
    main()
