"""The outcome of each ``bench/soak.py`` request and the Markdown report of a soak run."""

from __future__ import annotations

import argparse
import math
from dataclasses import dataclass, field


@dataclass
class Result:
    client: int
    item_id: str
    question: str
    gold: list[str]
    outcome: str = "skipped"  # ok | wrong | error | skipped
    latency_s: float | None = None
    detail: str = ""
    cited: list[str] = field(default_factory=list)


def judge(res: Result, reply: object) -> None:
    """Fill in the outcome of one request from the ``/ask`` reply."""
    if not isinstance(reply, dict):
        res.outcome, res.detail = "error", f"unexpected reply type {type(reply).__name__}"
        return
    text = (reply.get("text") or "").strip()
    res.cited = sorted({c.get("source", "") for c in reply.get("citations") or []})
    if not text:
        res.outcome, res.detail = "error", "empty answer"
    elif not set(res.cited) & set(res.gold):
        res.outcome = "wrong"
        res.detail = "abstained" if reply.get("abstained") else "no gold source cited"
    else:
        res.outcome = "ok"
    if res.outcome != "error" and reply.get("question") not in (None, res.question):
        res.outcome, res.detail = "error", f"reply is for another question: {reply['question']!r}"


def pct(values: list[float], q: float) -> float:
    """Nearest-rank percentile. ``pct([1, 2, 3, 4], 0.5)`` is 2."""
    s = sorted(values)
    return s[max(0, math.ceil(q * len(s)) - 1)]


def report(results: list[Result], wall: float, args: argparse.Namespace, warm: float | None) -> str:
    counts = {k: sum(r.outcome == k for r in results) for k in ("ok", "wrong", "error", "skipped")}
    done = [r.latency_s for r in results if r.latency_s is not None and r.outcome != "skipped"]
    answered = counts["ok"] + counts["wrong"]
    lat = (
        (f"{pct(done, 0.5):.1f}", f"{pct(done, 0.95):.1f}", f"{max(done):.1f}")
        if done
        else ("–", "–", "–")
    )
    lines = [
        f"clients {args.clients} × questions {args.questions} = {len(results)} requests · "
        f"wall {wall:.0f} s (bound {args.max_seconds:.0f} s)"
        + (f" · warm-up {warm:.1f} s (not counted)" if warm is not None else ""),
        "",
        "| requests | ok | wrong | errors | skipped | p50 s | p95 s | max s | answers/min |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        f"| {len(results)} | {counts['ok']} | {counts['wrong']} | {counts['error']} | "
        f"{counts['skipped']} | {lat[0]} | {lat[1]} | {lat[2]} | {answered / wall * 60:.2f} |",
        "",
        "| client | item | question | outcome | latency s | cited | detail |",
        "|---:|---|---|---|---:|---|---|",
    ]
    for r in results:
        t = f"{r.latency_s:.1f}" if r.latency_s is not None else "–"
        q = r.question.replace("|", "\\|")
        detail = r.detail.replace("|", "\\|").replace("\n", " ")
        lines.append(
            f"| {r.client} | {r.item_id} | {q} | {r.outcome} | {t} | "
            f"{', '.join(r.cited) or '–'} | {detail} |"
        )
    lines.append("")
    lines.append(
        "Latency is per request as a client sees it, queue wait included (one model answers "
        "one question at a time). Wrong = no gold source among the citations; errors = "
        "exceptions, timeouts, empty answers."
    )
    return "\n".join(lines)
