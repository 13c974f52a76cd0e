"""Speed and memory, ours and the tutorial baseline side by side, printed as one table.

    python bench/bench.py [--n 20] [--skip-baseline] [--skip-cold] [-c name=value ...]

Measures: cold start (new process → first answer), index build for the seeds, and per
question (a fixed stratified subset of eval/dev.jsonl): retrieval, time to first token, total,
prompt and generated tokens — p50 and p95 — plus peak RSS. Timings on shared 2-core machines
drift by up to 1.7x between runs: compare rows of the same run only.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

# bench/levers.py, next to this script (its folder is sys.path[0])
from levers import levers  # noqa: E402

import rag.eval.metrics as M  # noqa: E402
from rag.answer.question import analyse_question  # noqa: E402
from rag.answer.terms import is_english  # noqa: E402
from rag.eval.run import stratified  # noqa: E402
from rag.eval.sets import load_items  # noqa: E402


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cold_start(question: str, home: Path) -> float:
    """Seconds from a new Python process to its first answer (index exists, model assembled)."""
    code = f"import rag; rag.ask({question!r})"
    t0 = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "RAG_HOME": str(home)},
        check=True,
        capture_output=True,
        cwd=REPO,
    )
    return time.perf_counter() - t0


def index_build(settings) -> float:
    """Seconds to clean, chunk, embed and index the seeds into an empty store (+ BM25)."""
    from rag.index.retrieve import HybridRetriever
    from rag.index.store import PassageStore

    with tempfile.TemporaryDirectory() as tmp:
        s = settings.replace(home=Path(tmp))
        t0 = time.perf_counter()
        store = PassageStore(s)
        store.sync([Path(s.seeds)], progress=False)
        HybridRetriever(s, store)
        return time.perf_counter() - t0


def prefill_rate(model) -> float:
    """This machine's prefill speed right now (tokens/s, a two-snippet user turn after the
    cached system turn): shared hosts drift up to 1.7x, so each run reports its own."""
    from prefill import time_prefill  # bench/prefill.py, next to this script

    if not hasattr(model, "llm"):
        return float("nan")  # not a llama.cpp model
    with model.lock:
        n, seconds = time_prefill(model.llm, repeats=3)
    return n / seconds


def run_questions(name: str, ask, items: list[dict]) -> dict:
    rows = []
    for it in items:
        a = ask(it["question"], it["history"])
        rows.append(
            {
                "retrieval_ms": 1000 * a.timings.get("retrieval_s", float("nan")),
                "ttft_s": a.timings.get("ttft_s", float("nan")),
                "total_s": a.timings.get("total_s", float("nan")),
                "prompt_tokens": a.prompt_tokens,
                "completion_tokens": a.completion_tokens,
            }
        )
        print(
            f"  {name} {it['id']:<12} ttft {rows[-1]['ttft_s']:5.1f}s total {rows[-1]['total_s']:5.1f}s "
            f"prompt {a.prompt_tokens:4d} gen {a.completion_tokens:3d}",
            flush=True,
        )
    out: dict = {}
    for key in rows[0]:
        vals = [r[key] for r in rows]
        out[key] = {"p50": M.percentile(vals, 50), "p95": M.percentile(vals, 95)}
    out["per_question"] = {it["id"]: row for it, row in zip(items, rows)}
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=20)
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument("--skip-cold", action="store_true")
    parser.add_argument("--skip-levers", action="store_true")
    parser.add_argument("-c", "--config", action="append", default=[])
    args = parser.parse_args()
    for pair in args.config:
        k, _, v = pair.partition("=")
        os.environ[f"RAG_{k.upper()}"] = v

    from rag.config import get_settings
    from rag.runtime import get_answerer, get_model, get_retriever

    settings = get_settings()
    items = stratified(load_items(REPO / "eval" / "dev.jsonl"), args.n)
    result: dict = {
        "date": date.today().isoformat(),
        "n": len(items),
        "settings": {
            k: str(getattr(settings, k))
            for k in (
                "top_k",
                "snippet_chars",
                "later_snippet_chars",
                "top_k_single",
                "chunk_chars",
                "n_ctx",
                "n_batch",
                "n_threads",
                "max_tokens",
            )
        },
    }

    result["index_build_s"] = index_build(settings)
    retriever = get_retriever(settings)  # builds the real index once if empty
    get_model(settings)
    if not args.skip_cold:
        result["cold_start_s"] = cold_start(items[0]["question"], settings.home)
    t0 = time.perf_counter()
    for it in items:
        retriever.search(it["question"], k=8)
    result["retrieval_only_ms_mean"] = 1000 * (time.perf_counter() - t0) / len(items)

    answerer = get_answerer(settings)
    answerer.ask("预热问题:腾讯的营收是多少?")  # page in the weights: warm-model numbers
    result["prefill_tok_s_before"] = prefill_rate(answerer.model)
    result["ours"] = run_questions("ours", answerer.ask, items)
    result["prefill_tok_s_after"] = prefill_rate(answerer.model)
    if not args.skip_levers:
        plain = [it for it in items if it["answerable"] and not it["history"]]
        single = [
            it
            for it in plain
            if not is_english(it["question"]) and not analyse_question(it["question"]).several
        ]
        helped = [it for it in items if it["history"] or is_english(it["question"])]
        result["levers"] = levers(settings, answerer, plain[:5], single[:5], helped[:4])
    if not args.skip_baseline:
        from rag.eval.baseline import BaselinePipeline

        t1 = time.perf_counter()
        seeds = Path(settings.seeds or REPO / "seeds")  # the dev set was written from them
        base = BaselinePipeline(seeds, retriever.store.embedder, get_model(settings))
        result["baseline_index_build_s"] = time.perf_counter() - t1
        result["baseline"] = run_questions("baseline", base.ask, items)
    result["peak_rss_mb"] = peak_rss_mb()

    print(render(result))
    out = REPO / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / f"{result['date']}.json").write_text(json.dumps(result, indent=1))
    return 0


def render(r: dict) -> str:
    lines = [
        f"bench {r['date']} · {r['n']} questions · settings {r['settings']}",
        "",
        "| metric | ours p50 | ours p95 | baseline p50 | baseline p95 |",
        "|---|---|---|---|---|",
    ]
    for key, label in (
        ("retrieval_ms", "retrieval (ms)"),
        ("ttft_s", "time to first token (s)"),
        ("total_s", "full answer (s)"),
        ("prompt_tokens", "prompt tokens"),
        ("completion_tokens", "generated tokens"),
    ):
        o = r["ours"][key]
        b = r.get("baseline", {}).get(key, {"p50": float("nan"), "p95": float("nan")})
        lines.append(
            f"| {label} | {o['p50']:.1f} | {o['p95']:.1f} | {b['p50']:.1f} | {b['p95']:.1f} |"
        )
    lines += [
        "",
        "| one-off | value |",
        "|---|---|",
        f"| index build, seeds (s) | {r['index_build_s']:.1f} |",
        f"| baseline index build (s) | {r.get('baseline_index_build_s', float('nan')):.1f} |",
        f"| cold start: new process → first answer (s) | {r.get('cold_start_s', float('nan')):.1f} |",
        f"| retrieval only, mean (ms) | {r['retrieval_only_ms_mean']:.1f} |",
        f"| peak RSS (MB) | {r['peak_rss_mb']:.0f} |",
        f"| prefill speed before / after our questions (tokens/s) | "
        f"{r.get('prefill_tok_s_before', float('nan')):.0f} / "
        f"{r.get('prefill_tok_s_after', float('nan')):.0f} |",
    ]
    if "baseline" in r:
        ratio = r["baseline"]["ttft_s"]["p50"] / r["ours"]["ttft_s"]["p50"]
        lines.append(f"| TTFT speed-up vs baseline (p50) | {ratio:.1f}x |")
    if "levers" in r:
        lines += [
            "",
            "| lever (same run, 4–5 questions each) | TTFT mean (s) | prompt tokens mean |",
            "|---|---|---|",
        ]
        for name, value in r["levers"].items():
            if isinstance(value, (list, tuple)):
                lines.append(f"| {name} | {value[0]:.1f} | {value[1]:.0f} |")
            else:
                lines.append(f"| {name} | {value:.2f} | |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
