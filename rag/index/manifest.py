"""File manifests: a file's articles are indexed as one unit, committed by its manifest.

Before ``sync`` changes the passages of a file it marks the file ``pending``; after every
article of the file is in Chroma it writes the file's manifest — content hash (SHA-256) and
article ids — as ``complete``. That write is the commit. What a killed ingest leaves is
therefore recognisable: a pending mark, or passages of a file whose complete manifest lists
other articles. ``PassageStore.recover`` completes such a file from disk, or removes its
articles when the file is gone, and notes which in the manifest for the Articles tab.

BM25 needs no manifest: it is a cache keyed by the fingerprint of the passage ids in Chroma
(``rag.index.bm25``), rebuilt whenever it differs, so it can never hold a partial file.

Manifests are records of a second Chroma collection, ``<collection>-files``, so they live,
move and are deleted with the index itself (embedded or on a Chroma server).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

COMPLETE, PENDING, REMOVED = "complete", "pending", "removed"
_PAGE = 5000  # records per Chroma request
REDONE = "interrupted — redone"  # the note on a file that recovery re-indexed


@dataclass
class Manifest:
    """What the index holds of one file."""

    path: str  # resolved path of the file, as in the passages' ``path`` metadata
    state: str = COMPLETE  # complete | pending | removed (interrupted, and the file was gone)
    sha256: str = ""  # of the file's bytes when it was indexed ("" when not readable)
    articles: tuple[str, ...] = ()  # ids of its indexed articles (duplicates not counted)
    passages: int = 0
    note: str = ""  # REDONE after a recovery re-indexed it

    def to_meta(self) -> dict:
        return {
            "path": self.path,
            "state": self.state,
            "sha256": self.sha256,
            "articles": json.dumps(sorted(self.articles)),
            "passages": self.passages,
            "note": self.note,
        }

    @classmethod
    def from_meta(cls, meta: dict) -> Manifest:
        return cls(
            path=str(meta.get("path", "")),
            state=str(meta.get("state", PENDING)),
            sha256=str(meta.get("sha256", "")),
            articles=tuple(json.loads(meta.get("articles") or "[]")),
            passages=int(meta.get("passages", 0)),
            note=str(meta.get("note", "")),
        )


@dataclass
class FileState:
    """One file as the Articles tab shows it (``PassageStore.file_states``)."""

    path: str
    state: str  # "complete" | "interrupted — redone" | "removed" | "indexing"
    articles: int
    passages: int
    detail: str  # one plain sentence for the page


def file_state(m: Manifest, writer_active: bool) -> FileState:
    """The tab's view of a manifest; a pending file is being indexed by a live writer, or
    will be recovered when the store is next opened."""
    if m.state == PENDING:
        state = "indexing"
        detail = (
            "being indexed now"
            if writer_active
            else "indexing was interrupted; it is completed when the index is next opened"
        )
    elif m.state == REMOVED or (m.note == REDONE and not m.articles):
        state = "removed"
        detail = (
            "indexing was interrupted and the file is gone or unreadable now; its partly "
            "indexed articles were removed"
        )
    elif m.note == REDONE:
        state = REDONE
        detail = "indexing was interrupted (process killed); the whole file was indexed again"
    else:
        state, detail = COMPLETE, "all articles indexed"
    return FileState(m.path, state, len(m.articles), m.passages, detail)


def file_sha256(path: Path, max_bytes: int) -> str:
    """SHA-256 of the file's bytes; "" when it is unreadable or over ``max_bytes`` (such a
    file is rejected at ingestion anyway, and hashing it would only cost time)."""
    try:
        if path.stat().st_size > max_bytes:
            return ""
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return ""


def _record_id(path: str) -> str:
    return "file-" + hashlib.sha1(path.encode()).hexdigest()


class ManifestBook:
    """The manifests of one passage collection, in the Chroma collection ``<name>-files``."""

    def __init__(self, client, collection: str):
        # one placeholder dimension: Chroma wants a vector per record, these are never searched
        self.collection = client.get_or_create_collection(
            f"{collection}-files", embedding_function=None
        )

    def all(self) -> dict[str, Manifest]:
        return self._where(None)

    def _where(self, where: dict | None) -> dict[str, Manifest]:
        out: dict[str, Manifest] = {}
        offset = 0
        while True:  # page by page: one unbounded get of ~30k records fails in Chroma
            got = self.collection.get(
                where=where, include=["metadatas"], limit=_PAGE, offset=offset
            )
            out.update((m.path, m) for m in map(Manifest.from_meta, got["metadatas"] or []))
            if len(got["ids"]) < _PAGE:
                return out
            offset += _PAGE

    def pending(self) -> dict[str, Manifest]:
        """Files whose indexing started and was not committed (one metadata query)."""
        return self._where({"state": PENDING})

    def unusual(self) -> dict[str, Manifest]:
        """Files that are not plainly complete: pending, removed, or redone after a kill."""
        return self._where({"$or": [{"state": {"$ne": COMPLETE}}, {"note": {"$ne": ""}}]})

    def get(self, paths: list[str]) -> dict[str, Manifest]:
        """The manifests of the given files (those that have one)."""
        out: dict[str, Manifest] = {}
        for i in range(0, len(paths), _PAGE):
            got = self.collection.get(
                ids=[_record_id(p) for p in paths[i : i + _PAGE]], include=["metadatas"]
            )
            out.update((m.path, m) for m in map(Manifest.from_meta, got["metadatas"] or []))
        return out

    def count(self) -> int:
        return self.collection.count()

    def put(self, manifest: Manifest) -> None:
        self.put_many([manifest])

    def put_many(self, manifests: list[Manifest]) -> None:
        """Upsert manifests, each a record of its own: a file's commit is its own record,
        written whole or not at all, whichever batch it travels in."""
        for i in range(0, len(manifests), _PAGE):
            chunk = manifests[i : i + _PAGE]
            # no document: Chroma gives documents a full-text index, which made up half of
            # a manifest's write, and nothing searches these (the path is metadata)
            self.collection.upsert(
                ids=[_record_id(m.path) for m in chunk],
                embeddings=[[1.0]] * len(chunk),
                metadatas=[m.to_meta() for m in chunk],
            )

    def drop(self, path: str) -> None:
        self.drop_many([path])

    def drop_many(self, paths: list[str]) -> None:
        for i in range(0, len(paths), _PAGE):
            self.collection.delete(ids=[_record_id(p) for p in paths[i : i + _PAGE]])
