"""The passage store: Chroma (embedded or server) kept in sync with the corpus files.

Sync (``rag.index.sync``) is incremental and crash-safe:

- an article's id is a hash of its clean text, so an unchanged article is skipped;
- passages of changed or deleted files are removed;
- every passage records ``n_passages`` of its article, so an article whose passages were only
  partly written (process killed mid-ingest) is detected on the next open and removed;
- a file's articles (or an archive line's article) are one unit, committed by its manifest
  (``rag.index.manifest``): a unit an ingest left half-indexed is indexed again on the next
  open, or removed if it is gone;
- every article also has a catalog record (``rag.index.catalog``): what the Articles tab lists
  and what an ingest needs to know without reading every passage back.

Several processes may share the data dir: writers take turns (``IndexLock``) and every
committed change bumps the generation (``rag.index.generation``), which makes readers reopen.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

from rag.config import Settings
from rag.index.catalog import Catalog
from rag.index.client import StoreError, forget_client, open_client, wipe_index
from rag.index.embed import get_embedder
from rag.index.generation import IndexLock, bump_generation, read_generation
from rag.index.keywords import Keywords
from rag.index.manifest import FileState, ManifestBook, file_state
from rag.index.recover import UPLOADS, recover_index
from rag.index.rows import fetch, pages, passage_from_row, passage_row, rebuild_articles
from rag.index.sync import SyncReport, sync_files
from rag.index.tokenize import forget_cuts
from rag.records import Article, Passage

__all__ = [
    "PassageStore",
    "StoreError",
    "SyncReport",
    "open_client",
    "passage_from_row",
    "wipe_index",
]


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
        self.keywords = Keywords(settings.home / "bm25")
        self._open()
        if recover:
            self.recover()

    def _open(self) -> None:
        self.client = open_client(self.settings)
        try:
            self.collection = self.client.get_or_create_collection(
                self.settings.collection,
                embedding_function=self.embedder,
                configuration={
                    "hnsw": {
                        "space": "cosine",
                        "ef_construction": self.settings.hnsw_ef_construction,
                        "ef_search": self.settings.hnsw_ef_search,
                    }
                },
            )
            self.collection.count()
            self.manifests = ManifestBook(self.client, self.settings.collection)
            self.catalog = Catalog(self.client, self.settings.collection)
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

    def passage_metadatas(self) -> list[tuple[str, dict]]:
        return list(pages(self.collection, ["metadatas"]))

    def passage_ids(self) -> set[str]:
        """The ids of every passage (no documents or metadata are read; ~0.4 s at 50k, so
        the set this store wrote at its last commit is kept for that generation)."""
        cached = getattr(self, "_ids", None)  # (generation, writes, ids) at the last commit
        if cached and cached[:2] == (read_generation(self.settings.home), self.changes):
            return set(cached[2])
        return {pid for (pid,) in pages(self.collection, [])}

    def passages(self, ids: list[str]) -> list[Passage]:
        """The passages with these ids."""
        return fetch(self.collection, ids)

    def all_passages(self) -> list[Passage]:
        """Every passage, ordered by id (article, then position)."""
        rows = sorted(pages(self.collection, ["documents", "metadatas"]))
        return [passage_from_row(pid, doc, meta) for pid, doc, meta in rows]

    def articles(self) -> dict[str, dict]:
        """article_id -> {source, title, outlet, date, path, passages, text (rebuilt)}, read
        from every passage (the catalog has the same without the cost)."""
        return rebuild_articles(pages(self.collection, ["documents", "metadatas"]))

    def file_states(self) -> dict[str, FileState]:
        """Every file the index has a manifest for, by resolved path (the ``path`` of its
        articles in ``articles()``), with its state: "complete", "interrupted — redone",
        "removed" (interrupted and the file gone: nothing of it is indexed) or "indexing"."""
        self.refresh_if_stale()
        writer = self.lock.held_elsewhere()
        return {path: file_state(m, writer) for path, m in sorted(self.manifests.all().items())}

    def unusual_file_states(self) -> dict[str, FileState]:
        """``file_states`` of the files that are not plainly complete (one metadata query)."""
        self.refresh_if_stale()
        writer = self.lock.held_elsewhere()
        return {p: file_state(m, writer) for p, m in sorted(self.manifests.unusual().items())}

    # ------------------------------------------------------------------ writing

    def recover(self) -> None:
        """Finish what a killed ingest left (``rag.index.recover``): half-written articles
        are removed, and a unit whose manifest is pending is indexed again from disk, or its
        articles removed when it is gone. Skipped while another process is writing: its
        units are in progress, not interrupted."""
        with self.lock.hold(wait=False) as held:
            if not held:
                return
            self.refresh_if_stale()
            before = self.changes
            try:
                recover_index(self)
            finally:
                if self.changes != before:
                    self.update_keywords()
                    self._committed()

    def update_keywords(self, tokens: dict | None = None, terms=()) -> set[str] | None:
        """Bring the saved BM25 segments in line with the passages (``rag.index.keywords``);
        ``tokens``: passages tokenized already (by the sync). Call holding the writer lock."""
        return self.keywords.update(self, tokens, terms)

    def indexed_files(self) -> dict[str, dict[str, int]]:
        """path -> {article id -> passages} of what Chroma holds (read from every passage)."""
        out: dict[str, dict[str, int]] = defaultdict(dict)
        for _, meta in self.passage_metadatas():
            out[meta.get("path", "")][meta.get("article_id", "")] = int(meta.get("n_passages", 0))
        out.pop("", None)
        return out

    def add_article(self, article: Article, passages: list[Passage]) -> None:
        """Embed and write one article (``write_articles`` writes a whole batch)."""
        self.write_articles([(article, passages)])

    def write_articles(self, items: list[tuple[Article, list[Passage]]], vectors=None) -> None:
        """Write articles' passages (embedded now unless ``vectors`` are given, one per
        passage in order), then their catalog records: one Chroma request each."""
        flat = [(art, p, len(ps)) for art, ps in items for p in ps]
        if vectors is None:
            # the title travels with each passage into the embedding: "who" is often only there
            vectors = self.embedder([f"{p.title}\n{p.text}" for _, p, _ in flat])
        for i in range(0, len(flat), 5000):
            chunk = flat[i : i + 5000]
            # the text is metadata, not a Chroma document: documents get a full-text index
            # nothing here queries, which made up 2/3 of the write (bench/SCALE.md)
            self.collection.upsert(
                ids=[p.id for _, p, _ in chunk],
                embeddings=np.asarray(vectors[i : i + 5000], dtype=np.float32),
                metadatas=[passage_row(art, p, n) for art, p, n in chunk],
            )
        self.catalog.put([a for a, _ in items], [len(ps) for _, ps in items], self.uploads)
        self.changes += 1

    @property
    def uploads(self) -> str:
        """Path prefix of the page's upload folder: its articles are listed first."""
        return str((self.settings.home / UPLOADS).resolve()) + "/"

    def article_texts(self, ids: list[str]) -> dict[str, str]:
        """article id -> its text, rebuilt from its passages (near-duplicate checks)."""
        rows = []
        for i in range(0, len(ids), 500):
            got = self.collection.get(
                where={"article_id": {"$in": ids[i : i + 500]}}, include=["documents", "metadatas"]
            )
            rows += zip(got["ids"], got["documents"], got["metadatas"])
        return {aid: rec["text"] for aid, rec in rebuild_articles(rows).items()}

    def delete_article(self, article_id: str) -> None:
        self.delete_articles([article_id])

    def delete_articles(self, ids: list[str]) -> None:
        """Delete articles: their passages, then their catalog records."""
        for i in range(0, len(ids), 500):
            self.collection.delete(where={"article_id": {"$in": ids[i : i + 500]}})
        self.catalog.delete(ids)
        if ids:
            self.changes += 1

    def sync(
        self, paths: list[Path], *, prune_missing: bool = True, progress: bool = True
    ) -> SyncReport:
        """Bring the index in line with the files and archives under ``paths``.

        New or changed articles are embedded, unchanged ones skipped, duplicates reported,
        and articles of files that changed or disappeared (under a given folder or archive)
        removed; each unit is committed whole, and BM25 updated after the last. One writer
        at a time per data dir; other processes see the result at their next question.
        """
        report: SyncReport | None = None
        with self.lock.hold():
            self.refresh_if_stale()
            before, bm25 = self.changes, 0.0
            try:
                report = sync_files(self, paths, prune_missing=prune_missing, progress=progress)
            finally:
                if self.changes != before:  # also after a failure: what was committed counts
                    t = time.perf_counter()
                    # the sync tokenized its passages as it wrote them
                    tokens, terms = (report.tokens, report.terms) if report else (None, ())
                    ids = self.update_keywords(tokens, terms)
                    self._committed()
                    self._ids = (self.generation, self.changes, ids) if ids else None
                    bm25 = time.perf_counter() - t
                forget_cuts()  # the blocks cut for this sync's lesson and passages
        report.tokens, report.terms = {}, set()
        report.timings["bm25_s"] = bm25
        report.repaired = self.repaired
        report.recovered = dict(self.recovered)
        return report
