"""The store's seams: the `Store` protocol is made of small parts, one per need of its callers, and
every backend implements each of them."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

from newsdesk.store import open_store
from newsdesk.store.base import (
    ArticleStore,
    Closing,
    EnrichmentIndex,
    RunState,
    SearchStore,
    Store,
    StoryReader,
    StoryWriter,
)

PARTS = [ArticleStore, SearchStore, EnrichmentIndex, RunState, StoryReader, StoryWriter, Closing]


def _methods(part: type) -> set[str]:
    return {name for name, value in vars(part).items()
            if callable(value) and (not name.startswith("_") or name in ("__enter__", "__exit__"))}


@pytest.mark.parametrize("part", PARTS, ids=lambda part: part.__name__)
def test_each_part_is_small_and_documented(part: type) -> None:
    assert 0 < len(_methods(part)) < 12
    assert inspect.getdoc(part)


def test_the_store_is_every_part_and_nothing_else() -> None:
    assert all(part in Store.__mro__ for part in PARTS)
    assert not _methods(Store)
    every = set().union(*(_methods(part) for part in PARTS))
    assert sum(len(_methods(part)) for part in PARTS) == len(every)  # no method in two parts


@pytest.mark.parametrize("url", ["memory://", "sqlite:///{tmp}/seams.db"])
def test_every_backend_has_every_method_of_every_part(url: str, tmp_path: Path) -> None:
    with open_store(url.format(tmp=tmp_path)) as store:
        for part in PARTS:
            for name in _methods(part):
                assert callable(getattr(store, name)), (part.__name__, name)
