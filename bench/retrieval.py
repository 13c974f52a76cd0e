"""Retrieval quality of each retriever and embedder on the dev set, as one Markdown table.

    python bench/retrieval.py > bench/RETRIEVAL.md

Indexes the seeds into a temporary data dir once per embedder, then scores recall@3, recall@5
and MRR on the answerable items (follow-ups use their previous user turn, as no model runs).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import rag.eval.metrics as M  # noqa: E402
from rag.config import Settings  # noqa: E402
from rag.eval.sets import load_items  # noqa: E402
from rag.index.retrieve import HybridRetriever  # noqa: E402
from rag.index.store import PassageStore  # noqa: E402

VARIANTS = [
    # (label, embedder, mode, fusion, bm25 weight)
    ("BM25 (jieba + bm25s)", "use", "bm25", None, None),
    ("dense: USE v3", "use", "dense", None, None),
    ("dense: e5-small", "e5", "dense", None, None),
    ("hybrid USE, reciprocal rank", "use", "hybrid", "reciprocal_rerank", 0.5),
    ("hybrid USE, relative score w=0.6", "use", "hybrid", "relative_score", 0.6),
    ("hybrid USE, dist-based score w=0.5", "use", "hybrid", "dist_based_score", 0.5),
    ("hybrid USE, dist-based score w=0.6 (default)", "use", "hybrid", "dist_based_score", 0.6),
    ("hybrid e5, dist-based score w=0.6", "e5", "hybrid", "dist_based_score", 0.6),
]


def query_of(item: dict) -> str:
    previous = [h["content"] for h in item["history"] if h["role"] == "user"][-1:]
    return " ".join(previous + [item["question"]])


def main() -> int:
    items = [it for it in load_items(REPO / "eval" / "dev.jsonl") if it["answerable"]]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        stores: dict[str, PassageStore] = {}
        for label, embedder, mode, fusion, weight in VARIANTS:
            base = Settings.from_env({}, home=Path(tmp) / embedder, embedder=embedder)
            if embedder not in stores:
                t0 = time.perf_counter()
                stores[embedder] = PassageStore(base)
                stores[embedder].sync([REPO / "seeds"], progress=False)
                print(
                    f"indexed with {embedder} in {time.perf_counter() - t0:.1f}s", file=sys.stderr
                )
            settings = base.replace(
                fusion=fusion or base.fusion, bm25_weight=weight or base.bm25_weight
            )
            retriever = HybridRetriever(settings, stores[embedder])
            r3, r5, mrr, ms = [], [], [], []
            for it in items:
                t0 = time.perf_counter()
                passages = [p.text for p in retriever.search(query_of(it), k=5, mode=mode)]
                ms.append(1000 * (time.perf_counter() - t0))
                r3.append(M.recall_at_k(passages, it["evidence"], 3))
                r5.append(M.recall_at_k(passages, it["evidence"], 5))
                mrr.append(M.reciprocal_rank(passages, it["evidence"]))
            rows.append((label, M.mean(r3), M.mean(r5), M.mean(mrr), M.percentile(ms, 50)))
    print(
        f"Retrieval on eval/dev.jsonl ({len(items)} answerable items, top 5; `python bench/retrieval.py`)\n"
    )
    print("| retriever | recall@3 | recall@5 | MRR | p50 ms |")
    print("|---|---|---|---|---|")
    for label, r3, r5, mrr, ms in rows:
        print(f"| {label} | {r3:.3f} | {r5:.3f} | {mrr:.3f} | {ms:.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
