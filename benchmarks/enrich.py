"""Enrichment speed: the full enrichment of the ScrapingHub bodies in one process, and `ingest` with
enrichment on 1 and 2 processes.

    .venv/bin/python benchmarks/enrich.py [--repeat 2] [--copies 2] [--skip-ingest] [--skip-speed]
                                       [--skip-vocabulary]

* Bodies: newsdesk's extraction of the 181 ScrapingHub pages (../shared/data/scrapinghub).
* "one process", three runs side by side, interleaved, best of --repeat, each by wall and by CPU time
  (the host is shared: CPU time is the steadier figure), the pipeline loaded first and its load time
  reported apart:
  - the competitor: spaCy's own pipeline with every component it enables (tok2vec, tagger, parser,
    attribute ruler, lemmatizer, ner) over every sentence of every body, `nlp.pipe`, batches of 16;
  - newsdesk's spaCy passes alone: `parse_selectively` (everything but the parser over the whole text,
    the parser only over the sentences that may hold an attribution, the recogniser decoded in bulk);
  - the full enrichment, `newsdesk.enrich.enrich_articles` (language, those passes, entities,
    quotations with linked speakers, topics, keywords), batched as ingest does.
  Ratios are against the competitor in the same run. Then what the selective parse changes: entities,
  quotations, keyword and topic lists read off its Docs against those read off the full pipeline's.
  Then the named-entity recogniser alone, spaCy's `pipe` against newsdesk's bulk decoder of the same
  model (`newsdesk.enrich.greedy_ner`), on the same Docs, CPU time, best of --repeat, and the entities
  that differ between the two (either way).
  Peak RSS of the process (it holds both sets of Docs for that comparison).
* "ingest": `newsdesk ingest DIR --processes N` on a folder of the pages (`--copies` times, under
  distinct names) into a fresh SQLite store, each run its own process, wall time start to end
  (pipeline loads included), then the speed-up of 2 processes over 1.
* "vocabulary": what a long-running worker keeps of the words it meets. The ScrapingHub bodies and the
  ECB+ news documents (953 texts) in a fresh process each way: enriched by `enrich_articles` (spaCy's
  memory zone around each batch), or parsed by plain `nlp.pipe` (spaCy's default, what enrichment did
  before). One half of the texts warms the process up; what the other half leaves behind is reported:
  strings kept in the vocabulary and resident memory added.

Matrix products: enrichment loads its pipelines with numpy's BLAS doing them (NEWSDESK_SPACY_GEMM,
newsdesk/enrich/nlp.py); the same full pipeline with thinc's other choice (BLIS by default) is timed in
the same loop, and full enrichment is compared with both.

One core: the run limits numpy's BLAS to one thread (OPENBLAS_NUM_THREADS=1 and the like, unless set
already), as a worker of `ingest --processes N` on N cores should be: with OpenBLAS's default of a thread
per core, the bulk recogniser's matrix products ran on both cores of a 2-core host and took more CPU time
for little wall time (full enrichment 1.70x the full pipeline by wall time but 1.48x by CPU time, against
1.70x both ways on one thread, same host, 2026-12-03).

Results on stdout as a table; the machine's load average is printed with them, since the host is shared.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")  # before numpy is imported (by newsdesk): one core, see above

DATA = Path("../shared/data/scrapinghub/html")


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def articles() -> list:  # type: ignore[type-arg]
    import newsdesk

    if not DATA.is_dir():
        raise SystemExit(f"missing benchmark data: {DATA.resolve()} (run from the repository root)")
    found = []
    for path in sorted(DATA.glob("*.html.gz")):
        found.append(newsdesk.extract(gzip.decompress(path.read_bytes()), url=f"https://example.org/{path.name}"))
    return found


def one_process(repeat: int) -> list[tuple[str, str]]:
    from newsdesk.article import Article
    from newsdesk.enrich import enrich_articles
    from newsdesk.enrich.language import _detector
    from newsdesk.enrich.nlp import MAX_PARSE_CHARS, load_pipeline
    from newsdesk.settings import Settings

    base = articles()
    chars = sum(len(a.body) for a in base)
    started = time.perf_counter()
    nlp = load_pipeline()
    _detector()
    load = time.perf_counter() - started
    rows = [("bodies", f"{len(base)} articles, {chars / len(base):,.0f} chars each on average"),
            ("pipeline + language models load", f"{load:.1f} s")]
    from newsdesk.enrich.selective import parse_selectively

    texts = [a.body[:MAX_PARSE_CHARS] for a in base]
    runs: dict[str, list[tuple[float, float]]] = {"full": [], "selective": [], "enrich": []}
    # The same pipeline as thinc multiplies by default (BLIS), beside the one enrichment loads.
    settings = Settings.from_env()
    other_gemm = "blis" if settings.spacy_gemm == "numpy" else "numpy"
    other = load_pipeline(gemm=other_gemm)
    runs[other_gemm] = []

    def timed(name: str, work: Callable[[], object]) -> None:
        wall, cpu = time.perf_counter(), time.process_time()
        work()
        runs[name].append((time.perf_counter() - wall, time.process_time() - cpu))

    def enrich() -> None:
        copies = [Article.from_json(a.to_json()) for a in base]
        for start in range(0, len(copies), 16):
            enrich_articles(copies[start:start + 16])

    docs: dict[str, list[Any]] = {}
    for _ in range(repeat):  # interleaved, so that a busy spell of the shared host hits all three alike
        timed("full", lambda: docs.__setitem__("full", list(nlp.pipe(texts, batch_size=16))))
        timed("selective", lambda: docs.__setitem__("selective", list(
            parse_selectively(nlp, texts, "en", batch_size=16))))
        timed("enrich", enrich)
        timed(other_gemm, lambda: list(other.pipe(texts, batch_size=16)))
    best = {name: (min(w for w, _ in found), min(c for _, c in found)) for name, found in runs.items()}

    def rate(name: str) -> str:
        wall, cpu = best[name]
        full_wall, full_cpu = best["full"]
        return (f"{len(base) / wall:.1f} articles/s ({chars / wall / 1000:,.0f} k chars/s), "
                f"{len(base) / cpu:.1f} per CPU second; "
                f"{full_wall / wall:.2f}x the full pipeline by wall time, {full_cpu / cpu:.2f}x by CPU time")

    rows += [
        (f"spaCy full pipeline, every sentence, every component (nlp.pipe; matrix products: "
         f"{settings.spacy_gemm})", rate("full")),
        (f"the same with the products on {other_gemm}" + (" (thinc's default)" * (other_gemm == "blis")),
         rate(other_gemm)),
        ("newsdesk's spaCy passes (parse_selectively: parser on cue sentences only)", rate("selective")),
        ("full enrichment, one process (language, entities, quotes, topics, keywords)", rate("enrich")),
        (f"full enrichment against the full pipeline on {other_gemm}",
         f"{best[other_gemm][0] / best['enrich'][0]:.2f}x by wall time, "
         f"{best[other_gemm][1] / best['enrich'][1]:.2f}x by CPU time"),
        ("  everything but the spaCy passes (CPU time)",
         f"{(best['enrich'][1] - best['selective'][1]) / len(base) * 1000:.0f} ms/article"),
        ("peak RSS, one process", f"{rss_mb():.0f} MB"),
        *differences(base, docs["full"], docs["selective"]),
        *recognisers(nlp, texts, repeat),
    ]
    return rows


def recognisers(nlp: Any, texts: list[str], repeat: int) -> list[tuple[str, str]]:
    """spaCy's recogniser against newsdesk's decoder of it: CPU time and the entities that differ."""
    from newsdesk.enrich.greedy_ner import GreedyRecogniser
    from newsdesk.enrich.selective import _lines_apart

    ner = nlp.get_pipe("ner")
    fast = GreedyRecogniser.of(ner)
    if fast is None:
        return [("named-entity recogniser", "newsdesk's decoder does not apply to this pipeline")]
    runs: dict[str, list[float]] = {"spacy": [], "newsdesk": []}
    found: dict[str, list[set[tuple[int, int, str]]]] = {}
    for _ in range(repeat):
        for name, pipe in (("spacy", ner.pipe), ("newsdesk", fast.pipe)):
            docs = [_lines_apart(nlp.make_doc(text)) for text in texts]
            cpu = time.process_time()
            docs = list(pipe(docs, batch_size=16))
            runs[name].append(time.process_time() - cpu)
            found[name] = [{(e.start, e.end, e.label_) for e in doc.ents} for doc in docs]
    spacy_cpu, ours = min(runs["spacy"]), min(runs["newsdesk"])
    differing = sum(len(a ^ b) for a, b in zip(found["spacy"], found["newsdesk"], strict=True))
    total = sum(map(len, found["spacy"]))
    return [("named-entity recogniser alone: spaCy's pipe / newsdesk's bulk decoder (CPU time)",
             f"{spacy_cpu:.1f} s / {ours:.1f} s: {spacy_cpu / ours:.2f}x"),
            ("named-entity recogniser alone: entities differing (either way)", f"{differing} of {total}")]


def differences(base: list[Any], full: list[Any], selective: list[Any]) -> list[tuple[str, str]]:
    """What enrichment reads off the selective Docs against the full pipeline's: entities (id and
    mentions), quotations (type, span, speaker, cue), keyword and topic lists."""
    from newsdesk.enrich.entities import extract_entities
    from newsdesk.enrich.keywords import extract_keywords
    from newsdesk.enrich.quotes import quotes_from_doc
    from newsdesk.enrich.topics import assign_topics

    counts = dict.fromkeys(["entities", "entities differing", "quotes", "quotes differing", "keywords",
                            "topics"], 0)
    for article, one, other in zip(base, full, selective, strict=True):
        body, title = article.body, article.title
        entities = [extract_entities(body, doc) for doc in (one, other)]
        found = [{(e.id, tuple(map(tuple, e.mentions))) for e in e_list} for e_list in entities]
        counts["entities"] += len(found[0])
        counts["entities differing"] += len(found[0] ^ found[1])
        quotes = [{(q.type, q.span, q.speaker_name, q.cue) for q in quotes_from_doc(body, doc)}
                  for doc in (one, other)]
        counts["quotes"] += len(quotes[0])
        counts["quotes differing"] += len(quotes[0] ^ quotes[1])
        keywords = [[k.text for k in extract_keywords(title, body, doc, e_list)]
                    for doc, e_list in zip((one, other), entities, strict=True)]
        counts["keywords"] += keywords[0] != keywords[1]
        topics = [[t.name for t in assign_topics(title, body, doc, e_list)]
                  for doc, e_list in zip((one, other), entities, strict=True)]
        counts["topics"] += topics[0] != topics[1]
    return [("selective vs full parse: entities differing (either way)",
             f"{counts['entities differing']} of {counts['entities']}"),
            ("selective vs full parse: quotations differing (either way)",
             f"{counts['quotes differing']} of {counts['quotes']}"),
            ("selective vs full parse: articles whose keyword / topic list differs",
             f"{counts['keywords']} / {counts['topics']} of {len(base)}")]


def vocabulary_run(mode: str) -> dict[str, float]:
    """In this process: enrich (or plainly parse) the first half of the texts to warm the allocator up,
    then the second half, measuring what the second half leaves behind."""
    import gc

    from ecbplus_data import documents
    from entities import rss_mb as resident_mb  # the current RSS, not the peak
    from newsdesk.article import Article
    from newsdesk.enrich import enrich_articles
    from newsdesk.enrich.nlp import load_pipeline, parse

    texts = [a.body for a in articles()] + [d.text for d in documents(range(1, 46))]
    strings = load_pipeline().vocab.strings
    result: dict[str, float] = {"texts": len(texts), "chars": sum(map(len, texts))}
    for half in (texts[0::2], texts[1::2]):
        gc.collect()
        before, rss = len(strings), resident_mb()
        if mode == "zone":
            for start in range(0, len(half), 16):
                enrich_articles([Article(body=text) for text in half[start:start + 16]])
        else:
            for _doc in parse(half, batch_size=16):
                pass
        gc.collect()
        result["strings"], result["rss"] = len(strings) - before, resident_mb() - rss
    return result


def vocabulary() -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    runs = (("zone", "enrich_articles (memory zone)"), ("default", "plain nlp.pipe (spaCy default)"))
    for mode, name in runs:
        line = subprocess.run([sys.executable, __file__, "--vocabulary-run", mode], check=True,
                              capture_output=True, text=True).stdout.strip().splitlines()[-1]
        found = json.loads(line)
        if not rows:
            rows.append(("vocabulary: texts", f"{found['texts']:,.0f} ({found['chars'] / 1e6:.1f} M chars); "
                                              "the odd half warms up, the even half is measured"))
        rows.append((f"vocabulary after {name}", f"+{found['strings']:,.0f} strings kept, "
                                                   f"resident memory {found['rss']:+.0f} MB"))
    return rows


def ingest(copies: int) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    with tempfile.TemporaryDirectory() as folder:
        pages = Path(folder) / "pages"
        pages.mkdir()
        count = 0
        for path in sorted(DATA.glob("*.html.gz")):
            for copy in range(copies):
                (pages / f"{copy}-{path.name}").write_bytes(path.read_bytes())
                count += 1
        times = {}
        for processes in (1, 2):
            db = Path(folder) / f"desk-{processes}.db"
            started = time.perf_counter()
            subprocess.run([sys.executable, "-m", "newsdesk", "ingest", str(pages), "--db", f"sqlite:///{db}",
                            "--processes", str(processes)], check=True, capture_output=True)
            times[processes] = time.perf_counter() - started
            rows.append((f"ingest with enrichment, {processes} process{'es' if processes > 1 else ''}",
                         f"{count / times[processes]:.1f} pages/s "
                         f"({count} pages in {times[processes]:.0f} s)"))
        rows.append(("speed-up of 2 processes over 1", f"{times[1] / times[2]:.2f}x"))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=2, help="best of N runs for the one-process rows")
    parser.add_argument("--copies", type=int, default=2, help="copies of each page in the ingest runs")
    parser.add_argument("--skip-ingest", action="store_true")
    parser.add_argument("--skip-speed", action="store_true", help="only the vocabulary rows")
    parser.add_argument("--skip-vocabulary", action="store_true", help="no vocabulary rows")
    parser.add_argument("--vocabulary-run", choices=["zone", "default"], help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.vocabulary_run:
        print(json.dumps(vocabulary_run(options.vocabulary_run)))
        return
    rows = [("cores / load average at start", f"{os.cpu_count()} / {os.getloadavg()[0]:.1f}")]
    if not options.skip_speed:
        rows += one_process(options.repeat)
    if not options.skip_vocabulary:
        rows += vocabulary()
    if not options.skip_ingest and not options.skip_speed:
        rows += ingest(options.copies)
    rows.append(("load average at end", f"{os.getloadavg()[0]:.1f}"))
    width = max(len(name) for name, _ in rows)
    print(f"| {'measure':<{width}} | value |\n|{'-' * (width + 2)}|-------|")
    for name, value in rows:
        print(f"| {name:<{width}} | {value} |")


if __name__ == "__main__":
    main()
