"""A large ingest embeds in worker processes (rag/index/encoder_pool.py): the same vectors as
this process would make, the same index; a small one, and one told so, stays in-process."""

import numpy as np

from rag.config import Settings
from rag.index import encoder_pool
from rag.index.embed import get_embedder
from rag.index.encoder_pool import EncoderPool, PoolStarter, open_pool, wanted
from rag.index.store import PassageStore


def test_only_a_large_ingest_with_two_workers_or_more_starts_them():
    assert wanted(2, encoder_pool.MIN_ARTICLES)
    assert not wanted(2, encoder_pool.MIN_ARTICLES - 1)  # an upload: no start to wait for
    assert not wanted(1, 10_000) and not wanted(0, 10_000)  # RAG_INGEST_WORKERS=0/1
    assert open_pool("use", 1, 10_000) is None


def test_the_workers_start_while_the_plan_reads_once_it_found_enough_articles():
    starter = PoolStarter("use", 2)
    starter.want(encoder_pool.MIN_ARTICLES - 1)  # not yet: nothing starts
    assert starter.pool(10) is None
    starter.want(encoder_pool.MIN_ARTICLES)  # starts in the background; the plan reads on
    pool = starter.pool(encoder_pool.MIN_ARTICLES)
    assert pool is not None and starter.pool(10) is pool  # started once, even if dedupe left few
    assert len(pool.encode(["图书馆周末延长开放时间。"])) == 1
    starter.close()
    starter.close()  # closing twice is harmless (a failed plan, then the applier)


def test_workers_embed_as_this_process_does():
    texts = ["图书馆周末延长开放时间。", "公园新增两条步道,方便市民晨练。", "新馆周二闭馆。"]
    mine = np.asarray(get_embedder("use")(texts))
    with EncoderPool("use", 2) as pool:
        theirs = np.asarray(pool.encode(texts))
        assert pool.encode([]) == [] and len(pool.encode(texts[:1])) == 1
    assert theirs.shape == mine.shape == (3, 512)
    assert np.all(np.sum(mine * theirs, axis=1) > 0.999)  # one BLAS thread: the same vectors


def test_an_ingest_through_the_workers_indexes_the_same_passages(rag_home, corpus, monkeypatch):
    monkeypatch.setattr(encoder_pool, "MIN_ARTICLES", 1)  # the seed corpus counts as large
    store = PassageStore(Settings.from_env({}, home=rag_home, ingest_workers=2))
    report = store.sync([corpus], progress=False)
    assert report.added == store.count() > 100
    got = store.collection.get(include=["embeddings", "metadatas"], limit=20)
    passages = store.passages(got["ids"])
    again = np.asarray(store.embedder([f"{p.title}\n{p.text}" for p in passages]))
    by_id = dict(zip(got["ids"], got["embeddings"]))
    stored = np.asarray([by_id[p.id] for p in passages])
    assert np.all(np.sum(stored * again, axis=1) > 0.999)
