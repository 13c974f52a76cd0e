"""BM25 as a main segment plus a delta (rag/index/segments.py): additions go to the delta and
score exactly as a full rebuild would score them, removals are never returned, a large delta
is merged from stored tokens, and an upload to a big index never rebuilds the main."""

from __future__ import annotations

import json

import pytest

from rag.index.bm25 import BM25Index, passage_tokens
from rag.index.segments import DELTA, open_segments
from rag.records import Passage
from tests.archive_data import neutral_text
from tests.big_index import fill_index


def passages(start: int, n: int) -> list[Passage]:
    return [
        Passage(f"p{i:04d}-000", f"s{i}", f"标题{i}", neutral_text(i))
        for i in range(start, start + n)
    ]


def getter(pool: list[Passage]):
    by_id = {p.id: p for p in pool}
    return lambda ids: [by_id[i] for i in ids]


def full_scores(pool: list[Passage], query_tokens: list[str]) -> dict[str, float]:
    index = BM25Index.build(
        [p.id for p in pool], [passage_tokens(p.title, p.text) for p in pool], []
    )
    return dict(index.search_tokens(query_tokens, len(pool)))


def test_added_passages_go_to_the_delta_and_score_as_a_full_rebuild(tmp_path):
    first, later = passages(0, 300), passages(300, 40)
    seg, changed = open_segments(tmp_path, {p.id for p in first}, getter(first))
    assert changed and seg.main is not None and seg.ids == []
    key = json.loads((tmp_path / "rag.json").read_text())["key"]

    pool = first + later
    seg, changed = open_segments(tmp_path, {p.id for p in pool}, getter(pool))
    assert changed and len(seg.ids) == 40 and seg.main.key == key  # the main was not rebuilt
    query = later[7].text[:12]
    tokens = passage_tokens("", query)
    exact = full_scores(pool, tokens)
    hits = dict(seg.search(query, k=10))
    assert later[7].id in hits
    for pid in hits.keys() & {p.id for p in later}:
        assert hits[pid] == pytest.approx(exact[pid], rel=1e-4)

    again, changed = open_segments(tmp_path, {p.id for p in pool}, getter(pool))  # a reader
    assert not changed and again.ids == seg.ids


def test_removed_passages_are_never_returned(tmp_path):
    pool = passages(0, 200)
    open_segments(tmp_path, {p.id for p in pool}, getter(pool))
    gone = pool[5]
    seg, _ = open_segments(tmp_path, {p.id for p in pool} - {gone.id}, getter(pool))
    assert gone.id in seg.deleted
    assert gone.id not in dict(seg.search(gone.text[:16], k=50))
    assert json.loads((tmp_path / DELTA).read_text())["deleted"] == [gone.id]


def test_a_large_delta_is_merged_from_stored_tokens(tmp_path, monkeypatch):
    import rag.index.segments as segments

    first, later = passages(0, 100), passages(100, 30)
    open_segments(tmp_path, {p.id for p in first}, getter(first))
    tokenized = []
    monkeypatch.setattr(
        segments, "passage_tokens", lambda t, x: tokenized.append(x) or passage_tokens(t, x)
    )
    pool = first[1:] + later
    seg, _ = open_segments(tmp_path, {p.id for p in pool}, getter(pool), delta_min=10)
    assert len(tokenized) == 30  # only the new passages went through jieba
    assert seg.ids == [] and not seg.deleted and set(seg.main.ids) == {p.id for p in pool}
    query = later[3].text[:12]
    exact = full_scores(pool, passage_tokens("", query))
    for pid, score in seg.search(query, k=5):
        assert score == pytest.approx(exact[pid], rel=1e-4)


def test_without_stored_tokens_a_large_delta_stays_a_delta(tmp_path):
    first, later = passages(0, 100), passages(100, 30)
    open_segments(tmp_path, {p.id for p in first}, getter(first))
    (tmp_path / "tokens.npz").unlink()  # a main saved before its tokens were
    pool = first + later
    seg, _ = open_segments(tmp_path, {p.id for p in pool}, getter(pool), delta_min=10)
    assert len(seg.main.ids) == 100 and seg.ids == [p.id for p in later]
    assert later[3].id in dict(seg.search(later[3].text[:12], k=5))


def test_an_upload_to_a_big_index_adds_to_the_delta_only(rag_home, tmp_path):
    store = fill_index(rag_home, 2000)
    store.update_keywords()  # the main segment over the 2,000 passages
    main = (rag_home / "bm25" / "rag.json").stat().st_mtime_ns
    upload = tmp_path / "notice.txt"
    upload.write_text(
        "灯塔开放参观\n\n海边的旧灯塔本周末起向市民开放参观,每天限流三百人,需要提前在网上预约。",
        encoding="utf-8",
    )
    report = store.sync([upload], progress=False)
    assert report.added == 1 and report.timings["bm25_s"] < 10
    assert (rag_home / "bm25" / "rag.json").stat().st_mtime_ns == main  # not rebuilt
    delta = json.loads((rag_home / "bm25" / DELTA).read_text())
    assert len(delta["ids"]) == 1

    from rag.config import Settings
    from rag.index.retrieve import HybridRetriever

    retriever = HybridRetriever(Settings.from_env({}, home=rag_home), store)
    assert retriever.search("旧灯塔开放参观需要预约吗", k=3, mode="bm25")[0].source == "notice.txt"


def test_a_reader_reuses_what_it_loaded_and_reads_only_what_was_added(tmp_path):
    first, later = passages(0, 200), passages(200, 6)
    open_segments(tmp_path, {p.id for p in first}, getter(first))
    reader, _ = open_segments(tmp_path, {p.id for p in first}, getter(first))
    same, changed = open_segments(tmp_path, {p.id for p in first}, getter(first), previous=reader)
    assert same is reader and not changed  # nothing on disk moved: nothing read again

    pool = first + later
    open_segments(tmp_path, {p.id for p in pool}, getter(pool))  # a writer adds six
    grown, changed = open_segments(
        tmp_path, {p.id for p in pool}, lambda ids: pytest.fail("fetched"), previous=reader
    )
    assert grown is reader and not changed and grown.ids == [p.id for p in later]
    assert grown.search(later[2].text[:12], k=1)[0][0] == later[2].id
