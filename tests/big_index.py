"""A large index built without the embedder: neutral articles with random unit vectors, written
through the store as an ingest writes them (passages, catalog records, manifests)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from rag.config import Settings
from rag.index.manifest import COMPLETE, Manifest
from rag.index.store import PassageStore
from rag.ingest.chunk import chunk_article
from rag.records import Article
from tests.archive_data import neutral_text


def title(i: int) -> str:
    return f"第{i}号{neutral_text(i)[:6]}"


def fill_index(home: Path, n: int, batch: int = 2000) -> PassageStore:
    """``n`` one-passage articles as lines of ``<home>/news.jsonl`` (a00000 …)."""
    store = PassageStore(Settings.from_env({}, home=home))
    base = str((home / "news.jsonl").resolve())
    rng = np.random.default_rng(0)
    for start in range(0, n, batch):
        items = []
        for i in range(start, min(n, start + batch)):
            art = Article(f"news.jsonl#a{i:05d}", title(i), neutral_text(i), "", date="2024-05-01")
            art.path = f"{base}#a{i:05d}"
            items.append((art, chunk_article(art)))
        vectors = rng.standard_normal((sum(len(ps) for _, ps in items), store.embedder.dim))
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        store.write_articles(items, vectors.astype(np.float32))
        store.manifests.put_many(
            [Manifest(a.path, COMPLETE, "", (a.id,), len(ps)) for a, ps in items]
        )
    store._committed()
    return store
