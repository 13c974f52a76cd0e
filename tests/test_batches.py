"""Batch sizes of an ingest (rag/index/apply.py): small first, so progress shows at once, then
``RAG_INGEST_BATCH``, then halving towards the end, so the last batch, written after the encoder
is done, is short."""

from types import SimpleNamespace

from rag.config import Settings
from rag.index.apply import Applier


def applier(batches: int) -> Applier:
    a = Applier.__new__(Applier)  # only what limit() reads
    a.store, a.batches = SimpleNamespace(settings=Settings(ingest_batch=1024)), batches
    return a


def test_batches_grow_from_eight_passages():
    assert [applier(n).limit(50_000) for n in range(9)] == [
        8,
        16,
        32,
        64,
        128,
        256,
        512,
        1024,
        1024,
    ]


def test_the_last_batches_halve_down_to_128_passages():
    assert [applier(20).limit(left) for left in (5000, 1500, 600, 200, 90)] == [
        1024,
        750,
        300,
        128,
        128,
    ]
