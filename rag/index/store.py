"""The passage store: Chroma (embedded or server) kept in sync with the corpus files.

Sync (``rag.index.sync``) is incremental and crash-safe:

- an article's id is a hash of its clean text, so an unchanged article is skipped;
- passages of changed or deleted files are removed;
- every passage records ``n_passages`` of its article, so an article whose passages were only
  partly written (process killed mid-ingest) is detected on the next open and removed;
- a file's articles are one unit, committed by its manifest (``rag.index.manifest``): a file
  an ingest left half-indexed is indexed again on the next open, or removed if it is gone.

Several processes may share the data dir: writers take turns (``IndexLock``) and every
committed change bumps the generation (``rag.index.generation``), which makes readers reopen.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from pathlib import Path

from rag.config import Settings
from rag.index.client import StoreError, forget_client, open_client, wipe_index
from rag.index.embed import get_embedder
from rag.index.generation import IndexLock, bump_generation, read_generation
from rag.index.manifest import FileState, ManifestBook, file_state
from rag.index.recover import interrupted_files, recover_file
from rag.index.sync import SyncReport, sync_files
from rag.records import Article, Passage

__all__ = ["PassageStore", "StoreError", "SyncReport", "open_client", "wipe_index"]

META_FIELDS = ("source", "title", "article_id", "start", "end", "outlet", "date", "path")


class PassageStore:
    """Passages in a Chroma collection, added through LlamaIndex's ``ChromaVectorStore``.

    Opening it repairs what a killed ingest left (``recover``), unless ``recover=False``.
    """

    def __init__(self, settings: Settings, *, recover: bool = True):
        self.settings = settings
        self.embedder = get_embedder(settings.embedder)
        self.lock = IndexLock.for_home(settings.home)
        self.changes = 0  # writes to the index by this store (sync counts them too)
        self.repaired = 0  # passages of half-written articles removed when it opened
        self.recovered: dict[str, str] = {}  # interrupted files: path -> their new state
        self._reopening = threading.Lock()
        self.generation = read_generation(settings.home)  # before opening: never too new
        self._open()
        if recover:
            self.recover()

    def _open(self) -> None:
        self.client = open_client(self.settings)
        try:
            self.collection = self.client.get_or_create_collection(
                self.settings.collection,
                embedding_function=self.embedder,
                metadata={"hnsw:space": "cosine"},
            )
            self.collection.count()
            self.manifests = ManifestBook(self.client, self.settings.collection)
        except Exception as exc:
            raise StoreError(
                f"the index collection {self.settings.collection!r} is corrupt or unreadable "
                f"({type(exc).__name__}: {exc}); run `rag ingest --rebuild`"
            ) from exc

    # ------------------------------------------------------------------ freshness

    def refresh_if_stale(self) -> bool:
        """Reopen when another process committed a change since this store last looked
        (its embedded vector index would not show it); True if it did."""
        if read_generation(self.settings.home) == self.generation:
            return False
        with self._reopening:
            current = read_generation(self.settings.home)
            if current == self.generation:
                return False
            if not self.settings.chroma_url:  # a server always answers from its current state
                forget_client(self.settings)
                self._open()
            self.generation = current
        return True

    def _committed(self) -> None:
        """Count a committed change: other processes reload at their next question."""
        new = bump_generation(self.settings.home)
        if new > self.generation + 1:  # another writer's change came in between: read it too
            self.generation = -1
            self.refresh_if_stale()
        self.generation = new

    # ------------------------------------------------------------------ reading

    def count(self) -> int:
        return self.collection.count()

    def _metadatas(self) -> list[tuple[str, dict]]:
        got = self.collection.get(include=["metadatas"])
        return list(zip(got["ids"], got["metadatas"]))

    def all_passages(self) -> list[Passage]:
        """Every passage, ordered by id (article, then position)."""
        got = self.collection.get(include=["documents", "metadatas"])
        rows = sorted(zip(got["ids"], got["documents"], got["metadatas"]))
        return [passage_from_row(pid, doc, meta) for pid, doc, meta in rows]

    def articles(self) -> dict[str, dict]:
        """article_id -> {source, title, outlet, date, path, passages, text (rebuilt)}."""
        out: dict[str, dict] = {}
        got = self.collection.get(include=["documents", "metadatas"])
        for pid, doc, meta in zip(got["ids"], got["documents"], got["metadatas"]):
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

    def file_states(self) -> dict[str, FileState]:
        """Every file the index has a manifest for, by resolved path (the ``path`` of its
        articles in ``articles()``), with its state: "complete", "interrupted — redone",
        "removed" (interrupted and the file gone: nothing of it is indexed) or "indexing"."""
        self.refresh_if_stale()
        writer = self.lock.held_elsewhere()
        return {path: file_state(m, writer) for path, m in sorted(self.manifests.all().items())}

    # ------------------------------------------------------------------ writing

    def remove_partial_articles(self) -> int:
        """Delete passages of articles that were not completely written; return how many."""
        seen: dict[str, list[str]] = defaultdict(list)
        expected: dict[str, int] = {}
        for pid, meta in self._metadatas():
            aid = meta.get("article_id", "")
            seen[aid].append(pid)
            expected[aid] = int(meta.get("n_passages", 0))
        broken = [pid for aid, ids in seen.items() if len(ids) != expected[aid] for pid in ids]
        if broken:
            self.collection.delete(ids=broken)
            self.changes += 1
        return len(broken)

    def recover(self) -> None:
        """Finish what a killed ingest left: half-written articles are removed, and a file
        whose manifest is pending or does not list its indexed articles is indexed again
        from disk, or its articles removed when the file is gone. Skipped while another
        process is writing: its files are in progress, not interrupted."""
        with self.lock.hold(wait=False) as held:
            if not held:
                return
            self.refresh_if_stale()
            before = self.changes
            try:
                self.repaired = self.remove_partial_articles()
                for path, legacy in interrupted_files(self).items():
                    recover_file(self, path, legacy)
            finally:
                if self.changes != before:
                    self._committed()

    def indexed_files(self) -> dict[str, dict[str, int]]:
        """path -> {article id -> passages} of what Chroma holds."""
        out: dict[str, dict[str, int]] = defaultdict(dict)
        for _, meta in self._metadatas():
            out[meta.get("path", "")][meta.get("article_id", "")] = int(meta.get("n_passages", 0))
        out.pop("", None)
        return out

    def add_article(self, article: Article, passages: list[Passage]) -> None:
        from llama_index.core.schema import TextNode
        from llama_index.vector_stores.chroma import ChromaVectorStore

        # the title travels with each passage into the embedding: "who" is often only there
        vectors = self.embedder([f"{p.title}\n{p.text}" for p in passages])
        nodes = []
        for p, vec in zip(passages, vectors):
            meta = {k: getattr(p, k) for k in META_FIELDS if hasattr(p, k)}
            meta.update(n_passages=len(passages), path=article.path)
            node = TextNode(id_=p.id, text=p.text, metadata=meta, embedding=[float(x) for x in vec])
            nodes.append(node)
        ChromaVectorStore(chroma_collection=self.collection).add(nodes)
        self.changes += 1

    def delete_article(self, article_id: str) -> None:
        self.collection.delete(where={"article_id": article_id})
        self.changes += 1

    def sync(
        self, paths: list[Path], *, prune_missing: bool = True, progress: bool = True
    ) -> SyncReport:
        """Bring the index in line with the files under ``paths``.

        New or changed articles are embedded, unchanged ones skipped, duplicates reported,
        and articles of files that changed or disappeared (under a given folder) removed;
        each file is committed whole. One writer at a time per data dir; other processes
        see the result at their next question.
        """
        with self.lock.hold():
            self.refresh_if_stale()
            before = self.changes
            try:
                report = sync_files(self, paths, prune_missing=prune_missing, progress=progress)
            finally:
                if self.changes != before:
                    self._committed()
        report.repaired = self.repaired
        report.recovered = dict(self.recovered)
        return report


def passage_from_row(pid: str, doc: str, meta: dict) -> Passage:
    return Passage(
        id=pid,
        source=meta.get("source", ""),
        title=meta.get("title", ""),
        text=doc or "",
        article_id=meta.get("article_id", ""),
        start=int(meta.get("start", 0)),
        end=int(meta.get("end", 0)),
        outlet=meta.get("outlet", ""),
        date=meta.get("date", ""),
    )
