"""When each phase of one ingest starts and ends, and where the two cores went.

    RAG_HOME=<empty dir> RAG_SEEDS=<empty dir> python bench/ingest_timeline.py PATH [PATH ...]

Syncs the paths as ``rag ingest`` does, timing (wall seconds since the start) the plan
(reading, cleaning, near-duplicate checks), the encoder workers' start, the writer's lesson
(``rag.index.learn``), every tenth batch handed to the encoder, the last batch written and
the BM25 update; then the CPU seconds of this process (the writer, Chroma, the plan) and of
the worker processes. On 2 cores an ingest bound by CPU takes (the two CPU figures) / 2;
wall time beyond that is a core left idle. Last, this process's CPU seconds while in each part
(the lesson, the BM25 tokens, the BM25 segments built ahead, the Chroma writes of passages,
catalog records and manifests, the plan). Used for the 10k figures in ``bench/SCALE.md`` and
``bench/NOTES.md``.
"""

from __future__ import annotations

import resource
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rag.index import apply, catalog, encoder_pool, keywords, manifest, store, sync  # noqa: E402

T0 = time.perf_counter()
EVENTS: list[tuple[float, str, str]] = []
CPU: dict[str, float] = {}  # part -> this process's CPU seconds while a call of it ran


# parts called per batch: their CPU is summed, their calls not listed
REPEATED = ("BM25 tokens", "write (", "catalog", "manifests")


def mark(what: str) -> None:
    EVENTS.append((time.perf_counter() - T0, what, threading.current_thread().name))


def timed(owner, name: str, label: str) -> None:
    """Mark the start and end of every call of ``owner.name``."""
    inner = getattr(owner, name)

    def wrapper(*args, **kwargs):
        mark(f"{label} start")
        c = time.process_time()
        try:
            return inner(*args, **kwargs)
        finally:
            CPU[label] = CPU.get(label, 0.0) + time.process_time() - c
            mark(f"{label} end")

    setattr(owner, name, wrapper)


def cpu(who: int) -> float:
    r = resource.getrusage(who)
    return r.ru_utime + r.ru_stime


def main(paths: list[str]) -> None:
    from rag.config import get_settings

    timed(sync, "plan_files", "plan")
    timed(encoder_pool.PoolStarter, "_start", "workers' start")
    timed(apply, "learn_terms", "lesson")
    timed(store.PassageStore, "update_keywords", "bm25")
    timed(keywords.Keywords, "prepare", "bm25 built ahead")
    timed(apply, "passage_tokens", "BM25 tokens")
    timed(store.PassageStore, "write_articles", "write (passages + catalog)")
    timed(catalog.Catalog, "put", "catalog records")
    timed(manifest.ManifestBook, "put_many", "manifests")
    submit, write = apply.Applier._submit, apply.Applier._write

    def submitted(self, batch):
        submit(self, batch)
        if self.batches % 10 == 0:
            mark(f"batch {self.batches} handed to the encoder")

    def written(self, batch, vectors):
        write(self, batch, vectors)
        mark("written")

    apply.Applier._submit, apply.Applier._write = submitted, written
    passages = store.PassageStore(get_settings())
    mark("store open")
    report = passages.sync([Path(p) for p in paths], progress=False)
    mark("done")
    last = max((t for t, what, _ in EVENTS if what == "written"), default=0.0)
    for t, what, thread in EVENTS:
        if what != "written" and not what.startswith(REPEATED):
            print(f"{t:8.2f} s  {what} [{thread}]")
    print(f"{last:8.2f} s  last batch written")
    wall = time.perf_counter() - T0
    mine, workers = cpu(resource.RUSAGE_SELF), cpu(resource.RUSAGE_CHILDREN)
    print(
        f"{report.articles} articles, {report.added} passages: wall {wall:.1f} s; CPU: this "
        f"process {mine:.1f} s, workers {workers:.1f} s; (sum) / 2 = {(mine + workers) / 2:.1f} s"
    )
    # CPU of the whole process while the part ran: another thread's work at the same time
    # (the main thread handing batches over) counts too, so the parts add up to a little more
    print("\nthis process's CPU seconds while in each part:")
    for label, used in sorted(CPU.items(), key=lambda kv: -kv[1]):
        print(f"{used:8.1f}  {label}")


if __name__ == "__main__":
    main(sys.argv[1:])
