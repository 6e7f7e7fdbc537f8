"""Page type: the shipped classifier on pages written for these tests, text pages, the exported trees,
the training command's determinism, and the store, CLI and API filters on every store kind."""

from __future__ import annotations

import functools
import gzip
import json
import os
import sqlite3
import subprocess
import sys
import typing
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from click.testing import Result
from selectolax.lexbor import LexborHTMLParser

from conftest import fresh_store_url, postgres_schema
from newsdesk import Article, SearchRequest, Store, extract, extract_text, open_store
from newsdesk.errors import QueryError
from newsdesk.extract.html import page_reading, page_type
from newsdesk.extract.html.train_page_type import (
    CANDIDATES,
    DEFAULT_DATA,
    PARAMETERS,
    Fitted,
    Readings,
    choose_parameters,
    export,
    fit,
    out_of_fold_words,
    read_pages,
    reading_of,
    serialise,
    site_fold,
    stacked_features,
    train,
    wcxb_pages,
)
from newsdesk.page_types import PAGE_TYPES, UNKNOWN
from newsdesk.store.sqlite import MIGRATIONS
from newsdesk.web.api import PageTypeName

WCXB = Path(__file__).resolve().parents[2] / "shared" / "data" / "wcxb-dev"
Cli = Callable[..., Result]


def _page(title: str, body: str, head: str = "") -> str:
    return (f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{title}</title>{head}</head>"
            f"<body>{body}</body></html>")


_NAV = ('<header class="site-header"><nav class="main-menu"><ul><li><a href="/">Home</a></li>'
        '<li><a href="/about">About</a></li><li><a href="/contact">Contact</a></li></ul></nav></header>')

ARTICLE = _page(
    "Council approves new harbour ferry timetable | The Coastal Ledger",
    _NAV + '<main><article class="post hentry"><h1 class="entry-title">Council approves new harbour ferry '
    'timetable</h1><p class="byline">By <a rel="author" href="/staff/aisha-morgan">Aisha Morgan</a> | '
    '<time datetime="2024-10-02T08:10:00+01:00">October 2, 2024</time></p>'
    + "".join(f"<p>{sentence}</p>" for sentence in [
        "The town council voted on Tuesday evening to approve a new timetable for the harbour ferry, which "
        "will run every twenty minutes during the morning and evening peaks from November.",
        "Councillor Ruth Ellison, who chairs the transport committee, said the change had been requested by "
        "hundreds of commuters who cross the bay each day to reach the business district.",
        "\u201cWe listened to the people who use the ferry every day, and this is what they asked for,\u201d "
        "she told the meeting, adding that the extra crossings would be paid for from the harbour fund.",
        "The ferry operator said it would hire six more crew members and bring a second vessel back into "
        "service after a refit that was completed in September, ahead of the winter storms.",
        "Opposition members argued that the plan did little for residents of the northern villages, where "
        "bus services were cut last year, and called for a wider review of public transport in the area.",
        "The new timetable will be published on the council's website next week, and passengers were "
        "told that season tickets bought before November would remain valid until they expire.",
    ]) + '</article></main><footer class="site-footer"><p>&copy; 2024 The Coastal Ledger</p></footer>',
    '<meta property="og:type" content="article">'
    '<script type="application/ld+json">{"@context": "https://schema.org", "@type": "NewsArticle", '
    '"headline": "Council approves new harbour ferry timetable", '
    '"datePublished": "2024-10-02T08:10:00+01:00"}'
    "</script>")

PRODUCT = _page(
    "Trail Runner 3 waterproof hiking shoe - Summit Outfitters Shop",
    _NAV + '<nav class="breadcrumb"><a href="/shop">Shop</a> / <a href="/shop/shoes">Shoes</a></nav>'
    '<div class="product product-page"><div class="product-gallery"><img src="/img/tr3-1.jpg" alt="">'
    '<img src="/img/tr3-2.jpg" alt=""><img src="/img/tr3-3.jpg" alt=""></div>'
    '<div class="product-summary"><h1 class="product-title">Trail Runner 3 waterproof hiking shoe</h1>'
    '<div class="rating stars">4.6 out of 5 (212 reviews)</div>'
    '<p class="price"><span class="price-amount">$129.00</span> <del>$159.00</del></p>'
    '<p class="stock in-stock">In stock - ships in 1-2 business days</p>'
    '<form class="cart" method="post" action="/cart/add"><label for="size">Size</label>'
    '<select id="size" name="size"><option>7</option><option>8</option><option>9</option><option>10</option>'
    '<option>11</option><option>12</option></select><label for="colour">Colour</label>'
    '<select id="colour" name="colour"><option>Slate</option><option>Moss</option></select>'
    '<input type="number" name="qty" value="1" class="qty"><button type="submit" class="add-to-cart btn">'
    'Add to cart</button></form><p class="sku">SKU: TR3-SLT-09</p></div>'
    '<div class="product-description"><h2>Description</h2><p>A light waterproof shoe for long days on rough '
    'trails, with a grippy outsole and a padded collar.</p><ul><li>Waterproof membrane</li>'
    '<li>Weight: 310 g</li><li>Free shipping and free returns within 30 days</li></ul></div>'
    '<div class="related-products"><h2>You may also like</h2><ul class="products">'
    + "".join(f'<li class="product-card"><a href="/shop/p/{n}"><img src="/img/{n}.jpg" alt="">'
              f'<span class="product-name">Trail sock {n}</span><span class="price">${n + 10}.00</span></a>'
              '</li>' for n in range(4))
    + '</ul></div></div><footer class="site-footer">Shipping - Returns - Warranty</footer>',
    '<meta property="og:type" content="product"><script type="application/ld+json">{"@context": '
    '"https://schema.org", "@type": "Product", "name": "Trail Runner 3", "offers": {"@type": "Offer", '
    '"price": "129.00", "priceCurrency": "USD"}}</script>')

FORUM = _page(
    "Boiler keeps losing pressure - Home Repair Forum",
    _NAV + '<div class="forum-thread"><h1 class="thread-title">Boiler keeps losing pressure</h1>'
    '<div class="thread-meta">Started by pipewrench, 14 replies, 2,301 views</div>'
    + "".join(
        f'<div class="post message" id="post-{n}"><div class="post-author userinfo"><a class="username" '
        f'href="/members/{name}">{name}</a><span class="user-title">Member</span>'
        '<span class="joined">Joined: '
        f'Mar 2019</span><span class="posts-count">Posts: {40 + n * 7}</span></div><div class="post-body '
        f'postbody"><div class="post-date">Posted 12/0{n + 1}/2023</div><p>{text}</p></div>'
        f'<div class="post-actions"><a class="reply" href="#">Reply</a> <a class="quote" href="#">Quote</a> '
        f'<a href="#" class="like">Like</a> <a href="#" class="report">Report</a></div></div>'
        for n, (name, text) in enumerate([
            ("pipewrench", "My combi boiler drops from 1.5 bar to almost zero within two days. No visible "
             "leaks anywhere. Anyone seen this before?"),
            ("heatingguy", "Check the pressure relief valve pipe outside, it often drips when the valve is "
             "worn. Also the expansion vessel might need recharging."),
            ("pipewrench", "Thanks, the pipe outside is dry though. How do I check the expansion vessel?"),
            ("oldtimer", "Quote: How do I check the expansion vessel? Press the valve on the vessel, if "
             "water comes out the diaphragm has gone."),
            ("heatingguy", "Agree with oldtimer. If it only hisses air then pump it back up to about 1 bar "
             "with the system drained."),
        ]))
    + '<form class="quick-reply" action="/post/reply" method="post"><textarea name="message"></textarea>'
    '<button class="btn">Post reply</button></form><div class="pagination"><a href="?page=2">2</a>'
    '<a href="?page=2">Next</a></div></div>')

DOCS = _page(
    "Configuration reference - pkgtool 2.4 documentation",
    '<div class="sidebar toc"><ul>' + "".join(f'<li class="toctree-l1"><a href="/docs/{item}.html">{item}</a>'
                                               '</li>' for item in ["installation", "quickstart",
                                                                     "configuration", "api", "changelog"])
    + '</ul></div><div class="document"><div class="body" role="main"><h1>Configuration reference'
    '<a class="headerlink" href="#configuration">#</a></h1><p>pkgtool reads its options from '
    '<code>pkgtool.toml</code> in the project root. Every option can also be given on the command line.</p>'
    '<h2>Installation<a class="headerlink" href="#installation">#</a></h2>'
    '<div class="highlight"><pre><code>pip install pkgtool==2.4.0</code></pre></div>'
    '<h2>Options<a class="headerlink" href="#options">#</a></h2><dl class="option">'
    + "".join(f'<dt><code class="option-name">{name}</code> (<em>{kind}</em>, default: '
              f'<code>{default}</code>)</dt><dd><p>{what}</p></dd>' for name, kind, default, what in [
                  ("cache_dir", "string", "~/.cache/pkgtool", "Where downloaded archives are kept."),
                  ("parallel", "int", "4", "How many downloads run at once."),
                  ("strict", "boolean", "false", "Fail on the first warning instead of reporting it."),
                  ("index_url", "string", "null", "The package index to read from."),
              ])
    + '</dl><h2>Example<a class="headerlink" href="#example">#</a></h2><div class="highlight"><pre><code>'
    '[pkgtool]\ncache_dir = "/var/cache/pkgtool"\nparallel = 8\nstrict = true\n</code></pre></div>'
    '<div class="admonition note"><p class="admonition-title">Note</p><p>Deprecated since version 2.3: '
    'the <code>mirror</code> option; use <code>index_url</code>.</p></div>'
    '<h2>API<a class="headerlink" href="#api">#</a></h2><p><code>pkgtool.load_config(path=None)</code> '
    'returns a <code>Config</code> object. Parameters: <code>path</code> (str) - the file to read. Returns: '
    'Config. Raises: <code>ValueError</code> on an unknown option.</p></div></div>'
    '<footer><a href="/docs/api.html">Next: API reference</a> | Edit this page on GitHub</footer>',
    '<meta name="generator" content="Sphinx 7.2.6">')

LISTING = _page(
    "Local news - Page 3 - The Coastal Ledger",
    _NAV + '<main><h1 class="archive-title">Category: Local news</h1><div class="post-list grid">'
    + "".join(
        f'<article class="card teaser"><a href="/news/2024/10/{n:02d}/story-{n}"><img class="thumbnail" '
        f'src="/img/{n}.jpg" alt=""></a><h2 class="card-title"><a href="/news/2024/10/{n:02d}/story-{n}">'
        f'{title}</a></h2><p class="excerpt">{title}: the latest from the council, the harbour and the '
        f'schools.</p><span class="date">Oct {n}, 2024</span> <a class="more" href="/news/2024/10/{n:02d}/'
        f'story-{n}">Read more</a></article>'
        for n, title in enumerate([
            "Harbour bridge reopens", "School roof repairs finished", "New bus route to the hospital",
            "Library extends opening hours", "Market square to be repaved", "Lifeboat crew rescues kayaker",
            "Council tax to rise by 3%", "Ferry timetable approved", "Park cafe wins award",
            "Road closures this weekend", "Football club signs striker", "Storm warning for the coast",
        ], start=1))
    + '</div><nav class="pagination"><a class="prev" href="/category/local/page/2">Previous</a> '
    '<a href="/category/local/page/1">1</a> <a href="/category/local/page/2">2</a> <span>3</span> '
    '<a href="/category/local/page/4">4</a> <a class="next" href="/category/local/page/4">Next</a></nav>'
    '</main>')

PAGES = {"article": (ARTICLE, "https://ledger.example/news/2024/10/02/council-approves-ferry-timetable"),
         "product": (PRODUCT, "https://outfitters.example/shop/p/trail-runner-3"),
         "forum": (FORUM, "https://homerepair.example/forum/threads/boiler-keeps-losing-pressure.4821/"),
         "documentation": (DOCS, "https://pkgtool.example/docs/configuration.html"),
         "listing": (LISTING, "https://ledger.example/category/local/page/3")}


@pytest.mark.parametrize("kind", list(PAGES))
def test_the_shipped_model_tells_the_type_of_pages_written_for_the_test(kind: str) -> None:
    html, url = PAGES[kind]
    article = extract(html, url=url)
    # WCXB-dev, the training data, labels a news site's category and topic pages "listing" as often
    # as "collection" (/topic/ pages of news sites are collections there): either is a right answer
    # for the news category page, and neither is an article.
    assert article.page_type in ({"listing", "collection"} if kind == "listing" else {kind})
    assert article.page_type_probability is not None and 0 < article.page_type_probability <= 1
    assert article.extraction["page_type"] == f"gbdt:{page_type.model().version}"


def test_the_page_type_is_in_the_article_json() -> None:
    article = extract(PAGES["product"][0], url=PAGES["product"][1])
    data = json.loads(article.to_json())
    assert data["page_type"] == "product"
    assert Article.from_json(article.to_json()).page_type_probability == article.page_type_probability


def test_a_text_page_has_no_page_type_and_says_why() -> None:
    article = extract_text("Council approves ferry timetable\n\n" + "The council voted on Tuesday. " * 20)
    assert article.page_type is None and article.page_type_probability is None
    assert article.extraction["page_type"] == "none:text-page"


def test_the_model_is_loaded_once() -> None:
    assert page_type.model() is page_type.model()


def test_hostile_markup_still_gets_a_type() -> None:
    for html in ["<p>" * 5000 + "x", "<div class='" + "a " * 10_000, "<html><body>" + "<a href=x>" * 3000,
                 "<h1>" * 20_000 + "x", "<pre>" * 5000, "(555) 123-" * 5000,
                 '<script type="application/ld+json">{"@type": [' + '"x",' * 2000, "\x00<p>zero</p>"]:
        found = page_type.classify_page(html, "https://site.example/", LexborHTMLParser(html))
        assert found.page_type in PAGE_TYPES and 0 < found.probability <= 1


def _named_features(html: str, url: str) -> dict[str, float]:
    return dict(zip(page_type.FEATURE_NAMES, page_type.page_features(html, url, LexborHTMLParser(html)),
                    strict=True))


def test_the_features_read_where_links_go_the_host_the_title_and_the_shop_markers() -> None:
    shop = _named_features(PRODUCT, "https://shop.summit.example/products/trail-runner-3")
    assert shop["host_shop"] == 1 and shop["host_forum"] == 0
    assert shop["cart_forms"] >= 3  # the cart form's action, its qty input and its add-to-cart button
    assert shop["breadcrumbs"] >= 1
    assert shop["link_share_product"] > 0 and shop["link_share_thread"] == 0
    assert shop["schema_type_product"] == 1 and shop["schema_type_offer"] == 1
    assert shop["title_group_product"] > 0
    thread = _named_features(FORUM, "https://forum.repair.example/threads/boiler-losing-pressure.91/")
    assert thread["host_forum"] == 1 and thread["cart_forms"] == 0
    assert thread["link_share_user"] > 0.1 and thread["link_share_fragment"] > 0.5
    assert thread["title_group_forum"] > 0
    news = _named_features(ARTICLE, "https://ledger.example/news/2024/10/02/council-approves-ferry-timetable")
    assert news["schema_type_newsarticle"] == 1 and news["link_share_product"] == 0
    assert news["url_segments_hyphen"] == 1 and news["url_last_ext"] == 0
    listing = "<html><body>" + "".join(
        f'<h2><a href="/2024/10/0{n}/story-number-{n}-of-the-day">Story {n}</a></h2>' for n in range(1, 8)
    ) + '<a rel="next" href="/news/page/2">Older</a><p>Call (555) 123-4567</p></body></html>'
    found = _named_features(listing, "https://ledger.example/news/")
    assert found["link_share_dated"] > 0.8 and found["link_share_slug"] > 0.8
    assert found["pagination"] >= 2 and found["phones"] == 1 and found["headings"] == 7


def test_the_api_names_the_same_page_types() -> None:
    assert typing.get_args(PageTypeName) == (*PAGE_TYPES, UNKNOWN)


# --- the model file and the training command --------------------------------------------------------

def test_the_shipped_model_file_matches_the_features_and_is_small() -> None:
    data = json.loads(gzip.decompress(page_type.MODEL_PATH.read_bytes()))
    assert data["feature_names"] == list(page_type.STACKED_NAMES)
    assert data["feature_names"][:len(page_type.FEATURE_NAMES)] == list(page_type.FEATURE_NAMES)
    assert sorted(data["labels"]) == sorted(PAGE_TYPES) == data["words"]["labels"]
    assert data["words"]["buckets"] == page_type.WORD_BUCKETS
    assert page_type.MODEL_PATH.stat().st_size < 2_000_000


def _sample(count: int = 120) -> tuple[list[str], list[int], Readings, list[page_type.Reading]]:
    if not (WCXB / "truth.json").exists():
        pytest.fail(f"{WCXB} is missing: the shared data must sit beside the project", pytrace=False)
    pages = wcxb_pages(WCXB)[:count]
    rows = [reading_of(gzip.decompress(page.path.read_bytes()), page.url) for page in pages]
    return ([page.page_type for page in pages], [site_fold(page.url) for page in pages], read_pages(pages),
            rows)


@functools.cache
def _fitted_sample() -> tuple[list[str], list[int], Readings, list[page_type.Reading], Fitted]:
    """_sample() and the model fitted on it, once for the tests that only read them (fit is
    deterministic: test_training_is_deterministic_same_data_same_bytes)."""
    labels, groups, data, rows = _sample()
    return labels, groups, data, rows, fit(data, labels, groups)


def test_the_exported_models_give_lightgbms_probabilities() -> None:
    _, _, data, rows, fitted = _fitted_sample()
    shipped = page_type.PageTypeModel.from_dict(export(fitted))
    expected = fitted.trees.predict_proba(stacked_features(fitted, data))
    got = np.asarray([shipped.probabilities(row) for row in rows])
    assert shipped.labels == tuple(fitted.trees.classes_) == tuple(fitted.words.classes_)
    # the word model's weights are stored to six decimals: the probabilities agree to far better than
    # any decision needs
    assert np.abs(got - expected).max() < 1e-4
    words = np.asarray([shipped.words.probabilities(row.words) for row in rows])
    assert np.abs(words - fitted.words.predict_proba(data.words)).max() < 1e-4


def test_the_trees_learn_from_out_of_fold_word_probabilities() -> None:
    """The word model is fitted on every page, but the trees see, for each page, the probabilities of
    a word model that never saw that page's site: in-sample word probabilities would be near-certain
    and the trees would learn to trust them blindly."""
    labels, groups, data, _, fitted = _fitted_sample()
    in_sample = fitted.words.predict_proba(data.words).max(axis=1)
    held_out = out_of_fold_words(data.words, labels, groups).max(axis=1)
    assert held_out.mean() < in_sample.mean()


def test_the_trees_settings_are_chosen_by_cross_validation_inside_the_pages_given() -> None:
    """The trees' settings are one of the candidates, the one whose trees told the held-out fold's
    pages best over the folds of the pages given (so a benchmark that fits on four folds chooses
    without the fifth); the model file says which and how each candidate scored."""
    labels, groups, data, _, fitted = _fitted_sample()
    stacked = np.hstack([data.features, out_of_fold_words(data.words, labels, groups)])
    parameters, scores = choose_parameters(stacked, labels, groups)
    assert len(CANDIDATES) > 1 and len(scores) == len(CANDIDATES)
    assert all(0.0 < score <= 1.0 for score in scores)
    assert parameters == {**PARAMETERS, **CANDIDATES[scores.index(max(scores))]}
    assert (fitted.parameters, fitted.scores) == (parameters, scores)
    assert fitted.trees.get_params()["extra_trees"] == parameters.get("extra_trees", False)
    written = export(fitted)
    assert written["parameters"] == parameters and written["candidates"] == list(CANDIDATES)
    # another fold's pages are no part of the choice: scoring the folds but one gives other figures
    kept = [index for index, group in enumerate(groups) if group != groups[0]]
    _, fewer = choose_parameters(stacked[kept], [labels[i] for i in kept], [groups[i] for i in kept])
    assert fewer != scores


def test_the_shipped_trees_use_the_settings_their_inner_cross_validation_chose() -> None:
    data = json.loads(gzip.decompress(page_type.MODEL_PATH.read_bytes()))
    scores = data["candidate_accuracy"]
    assert data["candidates"] == [dict(candidate) for candidate in CANDIDATES]
    assert data["parameters"] == {**PARAMETERS, **CANDIDATES[scores.index(max(scores))]}


def test_training_is_deterministic_same_data_same_bytes() -> None:
    labels, groups, data, _ = _sample(60)
    first = serialise(export(fit(data, labels, groups)))
    assert serialise(export(fit(data, labels, groups))) == first
    assert train(WCXB, limit=30) == train(WCXB, limit=30)
    assert DEFAULT_DATA.name == "wcxb-dev"


def test_the_word_bag_is_the_same_under_any_hash_seed() -> None:
    """The bag's weights are floating-point sums: summed in an order that followed Python's salted
    string hashing (a set of class words), they differed in the last bits from one process to the
    next on real pages, and so did every model fitted on them."""
    if not (WCXB / "truth.json").exists():
        pytest.fail(f"{WCXB} is missing: the shared data must sit beside the project", pytrace=False)
    script = ("import gzip, hashlib, sys; from pathlib import Path; "
              "from selectolax.lexbor import LexborHTMLParser; "
              "from newsdesk.extract.encoding import decode_html; "
              "from newsdesk.extract.html.page_type import read_page; "
              "from newsdesk.extract.html.train_page_type import wcxb_pages; digest = hashlib.sha256()\n"
              "for page in wcxb_pages(Path(sys.argv[1]))[:40]:\n"
              "    html = decode_html(gzip.decompress(page.path.read_bytes()), None)\n"
              "    bag = read_page(html, page.url, LexborHTMLParser(html)).words\n"
              "    digest.update(repr(sorted(bag.items())).encode())\n"
              "print(digest.hexdigest())")
    found = {subprocess.run([sys.executable, "-c", script, str(WCXB)], capture_output=True, text=True,
                            check=True, env={**os.environ, "PYTHONHASHSEED": seed}).stdout
             for seed in ("1", "2", "3")}
    assert len(found) == 1


def test_the_word_bag_hashes_each_part_of_the_page_the_same_way_in_every_process() -> None:
    html = _page("Trail Runner 3 shoe | Shop",
                 '<div class="product-card">Add to cart</div><h1>Trail Runner</h1>')
    url = "https://shop.example/products/trail-runner-3"
    reading = page_type.read_page(html, url, LexborHTMLParser(html))
    assert reading.words == page_type.read_page(html, url, LexborHTMLParser(html)).words
    assert reading.words and all(0 <= bucket < page_type.WORD_BUCKETS for bucket in reading.words)
    # crc32, not Python's salted hash: each prefixed word's bucket is fixed
    assert zlib.crc32(b"u:products") % page_type.WORD_BUCKETS in reading.words
    assert zlib.crc32(b"1:trail") % page_type.WORD_BUCKETS in reading.words
    assert zlib.crc32(b"c:product") % page_type.WORD_BUCKETS in reading.words


# --- the store, the commands and the API ------------------------------------------------------------

def _typed(url: str, kind: str | None, title: str, probability: float = 0.9) -> Article:
    return Article(url=url, title=title, body=f"{title}. The body of the page.", published="2024-10-02",
                   site_name="The Coastal Ledger", page_type=kind,
                   page_type_probability=None if kind is None else probability)


def _fill(store: Store) -> None:
    store.put_many([_typed("https://ledger.example/a", "article", "Ferry timetable approved"),
                    _typed("https://ledger.example/shop/mug", "product", "Ferry mug"),
                    _typed("https://ledger.example/forum/ferry", "forum", "Ferry thread"),
                    _typed("https://ledger.example/text", None, "Ferry notes"),
                    # the classifier hesitated: it stays with the articles
                    _typed("https://ledger.example/maybe", "listing", "Ferry maybe", probability=0.55)])


def _titles(store: Store, request: SearchRequest) -> list[str]:
    return sorted(stored.article.title or "" for stored in store.iter_articles(request))


def test_the_store_filters_and_counts_by_page_type(store: Store) -> None:
    _fill(store)
    assert _titles(store, SearchRequest(page_type="product")) == ["Ferry mug"]
    assert _titles(store, SearchRequest("ferry", page_type="forum")) == ["Ferry thread"]
    assert _titles(store, SearchRequest(page_type="unknown")) == ["Ferry notes"]
    assert _titles(store, SearchRequest(articles_only=True)) == ["Ferry maybe", "Ferry notes",
                                                                 "Ferry timetable approved"]
    assert _titles(store, SearchRequest(page_type="listing")) == ["Ferry maybe"]
    assert [hit.title for hit in store.search(SearchRequest("ferry", page_type="article")).hits] == [
        "Ferry timetable approved"]
    assert store.count(SearchRequest(page_type="service")) == 0
    [summary] = store.sources()
    assert summary.articles == 5
    assert summary.page_types == {"article": 1, "forum": 1, "listing": 1, "product": 1, "unknown": 1}
    with pytest.raises(QueryError, match="page type"):
        store.count(SearchRequest(page_type="brochure"))


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_search_export_and_sources_commands_by_page_type(cli: Cli, kind: str, tmp_path: Path) -> None:
    with fresh_store_url(kind, tmp_path) as store_url:
        _commands_by_page_type(cli, store_url)


def _commands_by_page_type(cli: Cli, store_url: str) -> None:
    with open_store(store_url) as store:
        _fill(store)
    found = cli("search", "ferry", "--page-type", "product", "--format", "jsonl", "--db", store_url)
    assert [json.loads(line)["title"] for line in found.stdout.splitlines()] == ["Ferry mug"]
    exported = cli("export", "--format", "jsonl", "--page-type", "forum", "--db", store_url)
    [record] = [json.loads(line) for line in exported.stdout.splitlines()]
    assert record["page_type"] == "forum" and record["page_type_probability"] == 0.9
    csv = cli("export", "--format", "csv", "--db", store_url).stdout.splitlines()
    assert csv[0].endswith(",page_type,page_type_probability,input,story_id,duplicate_group,snippet,score")
    listed = cli("sources", "--db", store_url).stdout
    assert "article 1, listing 1, forum 1, product 1, unknown 1" in listed
    summary = json.loads(cli("sources", "--format", "jsonl", "--db", store_url).stdout)
    assert summary["page_types"]["product"] == 1
    refused = cli("search", "--page-type", "brochure", "--db", store_url)
    assert refused.exit_code != 0 and "brochure" in refused.output


def test_quotes_and_roundups_leave_non_articles_out_unless_asked(cli: Cli, tmp_path: Path) -> None:
    from newsdesk.article import Quote

    url = f"sqlite:///{tmp_path / 'quotes.db'}"
    with open_store(url) as store:
        for kind, where, body in (
                ("article", "a", "Councillors approved the new ferry timetable after a long debate."),
                ("product", "shop/mug", "A stoneware mug with the harbour ferry printed on both sides."),
                (None, "text", "Storm warnings closed the coastal path for the whole weekend.")):
            article = _typed(f"https://ledger.example/{where}", kind, f"Ferry {where}")
            article.body = f"\u201cThe ferry is on time,\u201d said the {where} captain. {body}"
            article.quotes = [Quote(text="The ferry is on time,", type="direct", span=(1, 22),
                                    speaker_name=f"{where} captain")]
            store.put(article)
    default = [json.loads(line)["speaker_name"]
               for line in cli("quotes", "--format", "jsonl", "--db", url).stdout.splitlines()]
    assert sorted(default) == ["a captain", "text captain"]
    every = cli("quotes", "--format", "jsonl", "--all-pages", "--db", url).stdout.splitlines()
    assert len(every) == 3
    roundup = cli("roundup", "--date", "2024-10-02", "--format", "json", "--db", url).stdout
    assert "ledger.example/shop/mug" not in roundup and "ledger.example/a" in roundup
    every_page = cli("roundup", "--date", "2024-10-02", "--format", "json", "--all-pages", "--db", url).stdout
    assert "ledger.example/shop/mug" in every_page


# --- migration of stores written before page types ---------------------------------------------------

_V1_SQLITE = """
CREATE TABLE schema_version (version INTEGER NOT NULL);
INSERT INTO schema_version (version) VALUES (1);
CREATE TABLE articles (
    id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, url TEXT, fingerprint TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1, stored_at TEXT NOT NULL, updated_at TEXT NOT NULL, data TEXT NOT NULL
);
CREATE TABLE article_versions (
    article_id INTEGER NOT NULL, version INTEGER NOT NULL, stored_at TEXT NOT NULL, data TEXT NOT NULL,
    PRIMARY KEY (article_id, version)
)
"""


def _old_rows() -> list[list[object]]:
    from newsdesk.store.rows import ArticleRow

    found = []
    for id, article in enumerate([_typed("https://ledger.example/f", "forum", "Old ferry thread"),
                                  _typed("https://ledger.example/b", None, "Old ferry story")], start=1):
        row = ArticleRow.of(article)
        found.append([id, row.key, row.url, row.fingerprint, 1, "2024-10-02T00:00:00+00:00",
                      "2024-10-02T00:00:00+00:00", row.data])
    return found


_INSERT_OLD = ("INSERT INTO articles (id, key, url, fingerprint, version, stored_at, updated_at, data) "
               "VALUES (?, ?, ?, ?, ?, ?, ?, ?)")


def _check_old_store(url: str) -> None:
    with open_store(url) as store:
        assert _titles(store, SearchRequest(page_type="forum")) == ["Old ferry thread"]
        assert _titles(store, SearchRequest(articles_only=True)) == ["Old ferry story"]
        assert _titles(store, SearchRequest(page_type="unknown")) == ["Old ferry story"]
        assert store.sources()[0].page_types == {"forum": 1, "unknown": 1}


def test_an_sqlite_store_from_before_page_types_migrates_with_the_types_it_holds(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as connection:
        connection.executescript(_V1_SQLITE)
        connection.executemany(_INSERT_OLD, _old_rows())
    _check_old_store(f"sqlite:///{path}")
    with sqlite3.connect(path) as connection:
        assert connection.execute("SELECT version FROM schema_version").fetchone()[0] == len(MIGRATIONS) == 12


def test_a_postgres_store_from_before_page_types_migrates_with_the_types_it_holds() -> None:
    import psycopg

    with postgres_schema() as url:
        with psycopg.connect(url, autocommit=True) as connection:
            schema = _V1_SQLITE.replace("id INTEGER PRIMARY KEY",
                                        "id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY")
            for statement in filter(str.strip, schema.split(";")):
                connection.execute(statement.encode())
            for row in _old_rows():
                connection.execute(_INSERT_OLD.replace("?", "%s").encode(), row)
            connection.execute(b"SELECT setval(pg_get_serial_sequence('articles', 'id'), 2)")
        _check_old_store(url)


def test_markers_count_as_in_the_lower_cased_text_whatever_the_characters_around_them() -> None:
    # The shop and pagination markers are counted on UTF-8 bytes with A-Z lower-cased; every count
    # must be what str.lower() gives: also next to letters that lower-case to ASCII (the Kelvin sign,
    # the dotted capital I), emoji, lone surrogates and upper-case markup.
    noise = ["\u212a", "\u0130", "\U0001f600", "\ud800", "é", "Ä", "ß", "\u0131"]
    markers = ["ADD-TO-CART", "Add To Cart", "/Cart/Add", 'NAME="QTY"', 'name="quantity"', 'REL="next"',
               "?Page=", "&page=", "/PAGE/2", "PaginatİON", "Pagination", "BreadCrumb", "breadcrumbİ"]
    pieces = [f"{noise[n % len(noise)]}{marker}{noise[(n * 3) % len(noise)]}"
              for n, marker in enumerate(markers * 3)]
    html = "<html><body><p>" + " ".join(pieces) + "</p></body></html>"
    found = dict(zip(page_type.FEATURE_NAMES, page_type.page_features(html, None, LexborHTMLParser(html)),
                     strict=True))
    lower = html.lower()
    cart = sum(lower.count(m.decode()) for m in page_reading._CART_MARKERS)
    pages = sum(lower.count(m.decode()) for m in page_reading._PAGINATION_MARKERS)
    assert (found["cart_forms"], found["pagination"], found["breadcrumbs"]) == (
        cart, pages, min(lower.count("breadcrumb"), 50))
    assert (cart, pages, lower.count("breadcrumb")) == (15, 15, 6)
