"""The chat page: streaming answers that show where every claim comes from.

``build_app()`` returns the Gradio Blocks; ``launch()`` serves it (127.0.0.1 by default).

- **Chat**: answers stream in as the model writes them; when generation ends the streamed
  text is replaced by the final, verified answer, whose every ``[n]`` marker is a link that
  opens its passage in the sources panel below the answer (title, outlet, date, file, and the
  passage with the supporting sentence ``<mark>``-ed). An abstention is shown as a grey
  "not found in the articles" box. Follow-ups see the earlier turns (text only).
- **Articles**: upload .txt/.md/.html files (validated, copied under ``RAG_HOME/uploads``
  with a sanitized name, indexed at once), the per-file ingest report, and the list of
  indexed articles with the repairs ingestion made to each.
- **API**: ``/ask`` (``gradio_client``: ``client.predict(question, history_json,
  api_name="/ask")``) returns ``{"text", "abstained", "citations": [...], ...}``.

One request at a time reaches the model (one concurrency group with limit 1, a queue of
``settings.queue_size``); when the queue is full the page says so in plain words.
"""

from __future__ import annotations

import argparse
import html
import json
import re
import shutil
import unicodedata
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gradio as gr

import rag
from rag.answer import QuestionError, clean_question
from rag.citations import markers_in, split_answer_sentences, strip_markers
from rag.config import Settings, get_settings
from rag.guard import extract_numbers
from rag.ingest import SUPPORTED, FileReport, load_file, split_sentences
from rag.records import Answer, Citation, Repair

EXAMPLES = [
    "2024年亚马逊的资本支出是多少?",
    "腾讯2024年的资本开支是多少?",
    "What did Tencent say its capital expenditure would be used for?",
    "阿里巴巴计划未来三年在AI基础设施上投入多少?",
]
MODEL_GROUP = "model"  # every event that touches the model or the index shares this slot
UPLOAD_DIR = "uploads"

# ----------------------------------------------------------------------------- rendering
# Chat messages are HTML (Gradio's sanitizer keeps id/class/href, details, mark) written on
# one line: a blank line would end the HTML block and let Markdown reinterpret the rest.


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

    >>> p = "阿里说了很多话。亚马逊资本支出777亿美元。其他。"
    >>> [p[s:e] for s, e in highlight_spans(p, "阿里说了很多话。亚马逊资本支出777亿美元。", ["为777亿美元[1]。"])]
    ['亚马逊资本支出777亿美元。']
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
    if answer.abstained or not answer.citations:
        return (
            '<div class="rag-answer rag-final rag-abstained">'
            '<div class="rag-abstain-label">未在文章中找到 · Not found in the articles</div>'
            f'<div class="rag-text">{_esc(answer.text)}</div>'
            f'<div class="rag-meta">no source cited{took}</div></div>'
        )
    known = {c.n for c in answer.citations}
    n = len(answer.citations)
    return (
        '<div class="rag-answer rag-final">'
        f'<div class="rag-text">{link_markers(answer.text, uid, known)}</div>'
        f'<div class="rag-meta">{n} source{"s" if n != 1 else ""}{took} · '
        "click a [n] marker to open its passage</div>"
        f"{render_sources(answer.citations, uid, answer.text)}</div>"
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
        "timings": {k: round(v, 3) for k, v in answer.timings.items()},
    }


# ----------------------------------------------------------------------------- answering


def parse_history(history: Any) -> list[dict]:
    """Earlier turns as ``[{"role", "content"}]`` text only, from a list or a JSON string."""
    if history is None or history == "":
        return []
    if isinstance(history, str):
        try:
            history = json.loads(history)
        except json.JSONDecodeError as exc:
            raise QuestionError(f"history is not valid JSON: {exc.msg}") from exc
    if not isinstance(history, list):
        raise QuestionError('history must be a list of {"role": ..., "content": ...} turns')
    turns = []
    for h in history:
        if (
            isinstance(h, dict)
            and h.get("role") in ("user", "assistant")
            and isinstance(h.get("content"), str)
        ):
            turns.append({"role": h["role"], "content": h["content"]})
    return turns


def _final(stream: Iterator[str | Answer]) -> Answer:
    result = None
    for item in stream:
        if isinstance(item, Answer):
            result = item
    if result is None:
        raise RuntimeError("the answering pipeline ended without an answer")
    return result


def respond(message: str, chat: list[dict] | None, turns: list[dict] | None) -> Iterator[tuple]:
    """Chat handler: stream the answer into the last message, then show the final one.

    Yields (chat messages, textbox value, text-only turns).
    """
    chat = list(chat or [])
    turns = list(turns or [])
    try:
        question = clean_question(message or "", get_settings().max_question_chars)
    except QuestionError as exc:
        gr.Warning(str(exc))
        yield [*chat], message, turns
        return
    chat.append({"role": "user", "content": _esc(question)})
    chat.append({"role": "assistant", "content": render_streaming("")})
    yield [*chat], "", turns
    text = ""
    try:
        answer = None
        for item in rag.ask_stream(question, turns):
            if isinstance(item, Answer):
                answer = item
                continue
            text += item
            chat[-1] = {"role": "assistant", "content": render_streaming(text)}
            yield [*chat], "", turns
        if answer is None:
            raise RuntimeError("the answering pipeline ended without an answer")
    except QuestionError as exc:
        chat[-1] = {"role": "assistant", "content": render_error(str(exc))}
        yield [*chat], question, turns
        return
    except Exception as exc:  # model or index trouble: say what happened, keep the page usable
        chat[-1] = {"role": "assistant", "content": render_error(f"{type(exc).__name__}: {exc}")}
        yield [*chat], question, turns
        return
    chat[-1] = {"role": "assistant", "content": render_answer(answer)}
    turns += [{"role": "user", "content": question}, {"role": "assistant", "content": answer.text}]
    yield [*chat], "", turns


def ask_api(question: str, history: str = "[]") -> dict:
    """Answer a question about the indexed articles, with its citations.

    Parameters:
        question: the question, in Chinese or English
        history: earlier turns as a JSON list of {"role": "user"|"assistant", "content": str} ("[]" for none)
    Returns:
        {"text", "abstained", "citations": [{"n", "source", "title", "text", "quote", "passage_id", "outlet", "date"}], "question", "standalone_question", "notes", "timings"}
    """
    try:
        turns = parse_history(history)
        answer = _final(rag.ask_stream(question, turns))
    except QuestionError as exc:
        raise gr.Error(str(exc)) from exc
    return answer_json(answer)


# ----------------------------------------------------------------------------- upload


def safe_filename(name: str) -> str:
    """A harmless file name: the basename only, odd characters replaced, no leading dots.

    >>> safe_filename("../../etc/passwd.txt"), safe_filename("C:\\\\x\\\\星河 云?.TXT")
    ('passwd.txt', '星河_云.txt')
    """
    base = re.split(r"[\\/]", unicodedata.normalize("NFKC", name or ""))[-1]
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C")  # controls, bidi
    stem, dot, ext = base.rpartition(".")
    if not dot:
        stem, ext = base, ""
    stem = re.sub(r"\.{2,}", ".", re.sub(r"[^\w.\-]+", "_", stem)).strip("._-")[:100] or "upload"
    ext = re.sub(r"[^\w]+", "", ext).lower()[:10]
    return f"{stem}.{ext}" if ext else stem


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _human(n: int) -> str:
    return (
        f"{n / 1_000_000:.1f} MB"
        if n >= 1_000_000
        else f"{n / 1000:.0f} kB"
        if n >= 1000
        else f"{n} bytes"
    )


def save_upload(src: Path, settings: Settings) -> Path:
    """Validate an uploaded file and copy it under ``home/uploads``; ValueError says why not."""
    name = safe_filename(src.name)
    ext = Path(name).suffix.lower()
    if ext not in SUPPORTED:
        raise ValueError(f"unsupported file type {ext or '(none)'!r}: upload .txt, .md or .html")
    try:
        size = src.stat().st_size
    except OSError as exc:
        raise ValueError(f"the upload cannot be read ({exc.strerror or exc})") from exc
    if size > settings.max_upload_bytes:
        raise ValueError(
            f"file is {_human(size)}; the limit is {_human(settings.max_upload_bytes)}"
        )
    if size == 0:
        raise ValueError("file is empty")
    folder = (settings.home / UPLOAD_DIR).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    dest = (folder / name).resolve()
    if dest.parent != folder:  # cannot happen after safe_filename; belt and braces
        raise ValueError("bad file name")
    tmp = dest.with_name(f".{dest.name}.part")
    shutil.copyfile(src, tmp)
    tmp.replace(dest)  # a re-upload under the same name replaces (updates) the article
    return dest


def render_reports(reports: list[FileReport], names: dict[str, str] | None = None) -> str:
    """The per-file ingest report as an HTML table."""
    if not reports:
        return ""
    names = names or {}
    rows = []
    for r in reports:
        label = {"ok": "indexed", "skipped": "skipped", "error": "rejected"}.get(r.status, r.status)
        status = f'<span class="rag-status rag-status-{_esc(r.status)}">{label}</span>'
        detail = []
        if r.message:
            detail.append(_esc(r.message))
        if r.status == "ok":
            detail.append(
                f"{_plural(r.articles, 'article')} · {_plural(r.added, 'passage')} added · "
                f"{r.unchanged} unchanged · {r.removed} removed"
            )
        if r.duplicates:
            detail.append("duplicates skipped: " + _esc("; ".join(r.duplicates)))
        if r.repairs:
            detail.append("repairs: " + _esc(summarize_repairs(r.repairs)))
        if r.encoding:
            detail.append(f"encoding {_esc(r.encoding)}")
        name = names.get(r.path, Path(r.path).name)
        rows.append(
            f"<tr><td>{_esc(name)}</td><td>{status}</td><td>{'<br>'.join(detail)}</td></tr>"
        )
    return (
        '<table class="rag-table"><thead><tr><th>File</th><th>Status</th><th>Report</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def add_files(
    files: list[Any] | Any | None, progress: gr.Progress | None = None
) -> tuple[str, str]:
    """Upload handler: validate, copy, index; returns (report HTML, corpus HTML)."""
    progress = progress or gr.Progress()
    if not files:
        return "", render_corpus()
    settings = get_settings()
    items = files if isinstance(files, list) else [files]
    reports: list[FileReport] = []
    names: dict[str, str] = {}
    saved: list[Path] = []
    progress(0.05, desc="checking files")
    for item in items:
        src = Path(getattr(item, "name", None) or str(item))
        try:
            dest = save_upload(src, settings)
        except ValueError as exc:
            reports.append(FileReport(path=str(src), status="error", message=str(exc)))
            names[str(src)] = safe_filename(src.name)
            continue
        saved.append(dest)
    if saved:
        progress(0.2, desc=f"indexing {len(saved)} file{'s' if len(saved) != 1 else ''}")
        report = rag.index_paths(saved, progress=True)
        reports = list(report.files) + reports
        ok = [r for r in report.files if r.status == "ok"]
        if ok:
            articles = sum(r.articles for r in ok)
            gr.Info(
                f"Indexed {', '.join(Path(r.path).name for r in ok)} ({_plural(articles, 'article')}, "
                f"{_plural(report.added, 'new passage')}). Ask about it in the Chat tab."
            )
    progress(0.95, desc="listing articles")
    return render_reports(reports, names), render_corpus()


# ----------------------------------------------------------------------------- corpus


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


def corpus_rows() -> list[dict]:
    """Indexed articles with the repairs ingestion made to each (re-read from their files)."""
    from rag.runtime import get_store

    articles = get_store().articles()
    uploads = (get_settings().home / UPLOAD_DIR).resolve()
    loaded: dict[str, dict[str, list[Repair]] | None] = {}
    rows = []
    for aid, rec in articles.items():
        path = rec.get("path") or ""
        if path not in loaded:
            found, report = load_file(Path(path)) if path else ([], None)
            loaded[path] = (
                {a.id: a.repairs for a in found} if report and report.status == "ok" else None
            )
        by_id = loaded[path]
        rows.append(
            {
                "article_id": aid,
                "title": rec["title"],
                "outlet": rec["outlet"],
                "date": rec["date"],
                "source": rec["source"],
                "passages": rec["passages"],
                "uploaded": bool(path) and Path(path).parent == uploads,
                "repairs": None if by_id is None else by_id.get(aid, []),
            }
        )
    rows.sort(key=lambda r: (not r["uploaded"], r["source"], r["title"]))
    return rows


def render_corpus() -> str:
    try:
        rows = corpus_rows()
    except Exception as exc:  # an unreadable index: say so instead of a blank tab
        return render_error(f"cannot read the index: {type(exc).__name__}: {exc}")
    if not rows:
        return '<p class="rag-dim">No articles indexed yet.</p>'
    body = []
    for r in rows:
        repairs = (
            '<span class="rag-dim">file changed or missing</span>'
            if r["repairs"] is None
            else render_repairs(r["repairs"])
        )
        tag = ' <span class="rag-tag">uploaded</span>' if r["uploaded"] else ""
        body.append(
            f"<tr><td>{_esc(r['title'])}{tag}</td><td>{_esc(r['outlet'])}</td><td class='rag-date'>{_esc(r['date'])}</td>"
            f"<td><code>{_esc(r['source'])}</code></td><td class='rag-num'>{r['passages']}</td><td>{repairs}</td></tr>"
        )
    files = len({r["source"] for r in rows})
    passages = sum(r["passages"] for r in rows)
    return (
        f'<p class="rag-dim">{len(rows)} articles · {files} files · {passages} passages</p>'
        '<table class="rag-table"><thead><tr><th>Title</th><th>Outlet</th><th>Date</th><th>Source</th>'
        f"<th>Passages</th><th>Repairs made by ingestion</th></tr></thead><tbody>{''.join(body)}</tbody></table>"
    )


# ----------------------------------------------------------------------------- page

CSS = """
.gradio-container, .gradio-container * { font-family: system-ui, -apple-system, "Segoe UI", "Noto Sans CJK SC",
  "Noto Sans SC", "PingFang SC", "Microsoft YaHei", "WenQuanYi Micro Hei", sans-serif; }
.gradio-container code { font-family: ui-monospace, "DejaVu Sans Mono", monospace; }
.rag-answer { line-height: 1.65; }
.rag-text { font-size: 1.02em; }
a.rag-cite { display: inline-block; font-size: .8em; font-weight: 600; padding: 0 .25em; margin: 0 .05em;
  border-radius: 4px; background: var(--color-accent-soft, #e0ecff); color: var(--color-accent, #1d4ed8);
  text-decoration: none; vertical-align: super; line-height: 1.2; cursor: pointer; }
a.rag-cite:hover { background: var(--color-accent, #1d4ed8); color: #fff; }
.rag-meta { font-size: .8em; color: var(--body-text-color-subdued, #6b7280); margin: .35em 0 .2em; }
.rag-sources { margin-top: .5em; border-top: 1px solid var(--border-color-primary, #e5e7eb); padding-top: .4em; }
.rag-sources-title { font-size: .8em; font-weight: 600; letter-spacing: .03em;
  color: var(--body-text-color-subdued, #6b7280); margin-bottom: .25em; }
details.rag-source { border: 1px solid var(--border-color-primary, #e5e7eb); border-radius: 8px;
  padding: .3em .6em; margin: .3em 0; background: var(--background-fill-secondary, #fafafa); }
details.rag-source > summary { cursor: pointer; font-size: .9em; }
details.rag-source[open] > summary { margin-bottom: .3em; }
.rag-n { font-weight: 700; color: var(--color-accent, #1d4ed8); }
.rag-title { font-weight: 600; }
.rag-by { color: var(--body-text-color-subdued, #6b7280); font-size: .9em; margin-left: .3em; }
.rag-passage { font-size: .92em; line-height: 1.7; border-left: 3px solid var(--color-accent, #1d4ed8);
  padding: .2em .7em; white-space: normal; }
.rag-passage mark { background: #fde68a; color: #111; padding: 0 .1em; border-radius: 2px; }
details.rag-flash { animation: rag-flash 1.6s ease-out; }
@keyframes rag-flash { 0% { box-shadow: 0 0 0 3px #f59e0b; } 100% { box-shadow: 0 0 0 0 transparent; } }
.rag-abstained { background: #f3f4f6; color: #4b5563; border: 1px dashed #9ca3af; border-radius: 8px;
  padding: .5em .8em; }
.dark .rag-abstained { background: #374151; color: #d1d5db; }
.rag-abstain-label { font-size: .8em; font-weight: 700; text-transform: uppercase; letter-spacing: .04em;
  color: #6b7280; margin-bottom: .2em; }
.rag-error { background: #fef2f2; color: #991b1b; border: 1px solid #fecaca; border-radius: 8px; padding: .5em .8em; }
.rag-pending { color: var(--body-text-color-subdued, #6b7280); font-style: italic; }
.rag-caret { animation: rag-blink 1s steps(2) infinite; color: var(--color-accent, #1d4ed8); }
@keyframes rag-blink { 50% { opacity: 0; } }
.rag-table { width: 100%; border-collapse: collapse; font-size: .9em; }
.rag-table th, .rag-table td { border-bottom: 1px solid var(--border-color-primary, #e5e7eb); padding: .35em .5em;
  text-align: left; vertical-align: top; }
.rag-table th { font-weight: 600; background: var(--background-fill-secondary, #f9fafb); }
.rag-num { text-align: right; }
.rag-dim { color: var(--body-text-color-subdued, #6b7280); }
.rag-status { font-weight: 600; border-radius: 4px; padding: 0 .35em; white-space: nowrap; }
.rag-status-ok { background: #dcfce7; color: #166534; }
.rag-status-skipped { background: #fef3c7; color: #92400e; }
.rag-status-error { background: #fee2e2; color: #991b1b; }
.rag-date { white-space: nowrap; }
.rag-tag { font-size: .75em; background: #dcfce7; color: #166534; border-radius: 4px; padding: 0 .3em; }
.rag-repairs { margin: .2em 0 .2em 1.2em; font-size: .9em; }
#rag-busy { position: fixed; bottom: 16px; left: 50%; transform: translateX(-50%); z-index: 1000; max-width: 90vw;
  background: #fff7ed; color: #9a3412; border: 1px solid #fdba74; border-radius: 8px; padding: .6em 1em;
  box-shadow: 0 4px 14px rgba(0,0,0,.12); font-size: .95em; }
"""

_JS = """
() => {
  if (window.__ragUi) return;
  window.__ragUi = true;
  const style = document.createElement('style');
  style.textContent = __CSS__;
  document.head.appendChild(style);
  // [n] markers: open the cited passage in this answer's sources panel and bring it into view
  document.addEventListener('click', (ev) => {
    const a = ev.target && ev.target.closest ? ev.target.closest('a.rag-cite') : null;
    if (!a) return;
    ev.preventDefault();
    ev.stopPropagation();
    const el = document.getElementById((a.getAttribute('href') || '').slice(1));
    if (!el) return;
    el.open = true;
    el.scrollIntoView({behavior: 'smooth', block: 'nearest'});
    el.classList.remove('rag-flash'); void el.offsetWidth; el.classList.add('rag-flash');
  }, true);
  // a full queue: Gradio answers 503; say in plain words what that means here
  const origFetch = window.fetch.bind(window);
  window.fetch = async (...args) => {
    const res = await origFetch(...args);
    try {
      const url = String((args[0] && args[0].url) || args[0]);
      if (res.status === 503 && url.includes('queue/join')) {
        let box = document.getElementById('rag-busy');
        if (!box) { box = document.createElement('div'); box.id = 'rag-busy'; document.body.appendChild(box); }
        box.textContent = __BUSY__;
        clearTimeout(window.__ragBusyTimer);
        window.__ragBusyTimer = setTimeout(() => box.remove(), 12000);
      }
    } catch (e) {}
    return res;
  };
}
"""


def busy_message(settings: Settings) -> str:
    n = settings.queue_size
    return (
        f"模型正忙:排队已满({n} 个请求在等待),本次提问未被接收,请稍后再试。 "
        f"The model is busy: the queue is full ({n} waiting; questions are answered one at a "
        "time). Your question was not sent; please try again in a minute."
    )


def page_js(settings: Settings) -> str:
    return _JS.replace("__CSS__", json.dumps(CSS)).replace(
        "__BUSY__", json.dumps(busy_message(settings))
    )


def build_app(settings: Settings | None = None) -> gr.Blocks:
    """The page. The answering pipeline reads its own settings (``RAG_*``) when it runs."""
    settings = settings or get_settings()
    exts = sorted({e for e in SUPPORTED})
    with gr.Blocks(title="中文新闻问答 · Cited answers", analytics_enabled=False) as demo:
        gr.Markdown(
            "## 中文新闻问答 · Cited answers over Chinese news\n"
            "Answers come only from the indexed articles; every claim carries a marker such as "
            "**[1]** that opens the passage it comes from, with the supporting sentence highlighted. "
            "One question is answered at a time by a local 1.5B model on the CPU (about 10–30 s)."
        )
        turns = gr.State([])
        with gr.Tabs():
            with gr.Tab("问答 · Chat", id="chat"):
                chatbot = gr.Chatbot(
                    elem_id="rag-chat",
                    label="Conversation",
                    height=560,
                    latex_delimiters=[],
                    sanitize_html=True,
                    buttons=["copy"],
                    placeholder="问一个关于新闻的问题 · Ask a question about the news articles",
                )
                with gr.Row():
                    box = gr.Textbox(
                        elem_id="rag-question",
                        show_label=False,
                        placeholder="例如:2024年亚马逊的资本支出是多少? (Enter to send)",
                        scale=8,
                        lines=1,
                        max_lines=4,
                        autofocus=True,
                    )
                    send = gr.Button(
                        "发送 · Ask", variant="primary", scale=0, min_width=120, elem_id="rag-send"
                    )
                    new = gr.Button("新对话 · New chat", scale=0, min_width=200, elem_id="rag-new")
                gr.Examples(EXAMPLES, inputs=[box], label="示例问题 · Example questions")
            with gr.Tab("资料库 · Articles", id="corpus") as corpus_tab:
                gr.Markdown(
                    f"**Add articles** ({', '.join(exts)}; up to {_human(settings.max_upload_bytes)} each). "
                    "They are cleaned, indexed and can be asked about at once."
                )
                upload = gr.File(
                    label="Upload .txt / .md / .html",
                    file_count="multiple",
                    file_types=exts,
                    elem_id="rag-upload",
                    height=120,
                )
                report = gr.HTML(elem_id="rag-report")
                with gr.Row():
                    gr.Markdown("**Indexed articles** and the repairs ingestion made to each")
                    refresh = gr.Button("刷新 · Refresh", size="sm", scale=0)
                corpus = gr.HTML(elem_id="rag-corpus")

        chat_io = dict(inputs=[box, chatbot, turns], outputs=[chatbot, box, turns])
        for trigger in (box.submit, send.click):
            trigger(
                respond,
                **chat_io,
                concurrency_id=MODEL_GROUP,
                concurrency_limit=1,
                api_visibility="private",
                show_progress="minimal",
            )
        new.click(
            lambda: ([], "", []), None, [chatbot, box, turns], queue=False, api_visibility="private"
        )
        chatbot.clear(lambda: [], None, turns, queue=False, api_visibility="private")
        upload.upload(
            add_files,
            inputs=[upload],
            outputs=[report, corpus],
            concurrency_id=MODEL_GROUP,
            concurrency_limit=1,
            api_visibility="private",
        )
        for trigger in (corpus_tab.select, refresh.click):
            trigger(render_corpus, None, corpus, api_visibility="private", show_progress="minimal")
        gr.api(ask_api, api_name="ask", concurrency_id=MODEL_GROUP, concurrency_limit=1)
        demo.load(None, None, None, js=page_js(settings))
    demo.queue(default_concurrency_limit=1, max_size=settings.queue_size)
    return demo


def theme() -> gr.themes.Base:
    """The default theme with local fonts only (no request to Google Fonts; CJK fonts listed)."""
    fonts = [
        "system-ui",
        "Noto Sans CJK SC",
        "PingFang SC",
        "Microsoft YaHei",
        "WenQuanYi Micro Hei",
        "sans-serif",
    ]
    return gr.themes.Default(
        font=fonts, font_mono=["ui-monospace", "DejaVu Sans Mono", "monospace"]
    )


def launch_options(
    settings: Settings, host: str | None = None, port: int | None = None, share: bool = False
) -> dict:
    return {
        "server_name": host or settings.host,
        "server_port": port or settings.port,
        "share": share,
        "max_file_size": settings.max_upload_bytes,
        "theme": theme(),
        "show_error": True,
    }


def launch(
    settings: Settings | None = None,
    host: str | None = None,
    port: int | None = None,
    share: bool = False,
    **kwargs,
):
    """Serve the page (127.0.0.1:7860 unless told otherwise); extra kwargs go to ``Blocks.launch``."""
    settings = settings or get_settings()
    demo = build_app(settings)
    return demo.launch(**launch_options(settings, host, port, share), **kwargs)


def main(argv: list[str] | None = None) -> int:
    settings = get_settings()
    parser = argparse.ArgumentParser(
        description="Serve the chat page over the indexed news articles."
    )
    parser.add_argument(
        "--host",
        default=settings.host,
        help=f"address to bind (default {settings.host}; 0.0.0.0 = all)",
    )
    parser.add_argument(
        "--port", type=int, default=settings.port, help=f"port (default {settings.port})"
    )
    parser.add_argument("--share", action="store_true", help="also open a public gradio.live link")
    args = parser.parse_args(argv)
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print(
            f"warning: serving on {args.host}: anyone who can reach this machine can use the page (no login)"
        )
    launch(settings, host=args.host, port=args.port, share=args.share)
    return 0


__all__ = [
    "build_app",
    "launch",
    "main",
    "respond",
    "ask_api",
    "add_files",
    "safe_filename",
    "render_answer",
]
