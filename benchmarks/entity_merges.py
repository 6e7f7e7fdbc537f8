"""The sample behind the within-article merge precision in docs/enrichment.md: every entity whose
mentions are written in more than one way, in 25 ScrapingHub articles drawn at random (seed 7), for a
person to check by hand. Articles not in English are left out, as enrichment leaves them out.

    .venv/bin/python benchmarks/entity_merges.py [--seed 7] [--articles 25]
"""

from __future__ import annotations

import argparse
import gzip
import random
from pathlib import Path

DATA = Path("../shared/data/scrapinghub/html")


def main() -> None:
    import newsdesk
    from newsdesk.enrich.entities import extract_entities
    from newsdesk.enrich.language import detect_language
    from newsdesk.enrich.nlp import parse

    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--articles", type=int, default=25)
    options = parser.parse_args()
    if not DATA.is_dir():
        raise SystemExit(f"missing benchmark data: {DATA.resolve()} (run from the repository root)")
    random.seed(options.seed)
    sample = random.sample(sorted(DATA.glob("*.html.gz")), options.articles)
    articles = [(path, newsdesk.extract(gzip.decompress(path.read_bytes()))) for path in sample]
    english = [(path, article) for path, article in articles if detect_language(article.body) == "en"]
    groups = 0
    print("| article | type | entity | written as |\n|---|---|---|---|")
    for (path, article), doc in zip(english, parse([article.body for _, article in english]), strict=True):
        for entity in extract_entities(article.body, doc):
            forms = sorted({article.body[start:end] for start, end in entity.mentions})
            if len(forms) > 1:
                groups += 1
                print(f"| {path.name[:10]} | {entity.type} | {entity.name} | {' / '.join(forms)} |")
    print(f"\n{len(english)} English articles of {len(articles)}; {groups} merged entities to check")


if __name__ == "__main__":
    main()
