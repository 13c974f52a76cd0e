"""Reading passages back from Chroma: page by page, as ``Passage`` records, and whole article
texts rebuilt from their passages.

Chroma 1.x fails an unbounded ``get`` of a few tens of thousands of records ("too many SQL
variables"), so every read of a whole collection goes through ``pages``.
"""

from __future__ import annotations

from collections.abc import Iterator

from rag.records import Passage

PAGE = 5000


def pages(collection, include: list[str], page: int = PAGE) -> Iterator[tuple]:
    """(id, *included fields) of every record, ``page`` records per request."""
    offset = 0
    while True:
        got = collection.get(include=include, limit=page, offset=offset)
        yield from zip(got["ids"], *(got[k] for k in include))
        if len(got["ids"]) < page:
            return
        offset += page


def fetch(collection, ids: list[str], page: int = PAGE) -> list[Passage]:
    """The passages with these ids (those that exist)."""
    out: list[Passage] = []
    for i in range(0, len(ids), page):
        got = collection.get(ids=ids[i : i + page], include=["documents", "metadatas"])
        out += map(passage_from_row, got["ids"], got["documents"], got["metadatas"])
    return out


def passage_from_row(pid: str, doc: str, meta: dict) -> Passage:
    return Passage(
        id=pid,
        source=meta.get("source", ""),
        title=meta.get("title", ""),
        text=meta.get("text") or doc or "",  # indexes written before 2026-12 hold it as document
        article_id=meta.get("article_id", ""),
        start=int(meta.get("start", 0)),
        end=int(meta.get("end", 0)),
        outlet=meta.get("outlet", ""),
        date=meta.get("date", ""),
    )


def rebuild_articles(rows) -> dict[str, dict]:
    """article_id -> {source, title, outlet, date, path, passages, text} from passage rows
    (id, document, metadata); the text is rebuilt from the passages' offsets."""
    out: dict[str, dict] = {}
    for pid, doc, meta in rows:
        p = passage_from_row(pid, doc, meta)
        rec = out.setdefault(
            p.article_id,
            {
                "source": p.source,
                "title": p.title,
                "outlet": p.outlet,
                "date": p.date,
                "path": meta.get("path", ""),
                "passages": 0,
                "parts": [],
            },
        )
        rec["passages"] += 1
        rec["parts"].append((p.start, p.end, p.text))
    for rec in out.values():
        text = ""
        for start, end, chunk in sorted(rec.pop("parts")):
            text += "\n" * max(0, start - len(text))  # the blank lines between passages
            if end > len(text):  # overlapping sentences are shared; append only the new part
                text += chunk[max(0, len(text) - start) :]
        rec["text"] = text
    return out
