"""The repairs ingestion made to an article, as the Articles tab lists them (kind, count, samples).

The catalog stores a summary per article at ingest (``rag.index.catalog.encode_repairs``);
the tab renders that summary, so no file is read again to list its repairs.
"""

from __future__ import annotations

from rag.index.catalog import decode_repairs, encode_repairs
from rag.records import Repair
from rag.ui.render import _esc


def summarize_repairs(repairs: list[Repair]) -> str:
    """``kind ×count`` per kind, e.g. ``pinyin ×3, emoji ×1``."""
    counts: dict[str, int] = {}
    for r in repairs:
        counts[r.kind] = counts.get(r.kind, 0) + r.count
    return ", ".join(f"{k} ×{n}" for k, n in counts.items())


def render_repairs(repairs: list[Repair]) -> str:
    """An article's repairs as the Articles tab shows them."""
    return render_repair_summary(encode_repairs(repairs))


def render_repair_summary(summary: str | None) -> str:
    """The repairs summary stored at ingest (``rag.index.catalog.encode_repairs``) as HTML."""
    groups = decode_repairs(summary)
    if groups is None:
        return '<span class="rag-dim">not recorded (indexed by an older version)</span>'
    if not groups:
        return '<span class="rag-dim">none</span>'
    lines = []
    for kind, total, examples, distinct in groups:
        shown = "; ".join(
            f"“{_esc(_short(b))}” → “{_esc(_short(a))}”" if a else f"removed “{_esc(_short(b))}”"
            for b, a in examples
        )
        more = f"; … {distinct - len(examples)} more" if distinct > len(examples) else ""
        lines.append(f"<li><b>{_esc(kind)}</b> ×{total}: {shown}{more}</li>")
    head = ", ".join(f"{_esc(kind)} ×{total}" for kind, total, _, _ in groups)
    return (
        f'<details><summary>{head}</summary><ul class="rag-repairs">{"".join(lines)}</ul></details>'
    )


def _short(text: str, limit: int = 40) -> str:
    text = text.replace("\n", "⏎")
    return text if len(text) <= limit else text[:limit] + "…"
