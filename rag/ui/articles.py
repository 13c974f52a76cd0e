"""The Articles tab's list of indexed articles: searched by title or source, one page at a time.

Rows come from the article catalog (``rag.index.catalog``): the ids of the matching articles
(one ``$contains`` query on title and source, uploads first), then the metadata of the one
page shown (``PAGE_SIZE`` rows) — title, source, outlet, date, passages and the summary of
the repairs recorded at ingest. No file is read again and no other row is fetched or
rendered, so the tab opens as fast at 10k articles as at ten. Files an interrupted ingest
lost (nothing of them is indexed) are listed first, with what happened.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rag.ui.render import _esc, render_error
from rag.ui.repairs import render_repair_summary
from rag.ui.uploads import why

PAGE_SIZE = 50


@dataclass
class ArticlePage:
    """One page of the (searched) article list."""

    rows: list[dict]
    page: int  # 1-based, within 1..pages
    pages: int
    matching: int  # rows that match the search
    total: int  # articles in the index
    passages: int  # … and their passages


def article_page(query: str = "", page: int = 1, size: int = PAGE_SIZE, store=None) -> ArticlePage:
    """The ``page``-th page of the articles whose title or source contains ``query``."""
    if store is None:
        from rag.runtime import get_store

        store = get_store()
    states = store.unusual_file_states()  # units an interrupted ingest redid or removed
    needle = (query or "").strip().casefold()
    lost = [
        _lost_row(path, st, store.uploads)
        for path, st in states.items()
        if st.state == "removed" and needle in _name(path).casefold()
    ]
    ids = store.catalog.find(needle)
    found = len(lost) + len(ids)
    pages = max(1, -(-found // size))
    page = min(max(1, int(page or 1)), pages)
    lo, hi = (page - 1) * size, page * size
    rows = lost[lo:hi]
    shown = ids[max(0, lo - len(lost)) : max(0, hi - len(lost))]
    records = store.catalog.records(shown)
    for aid in shown:
        meta = records.get(aid, {})
        st = states.get(meta.get("path", ""))
        rows.append(
            {
                "article_id": aid,
                "title": meta.get("title", ""),
                "outlet": meta.get("outlet", ""),
                "date": meta.get("date", ""),
                "source": meta.get("source", ""),
                "passages": int(meta.get("passages", 0)),
                "uploaded": bool(meta.get("uploaded")),
                "repairs": meta.get("repairs"),
                "state": st.detail if st and st.state != "complete" else "",
            }
        )
    total = store.catalog.count() if needle else len(ids)
    return ArticlePage(rows, page, pages, found, total, store.count())


def _name(path: str) -> str:
    base, sep, line = path.partition("#")  # a file, or an archive's line
    return Path(base).name + sep + line


def _lost_row(path: str, st, uploads: str) -> dict:
    name = _name(path)
    row = {"article_id": "", "title": name, "outlet": "", "date": "", "source": name}
    row.update(passages=0, uploaded=path.startswith(uploads), repairs="[]", state=st.detail)
    return row


def render_article_page(p: ArticlePage, query: str = "") -> str:
    if not p.total and not p.matching:
        return '<p class="rag-dim">No articles indexed yet.</p>'
    first = (p.page - 1) * PAGE_SIZE + 1
    shown = f"{first}–{first + len(p.rows) - 1}" if p.rows else "none"
    search = f" matching “{_esc(query.strip())}”" if query.strip() else ""
    head = (
        f'<p class="rag-dim" id="rag-articles-count">{p.total} articles · {p.passages} passages'
        f" — showing {shown} of {p.matching}{search} · page {p.page} of {p.pages}</p>"
    )
    if not p.rows:
        return head + '<p class="rag-dim">No article title or source matches.</p>'
    body = []
    for r in p.rows:
        tag = ' <span class="rag-tag">uploaded</span>' if r["uploaded"] else ""
        if r.get("state"):
            tag += f' <span class="rag-tag rag-state">{_esc(r["state"])}</span>'
        body.append(
            f"<tr><td>{_esc(r['title'])}{tag}</td><td>{_esc(r['outlet'])}</td>"
            f"<td class='rag-date'>{_esc(r['date'])}</td><td><code>{_esc(r['source'])}</code></td>"
            f"<td class='rag-num'>{r['passages']}</td><td>{render_repair_summary(r['repairs'])}</td></tr>"
        )
    return (
        head + '<table class="rag-table"><thead><tr><th>Title</th><th>Outlet</th><th>Date</th>'
        "<th>Source</th><th>Passages</th><th>Repairs made by ingestion</th></tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def render_corpus(query: str = "", page: int = 1) -> str:
    """The tab's list as HTML (the page after an upload, or after a search)."""
    try:
        return render_article_page(article_page(query, page), query)
    except Exception as exc:  # an unreadable index: say so instead of a blank tab
        return render_error(f"cannot read the index: {type(exc).__name__}: {why(exc)}")


def show_articles(query: str, page: float | int | None) -> tuple[str, int]:
    """The tab's event handler: (list HTML, the page actually shown)."""
    try:
        p = article_page(query, int(page or 1))
    except Exception as exc:
        return render_error(f"cannot read the index: {type(exc).__name__}: {why(exc)}"), 1
    return render_article_page(p, query), p.page
