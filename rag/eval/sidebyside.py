"""Eval sets side by side: one Markdown table (rows = metrics, columns = sets) and one bar
chart, written next to the per-set reports as ``<date>-<sha>-sets.{md,png}``."""

from __future__ import annotations

import math
from pathlib import Path

from rag.eval.metrics import METRICS
from rag.eval.report import SHOWN, fmt, report_stem

# latency rows under the metric rows: (key in the summary's "latency", label)
LATENCY = (("ttft_p50_s", "TTFT p50 (s)"), ("p50_s", "latency p50 (s)"))
# the 0..1 metrics the chart shows (counts and seconds have other scales)
CHARTED = tuple(m for m in METRICS if m != "ungrounded_numbers")


def columns(reports: dict[str, dict], baselines: bool = True) -> dict[str, dict]:
    """The summary of each column: our pipeline on every set, then the baseline where it ran.

    >>> ours = {"overall": {"correct": 0.9}}
    >>> r = {"runs": {"ours": {"summary": ours}, "baseline": {"summary": {"overall": {}}}}}
    >>> list(columns({"a": r, "b": {"runs": {"ours": {"summary": ours}}}}))
    ['a', 'b', 'a baseline']
    """
    cols = {name: r["runs"]["ours"]["summary"] for name, r in reports.items()}
    if baselines:
        for name, r in reports.items():
            if "baseline" in r["runs"]:
                cols[f"{name} baseline"] = r["runs"]["baseline"]["summary"]
    return cols


def side_by_side_table(reports: dict[str, dict]) -> list[str]:
    """Markdown rows: one per metric (then latency), one column per set and pipeline.

    >>> s = {"overall": {"n": 3, "correct": 0.5}, "latency": {"ttft_p50_s": 2.25}}
    >>> rows = side_by_side_table({"a": {"runs": {"ours": {"summary": s}}}})
    >>> rows[0], rows[2], [r for r in rows if r.startswith("| correct")]
    ('| metric | a |', '| n | 3 |', ['| correct | 0.50 |'])
    """
    cols = columns(reports)
    lines = ["| metric | " + " | ".join(cols) + " |", "|---|" + "---|" * len(cols)]
    for m in ("n", *SHOWN):
        lines.append(
            f"| {m} | " + " | ".join(fmt(c["overall"].get(m)) for c in cols.values()) + " |"
        )
    for key, label in LATENCY:
        values = (fmt(c.get("latency", {}).get(key)) for c in cols.values())
        lines.append(f"| {label} | " + " | ".join(values) + " |")
    return lines


def render_side_by_side(reports: dict[str, dict]) -> str:
    """The side-by-side Markdown report: what each set is, the table, where the details are."""
    first = next(iter(reports.values()))
    lines = [f"# Eval sets side by side {first['date']} ({first['sha']})", ""]
    for name, r in reports.items():
        lines.append(
            f"- **{name}**: `{r['set']}` over `{r.get('corpus', '?')}`, {r['n_items']} items "
            f"(details: `{report_stem(r)}.md`)"
        )
    lines += ["", *side_by_side_table(reports), ""]
    lines.append(
        "evidence_recall: share of gold answer spans inside a snippet the model was shown "
        "(from a gold source); abstention_acc on unanswerable items; over_refusal = answerable "
        "items refused. Formulas: `rag/eval/metrics.py`."
    )
    return "\n".join(lines) + "\n"


def render_side_by_side_chart(reports: dict[str, dict], path: Path) -> None:
    """Grouped bars: one group per 0..1 metric, one bar per set (our pipeline)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cols = columns(reports, baselines=False)
    first = next(iter(reports.values()))
    fig, ax = plt.subplots(figsize=(max(9, len(CHARTED) * 0.9), 4.8))
    width = 0.8 / len(cols)
    for i, (name, summary) in enumerate(cols.items()):
        raw = [summary["overall"].get(m) for m in CHARTED]
        vals = [0 if v is None or math.isnan(v) else v for v in raw]
        label = f"{name} (n={fmt(summary['overall'].get('n'))})"
        bars = ax.bar([x + i * width for x in range(len(CHARTED))], vals, width, label=label)
        ax.bar_label(bars, labels=[fmt(v) for v in raw], fontsize=6, padding=1)
    ticks = [x + 0.4 - width / 2 for x in range(len(CHARTED))]
    ax.set_xticks(ticks, CHARTED, rotation=30, ha="right")
    ax.set_ylim(0, 1.1)
    ax.set_title(f"Eval sets side by side — {first['date']} ({first['sha']})")
    ax.legend(fontsize=8, loc="upper right")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_side_by_side(reports: dict[str, dict], out_dir: Path) -> list[Path]:
    """Write ``<date>-<sha>-sets.md`` and ``.png``; returns their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = report_stem(next(iter(reports.values())), suffix="sets")
    md, png = out_dir / f"{stem}.md", out_dir / f"{stem}.png"
    md.write_text(render_side_by_side(reports), encoding="utf-8")
    render_side_by_side_chart(reports, png)
    return [md, png]
