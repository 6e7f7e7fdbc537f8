"""The Article record and its JSON form, the project's stable exchange format."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from newsdesk.article import Article, Image, Link, Page

# The JSON field names, in order. Adding a field is fine (append it here); renaming one breaks every
# consumer of newsdesk's output and must not happen.
STABLE_FIELDS = ["source", "url", "canonical_url", "title", "authors", "published", "modified", "language",
                 "site_name", "description", "body", "image", "tags", "related", "extraction"]

text = st.text(max_size=40)
maybe_text = st.none() | text
urls = st.none() | st.from_regex(r"https://[a-z]{1,10}\.example/[a-z0-9/._-]{0,20}", fullmatch=True)
images = st.none() | st.builds(Image, url=urls, caption=maybe_text)
links = st.builds(Link, title=text, url=urls)
articles = st.builds(
    Article,
    source=maybe_text, url=urls, canonical_url=urls, title=maybe_text,
    authors=st.lists(text, max_size=3), published=maybe_text, modified=maybe_text, language=maybe_text,
    site_name=maybe_text, description=maybe_text, body=st.text(max_size=300), image=images,
    tags=st.lists(text, max_size=4), related=st.lists(links, max_size=4),
    extraction=st.dictionaries(text, text, max_size=3),
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
