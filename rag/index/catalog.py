"""The article catalog: one record per indexed article, in the Chroma collection
``<collection>-articles`` next to the passages.

It holds what the Articles tab lists (title, source, outlet, date, file, passages and a
summary of the repairs ingestion made; the document is the title and source, which the tab's
search matches with one ``$contains`` query) and what an ingest needs without reading every
passage back: the articles of a given file, and MinHash band keys, with which one metadata
query finds the near-duplicate candidates of a batch of new articles instead of comparing
each with every indexed article. Chroma returns ids fast and metadata slowly (~0.3 ms a
record), so the tab pages by ids and reads the metadata of one page only.

A record is written right after its article's passages, before the file's manifest commits
them (``rag.index.sync``), and deleted with them; recovery drops records whose passages are
gone (``rag.index.recover``). Like the manifests, the catalog lives, moves and is deleted
with the index (embedded or on a Chroma server).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict
from collections.abc import Iterator

import numpy as np

from rag.records import Article, Repair

BANDS, ROWS = 8, 4  # 32 MinHash values; a pair at Jaccard 0.85 shares a band with p ≈ 0.997
PAGE = 5000  # rows per Chroma get: one unbounded get of ~30k rows fails ("too many SQL variables")
_SEEDS = np.random.default_rng(20240517).integers(1, 2**63, size=(2, BANDS * ROWS), dtype=np.uint64)


def minhash_bands(text: str, n: int = 5) -> list[str]:
    """Band keys of the MinHash signature of ``text``'s character ``n``-grams (spaces
    ignored, as ``rag.ingest.split.near_duplicate`` compares them); texts that share a key are
    near-duplicate candidates. Stable across processes (no salted ``hash``).

    >>> a = minhash_bands("图书馆今天起延长开放时间,周末开放到晚上九点。" * 3)
    >>> b = minhash_bands("图书馆今天起延长开放时间,周末开放到晚上九点 。" * 3)
    >>> len(a), a == b, a == minhash_bands("公园新增两条步道,方便市民晨练。" * 3)
    (8, True, False)
    """
    codes = np.frombuffer(re.sub(r"\s+", "", text).encode("utf-32-le"), dtype=np.uint32)
    codes = codes.astype(np.uint64)
    if len(codes) < n:
        codes = np.concatenate([codes, np.zeros(n - len(codes), dtype=np.uint64)])
    with np.errstate(over="ignore"):  # arithmetic modulo 2^64 on purpose
        grams = np.zeros(len(codes) - n + 1, dtype=np.uint64)
        for j in range(n):  # a polynomial hash of each n-gram
            grams = grams * np.uint64(1_000_003) + codes[j : len(codes) - n + 1 + j]
        mixed = (np.unique(grams)[None, :] ^ _SEEDS[0][:, None]) * (_SEEDS[1][:, None] | 1)
        mixed ^= mixed >> np.uint64(29)
    sig = mixed.min(axis=1)
    return [
        f"{b}:"
        + hashlib.blake2b(sig[b * ROWS : (b + 1) * ROWS].tobytes(), digest_size=6).hexdigest()
        for b in range(BANDS)
    ]


def encode_repairs(repairs: list[Repair], examples: int = 3, limit: int = 60) -> str:
    """A short JSON summary of an article's repairs: per kind its total and a few examples.

    >>> encode_repairs([Repair("emoji", "🙂"), Repair("emoji", "👍", count=2)])
    '[["emoji", 3, [["🙂", ""], ["👍", ""]], 2]]'
    """
    groups: dict[str, list[Repair]] = defaultdict(list)
    for r in repairs:
        groups[r.kind].append(r)
    summary = [
        [
            kind,
            sum(r.count for r in rs),
            [[r.before[:limit], r.after[:limit]] for r in rs[:examples]],
            len(rs),
        ]
        for kind, rs in groups.items()
    ]
    return json.dumps(summary, ensure_ascii=False)


def decode_repairs(text: str | None) -> list[tuple[str, int, list[tuple[str, str]], int]] | None:
    """(kind, total, examples, distinct changes) per kind; None when not recorded."""
    if text is None or text == "":
        return None
    return [(k, int(t), [tuple(e) for e in ex], int(n)) for k, t, ex, n in json.loads(text)]


class Catalog:
    """The catalog records of one passage collection."""

    def __init__(self, client, collection: str):
        # a placeholder vector per record (Chroma wants one); records are never searched by it
        self.collection = client.get_or_create_collection(
            f"{collection}-articles", embedding_function=None
        )

    def count(self) -> int:
        return self.collection.count()

    def put(
        self, articles: list[Article], passages: list[int], uploads: str = "", recorded=True
    ) -> None:
        """Upsert the records of ``articles`` (``recorded``: their repairs are known); those
        whose path starts with ``uploads`` are marked as uploaded (listed first)."""
        for i in range(0, len(articles), PAGE):
            chunk = articles[i : i + PAGE]
            metas = []
            for art, n in zip(chunk, passages[i : i + PAGE]):
                meta = {
                    "source": art.source,
                    "title": art.title,
                    "outlet": art.outlet,
                    "date": art.date,
                    "path": art.path,
                    "passages": n,
                    "repairs": encode_repairs(art.repairs) if recorded else "",
                    "uploaded": bool(uploads) and art.path.startswith(uploads),
                }
                meta.update({f"b{b}": key for b, key in enumerate(minhash_bands(art.text))})
                metas.append(meta)
            self.collection.upsert(
                ids=[a.id for a in chunk],
                embeddings=[[1.0]] * len(chunk),
                documents=[search_text(a.title, a.source) for a in chunk],
                metadatas=metas,
            )

    def delete(self, ids: list[str]) -> None:
        for i in range(0, len(ids), PAGE):
            self.collection.delete(ids=ids[i : i + PAGE])

    def by_path(self, paths: list[str]) -> dict[str, dict[str, int]]:
        """path -> {article id -> passages} of the given files (or archive lines)."""
        out: dict[str, dict[str, int]] = defaultdict(dict)
        for i in range(0, len(paths), 500):
            got = self.collection.get(
                where={"path": {"$in": paths[i : i + 500]}}, include=["metadatas"]
            )
            for aid, meta in zip(got["ids"], got["metadatas"]):
                out[meta["path"]][aid] = int(meta.get("passages", 0))
        return out

    def candidates(self, bands: list[list[str]]) -> dict[str, dict]:
        """Indexed articles sharing a band key with any of ``bands``: id -> metadata."""
        out: dict[str, dict] = {}
        for i in range(0, len(bands), 200):
            chunk = bands[i : i + 200]
            where = {
                "$or": [
                    {f"b{b}": {"$in": sorted({keys[b] for keys in chunk})}} for b in range(BANDS)
                ]
            }
            got = self.collection.get(where=where, include=["metadatas"])
            out.update(zip(got["ids"], got["metadatas"]))
        return out

    def rows(self) -> Iterator[tuple[str, dict]]:
        """Every record as (article id, metadata), page by page (slow: ~0.3 ms a record)."""
        offset = 0
        while True:
            got = self.collection.get(include=["metadatas"], limit=PAGE, offset=offset)
            yield from zip(got["ids"], got["metadatas"])
            if len(got["ids"]) < PAGE:
                return
            offset += PAGE

    def find(self, query: str = "") -> list[str]:
        """Ids of the articles whose title or source contains ``query`` (any case), uploaded
        ones first, then in the order they were indexed; ids only, so cheap at 10k."""
        where_document = {"$contains": query.strip().casefold()} if query.strip() else None
        ids: list[str] = []
        for uploaded in (True, False):
            got = self.collection.get(
                where={"uploaded": uploaded}, where_document=where_document, include=[]
            )
            ids += got["ids"]
        return ids

    def records(self, ids: list[str]) -> dict[str, dict]:
        """id -> metadata of the given articles (one page of the Articles tab)."""
        got = self.collection.get(ids=ids, include=["metadatas"]) if ids else {"ids": []}
        return dict(zip(got["ids"], got.get("metadatas") or []))


def search_text(title: str, source: str) -> str:
    """What the Articles tab's search matches: title and source, also lower-cased.

    >>> search_text("Ab公园", "x.txt")
    'Ab公园\\nx.txt\\nab公园'
    """
    lines = [title, source]
    return "\n".join(lines + [x.casefold() for x in lines if x.casefold() != x])


def latest_records(catalog: Catalog, n: int = 200) -> list[dict]:
    """The records of the ``n`` articles indexed last, the newest article date first (the
    page's example questions come from their titles); ids are read for all, metadata for
    these ``n`` only, so it costs the same at 10k articles as at ten."""
    ids = catalog.collection.get(include=[])["ids"][-n:]  # in the order they were indexed
    records = catalog.records(ids)
    order = {aid: i for i, aid in enumerate(ids)}
    newest = sorted(records, key=lambda a: (records[a].get("date") or "", order[a]), reverse=True)
    return [records[a] for a in newest]
