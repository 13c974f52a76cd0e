"""Reading passages back from Chroma: page by page, as ``Passage`` records, and whole article
texts rebuilt from their passages.

Chroma 1.x fails an unbounded ``get`` of a few tens of thousands of records ("too many SQL
variables"), so every read of a whole collection goes through ``pages``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from rag.records import Article, Passage

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


# Chroma stores each metadata key as a row of its own (~0.1 ms a passage each to write); the
# keys a query filters on or a raw Chroma reader wants stay keys, the rest is one JSON value.
PACKED = ("title", "text", "start", "end", "outlet", "date")


def passage_row(art: Article, p: Passage, n: int) -> dict:
    """The Chroma metadata of passage ``p``, the ``n``-th … of article ``art``'s passages.

    >>> art = Article(source="n.txt", title="T", text="Hi.", original="Hi.", path="/d/n.txt")
    >>> p = Passage(id="p1", source="n.txt", title="T", text="Hi.", article_id="a1", end=3)
    >>> row = passage_row(art, p, 1)
    >>> sorted(row), passage_from_row("p1", None, row) == p
    (['article_id', 'n_passages', 'passage', 'path', 'source'], True)
    """
    packed = json.dumps({k: getattr(p, k) for k in PACKED}, ensure_ascii=False)
    return dict(
        article_id=p.article_id, source=p.source, path=art.path, n_passages=n, passage=packed
    )


def passage_from_row(pid: str, doc: str | None, meta: dict) -> Passage:
    # indexes written before 2026-12 hold each field as a key, the text as the document
    fields = {**meta, **json.loads(meta["passage"])} if "passage" in meta else meta
    return Passage(
        id=pid,
        source=fields.get("source", ""),
        title=fields.get("title", ""),
        text=fields.get("text") or doc or "",
        article_id=fields.get("article_id", ""),
        start=int(fields.get("start", 0)),
        end=int(fields.get("end", 0)),
        outlet=fields.get("outlet", ""),
        date=fields.get("date", ""),
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
