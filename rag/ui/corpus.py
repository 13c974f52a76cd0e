"""The Articles tab: uploads, safe file names, ingest reports and the corpus listing.

- ``add_files`` — the upload handler: validate and copy each file under
  ``RAG_HOME/uploads`` with a sanitized name (``safe_filename``, ``save_upload``), index them
  at once, and return the per-file ingest report (``render_reports``) and the corpus table.
- ``render_corpus`` — the indexed articles (``corpus_rows``) with the repairs ingestion
  made to each (``render_repairs``).
"""

from __future__ import annotations

import re
import shutil
import unicodedata
from pathlib import Path
from typing import Any

import gradio as gr

import rag
from rag.config import Settings, get_settings
from rag.ingest.load import load_file
from rag.ingest.read import SUPPORTED, FileReport
from rag.records import Repair
from rag.ui.render import _esc, render_error

UPLOAD_DIR = "uploads"


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
    files: list[Any] | Any | None,
    progress: gr.Progress = gr.Progress(track_tqdm=True),  # noqa: B008 - how Gradio injects it
) -> tuple[str, str]:
    """Upload handler: validate, copy, index; returns (report HTML, corpus HTML).

    Indexing progress (the ingest's tqdm bar) is shown on the page; outside an event the
    progress calls do nothing, so tests can call this directly.
    """
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
        try:
            report = rag.index_paths(saved, progress=True)
        except Exception as exc:  # the index cannot be written: say why, per file
            why = f"not indexed: {type(exc).__name__}: {exc}"
            failed = [FileReport(path=str(p), status="error", message=why) for p in saved]
            return render_reports(failed + reports, names), render_corpus()
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
