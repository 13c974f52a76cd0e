"""HTML rendering for the chat page: answers, [n] markers, sources panels, errors.

Chat messages are HTML (Gradio's sanitizer keeps id/class/href, details, mark) written on
one line: a blank line would end the HTML block and let Markdown reinterpret the rest.

- ``render_answer`` — the final answer: every ``[n]`` with a citation becomes a link
  (``link_markers``) to its entry in the sources panel (``render_sources``), where the
  passage is shown with its supporting sentence ``<mark>``-ed (``highlight_spans``,
  ``render_passage``); an abstention is a grey "not found in the articles" box.
- ``render_streaming`` / ``render_error`` — the message while generating, and on failure.
- ``answer_json`` — the dict the ``/ask`` API returns.
"""

from __future__ import annotations

import html
import re
import uuid
from typing import Any

from rag.answer.citations import markers_in, split_answer_sentences, strip_markers
from rag.answer.numbers import extract_numbers
from rag.ingest.chunk import split_sentences
from rag.records import Answer, Citation


def _esc(text: str) -> str:
    """HTML-escape and turn newlines into <br> so a message never contains a blank line."""
    return html.escape(text or "").replace("\r", "").replace("\n", "<br>")


def highlight_spans(
    passage: str, quote: str, answer_sentences: list[str] | None = None
) -> list[tuple[int, int]]:
    """Character spans of ``passage`` to mark as the evidence for a citation.

    The quote (the window of the passage the model was shown) is located in the passage; if
    sentences of the answer that cite it share numbers with sentences of that window, only
    those sentences are marked (the supporting sentence), else the whole window.

    >>> p = "杭州说了很多话。深圳降雨1930毫米。其他。"
    >>> [p[s:e] for s, e in highlight_spans(p, "杭州说了很多话。深圳降雨1930毫米。", ["为1930毫米[1]。"])]
    ['深圳降雨1930毫米。']
    """
    if not passage:
        return []
    window = (quote or "").strip().rstrip("…").strip()
    lo, hi = 0, len(passage)
    if window:
        at = passage.find(window)
        if at < 0:  # whitespace or a cut differs: anchor on the first part of the quote
            at = passage.find(window[:20])
            if at >= 0:
                hi = min(len(passage), at + len(window))
        else:
            hi = at + len(window)
        if at >= 0:
            lo = at
        else:
            lo, hi = 0, len(passage)
    numbers = {
        n for s in answer_sentences or [] for n in extract_numbers(strip_markers(s)) if len(n) > 1
    }
    if numbers:
        picked = []
        for s, e in split_sentences(passage[lo:hi]):
            if numbers & set(extract_numbers(passage[lo + s : lo + e])):
                picked.append((lo + s, lo + e))
        if picked:
            return picked
    return [(lo, hi)]


def render_passage(passage: str, spans: list[tuple[int, int]]) -> str:
    """The passage with ``spans`` in <mark>; blank lines between paragraphs become one break."""
    out, last = [], 0
    for s, e in sorted(spans):
        if s < last:
            continue
        out.append(_esc(passage[last:s]))
        out.append(f"<mark>{_esc(passage[s:e])}</mark>")
        last = e
    out.append(_esc(passage[last:]))
    return re.sub(r"(?:<br>\s*){2,}", "<br>", "".join(out).strip())


def _cite_sentences(text: str, n: int) -> list[str]:
    return [s for s in split_answer_sentences(text) if n in markers_in(s)]


def render_sources(citations: list[Citation], uid: str, answer_text: str = "") -> str:
    """The sources panel: one collapsible entry per citation, id ``src-<uid>-<n>``."""
    items = []
    for c in citations:
        meta = " · ".join(_esc(x) for x in (c.outlet, c.date, c.source) if x)
        spans = highlight_spans(c.text, c.quote, _cite_sentences(answer_text, c.n))
        items.append(
            f'<details class="rag-source" id="src-{uid}-{c.n}">'
            f'<summary><span class="rag-n">[{c.n}]</span> '
            f'<span class="rag-title">{_esc(c.title) or "(untitled)"}</span> '
            f'<span class="rag-by">{meta}</span></summary>'
            f'<div class="rag-passage">{render_passage(c.text, spans)}</div></details>'
        )
    return (
        '<div class="rag-sources"><div class="rag-sources-title">来源 · Sources</div>'
        + "".join(items)
        + "</div>"
    )


def link_markers(text: str, uid: str, known: set[int]) -> str:
    """Escape ``text`` and turn each [n] with a citation into a link to its source entry."""

    def link(m: re.Match) -> str:
        n = int(m.group(1))
        if n not in known:
            return m.group(0)
        return f'<a class="rag-cite" href="#src-{uid}-{n}" title="show source {n}">[{n}]</a>'

    return re.sub(r"\[(\d+)\]", link, _esc(text))


def render_answer(answer: Answer, uid: str | None = None) -> str:
    """The final answer as one HTML message: linked markers, then the sources panel."""
    uid = uid or uuid.uuid4().hex[:8]
    total = answer.timings.get("total_s")
    took = f" · {total:.1f} s" if total else ""
    # what the guard did (regenerated, fell back, …), on hover: useful when an answer surprises
    notes = f' title="{html.escape("; ".join(answer.notes))}"' if answer.notes else ""
    checked = render_verdicts(answer)
    if answer.abstained or not answer.citations:
        return (
            '<div class="rag-answer rag-final rag-abstained">'
            '<div class="rag-abstain-label">未在文章中找到 · Not found in the articles</div>'
            f'<div class="rag-text">{_esc(answer.text)}</div>'
            f'<div class="rag-meta"{notes}>no source cited{took}</div>{checked}</div>'
        )
    known = {c.n for c in answer.citations}
    n = len(answer.citations)
    return (
        '<div class="rag-answer rag-final">'
        f'<div class="rag-text">{link_markers(answer.text, uid, known)}</div>'
        f'<div class="rag-meta"{notes}>{n} source{"s" if n != 1 else ""}{took} · '
        "click a [n] marker to open its passage</div>"
        f"{checked}{render_sources(answer.citations, uid, answer.text)}</div>"
    )


_VERDICT_LABELS = {
    "ungrounded_number": "数字不在所引段落中 · figure not in the cited passage",
    "other_entity": "所引段落说的是别的对象 · the passage says it of someone else",
    "wrong_scale": "数量级与原文不符 · another scale than the passage",
    "missing_unit": "未按所问单位作答 · not in the unit asked for",
    "other_period": "原文是另一年份或时期的数字 · a figure for another year or period",
    "instruction": "链接或指令,不是关于所问对象的事实 · a link or instruction, not a fact",
    "key_span": "名称或日期不是就所问对象而言 · a name or date not stated of the subject",
    "unsupported_words": "所引段落没有这些说法 · words the cited passage does not use",
}


def render_verdicts(answer: Answer) -> str:
    """The claims the checks rejected before this answer (then re-read or abstained), folded."""
    if not answer.verdicts:
        return ""
    items = "".join(
        f"<li><b>{_esc(v.claim)}</b>"
        + (f" [{v.passage}]" if v.passage else "")
        + f" — {_esc(_VERDICT_LABELS.get(v.kind.value, v.kind.value))}</li>"
        for v in answer.verdicts
    )
    n = len(answer.verdicts)
    return (
        f'<details class="rag-checks"><summary>核查拒绝了 {n} 处说法 · '
        f"{n} claim{'s' if n != 1 else ''} rejected by the checks, then re-read</summary>"
        f"<ul>{items}</ul></details>"
    )


def render_streaming(text: str) -> str:
    if not text:
        return (
            '<div class="rag-answer rag-pending">正在检索资料并生成回答… '
            "Searching the articles and writing the answer…</div>"
        )
    return f'<div class="rag-answer rag-streaming"><div class="rag-text">{_esc(text)}<span class="rag-caret">▍</span></div></div>'


def render_error(message: str) -> str:
    return (
        '<div class="rag-answer rag-final rag-error"><b>出错了 · Something went wrong:</b> '
        f"{_esc(message)}</div>"
    )


def answer_json(answer: Answer) -> dict[str, Any]:
    """What the ``/ask`` endpoint returns."""
    return {
        "text": answer.text,
        "abstained": answer.abstained,
        "citations": [c.to_dict() for c in answer.citations],
        "question": answer.question,
        "standalone_question": answer.standalone_question,
        "notes": list(answer.notes),
        "verdicts": [
            {"kind": v.kind.value, "claim": v.claim, "passage": v.passage, "reason": v.reason}
            for v in answer.verdicts
        ],
        "timings": {k: round(v, 3) for k, v in answer.timings.items()},
    }
