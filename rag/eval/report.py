"""Eval reports: JSON (everything), Markdown (tables + worst failures), PNG (metrics by category)."""

from __future__ import annotations

import json
import math
from pathlib import Path

from rag.eval.metrics import METRICS

# the per-item count of ungrounded numbers is shown as the number of answers that had any
SHOWN = tuple(m for m in METRICS if m != "ungrounded_numbers") + ("ungrounded_answers",)


def fmt(v) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "–"
    if isinstance(v, float) and not v.is_integer():
        return f"{v:.2f}"
    return str(int(v)) if isinstance(v, float) else str(v)


def _table(rows: dict[str, dict], cols=SHOWN) -> list[str]:
    lines = ["| | n | " + " | ".join(cols) + " |", "|---|---|" + "---|" * len(cols)]
    for name, s in rows.items():
        lines.append(
            f"| {name} | {fmt(s.get('n'))} | " + " | ".join(fmt(s.get(c)) for c in cols) + " |"
        )
    return lines


def render_markdown(report: dict) -> str:
    runs = report["runs"]
    lines = [
        f"# Eval report {report['date']} ({report['sha']})",
        "",
        f"Set `{report['set']}`"
        + (f" over `{report['corpus']}`" if report.get("corpus") else "")
        + f", {report['n_items']} items. Judge calls: {report.get('judge_calls', 0)}.",
        "",
        "## Pipelines side by side",
        "",
    ]
    lines += _table({name: r["summary"]["overall"] for name, r in runs.items()})
    lines += [
        "",
        "Latency (seconds) and tokens per question:",
        "",
        "| | p50 | p95 | TTFT p50 | TTFT p95 | prompt tokens | generated tokens |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, r in runs.items():
        lat = r["summary"].get("latency", {})
        if lat:
            lines.append(
                f"| {name} | "
                + " | ".join(
                    fmt(lat.get(k))
                    for k in (
                        "p50_s",
                        "p95_s",
                        "ttft_p50_s",
                        "ttft_p95_s",
                        "prompt_tokens_mean",
                        "completion_tokens_mean",
                    )
                )
                + " |"
            )
    for name, r in runs.items():
        if "by_category" not in r["summary"]:
            continue
        lines += ["", f"## {name}: by category", ""]
        lines += _table(r["summary"]["by_category"])
    if "judge_check" in report:
        jc = report["judge_check"]
        lines += [
            "",
            "## Judge check",
            "",
            f"The NLI judge agreed with {jc['agree']}/{jc['n']} hand labels ({jc['accuracy']:.0%}); "
            f"false 'supported': {jc['false_yes']}, false 'not supported': {jc['false_no']}.",
        ]
    ours = runs.get("ours", {}).get("items", [])
    worst = sorted((i for i in ours if i["scores"]), key=_badness, reverse=True)[:8]
    if worst:
        lines += ["", "## Worst failures (ours)", ""]
        for w in worst:
            if _badness(w) <= 0:
                break
            lines += [
                f"### {w['id']} ({w['category']})",
                f"- Q: {w['question']}",
                f"- A: {w['answer']}",
                "- scores: "
                + ", ".join(
                    f"{k}={fmt(v)}" for k, v in w["scores"].items() if k in SHOWN or k == "correct"
                ),
                f"- notes: {'; '.join(w['notes'])}",
            ]
            for p in w["passages"][:2]:
                lines.append(f"- [{p['n']}] {p['source']}: {p['text'][:160]}")
            lines.append("")
    return "\n".join(lines) + "\n"


def _badness(item: dict) -> float:
    s = item["scores"]
    if "abstention_acc" in s:
        return 1.0 - s["abstention_acc"]
    return (
        (1 - s.get("correct", 1))
        + (1 - s.get("citation_hit", 1)) * 0.5
        + s.get("ungrounded_numbers", 0)
    )


def render_chart(report: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cats = report["runs"]["ours"]["summary"]["by_category"]
    metrics = [
        "recall@5",
        "evidence_recall",
        "correct",
        "citation_hit",
        "faithfulness",
        "abstention_acc",
    ]
    names = list(cats)
    fig, ax = plt.subplots(figsize=(max(8, len(names) * 1.1), 4.5))
    width = 0.8 / len(metrics)
    for i, m in enumerate(metrics):
        vals = [cats[c].get(m) for c in names]
        vals = [0 if v is None or (isinstance(v, float) and math.isnan(v)) else v for v in vals]
        ax.bar([x + i * width for x in range(len(names))], vals, width, label=m)
    ax.set_xticks([x + 0.4 - width / 2 for x in range(len(names))], names, rotation=30, ha="right")
    ax.set_ylim(0, 1.05)
    name = f"{report['set_name']}: " if report.get("set_name") else ""
    ax.set_title(f"{name}eval by category — {report['date']} ({report['sha']})")
    ax.legend(fontsize=8, ncols=len(metrics), loc="upper center", bbox_to_anchor=(0.5, -0.28))
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_report(report: dict, out_dir: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = report_stem(report)
    paths = [out_dir / f"{stem}.json", out_dir / f"{stem}.md"]
    paths[0].write_text(
        json.dumps(report, ensure_ascii=False, indent=1, default=str), encoding="utf-8"
    )
    paths[1].write_text(render_markdown(report), encoding="utf-8")
    if "by_category" in report["runs"]["ours"]["summary"]:
        png = out_dir / f"{stem}.png"
        render_chart(report, png)
        paths.append(png)
    return paths


def report_stem(report: dict, suffix: str = "") -> str:
    """File name stem of a report: ``<date>-<sha>[-<set>]``, or with ``suffix`` instead.

    >>> report_stem({"date": "2026-01-01", "sha": "abc", "set_name": "news"})
    '2026-01-01-abc-news'
    """
    tail = suffix or report.get("set_name", "")
    return f"{report['date']}-{report['sha']}" + (f"-{tail}" if tail else "")


def compare_reports(a_path: str, b_path: str) -> str:
    """Metric differences B − A for each run both reports share."""
    a = json.loads(Path(a_path).read_text(encoding="utf-8"))
    b = json.loads(Path(b_path).read_text(encoding="utf-8"))
    lines = [f"{Path(a_path).name} → {Path(b_path).name}"]
    for run in sorted(set(a["runs"]) & set(b["runs"])):
        sa, sb = a["runs"][run]["summary"]["overall"], b["runs"][run]["summary"]["overall"]
        lines.append(f"[{run}]")
        for m in SHOWN:
            va, vb = sa.get(m), sb.get(m)
            if (
                va is None
                or vb is None
                or any(isinstance(v, float) and math.isnan(v) for v in (va, vb))
            ):
                continue
            lines.append(f"  {m:20s} {va:7.3f} → {vb:7.3f}  ({vb - va:+.3f})")
    return "\n".join(lines)


def judge_agreement(judge, labels_path: str) -> dict:
    """Agreement of the NLI judge with hand labels ({claim, premise, supported} per line)."""
    rows = [
        json.loads(x)
        for x in Path(labels_path).read_text(encoding="utf-8").splitlines()
        if x.strip()
    ]
    agree = false_yes = false_no = 0
    for r in rows:
        verdict = judge(r["claim"], r["premise"])
        if verdict == r["supported"]:
            agree += 1
        elif verdict:
            false_yes += 1
        else:
            false_no += 1
    return {
        "n": len(rows),
        "agree": agree,
        "accuracy": agree / max(1, len(rows)),
        "false_yes": false_yes,
        "false_no": false_no,
    }
