"""What the ingest stages beside the encoder cost, each alone (the figures in bench/SCALE.md).

    python bench/ingest_parts.py [--articles 1000] [--no-encoder]

On the archive's first N articles (CRUD-RAG, Apache-2.0, ``../shared/corpora/crud-archive``):
learning names and terms, the BM25 token pass after it, Chroma's write of the passages with
the metadata as 10 keys and as written now (``rag.index.rows.passage_row``), how much a
Python thread runs while Chroma's upsert runs (does the upsert hold the GIL?), and the
encoder in this process against its worker processes (``rag.index.encoder_pool``): passages
a second, and each worker's peak memory (``--no-encoder`` leaves that out). The write is
also timed with the passage text left out of the rows: what storing the text costs.
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
ARCHIVE = REPO.parent / "shared" / "corpora" / "crud-archive" / "archive.jsonl.xz"


_SCRATCH = tempfile.TemporaryDirectory(prefix="rag-parts-")  # removed when the run ends


def _scratch() -> str:
    """A fresh folder for one Chroma client, inside this run's temporary folder."""
    return tempfile.mkdtemp(dir=_SCRATCH.name)


def timed(fn):
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t


def write_seconds(flat, vectors, row) -> float:
    import chromadb

    from rag.config import Settings

    settings, client = Settings(), chromadb.PersistentClient(_scratch())
    graph = {"space": "cosine", "ef_construction": settings.hnsw_ef_construction}
    col = client.get_or_create_collection("parts", configuration={"hnsw": graph})
    t = time.perf_counter()
    for i in range(0, len(flat), 1024):
        chunk = flat[i : i + 1024]
        col.upsert(
            ids=[p.id for _, p in chunk],
            embeddings=vectors[i : i + 1024],
            metadatas=[row(a, p) for a, p in chunk],
        )
    return time.perf_counter() - t


def spin_share(flat, vectors, row) -> float:
    """A Python thread's spins during one upsert, against the same thread running alone."""
    stop, spins = threading.Event(), [0]

    def spin():
        while not stop.is_set():
            spins[0] += 1

    th = threading.Thread(target=spin)
    th.start()
    _, took = timed(lambda: write_seconds(flat[:2048], vectors[:2048], row))
    stop.set()
    th.join()
    busy = spins[0]
    stop.clear()
    spins[0] = 0
    th = threading.Thread(target=spin)
    th.start()
    time.sleep(took)
    stop.set()
    th.join()
    return busy / max(spins[0], 1)


def manifest_row(lines: int) -> tuple[str, str, str]:
    """An archive line's two manifest writes (pending, then complete), ``lines`` lines."""
    import chromadb

    from rag.index.manifest import COMPLETE, PENDING, Manifest, ManifestBook

    book = ManifestBook(chromadb.PersistentClient(_scratch()), "parts")
    paths = [f"/data/archive.jsonl.xz#{i:05d}" for i in range(lines)]
    t = time.perf_counter()
    for i in range(0, lines, 500):
        book.put_many([Manifest(p, PENDING, "ab" * 32) for p in paths[i : i + 500]])
        book.put_many([Manifest(p, COMPLETE, "ab" * 32, ("a1",), 5) for p in paths[i : i + 500]])
    took = time.perf_counter() - t
    return ("manifest writes of an archive line", f"{took / lines * 1e3:.2f} ms", f"{lines} lines")


def encoder_rows(texts: list[str]) -> list[tuple[str, str, str]]:
    """The encoder on ``texts`` in ingest batches: in this process, then in 2 workers."""
    from rag.index.embed import get_embedder

    try:
        from rag.index.encoder_pool import EncoderPool
    except ImportError:  # a revision before the workers
        EncoderPool = None  # noqa: N806
    embed = get_embedder("use")
    embed(["预热"])
    _, here = timed(lambda: [embed(texts[i : i + 1024]) for i in range(0, len(texts), 1024)])
    rows = [("encoder in this process", f"{len(texts) / here:.0f} passages/s", "")]
    if EncoderPool is None:
        return rows
    with EncoderPool("use", 2) as pool:
        _, took = timed(
            lambda: [pool.encode(texts[i : i + 1024]) for i in range(0, len(texts), 1024)]
        )
        peaks = []
        for pid in pool.pool._processes:  # each worker's high-water mark, from the kernel
            status = Path(f"/proc/{pid}/status").read_text()
            peaks.append(int(status.split("VmHWM:")[1].split()[0]) / 1024)
    rows.append(("encoder in 2 worker processes", f"{len(texts) / took:.0f} passages/s", ""))
    rows.append(("a worker's peak RSS", f"{max(peaks):.0f} MB", f"{len(peaks)} workers"))
    return rows


def main(argv=None) -> None:
    from rag.index.bm25 import passage_tokens
    from rag.index.learn import learn_terms

    try:
        from rag.index.rows import passage_row
    except ImportError:  # a revision before 2026-12: rows of 10 keys only
        passage_row = None
    from rag.index.tokenize import _jieba
    from rag.ingest.archive import load_line, read_archive
    from rag.ingest.chunk import chunk_article

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--no-encoder", action="store_true", help="skip the encoder rows")
    args = parser.parse_args(argv)
    lines = read_archive(ARCHIVE)[: args.articles]
    # an article twice in the archive is one article (the sync skips the second as a duplicate)
    articles = list({a.id: a for line in lines for a in load_line(line)[0]}.values())
    flat = [(a, p) for a in articles for p in chunk_article(a)]
    _jieba()
    learned, learn_s = timed(lambda: learn_terms([a.text for a in articles]))
    _, tokens_s = timed(lambda: [passage_tokens(p.title, p.text) for _, p in flat])
    vectors = np.random.default_rng(0).standard_normal((len(flat), 512)).astype(np.float32)
    keys10 = lambda a, p: {  # noqa: E731 — the rows as written before 2026-12
        **{k: getattr(p, k) for k in ("source", "title", "article_id", "start", "end")},
        **{"outlet": p.outlet, "date": p.date, "path": a.path, "n_passages": 5, "text": p.text},
    }
    now = (lambda a, p: passage_row(a, p, 5)) if passage_row else keys10  # noqa: E731
    rows = [
        ("articles", len(articles), ""),
        ("passages", len(flat), ""),
        ("learn names and terms", f"{learn_s:.2f} s", f"{len(learned)} entries"),
        (
            "BM25 tokens after it",
            f"{tokens_s:.2f} s",
            f"{tokens_s / len(flat) * 1e3:.2f} ms/passage",
        ),
    ]

    def textless(a, p):  # the same row, its text left out: what the text's bytes cost
        return now(a, replace(p, text=""))

    written = (("10 keys", keys10), ("as written now", now), ("as now, text left out", textless))
    for name, row in written:
        took = write_seconds(flat, vectors, row)
        rows.append(
            (f"Chroma write, {name}", f"{took:.2f} s", f"{took / len(flat) * 1e3:.2f} ms/passage")
        )
    rows.append(manifest_row(len(articles)))
    if not args.no_encoder:
        rows += encoder_rows([f"{p.title}\n{p.text}" for _, p in flat])
    share = spin_share(flat, vectors, now)
    rows.append(("a Python thread beside an upsert", f"{share:.0%} of its speed", "GIL held"))
    print("| part | measured | |\n|---|---|---|")
    for r in rows:
        print(f"| {r[0]} | {r[1]} | {r[2]} |")


if __name__ == "__main__":
    main()
