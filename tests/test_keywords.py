"""BM25 built ahead during a large ingest (rag/index/keywords.py): nothing is saved until the
sync ends; then the segments built ahead are saved when the passages are the ones expected,
and brought in line as always when they are not (a batch that failed, a removal)."""

from __future__ import annotations

import json

import pytest

from rag.index.bm25 import passage_tokens
from rag.index.keywords import Keywords
from rag.index.segments import DELTA, open_segments
from tests.test_segments import getter, passages


class Written:
    """What the keyword index reads of a store: its passage ids and passages."""

    def __init__(self, pool):
        self.pool = list(pool)

    def passage_ids(self) -> set[str]:
        return {p.id for p in self.pool}

    def passages(self, ids):
        return getter(self.pool)(ids)


def saved_ids(folder) -> set[str]:
    main = set(json.loads((folder / "rag.json").read_text())["ids"])
    delta = json.loads((folder / DELTA).read_text())
    return (main - set(delta["deleted"])) | set(delta["ids"])


@pytest.mark.parametrize("added, new_main", [(200, 0), (2100, 1)])  # into the delta, or merged
def test_segments_built_ahead_are_saved_only_when_the_sync_ends(tmp_path, added, new_main):
    first, later = passages(0, 300), passages(300, added)
    folder = tmp_path / "bm25"
    open_segments(folder, {p.id for p in first}, getter(first))
    keywords, store = Keywords(folder), Written(first)

    keywords.prepare(store, {p.id: passage_tokens(p.title, p.text) for p in later}, [])
    assert saved_ids(folder) == store.passage_ids()  # nothing new saved yet
    assert len(list(tmp_path.glob(".bm25-*"))) == new_main  # a new main is written beside

    store.pool += later  # the sync wrote them
    assert keywords.update(store) == store.passage_ids()
    assert keywords.segments is not None and keywords.prepared is None
    assert saved_ids(folder) == store.passage_ids()
    assert not list(tmp_path.glob(".bm25-*"))
    assert keywords.segments.search(later[9].text, k=1)[0][0] == later[9].id


def test_a_passage_not_written_is_never_saved(tmp_path):
    first, later = passages(0, 300), passages(300, 200)
    folder = tmp_path / "bm25"
    open_segments(folder, {p.id for p in first}, getter(first))
    keywords, store = Keywords(folder), Written(first)
    keywords.prepare(store, {p.id: passage_tokens(p.title, p.text) for p in later}, [])

    store.pool += later[:150]  # a batch failed: the rest was never written
    keywords.update(store)
    assert saved_ids(folder) == store.passage_ids()
    assert not list(tmp_path.glob(".bm25-*"))  # what was staged for them is gone
    assert keywords.segments.search(later[170].text, k=1)[0][0] != later[170].id
    assert keywords.segments.search(later[140].text, k=1)[0][0] == later[140].id
