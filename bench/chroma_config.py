"""Chroma's HNSW write settings against the time of an ingest's writes.

    python bench/chroma_config.py [--passages 24000]

Writes the same vectors (clustered random, 512 dimensions as the default embedder's, with a
passage-sized metadata row each) into a fresh collection in batches of 1,024, as the ingest
does, once per setting of Chroma's ``hnsw`` configuration (``num_threads``, ``batch_size``:
vectors buffered before they go into the graph, ``sync_threshold``: how often the graph is
saved), each in its own process, and prints wall and CPU seconds. The ingest keeps Chroma's
defaults where none of these wins (bench/NOTES.md).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time

SETTINGS = [
    {},
    {"num_threads": 1},
    {"batch_size": 1000},
    {"sync_threshold": 300},
    {"sync_threshold": 5000},
    {"sync_threshold": 100000, "batch_size": 1024},
]


def write(setting: dict, n: int) -> str:
    import chromadb
    import numpy as np

    rng = np.random.default_rng(0)
    centers = rng.normal(size=(200, 512)).astype(np.float32)
    vecs = centers[rng.integers(0, 200, n)] + 0.5 * rng.normal(size=(n, 512)).astype(np.float32)
    client = chromadb.PersistentClient(tempfile.mkdtemp(prefix="rag-chroma-config-"))
    graph = {"space": "cosine", "ef_construction": 50, "ef_search": 200, **setting}
    col = client.get_or_create_collection("config", configuration={"hnsw": graph})
    text = "新公园开放了。" * 60
    t, c = time.perf_counter(), time.process_time()
    for i in range(0, n, 1024):
        ids = range(i, min(n, i + 1024))
        col.upsert(
            ids=[f"p{j}" for j in ids],
            embeddings=vecs[i : i + 1024],
            metadatas=[
                {"article_id": f"a{j // 5}", "passage": json.dumps({"text": text})} for j in ids
            ],
        )
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return (
        f"| {json.dumps(setting) if setting else 'defaults'} | {time.perf_counter() - t:.1f} | "
        f"{time.process_time() - c:.1f} | {ru.ru_stime:.1f} |"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--passages", type=int, default=24000)
    ap.add_argument("--one", help=argparse.SUPPRESS)  # a child: one setting, as JSON
    args = ap.parse_args()
    if args.one is not None:
        print(write(json.loads(args.one), args.passages))
        return
    print(
        f"{args.passages} vectors\n\n| hnsw setting | wall s | CPU s | of it system |\n|---|---|---|---|"
    )
    for setting in SETTINGS:
        cmd = [
            sys.executable,
            __file__,
            "--passages",
            str(args.passages),
            "--one",
            json.dumps(setting),
        ]
        print(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.strip())


if __name__ == "__main__":
    main()
