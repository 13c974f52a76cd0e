"""Chroma's HNSW build parameters on real vectors: what a write costs against what search loses.

    python bench/hnsw_params.py [--home ~/.cache/rag-zh-news-scale/home] [--queries 400]

Reads every passage vector of an index that ``make scale`` built (the 10k archive of
CRUD-RAG, Apache-2.0), writes them into fresh collections built with each triple of
``ef_construction`` / ``max_neighbors`` (M) / ``ef_search``, in the ingest's batches, and
reports the write's
wall and CPU time with recall@20 (the dense retriever's ``candidates``) against an exact
search. Queries: the crud dev questions plus article titles of the archive (each encoded as a
question is), so no query vector is itself in the index.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
QUESTIONS = REPO.parent / "shared" / "corpora" / "crud-news" / "questions.jsonl"
# (ef_construction, M, ef_search): Chroma's default (100, 16, 100) first
PAIRS = [(100, 16, 100), (50, 16, 100), (50, 16, 200), (40, 12, 200), (40, 12, 400), (32, 12, 400)]
_SCRATCH = tempfile.TemporaryDirectory(prefix="rag-hnsw-")  # the collections, removed at exit


def read_index(home: Path):
    """(ids, vectors, titles) of every passage of the index at ``home``."""
    import chromadb

    from rag.config import Settings

    client = chromadb.PersistentClient(str(home / "chroma"))
    col = client.get_collection(Settings().collection)
    ids, vecs, titles, offset = [], [], set(), 0
    while True:
        got = col.get(include=["embeddings", "metadatas"], limit=5000, offset=offset)
        ids += got["ids"]
        vecs.append(np.asarray(got["embeddings"], dtype=np.float32))
        titles.update(json.loads(m["passage"])["title"] for m in got["metadatas"])
        if len(got["ids"]) < 5000:
            return ids, np.concatenate(vecs), sorted(titles)
        offset += 5000


def build(vecs: np.ndarray, ids: list[str], ef: int, m: int, search: int, batch: int = 1024):
    """A fresh collection of ``vecs`` (cosine), written ``batch`` at a time: (it, wall, cpu)."""
    import chromadb

    client = chromadb.PersistentClient(tempfile.mkdtemp(dir=_SCRATCH.name))
    meta = {
        "hnsw:space": "cosine",
        "hnsw:construction_ef": ef,
        "hnsw:M": m,
        "hnsw:search_ef": search,
    }
    col = client.create_collection(
        f"hnsw-{ef}-{m}-{search}", metadata=meta, embedding_function=None
    )
    wall, cpu = time.perf_counter(), time.process_time()
    for i in range(0, len(ids), batch):
        col.add(ids=ids[i : i + batch], embeddings=vecs[i : i + batch])
    return col, time.perf_counter() - wall, time.process_time() - cpu


def recall(col, vecs: np.ndarray, ids: list[str], queries: np.ndarray, k: int):
    """(share of the exact top ``k`` (cosine) that the collection's search returns, ms a query)."""
    unit = vecs / np.linalg.norm(vecs, axis=1, keepdims=True)
    asked = queries / np.linalg.norm(queries, axis=1, keepdims=True)
    exact = np.argsort(-(asked @ unit.T), axis=1)[:, :k]
    t, got = time.perf_counter(), []
    for query in queries:  # one at a time, as a question is asked
        got += col.query(query_embeddings=[query], n_results=k, include=[])["ids"]
    ms = (time.perf_counter() - t) * 1000 / len(queries)
    hits = sum(len({ids[j] for j in row} & set(found)) for row, found in zip(exact, got))
    return hits / (k * len(queries)), ms


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--home", type=Path, default=Path.home() / ".cache/rag-zh-news-scale/home")
    ap.add_argument("--queries", type=int, default=400, help="archive titles used as queries")
    ap.add_argument("--k", type=int, default=20)
    args = ap.parse_args()

    from rag.config import Settings
    from rag.index.embed import get_embedder

    ids, vecs, titles = read_index(args.home)
    rng = np.random.default_rng(0)
    asked = [json.loads(line)["question"] for line in QUESTIONS.open(encoding="utf-8")]
    asked += [titles[i] for i in rng.choice(len(titles), args.queries, replace=False)]
    embedder = get_embedder(Settings().embedder)
    queries = np.asarray(embedder.embed_query(asked), dtype=np.float32)
    print(f"{len(ids)} passages, {len(asked)} queries, recall@{args.k} against an exact search\n")
    print("| ef_construction | M | search ef | write s | write CPU s | recall@20 | query ms |")
    print("|---|---|---|---|---|---|---|")
    for ef, m, search in PAIRS:
        col, wall, cpu = build(vecs, ids, ef, m, search)
        share, ms = recall(col, vecs, ids, queries, args.k)
        print(f"| {ef} | {m} | {search} | {wall:.1f} | {cpu:.1f} | {share:.3f} | {ms:.1f} |")


if __name__ == "__main__":
    main()
