"""The speed levers of ``bench/bench.py``: each one measured on and off in the same run.

Imported by bench.py (which puts the repository root on ``sys.path`` first), not run alone.
"""

from __future__ import annotations

import time

import rag.eval.metrics as M


def levers(settings, answerer, items: list[dict], single: list[dict], helped: list[dict]) -> dict:
    """Each speed lever measured on/off in the same run (same questions, warm model).

    ``items``: answerable questions without history; ``single``: Chinese questions that ask one
    thing; ``helped``: follow-ups and English questions (a rewrite or translation runs first).
    """
    import shutil
    from unittest.mock import patch  # a lever switched off is restored even when a run fails

    import rag.answer.pipeline as answer_module
    from rag.answer.pipeline import Answerer
    from rag.index.retrieve import HybridRetriever
    from rag.models.prompts import render as render_prompt

    def ttft(a, qs) -> tuple[float, float]:
        runs = [a.ask(it["question"], it["history"]) for it in qs]
        return M.mean([r.timings["ttft_s"] for r in runs]), M.mean([r.prompt_tokens for r in runs])

    out: dict[str, object] = {}
    model = answerer.model
    out["pinned system-prompt cache (default)"] = ttft(answerer, items)
    with patch.object(model, "_prepare_cache", lambda messages: model.llm.reset()):  # no reuse
        out["no KV-cache reuse"] = ttft(answerer, items)

    def ttft_after_other_prompt(qs, keep_snapshots: bool) -> tuple[float, float]:
        """Each question right after a call with another system turn (a re-read, a judge)."""
        runs = []
        for it in qs:
            other = [
                {"role": "system", "content": "You judge answers."},
                {"role": "user", "content": "ok?"},
            ]
            model.complete(other, max_tokens=1)
            if not keep_snapshots:
                model._prefix_states.clear()
            runs.append(answerer.ask(it["question"]))
        return M.mean([r.timings["ttft_s"] for r in runs]), M.mean([r.prompt_tokens for r in runs])

    out["after another system turn: KV snapshot restored (default)"] = ttft_after_other_prompt(
        items, keep_snapshots=True
    )
    out["after another system turn: system turn evaluated again"] = ttft_after_other_prompt(
        items, keep_snapshots=False
    )
    wide = settings.replace(top_k=4, snippet_chars=150, later_snippet_chars=150)
    out["top_k=4, 150-char snippets (earlier default)"] = ttft(
        Answerer(wide, answerer.retriever, model), items
    )
    whole = settings.replace(top_k=4, snippet_chars=400, later_snippet_chars=400)
    out["top_k=4, whole passages"] = ttft(Answerer(whole, answerer.retriever, model), items)
    short = settings.replace(later_snippet_chars=100)
    out[f"single-ask: fallback snippet {settings.later_snippet_chars} chars (default)"] = ttft(
        answerer, single
    )
    out["single-ask: fallback snippet 100 chars"] = ttft(
        Answerer(short, answerer.retriever, model), single
    )

    out["single-ask: one snippet when [1] answers alone (default)"] = ttft(answerer, single)
    with patch.object(answer_module, "answers_alone", lambda q, e: False):
        out["single-ask: always two snippets"] = ttft(answerer, single)

    follow_ups = [it for it in helped if it["history"]]
    out["follow-up: 那X呢 swapped into the last question (default)"] = ttft(answerer, follow_ups)
    # the model rewrites every follow-up (no 那X呢 swap) in both rewrite/translate rows below
    with patch.object(answer_module, "swap_follow_up", lambda previous, follow_up: None):
        out["follow-up: every one rewritten by the model"] = ttft(answerer, follow_ups)
        out["rewrite/translate: instructions cached as a system turn (default)"] = ttft(
            answerer, helped
        )

        def instructions_in_user_turn(name: str, user: str) -> list[dict]:
            return [{"role": "user", "content": render_prompt(f"{name}_system") + "\n" + user}]

        with patch.object(answer_module, "task_messages", instructions_in_user_turn):
            out["rewrite/translate: instructions read with each question"] = ttft(answerer, helped)

    store = answerer.retriever.store
    t0 = time.perf_counter()
    HybridRetriever(settings, store)
    out["retriever start, BM25 loaded from disk (s)"] = time.perf_counter() - t0
    shutil.rmtree(settings.home / "bm25", ignore_errors=True)
    t0 = time.perf_counter()
    HybridRetriever(settings, store)
    out["retriever start, BM25 rebuilt (s)"] = time.perf_counter() - t0
    from rag.index.embed import _cached_query

    _cached_query.cache_clear()
    q = items[0]["question"]
    t0 = time.perf_counter()
    answerer.retriever.search(q)
    out["retrieval, new question (ms)"] = 1000 * (time.perf_counter() - t0)
    t0 = time.perf_counter()
    answerer.retriever.search(q)
    out["retrieval, repeated question (ms)"] = 1000 * (time.perf_counter() - t0)
    return out
