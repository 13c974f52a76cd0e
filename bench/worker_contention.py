"""Do the encoder workers slow down beside a busy writer? Their CPU per passage alone and
beside one other busy process.

    python bench/worker_contention.py [--passages 5000] [--beside none|jieba|spin]

Encodes passages of the CRUD-RAG archive (Apache-2.0, ``../shared/corpora/crud-archive``,
lines 6,000 on) in the ingest's worker processes (``rag.index.encoder_pool``), every batch
queued at once as the ingest queues them, and prints wall time and the workers' CPU seconds
per passage. ``--beside jieba``: a third process cuts archive text with jieba the whole time
(what the writer's lesson does); ``spin``: a pure-Python loop. On 2 cores a third busy
process takes a share of the cores (wall time), but if the workers' CPU per passage rises,
it also makes their own work slower (caches, memory).
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
ARCHIVE = REPO.parent / "shared" / "corpora" / "crud-archive" / "archive.jsonl.xz"


def busy(kind: str, stop, texts: list[str]) -> None:
    """Keep one core busy until ``stop`` is set."""
    if kind == "spin":
        d: dict[int, str] = {}
        while not stop.is_set():
            for i in range(100_000):
                d[i % 5000] = str(i)
        return
    import jieba

    jieba.initialize()
    while not stop.is_set():
        for t in texts:
            jieba.lcut(t)
            if stop.is_set():
                return


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--passages", type=int, default=5000)
    ap.add_argument("--beside", choices=["none", "jieba", "spin"], default="none")
    args = ap.parse_args()
    import psutil

    from rag.config import Settings
    from rag.index.encoder_pool import EncoderPool
    from rag.ingest.archive import load_line, read_archive
    from rag.ingest.chunk import chunk_article

    lines = read_archive(ARCHIVE)
    texts: list[str] = []
    for line in lines[6000:]:
        for art in load_line(line)[0]:
            texts += [f"{p.title}\n{p.text}" for p in chunk_article(art)]
        if len(texts) >= args.passages:
            break
    texts = texts[: args.passages]
    other = [a.text for line in lines[:300] for a in load_line(line)[0]]
    settings, ctx = Settings(), mp.get_context("spawn")
    with EncoderPool(settings.embedder, 2) as pool:
        workers = psutil.Process().children()
        stop, beside = ctx.Event(), None
        if args.beside != "none":
            beside = ctx.Process(target=busy, args=(args.beside, stop, other))
            beside.start()
            time.sleep(3)  # its start (imports, jieba's dictionary) is not measured
        cpu = lambda: sum(sum(w.cpu_times()[:2]) for w in workers)  # noqa: E731
        c0, t = cpu(), time.perf_counter()
        batch = settings.ingest_batch
        for encoding in [pool.submit(texts[i : i + batch]) for i in range(0, len(texts), batch)]:
            encoding.result()
        wall, used = time.perf_counter() - t, cpu() - c0
        stop.set()
        if beside is not None:
            beside.join()
    print(
        f"beside {args.beside}: {len(texts)} passages, wall {wall:.1f} s "
        f"({len(texts) / wall:.0f}/s), workers {used:.1f} CPU-s = "
        f"{1000 * used / len(texts):.2f} ms a passage"
    )


if __name__ == "__main__":
    main()
