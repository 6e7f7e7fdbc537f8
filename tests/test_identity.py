"""What makes two articles the same article in the store (`newsdesk.store.rows.article_key`).

A page without a URL is identified by where it came from: two files with the same body are two
articles, duplicates of each other, never versions of one. Tracking parameters are not identity.
"""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest

from conftest import article_html, write_as_before_page_types
from newsdesk import Article, open_store
from newsdesk.pipeline import Ingester
from newsdesk.search.tokens import tokens
from newsdesk.store.base import Store


def test_two_files_with_the_same_body_and_no_url_are_two_articles_and_duplicates(tmp_path: Path) -> None:
    pages = tmp_path / "pages"
    (pages / "first-site").mkdir(parents=True)
    (pages / "second-site").mkdir()
    page = article_html("Council approves the syndicated budget story")
    for site in ("first-site", "second-site"):
        (pages / site / "story.html").write_text(page, encoding="utf-8")
    with open_store(f"sqlite:///{tmp_path / 'store.db'}") as store:
        counts = Ingester(store, enrich=False).run([str(pages)])
        assert (counts.stored, counts.updated, counts.unchanged) == (2, 0, 0)
        stored = [store.get(id) for id in (1, 2)]
        assert sorted(found.article.source or "" for found in stored if found) == [
            str(pages / "first-site" / "story.html"), str(pages / "second-site" / "story.html")]
        assert all(found is not None and found.version == 1 for found in stored)
        copies = store.duplicates_of(1)
        assert sorted(copy.article_id for copy in copies) == [1, 2]
        assert sorted(copy.kind for copy in copies) == ["earliest", "exact"]
        assert all(copy.url is None for copy in copies)


def test_a_changed_file_without_a_url_is_a_new_version_of_its_article(tmp_path: Path) -> None:
    page = tmp_path / "story.html"
    page.write_text(article_html("Council approves budget"), encoding="utf-8")
    with open_store(f"sqlite:///{tmp_path / 'store.db'}") as store:
        assert Ingester(store, enrich=False, stories=False).run([str(page)]).stored == 1
        page.write_text(article_html("Council approves budget after a long night"), encoding="utf-8")
        assert Ingester(store, enrich=False, stories=False).run([str(page)]).updated == 1
        assert store.count() == 1 and len(store.versions(1)) == 2


def test_an_article_given_alone_without_url_or_source_is_keyed_by_its_body(store: Store) -> None:
    assert store.put(Article(title="One", body="The same words in both.")).status == "stored"
    assert store.put(Article(title="One", body="The same words in both.")).status == "unchanged"
    assert store.put(Article(title="Two", body="The same  words in both.")).status == "updated"
    assert store.count() == 1


def test_tracking_parameters_are_not_part_of_an_articles_identity(store: Store) -> None:
    first = store.put(Article(url="http://127.0.0.1/news/budget?id=7&utm_source=feed&fbclid=x1",
                              title="Budget", body="The council approved the budget."))
    again = store.put(Article(url="http://127.0.0.1/news/budget?utm_medium=social&id=7",
                              title="Budget", body="The council approved the budget."))
    other = store.put(Article(url="http://127.0.0.1/news/budget?id=8", title="Budget",
                              body="The council approved the budget."))
    assert (first.status, again.status, other.status) == ("stored", "unchanged", "stored")
    assert again.id == first.id != other.id
    found = store.get("http://127.0.0.1/news/budget?id=7&utm_campaign=autumn")
    assert found is not None and found.id == first.id


def test_an_address_urllib_cannot_read_is_an_identity_as_written(store: Store) -> None:
    article = Article(url="http://[::1/news?utm_source=x", title="Odd", body="An odd address.")
    assert store.put(article).status == "stored"
    assert store.put(article).status == "unchanged"


def test_a_store_of_version_6_gets_the_new_keys(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from newsdesk.store import rows
    from newsdesk.store import sqlite as sqlite_store

    def key_before(article: Article) -> str:
        """The key the newsdesk before this one made: tracking parameters kept, else the body's hash."""
        body = " ".join(tokens(article.body)).encode()
        return article.url or "sha256:" + hashlib.sha256(body).hexdigest()[:40]

    path = tmp_path / "v6.db"
    monkeypatch.setattr(sqlite_store, "MIGRATIONS", sqlite_store.MIGRATIONS[:6])
    write_as_before_page_types(monkeypatch)
    monkeypatch.setattr(rows, "article_key", key_before)
    with sqlite_store.SQLiteStore(path) as store:
        store.put_many([
            Article(url="http://127.0.0.1/a?utm_source=x", title="A", body="Alpha story."),
            Article(url="http://127.0.0.1/a?utm_source=y", title="A2", body="Alpha story, again."),
            Article(source="pages/b.html", title="B", body="Bravo story."),
        ])
    monkeypatch.undo()
    with sqlite3.connect(path) as connection:
        assert [key for key, in connection.execute("SELECT key FROM articles ORDER BY id")][2].startswith(
            "sha256:")
    assert rows.article_key(Article(url="http://127.0.0.1/a?utm_source=y")) == "http://127.0.0.1/a"
    with open_store(f"sqlite:///{path}") as store:
        keys = {id: key for id, key in store._read("SELECT id, key FROM articles")}  # type: ignore[attr-defined]
        # The first of two that now share a key takes it; the other keeps its own.
        assert keys == {1: "http://127.0.0.1/a", 2: "http://127.0.0.1/a?utm_source=y",
                        3: "source:pages/b.html"}
        assert store.put(Article(source="pages/b.html", title="B", body="Bravo story.")).status == "unchanged"
