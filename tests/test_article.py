"""The Article record and its JSON form, the project's stable exchange format."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from newsdesk.article import Article, Entity, Image, Keyword, Link, Page, Quote, Topic

# The JSON field names, in order. Adding a field is fine (append it here); renaming one breaks every
# consumer of newsdesk's output and must not happen.
STABLE_FIELDS = ["source", "url", "canonical_url", "title", "authors", "published", "modified", "language",
                 "site_name", "description", "body", "image", "tags", "related", "extraction",
                 "entities", "quotes", "topics", "keywords", "enrichment",
                 "page_type", "page_type_probability"]

text = st.text(max_size=40)
maybe_text = st.none() | text
urls = st.none() | st.from_regex(r"https://[a-z]{1,10}\.example/[a-z0-9/._-]{0,20}", fullmatch=True)
images = st.none() | st.builds(Image, url=urls, caption=maybe_text)
links = st.builds(Link, title=text, url=urls)
spans = st.tuples(st.integers(0, 300), st.integers(0, 300))
entities = st.builds(Entity, id=text, name=text, type=st.sampled_from(["person", "org", "place", "group"]),
                     mentions=st.lists(spans, max_size=3), caption_mentions=st.lists(spans, max_size=2))
quotes = st.builds(Quote, text=text, type=st.sampled_from(["direct", "indirect"]), span=spans,
                   speaker_name=maybe_text, speaker_span=st.none() | spans, cue=maybe_text,
                   cue_span=st.none() | spans, speaker=maybe_text)
topics = st.builds(Topic, id=text, name=text, score=st.floats(0, 1))
keywords = st.builds(Keyword, text=text, score=st.floats(0, 1), mentions=st.lists(spans, max_size=3))
articles = st.builds(
    Article,
    source=maybe_text, url=urls, canonical_url=urls, title=maybe_text,
    authors=st.lists(text, max_size=3), published=maybe_text, modified=maybe_text, language=maybe_text,
    site_name=maybe_text, description=maybe_text, body=st.text(max_size=300), image=images,
    tags=st.lists(text, max_size=4), related=st.lists(links, max_size=4),
    extraction=st.dictionaries(text, text, max_size=3),
    entities=st.lists(entities, max_size=3), quotes=st.lists(quotes, max_size=3),
    topics=st.lists(topics, max_size=2), keywords=st.lists(keywords, max_size=3),
    enrichment=st.dictionaries(text, text, max_size=2),
)


@given(articles)
def test_json_round_trip_is_lossless(article: Article) -> None:
    assert Article.from_json(article.to_json()) == article


@given(articles)
def test_dict_round_trip_is_lossless_and_does_not_share_lists(article: Article) -> None:
    data = article.to_dict()
    copy = Article.from_dict(data)
    assert copy == article
    data["authors"].append("someone else")
    data["related"].append({"title": "x", "url": None})
    assert copy == article


def test_image_and_related_links_round_trip_as_records() -> None:
    article = Article(title="Budget", body="Text.", image=Image("https://gazette.example/a.jpg", "The mayor"),
                      related=[Link("Earlier vote", "https://gazette.example/vote"), Link("No URL")])
    copy = Article.from_json(article.to_json(indent=2))
    assert copy == article
    assert isinstance(copy.image, Image)
    assert [type(link) for link in copy.related] == [Link, Link]


def test_json_field_names_are_stable() -> None:
    data = json.loads(Article(image=Image(), related=[Link("x")]).to_json())
    assert list(data) == STABLE_FIELDS
    assert list(data["image"]) == ["url", "caption"]
    assert list(data["related"][0]) == ["title", "url"]


def test_enrichment_records_round_trip_with_spans_as_tuples() -> None:
    article = Article(body="Mark Rutte said so.",
                      entities=[Entity("e1", "Mark Rutte", "person", [(0, 10)])],
                      quotes=[Quote("so", "indirect", (16, 18), "Mark Rutte", (0, 10), "said", (11, 15),
                                    "e1")],
                      topics=[Topic("medtop:11000000", "politics", 0.8)],
                      keywords=[Keyword("Mark Rutte", 0.5, [(0, 10)])])
    data = json.loads(article.to_json())
    assert data["entities"][0] == {"id": "e1", "name": "Mark Rutte", "type": "person", "mentions": [[0, 10]],
                                   "caption_mentions": []}
    assert list(data["quotes"][0]) == ["text", "type", "span", "speaker_name", "speaker_span", "cue",
                                       "cue_span", "speaker"]
    copy = Article.from_json(article.to_json())
    assert copy == article
    assert copy.quotes[0].span == (16, 18) and copy.entities[0].mentions == [(0, 10)]


def test_json_keeps_non_ascii_text_readable() -> None:
    assert '"title": "Москва — 東京"' in Article(title="Москва — 東京").to_json()


def test_unknown_keys_from_a_newer_version_are_ignored() -> None:
    data = Article(title="Budget", image=Image("u"), related=[Link("t", "u")]).to_dict()
    data["sentiment"] = 0.4
    data["image"]["width"] = 640
    data["related"][0]["rank"] = 1
    assert Article.from_dict(data) == Article(title="Budget", image=Image("u"), related=[Link("t", "u")])


def test_missing_keys_take_their_defaults() -> None:
    assert Article.from_json('{"title": "Only a title"}') == Article(title="Only a title")


def test_a_page_knows_whether_it_is_flattened_text() -> None:
    assert Page("a.txt", b"x", content_type="text/plain; charset=utf-8").is_text
    assert not Page("a.html", b"x", content_type="text/html").is_text
    assert Page("-", "Just words, no markup.").is_text
    assert not Page("-", "<p>markup</p>").is_text
