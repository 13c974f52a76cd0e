"""Retrieval quality on both dev corpora, without the model, as one Markdown table.

    python bench/retrieval_both.py                  # seeds dev set and crud-news, side by side
    python bench/retrieval_both.py --only seeds     # one corpus
    python bench/retrieval_both.py --src /tmp/old   # the ``rag`` package found under /tmp/old
    python bench/retrieval_both.py --per-item out/  # also out/<corpus>.jsonl, one line a question

Each corpus is indexed in its own temporary data dir by its own process: jieba's dictionary
is process-wide, so terms learned from one corpus must not help the other. Per answerable
question, after the retrieval the pipeline runs (``k = max(2 top_k, 8)``):

- recall@5 and MRR: the gold spans (seeds: ``evidence``; crud: ``answer``) in the top 5;
- src@5: share of gold source files with a passage in the top 5;
- shown: share of gold spans inside the snippets the model would be shown (``choose_evidence``;
  an English question is not translated, as no model runs);
- entities/q: names per question (jieba's tags plus the names learned from the corpus).

Follow-ups use their previous user turn, as ``rag eval --retrieval-only`` does. ``--src``
lets a before/after comparison run two copies of the package against the same data.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CRUD = Path(os.environ.get("RAG_CRUD_DIR", REPO / "eval" / "crud"))  # CRUD-RAG, see its README
CORPORA = {
    # name: (articles, questions, span field)
    "seeds": (REPO / "seeds", REPO / "eval" / "dev.jsonl", "evidence"),
    "crud": (CRUD / "articles", CRUD / "questions.jsonl", "answer"),
}


def items_of(path: Path, span_field: str) -> list[dict]:
    """Answerable items with their retrieval query, gold spans and gold sources."""
    items = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        it = json.loads(line)
        if not it.get("answerable", True):
            continue
        spans = it[span_field]
        previous = [h["content"] for h in it.get("history", []) if h["role"] == "user"][-1:]
        items.append(
            {
                "id": it["id"],
                "query": " ".join(previous + [it["question"]]),
                "spans": [spans] if isinstance(spans, str) else list(spans),
                "sources": list(it.get("sources", [])),
            }
        )
    return items


def measure(name: str, per_item: Path | None = None) -> dict:
    """Index corpus ``name`` in a temporary data dir and score its answerable questions."""
    import rag.eval.metrics as M
    from rag.answer.pipeline import Answerer
    from rag.answer.question import analyse_question
    from rag.config import Settings
    from rag.index.retrieve import HybridRetriever
    from rag.index.store import PassageStore

    articles, questions, span_field = CORPORA[name]
    items = items_of(questions, span_field)
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings.from_env({}, home=Path(tmp))
        t0 = time.perf_counter()
        store = PassageStore(settings)
        store.sync([articles], progress=False)
        index_s = time.perf_counter() - t0
        retriever = HybridRetriever(settings, store)
        answerer = Answerer(settings, retriever, None)  # choose_evidence never calls the model
        rows = {"recall@5": [], "MRR": [], "src@5": [], "shown": [], "entities": []}
        ms = []
        for it in items:
            t1 = time.perf_counter()
            passages = retriever.search(it["query"], k=max(settings.top_k * 2, 8))
            ms.append(1000 * (time.perf_counter() - t1))
            texts = [p.text for p in passages]
            rows["recall@5"].append(M.recall_at_k(texts, it["spans"], 5))
            rows["MRR"].append(M.reciprocal_rank(texts, it["spans"]))
            top = {Path(p.source).name for p in passages[:5]}
            rows["src@5"].append(
                sum(s in top for s in it["sources"]) / len(it["sources"])
                if it["sources"]
                else float("nan")
            )
            q = analyse_question(it["query"])
            shown = [e.quote for e in answerer.choose_evidence(q, passages, "")]
            rows["shown"].append(M.recall_at_k([" ".join(shown)], it["spans"], 1))
            rows["entities"].append(len(q.entities))
            it["scores"] = {k: v[-1] for k, v in rows.items()} | {"entities": q.entities}
    if per_item:  # one line per question: what moved between two runs
        lines = [json.dumps({"id": it["id"], **it["scores"]}, ensure_ascii=False) for it in items]
        per_item.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = {k: M.mean(v) for k, v in rows.items()}
    out.update(n=len(items), index_s=index_s, p50_ms=M.percentile(ms, 50))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", choices=sorted(CORPORA))
    ap.add_argument("--src", type=Path, default=REPO, help="folder holding the rag package")
    ap.add_argument(
        "--per-item", type=Path, help="folder for <corpus>.jsonl of per-question scores"
    )
    ap.add_argument("--child", choices=sorted(CORPORA), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        sys.path.insert(0, str(args.src))
        dump = args.per_item / f"{args.child}.jsonl" if args.per_item else None
        print(json.dumps(measure(args.child, dump)))
        return 0
    results = {}
    for name in [args.only] if args.only else list(CORPORA):
        env = {**os.environ, "PYTHONPATH": str(args.src)}
        cmd = [sys.executable, __file__, "--child", name, "--src", str(args.src)]
        if args.per_item:
            args.per_item.mkdir(parents=True, exist_ok=True)
            cmd += ["--per-item", str(args.per_item)]
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
        if done.returncode:
            print(done.stderr[-3000:], file=sys.stderr)
            return done.returncode
        results[name] = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"Retrieval without the model (`python bench/retrieval_both.py`, rag from {args.src})\n")
    print("| corpus | n | recall@5 | MRR | src@5 | shown | entities/q | index s | p50 ms |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, r in results.items():
        print(
            f"| {name} | {r['n']} | {r['recall@5']:.3f} | {r['MRR']:.3f} | {r['src@5']:.3f} "
            f"| {r['shown']:.3f} | {r['entities']:.2f} | {r['index_s']:.0f} | {r['p50_ms']:.0f} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
