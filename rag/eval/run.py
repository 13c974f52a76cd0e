"""Batch evaluation: run an eval set through a pipeline and score every item.

``rag eval`` writes ``eval/reports/<date>-<sha>.json`` / ``.md`` / ``.png``. Formulas live in
``rag.eval.metrics``; this module only runs pipelines and aggregates.
"""

from __future__ import annotations

import math
import subprocess
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from tqdm import tqdm

import rag.eval.metrics as M
from rag.eval.claims import is_latin
from rag.eval.metrics import METRICS, K


@dataclass
class ItemResult:
    id: str
    category: str
    question: str
    answerable: bool
    answer: str = ""
    abstained: bool = False
    cited_sources: list[str] = field(default_factory=list)
    retrieved: list[str] = field(default_factory=list)  # sources of top-K passages
    scores: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    passages: list[dict] = field(default_factory=list)  # cited (or retrieved) texts, for the report
    shown: list[dict] = field(default_factory=list)  # the snippets the model read


def stratified(items: list[dict], n: int) -> list[dict]:
    """A fixed subset of ``n`` items that keeps every category (round-robin in file order)."""
    by_cat: dict[str, list[dict]] = {}
    for it in items:
        by_cat.setdefault(it["category"], []).append(it)
    out: list[dict] = []
    while len(out) < min(n, len(items)):
        for cat in sorted(by_cat):
            if by_cat[cat] and len(out) < n:
                out.append(by_cat[cat].pop(0))
    return out


def score_retrieval(item: dict, passages: list[str]) -> dict[str, float]:
    if not item["answerable"]:
        return {}
    return {
        f"recall@{K}": M.recall_at_k(passages, item["evidence"], K),
        "mrr": M.reciprocal_rank(passages, item["evidence"]),
    }


def score_answer(item: dict, answer, judge) -> dict[str, float]:
    """All answer metrics of one item (judge may be None: LLM-judged metrics are skipped)."""
    scaled = is_latin(item["question"])
    # a citation shows its article's title above the passage: a claim may rest on either
    cited = {c.n: f"{c.title}\n{c.text}" for c in answer.citations}
    s: dict[str, float] = {
        "latency_s": answer.timings.get("total_s", math.nan),
        "ttft_s": answer.timings.get("ttft_s", math.nan),
        "prompt_tokens": answer.prompt_tokens,
        "completion_tokens": answer.completion_tokens,
    }
    if not item["answerable"]:
        s["abstention_acc"] = float(answer.abstained)
        return s
    s["over_refusal"] = float(answer.abstained)
    s["correct"] = (
        0.0 if answer.abstained else M.answer_correct(item["must_include"], answer.text, scaled)
    )
    # the reference only as written (no other form of it): shown beside "correct"
    s["exact"] = (
        0.0
        if answer.abstained
        else M.answer_correct(item["must_include"], answer.text, scaled, exact=True)
    )
    s["citation_hit"] = M.citation_hit([c.source for c in answer.citations], item["sources"])
    s["evidence_recall"] = M.evidence_recall(
        item["must_include"], [(c.source, c.quote) for c in answer.shown], item["sources"]
    )
    s["ungrounded_numbers"] = (
        float(M.ungrounded_numbers(answer.text, cited, answer.standalone_question, scaled))
        if not answer.abstained
        else 0.0
    )
    if judge is not None and not answer.abstained:
        context = "\n".join(cited.values()) or "\n".join(p.text for p in answer.passages[:3])
        s["citation_recall"] = M.citation_recall(answer.text, cited, judge)
        s["citation_precision"] = M.citation_precision(answer.text, cited, judge)
        s["faithfulness"] = M.faithfulness(answer.text, context, judge)
    return s


def run_pipeline(
    name: str, ask, retrieve, items: list[dict], judge, retrieval_only: bool
) -> list[ItemResult]:
    results = []
    for item in tqdm(items, desc=f"eval {name}", unit="q"):
        r = ItemResult(item["id"], item["category"], item["question"], item["answerable"])
        if retrieval_only:
            query = " ".join(
                [h["content"] for h in item["history"] if h["role"] == "user"][-1:]
                + [item["question"]]
            )
            passages = retrieve(query, K)
            r.retrieved = [p.source for p in passages]
            r.scores = score_retrieval(item, [p.text for p in passages])
            results.append(r)
            continue
        answer = ask(item["question"], item["history"])
        r.answer, r.abstained, r.notes = answer.text, answer.abstained, answer.notes
        r.cited_sources = [c.source for c in answer.citations]
        r.retrieved = [p.source for p in answer.passages[:K]]
        r.passages = [{"n": c.n, "source": c.source, "text": c.text} for c in answer.citations] or [
            {"n": 0, "source": p.source, "text": p.text[:300]} for p in answer.passages[:2]
        ]
        r.shown = [{"n": c.n, "source": c.source, "text": c.quote} for c in answer.shown]
        r.scores = {
            **score_retrieval(item, [p.text for p in answer.passages]),
            **score_answer(item, answer, judge),
        }
        results.append(r)
    return results


def aggregate(results: list[ItemResult]) -> dict:
    """Mean of each metric overall and per category; latency percentiles; token means."""

    def agg(rs: list[ItemResult]) -> dict[str, float]:
        out = {m: M.mean([r.scores.get(m, math.nan) for r in rs]) for m in METRICS}
        out["ungrounded_answers"] = float(
            sum(1 for r in rs if r.scores.get("ungrounded_numbers", 0) > 0)
        )
        out["n"] = len(rs)
        return out

    cats = sorted({r.category for r in results})
    lat = [r.scores.get("latency_s", math.nan) for r in results]
    ttft = [r.scores.get("ttft_s", math.nan) for r in results]
    return {
        "overall": agg(results),
        "by_category": {c: agg([r for r in results if r.category == c]) for c in cats},
        "latency": {
            "p50_s": M.percentile(lat, 50),
            "p95_s": M.percentile(lat, 95),
            "ttft_p50_s": M.percentile(ttft, 50),
            "ttft_p95_s": M.percentile(ttft, 95),
            "prompt_tokens_mean": M.mean(
                [r.scores.get("prompt_tokens", math.nan) for r in results]
            ),
            "completion_tokens_mean": M.mean(
                [r.scores.get("completion_tokens", math.nan) for r in results]
            ),
        },
    }


def git_sha() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "nogit"


def main(args) -> int:
    """``rag eval``: each set of ``--set`` over its own corpus and data dir, a report per set,
    and with several sets one side-by-side table and chart."""
    from rag.eval.report import compare_reports, write_report

    if args.compare:
        print(compare_reports(*args.compare))
        return 0
    from rag import runtime
    from rag.config import get_settings
    from rag.eval.sets import index_corpus, resolve_sets, set_settings
    from rag.eval.sidebyside import write_side_by_side

    settings = get_settings()
    sets = resolve_sets(args.set_path, getattr(args, "corpus", None))
    model = judge = None
    reports: dict[str, dict] = {}
    for evalset in sets:
        ss = set_settings(settings, evalset)
        print(f"[{evalset.name}] {evalset.questions} over {evalset.corpus}")
        print(f"  index: $RAG_HOME/eval/{evalset.index} · {index_corpus(ss, evalset.corpus)}")
        retriever = runtime.get_retriever(ss)  # a new data dir: the previous set's state goes
        if not args.retrieval_only:
            if model is None:
                model = runtime.get_model(ss)
            else:
                runtime.use_model(model, ss)  # loaded once, whatever the set
            if judge is None and not args.no_judge:
                from rag.eval.judge import NLIJudge

                judge = NLIJudge(model)
        calls = judge.calls if judge else 0
        runs = run_set(evalset, ss, retriever, model, judge, args)
        reports[evalset.name] = {
            "date": date.today().isoformat(),
            "sha": git_sha(),
            "set": str(evalset.questions),
            "set_name": evalset.name,
            "corpus": str(evalset.corpus),
            "n_items": len(runs["ours"]["items"]),
            "settings": settings.public(),  # not the set's: those name the data dir and model file
            "judge_calls": (judge.calls - calls) if judge else 0,
            "runs": runs,
        }
    if judge is not None and Path("eval/judge_labels.jsonl").exists():
        from rag.eval.report import judge_agreement

        check = judge_agreement(judge, "eval/judge_labels.jsonl")
        for report in reports.values():
            report["judge_check"] = check
    paths = [p for r in reports.values() for p in write_report(r, Path(args.out))]
    if len(reports) > 1:
        paths += write_side_by_side(reports, Path(args.out))
    for p in paths:
        print(f"wrote {p}")
    return 0


def run_set(evalset, settings, retriever, model, judge, args) -> dict[str, dict]:
    """Our pipeline (and the retrieval modes or the baseline when asked) over one set."""
    from rag import runtime
    from rag.eval.sets import load_items

    items = load_items(evalset.questions, args.limit)
    runs: dict[str, dict] = {}
    t0 = time.perf_counter()
    ours = run_pipeline(
        f"{evalset.name} ours",
        (lambda q, h: runtime.get_answerer(settings).ask(q, h)),
        retriever.search,
        items,
        judge,
        args.retrieval_only,
    )
    runs["ours"] = {
        "summary": aggregate(ours),
        "items": [r.__dict__ for r in ours],
        "seconds": time.perf_counter() - t0,
    }
    if args.retrieval_only:
        for mode in ("bm25", "dense"):
            res = run_pipeline(
                mode, None, lambda q, k, m=mode: retriever.search(q, k, mode=m), items, None, True
            )
            runs[mode] = {"summary": aggregate(res), "items": [r.__dict__ for r in res]}
    if getattr(args, "baseline", False):
        from rag.eval.baseline import BaselinePipeline

        subset = stratified(items, args.baseline_n) if args.baseline_n else items
        model = model or runtime.get_model(settings)  # not loaded for --retrieval-only
        base = BaselinePipeline(Path(settings.seeds), retriever.store.embedder, model)
        t1 = time.perf_counter()
        res = run_pipeline(
            f"{evalset.name} baseline", base.ask, base.retrieve, subset, judge, args.retrieval_only
        )
        runs["baseline"] = {
            "summary": aggregate(res),
            "items": [r.__dict__ for r in res],
            "seconds": time.perf_counter() - t1,
        }
        ids = {it["id"] for it in subset}
        runs["ours_on_baseline_subset"] = {"summary": aggregate([r for r in ours if r.id in ids])}
    return runs
