"""The Articles tab: uploads, safe file names, ingest reports and the corpus listing.

- ``add_files`` — the upload handler: each file checked, read as ingestion will and only
  then stored under ``RAG_HOME/uploads`` with a sanitized, unique name (``rag.ui.uploads``);
  all indexed at once; returns the per-file ingest report (``render_reports``), one row per
  file and never a server path, and the corpus table.
- ``render_corpus`` — the indexed articles, a page at a time (``rag.ui.articles``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr

import rag
from rag.config import Settings, get_settings
from rag.ingest.read import FileReport
from rag.ui.articles import render_corpus
from rag.ui.render import _esc
from rag.ui.repairs import render_repairs, summarize_repairs  # noqa: F401 - the tab's API
from rag.ui.uploads import (  # noqa: F401 - save_upload: part of this page's API
    commit,
    human_size,
    numbered_name,
    rollback,
    safe_filename,
    save_upload,
    scrub,
    stage_upload,
    upload_folder,
    validate,
    why,
)

_human = human_size  # the chat page (app.py) imports it from here


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


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
            detail.append(_esc(scrub(r.message)))
        if r.status == "ok":
            detail.append(
                f"{_plural(r.articles, 'article')} · {_plural(r.added, 'passage')} added · "
                f"{r.unchanged} unchanged · {r.removed} removed"
            )
        if r.duplicates:
            detail.append("duplicates skipped: " + _esc(scrub("; ".join(r.duplicates))))
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


@dataclass
class Upload:
    """One file of an upload and its outcome; ``report.path`` is its stored name (no path)."""

    report: FileReport
    dest: Path | None = None  # where it was stored; None when it was refused before that
    backup: Path | None = None  # the version it replaced, kept until the new one is indexed
    note: str = ""  # said before the ingest report (a rename)


def add_files(
    files: list[Any] | Any | None,
    progress: gr.Progress = gr.Progress(track_tqdm=True),  # noqa: B008 - how Gradio injects it
) -> tuple[str, str]:
    """Upload handler: validate, store, index each file; returns (report HTML, corpus HTML).

    Every file gets its own row, in upload order: one bad file never loses the others. A file
    is read as ingestion will before it is stored, so a refused one (too big, binary, not
    decodable, no article text) leaves nothing in ``uploads/`` and replaces nothing; a
    second file of the same name is stored as ``name (2).txt``. Indexing progress (the
    ingest's tqdm bar) is shown on the page; outside an event the progress calls do nothing,
    so tests can call this directly.
    """
    if not files:
        return "", render_corpus()
    settings = get_settings()
    items = files if isinstance(files, list) else [files]
    uploads: list[Upload] = []
    taken: set[str] = set()
    progress(0.05, desc="checking files")
    for item in items:
        try:
            uploads.append(_store(item, settings, taken))
        except Exception as exc:  # never lose the batch over one file
            name = safe_filename(Path(str(getattr(item, "name", None) or item)).name)
            uploads.append(Upload(FileReport(name, "error", f"not saved: {why(exc)}")))
    saved = [u for u in uploads if u.dest is not None]
    notices: list[str] = []  # e.g. the demo articles removed before the first own upload
    if saved:
        progress(0.2, desc=f"indexing {_plural(len(saved), 'file')}")
        notices = _index(saved)
        ok = [u.report for u in saved if u.report.status == "ok"]
        if ok:
            articles = sum(r.articles for r in ok)
            added = sum(r.added for r in ok)
            gr.Info(
                scrub(
                    f"Indexed {', '.join(r.path for r in ok)} ({_plural(articles, 'article')}, "
                    f"{_plural(added, 'new passage')}). Ask about it in the Chat tab."
                )
            )
    progress(0.95, desc="listing articles")
    said = "".join(f'<p class="rag-notice">{_esc(n)}</p>' for n in notices)
    return said + render_reports([u.report for u in uploads]), render_corpus()


def _store(item: Any, settings: Settings, taken: set[str]) -> Upload:
    """Stage, validate and commit one uploaded file under a name unique in this upload."""
    src = Path(str(getattr(item, "name", None) or item))
    base = safe_filename(src.name)
    folder = upload_folder(settings)
    name, n = base, 1
    while name.casefold() in taken or (n > 1 and (folder / name).exists()):
        n += 1
        name = numbered_name(base, n)
    taken.add(name.casefold())
    renamed = f"renamed: another file in this upload is also called {base}" if n > 1 else ""
    try:
        staged, dest = stage_upload(src, settings, name)
    except ValueError as exc:
        return Upload(FileReport(name, "error", _join(renamed, str(exc))))
    try:
        report = validate(staged, settings)
        report.path = name
        if report.status != "ok":  # refused: nothing kept, nothing replaced
            report.message = _join(renamed, report.message, "not kept")
            return Upload(report)
        backup = commit(staged, dest)
    finally:
        staged.unlink(missing_ok=True)
    return Upload(FileReport(name, "error", "not indexed"), dest, backup, renamed)


def _index(saved: list[Upload]) -> list[str]:
    """Index the stored files together, or one by one when that fails; a file that is not
    indexed is taken out again (the version it replaced put back). Returns the ingest's
    notices."""
    reports: list[FileReport] = []
    notices: list[str] = []
    try:
        result = rag.index_paths([u.dest for u in saved], progress=True)
        reports, notices = list(result.files), list(getattr(result, "notices", []))
    except Exception:  # find the file that fails, so the others still get in
        for u in saved:
            try:
                result = rag.index_paths([u.dest], progress=True)
                reports += result.files
                notices += getattr(result, "notices", [])
            except Exception as exc:
                u.report.message = f"not indexed: {type(exc).__name__}: {why(exc)}"
    by_path = {str(Path(r.path).resolve()): r for r in reports}
    for u in saved:
        r = by_path.get(str(u.dest))
        if r is not None:
            r.path = u.report.path
            u.report = r
        u.report.message = _join(u.note, u.report.message)
        if u.report.status == "ok":
            if u.backup is not None:
                u.backup.unlink(missing_ok=True)
        else:  # not kept: no file that is not in the index, the previous version back
            rollback(u.dest, u.backup)
            u.report.status = "error"
            kept = "the previous version stays" if u.backup else ""
            u.report.message = _join(u.report.message, "not kept", kept)
    return notices


def _join(*parts: str) -> str:
    return "; ".join(p for p in parts if p)
