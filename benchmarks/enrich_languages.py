"""Enrichment speed per language and memory with one or every entity model loaded.

    .venv/bin/python benchmarks/enrich_languages.py [--articles 60] [--languages en de fr nl pt]

Each row runs in a fresh process (so memory is its own): it enriches `--articles` articles of one
language with `enrich_articles` (language detection, entities, quotations, topics, keywords: all of
it) twice and reports the articles per second of the second pass (the first loads the models the
articles need) and the process's peak RSS. English
articles are CoNLL++ dev documents, the others 10-sentence articles of the ner-multi test splits
(benchmarks/entities_multi.py). The last row enriches the articles of every language in one process,
so every model is loaded. Models load lazily: a process that meets only German loads only German's.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

LANGUAGES = ("en", "de", "fr", "nl", "pt")


def texts(lang: str, count: int) -> list[str]:
    if lang == "en":
        from entities import DEFAULT_DATA, read_conll

        return [d.text for d in read_conll(DEFAULT_DATA)][:count]
    from entities_multi import DATA, read_split

    return [d.text for d in read_split(DATA / lang / "test.tsv")][:count]


def worker(langs: list[str], count: int) -> None:
    from newsdesk.article import Article
    from newsdesk.enrich import enrich_articles

    bodies = [body for lang in langs for body in texts(lang, count)]
    # A first pass loads every model the articles need (a test split holds a few articles in another
    # language: they load that language's model, as they would in a crawl); the second is timed.
    enrich_articles([Article(body=body) for body in bodies])
    articles = [Article(body=body) for body in bodies]
    started = time.perf_counter()
    enrich_articles(articles)
    seconds = time.perf_counter() - started
    with_entities = sum(1 for a in articles if a.entities)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"articles": len(articles), "seconds": seconds, "peak_mb": peak,
                      "with_entities": with_entities,
                      "languages": sorted({a.language or "?" for a in articles}),
                      "chars": sum(len(a.body) for a in articles) / len(articles)}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=60)
    parser.add_argument("--languages", nargs="+", choices=LANGUAGES, default=list(LANGUAGES),
                        help="one row per language given, then one with them all")
    parser.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.articles)
        return
    here = Path(__file__).resolve().parent
    print("| languages | articles | detected | avg chars | with entities | articles/s | peak RSS (MB) |")
    print("|---|---:|---|---:|---:|---:|---:|")
    for langs in [[lang] for lang in args.languages] + [list(args.languages)]:
        done = subprocess.run([sys.executable, str(here / "enrich_languages.py"), "--articles",
                               str(args.articles), "--worker", *langs], capture_output=True, text=True,
                              cwd=here.parent)
        if done.returncode:
            print(f"| {' '.join(langs)} | failed: {done.stderr.strip().splitlines()[-1:]} |")
            continue
        row = json.loads(done.stdout.strip().splitlines()[-1])
        print(f"| {' + '.join(langs)} | {row['articles']} | {' '.join(row['languages'])} | "
              f"{row['chars']:.0f} | {row['with_entities']} | "
              f"{row['articles'] / row['seconds']:.1f} | {row['peak_mb']:.0f} |", flush=True)


if __name__ == "__main__":
    main()
