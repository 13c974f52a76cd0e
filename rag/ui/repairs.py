"""The repairs ingestion made to an article, as the Articles tab lists them (kind, count, samples)."""

from __future__ import annotations

from rag.records import Repair
from rag.ui.render import _esc


def summarize_repairs(repairs: list[Repair]) -> str:
    counts: dict[str, int] = {}
    for r in repairs:
        counts[r.kind] = counts.get(r.kind, 0) + r.count
    return ", ".join(f"{k} ×{n}" for k, n in counts.items())


def _short(text: str, limit: int = 40) -> str:
    text = text.replace("\n", "⏎")
    return text if len(text) <= limit else text[:limit] + "…"


def render_repairs(repairs: list[Repair]) -> str:
    if not repairs:
        return '<span class="rag-dim">none</span>'
    groups: dict[str, list[Repair]] = {}
    for r in repairs:
        groups.setdefault(r.kind, []).append(r)
    lines = []
    for kind, rs in groups.items():
        total = sum(r.count for r in rs)
        examples = "; ".join(
            f"“{_esc(_short(r.before))}” → “{_esc(_short(r.after))}”"
            if r.after
            else f"removed “{_esc(_short(r.before))}”"
            for r in rs[:3]
        )
        more = f"; … {len(rs) - 3} more" if len(rs) > 3 else ""
        lines.append(f"<li><b>{_esc(kind)}</b> ×{total}: {examples}{more}</li>")
    return (
        f"<details><summary>{_esc(summarize_repairs(repairs))}</summary>"
        f'<ul class="rag-repairs">{"".join(lines)}</ul></details>'
    )
