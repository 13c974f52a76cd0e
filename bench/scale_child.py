"""The measured processes of bench/scale.py, one per call, each printing one JSON line last.

    python bench/scale_child.py ingest PATH [PATH ...]   # RAG_HOME: ingest, then the floor
    python bench/scale_child.py serve QUESTIONS.jsonl [--quality]  # RAG_HOME: load, search …

``ingest`` syncs the paths as ``rag ingest`` does, then times the embedder alone on every
passage the sync added (the floor), and on a sample of them (best of three). ``serve`` is a page's process: it loads the index through
``rag.retrieve``, times each question (p50/p95, every one encoded fresh; then again with the
question vectors cached: the index's share), computes hit@5 for
questions whose answer sources are known, opens the Articles tab's first page and a search,
adds one article in-process (as an upload does) and one from another process (``rag
ingest``), timing each until a search returns it (``--quality``: retrieval only). Memory is
the process's RSS and peak RSS.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

NEW_ARTICLE = """青石镇开通首条跨河缆车线路

青石镇今天开通首条跨河缆车线路，全长一千二百米，连接镇东的码头和河对岸的枫林公园。缆车每小时可运送六百名乘客，票价为单程十五元。镇政府表示，缆车线路的开通将把过河时间从四十分钟缩短到六分钟。
"""
NEW_QUESTION = "青石镇的跨河缆车全长多少米？"
OTHER_ARTICLE = """白沙湾渔港完成扩建工程

白沙湾渔港扩建工程今天完工，新建泊位三十六个，可同时停靠渔船四百艘。渔港管理处介绍，扩建后的渔港配备了冷链仓库和海水淡化设备，预计每年可减少渔获损耗约两千吨。
"""
OTHER_QUESTION = "白沙湾渔港扩建后新建了多少个泊位？"


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_mb() -> float:
    import psutil

    return psutil.Process().memory_info().rss / 2**20


def cpu_s(who: int = resource.RUSAGE_SELF) -> float:
    """CPU seconds of this process (``RUSAGE_CHILDREN``: of its ended worker processes):
    unlike wall time, not inflated by other load on the box."""
    r = resource.getrusage(who)
    return r.ru_utime + r.ru_stime


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(round(q * (len(s) - 1))))] if s else 0.0


def ingest(paths: list[str]) -> dict:
    from rag.config import get_settings
    from rag.index.store import PassageStore

    before = PassageStore(get_settings(), recover=False).passage_ids()  # not timed
    t0, c0 = time.perf_counter(), cpu_s()
    store = PassageStore(get_settings())
    opened = time.perf_counter() - t0
    report = store.sync([Path(p) for p in paths], progress=False)
    elapsed = time.perf_counter() - t0
    added = sorted(store.passage_ids() - before)
    return {
        "open_s": opened,
        "elapsed_s": elapsed,
        "cpu_s": cpu_s() - c0,
        # the encoder workers' CPU (their pool has ended with the sync): with cpu_s, where
        # the cores went; on 2 cores the ingest is bound by the sum of the two
        "workers_cpu_s": cpu_s(resource.RUSAGE_CHILDREN),
        "articles": report.articles,
        "passages": report.added,
        "unchanged": report.unchanged,
        "duplicates": sum(len(r.duplicates) for r in report.files),
        "timings": report.timings,
        "floor": floor(store, paths),
        "floor_all": floor_all(store, added),
        "peak_rss_mb": peak_rss_mb(),
        "count": store.count(),
        "catalog": store.catalog.count(),
    }


def floor_all(store, ids: list[str]) -> dict:
    """The embedder alone on every passage this step added (read back from the index), in
    ingest batches, in the ingest's worker processes (their start left out), once: the
    issue's "embedder alone on the same passages", over as long a run as the ingest's."""
    if not ids:
        return {}
    from rag.index.encoder_pool import EncoderPool

    texts = [f"{p.title}\n{p.text}" for p in store.passages(ids)]
    batch, workers = store.settings.ingest_batch, store.settings.ingest_workers
    pool = EncoderPool(store.settings.embedder, workers) if workers >= 2 else None
    try:
        t = time.perf_counter()
        if pool:  # every batch queued at once, as the ingest queues them ahead: never idle
            for encoding in [
                pool.submit(texts[i : i + batch]) for i in range(0, len(texts), batch)
            ]:
                encoding.result()
        else:
            for i in range(0, len(texts), batch):
                store.embedder(texts[i : i + batch])
        took = time.perf_counter() - t
    finally:
        if pool:
            pool.close()
    return {"passages": len(texts), "seconds": took, "passages_per_s": len(texts) / took}


def floor(store, paths: list[str], n: int = 1024) -> dict:
    """The embedder alone on ``n`` passages of the newest archive lines, in ingest batches,
    run as a step's ingest runs it (its worker processes: every step adds far more than
    ``encoder_pool.MIN_ARTICLES``), with no other work beside it; its best of three runs."""
    from rag.ingest.archive import is_archive, load_line, read_archive
    from rag.ingest.chunk import chunk_article

    texts: list[str] = []
    for path in paths:
        if not is_archive(Path(path)):
            continue
        for line in reversed(read_archive(Path(path))):
            for art in load_line(line)[0]:
                texts += [f"{p.title}\n{p.text}" for p in chunk_article(art)]
            if len(texts) >= n:
                break
    texts = texts[:n]
    if not texts:
        return {}
    from rag.index.encoder_pool import EncoderPool

    batch, workers = store.settings.ingest_batch, store.settings.ingest_workers
    # the embedder as ingest runs it: worker processes for an ingest this size (their start
    # is left out here, counted in the ingest), else this process
    pool = EncoderPool(store.settings.embedder, workers) if workers >= 2 else None
    encode = pool.encode if pool else store.embedder
    runs = []
    try:
        for _ in range(3):  # the best of three: a moment of other load on the box is not the floor
            t, c = time.perf_counter(), cpu_s()
            for i in range(0, len(texts), batch):
                encode(texts[i : i + batch])
            runs.append((time.perf_counter() - t, cpu_s() - c))
    finally:
        if pool:
            pool.close()
    took, cpu = min(runs)
    out = {"passages": len(texts), "seconds": took, "passages_per_s": len(texts) / took}
    if pool:  # the workers' CPU time is not this process's
        out["workers"] = workers
    else:
        out["cpu_s"] = cpu
    return out


def serve(questions_file: str, quality_only: bool = False) -> dict:
    import rag
    from rag.runtime import get_retriever
    from rag.ui.articles import article_page

    questions = [json.loads(x) for x in Path(questions_file).read_text("utf-8").splitlines()]
    t0 = time.perf_counter()
    retriever = get_retriever()
    out: dict = {"load_s": time.perf_counter() - t0, "passages": len(retriever.passages)}
    out["rss_loaded_mb"] = rss_mb()
    for q in ("预热", "warm-up question", "今天的天气怎么样"):  # the embedder's first call
        rag.retrieve(q, k=5)
    latencies, hits, by_name, answers, answerable, misses = [], 0, 0, 0, 0, []
    for item in questions:
        t = time.perf_counter()
        found = rag.retrieve(item["question"], k=5)
        latencies.append(time.perf_counter() - t)
        if item.get("answerable") and item.get("sources"):
            answerable += 1
            named = bool({p.source for p in found} & set(item["sources"]))
            by_name += named
            hit = named or any(twin(p, item["sources"], questions_file) for p in found)
            hits += hit
            if not hit:
                misses.append(item["id"])
            answers += any(item["answer"] in p.text for p in found)
    cached = []  # again: the question vectors are cached now, so this is the index's share
    for item in questions:
        t = time.perf_counter()
        rag.retrieve(item["question"], k=5)
        cached.append(time.perf_counter() - t)
    out.update(
        queries=len(latencies),
        p50_ms=pct(latencies, 0.5) * 1000,
        p95_ms=pct(latencies, 0.95) * 1000,
        index_p50_ms=pct(cached, 0.5) * 1000,
        index_p95_ms=pct(cached, 0.95) * 1000,
        hit_at_5=hits / answerable if answerable else None,
        hit_at_5_by_name=by_name / answerable if answerable else None,
        answer_at_5=answers / answerable if answerable else None,
        misses=misses,
        answerable=answerable,
        load_avg=os.getloadavg()[0],
    )
    if quality_only:
        return out
    t = time.perf_counter()
    page = article_page("", 1)
    out["articles_tab_s"] = time.perf_counter() - t
    t = time.perf_counter()
    article_page(page.rows[-1]["source"][:8] if page.rows else "x", 1)
    out["articles_search_s"] = time.perf_counter() - t
    out.update(add_one(NEW_ARTICLE, NEW_QUESTION, in_process=True))
    out.update(add_one(OTHER_ARTICLE, OTHER_QUESTION, in_process=False))
    out["rss_end_mb"] = rss_mb()
    out["peak_rss_mb"] = peak_rss_mb()
    return out


_sources: dict[str, str] = {}


def twin(passage, sources: list[str], questions_file: str) -> bool:
    """Whether ``passage`` comes from a source file's text although it is cited under another
    name: the source was a near-duplicate of an article indexed before it (an archive line),
    and ingestion kept that one."""
    from rag.ingest.load import load_file

    folder = Path(questions_file).parent / "articles"
    for name in sources:
        if name not in _sources:
            _sources[name] = "\n".join(a.text for a in load_file(folder / name)[0])
        if passage.text and passage.text in _sources[name]:
            return True
    return False


def add_one(text: str, question: str, in_process: bool) -> dict:
    """Add one article and time it until ``rag.retrieve`` returns it (searchable at once?)."""
    tag = "add_inproc" if in_process else "add_cli"
    folder = Path(tempfile.mkdtemp(prefix="rag-scale-add-"))  # removed below, once searched
    path = folder / f"{tag}.txt"
    path.write_text(text, encoding="utf-8")
    try:
        return _add_and_search(path, tag, question, in_process)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _add_and_search(path: Path, tag: str, question: str, in_process: bool) -> dict:
    import rag

    t = time.perf_counter()
    if in_process:  # what an upload through the page does
        rag.index_paths([path], progress=False)
    else:
        proc = subprocess.run(
            [sys.executable, "-m", "rag.cli", "ingest", "--quiet", str(path)],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert proc.returncode == 0, proc.stderr[-1000:]
    added = time.perf_counter() - t
    found = rag.retrieve(question, k=5)
    searchable = time.perf_counter() - t
    rank = next((i + 1 for i, p in enumerate(found) if p.source == path.name), None)
    return {f"{tag}_s": added, f"{tag}_searchable_s": searchable, f"{tag}_rank": rank}


if __name__ == "__main__":
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    import logging

    logging.disable(logging.WARNING)
    task, args = sys.argv[1], sys.argv[2:]
    result = ingest(args) if task == "ingest" else serve(args[0], "--quality" in args)
    print(json.dumps(result))
