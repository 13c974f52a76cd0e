"""The passage store: Chroma (embedded or server) kept in sync with the corpus files.

Sync is incremental and crash-safe:

- an article's id is a hash of its clean text, so an unchanged article is skipped;
- passages of changed or deleted files are removed;
- every passage records ``n_passages`` of its article, so an article whose passages were only
  partly written (process killed mid-ingest) is detected on the next open and re-done.
"""

from __future__ import annotations

import contextlib
import shutil
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from rag.config import Settings
from rag.index.embed import get_embedder
from rag.ingest.chunk import chunk_article
from rag.ingest.load import iter_files, load_file
from rag.ingest.read import FileReport
from rag.ingest.split import near_duplicate
from rag.records import Article, Passage

META_FIELDS = ("source", "title", "article_id", "start", "end", "outlet", "date", "path")


class StoreError(RuntimeError):
    """The index cannot be opened or written; the message says what to do."""


@dataclass
class SyncReport:
    files: list[FileReport]
    added: int = 0
    removed: int = 0
    unchanged: int = 0
    repaired: int = 0  # passages of half-written articles removed before syncing

    def summary(self) -> str:
        return (
            f"{len(self.files)} files · {self.added} passages embedded · "
            f"{self.unchanged} unchanged · {self.removed} removed"
        )


def open_client(settings: Settings):
    """Embedded ``PersistentClient`` in the data dir, or ``HttpClient`` when RAG_CHROMA_URL is set."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_url:
        from urllib.parse import urlparse

        url = urlparse(settings.chroma_url)
        try:
            client = chromadb.HttpClient(
                host=url.hostname or "127.0.0.1",
                port=url.port or 8000,
                ssl=url.scheme == "https",
                settings=chroma_settings,
            )
            client.heartbeat()
        except Exception as exc:
            raise StoreError(
                f"cannot reach the Chroma server at {settings.chroma_url}: {exc}"
            ) from exc
        return client
    path = settings.chroma_dir
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / ".write-test"
        probe.write_text("ok")
        probe.unlink()
    except OSError as exc:
        raise StoreError(
            f"the data directory {settings.home} is not writable ({exc.strerror or exc}); "
            "set RAG_HOME to a writable folder"
        ) from exc
    try:
        return chromadb.PersistentClient(path=str(path), settings=chroma_settings)
    except Exception as exc:
        raise StoreError(
            f"the index at {path} is corrupt or unreadable ({type(exc).__name__}: {exc}); "
            "run `rag ingest --rebuild` to rebuild it from the corpus"
        ) from exc


class PassageStore:
    """Passages in a Chroma collection, added through LlamaIndex's ``ChromaVectorStore``."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.embedder = get_embedder(settings.embedder)
        self.client = open_client(settings)
        try:
            self.collection = self.client.get_or_create_collection(
                settings.collection,
                embedding_function=self.embedder,
                metadata={"hnsw:space": "cosine"},
            )
            self.collection.count()
        except Exception as exc:
            raise StoreError(
                f"the index collection {settings.collection!r} is corrupt or unreadable "
                f"({type(exc).__name__}: {exc}); run `rag ingest --rebuild`"
            ) from exc
        self.repaired = self.remove_partial_articles()

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
        return len(broken)

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

    def delete_article(self, article_id: str) -> None:
        self.collection.delete(where={"article_id": article_id})

    def sync(
        self, paths: list[Path], *, prune_missing: bool = True, progress: bool = True
    ) -> SyncReport:
        """Bring the index in line with the files under ``paths``.

        New or changed articles are embedded, unchanged ones skipped, duplicates reported,
        and articles of files that changed or disappeared (under a given folder) removed.
        """
        files = iter_files(paths)
        reports: list[FileReport] = []
        indexed = self.articles()
        by_path: dict[str, set[str]] = defaultdict(set)
        for aid, rec in indexed.items():
            by_path[rec["path"]].add(aid)
        todo: list[tuple[Article, FileReport]] = []
        produced: dict[str, set[str]] = {}
        kept_texts = {aid: rec["text"] for aid, rec in indexed.items()}
        for f in files:
            articles, report = load_file(f, max_bytes=self.settings.max_file_bytes)
            reports.append(report)
            key = str(f.resolve())
            produced[key] = set()
            for art in articles:
                art.path = key
                aid = art.id
                if aid in by_path.get(key, set()):
                    produced[key].add(aid)
                    report.unchanged += indexed[aid]["passages"]
                    continue
                twin = next(
                    (
                        t
                        for t, text in kept_texts.items()
                        if text == art.text or near_duplicate(text, art.text)
                    ),
                    None,
                )
                if twin is not None and twin not in by_path.get(key, set()):
                    owner = indexed.get(twin, {}).get("source") or "another article in this batch"
                    report.duplicates.append(f"{art.title} (duplicate of {owner})")
                    continue
                produced[key].add(aid)
                kept_texts[aid] = art.text
                todo.append((art, report))
        # remove what changed inside re-read files, and files gone from a synced folder
        removed = 0
        folders = [str(p.resolve()) for p in paths if p.is_dir()]
        for path, aids in by_path.items():
            gone = (
                path not in produced
                and prune_missing
                and any(path.startswith(d + "/") for d in folders)
            )
            stale = aids - produced[path] if path in produced else (aids if gone else set())
            for aid in stale:
                removed += indexed[aid]["passages"]
                self.delete_article(aid)
                rep = next((r for r in reports if str(Path(r.path).resolve()) == path), None)
                if rep:
                    rep.removed += indexed[aid]["passages"]
        added = 0
        bar = tqdm(todo, desc="indexing", unit="article", disable=not progress or not todo)
        for art, report in bar:
            passages = chunk_article(art, self.settings.chunk_chars, self.settings.chunk_overlap)
            self.add_article(art, passages)
            report.added += len(passages)
            added += len(passages)
        for rep in reports:
            rep.passages = rep.added + rep.unchanged
        return SyncReport(
            files=reports,
            added=added,
            removed=removed,
            unchanged=sum(r.unchanged for r in reports),
            repaired=self.repaired,
        )


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


def wipe_index(settings: Settings) -> None:
    """Delete the local index (and derived BM25 files) so it can be rebuilt from the corpus."""
    if settings.chroma_url:
        import chromadb

        client = open_client(settings)
        with contextlib.suppress(ValueError, chromadb.errors.NotFoundError):
            client.delete_collection(settings.collection)
    else:
        from chromadb.api.client import SharedSystemClient

        # Chroma caches one client per path; a cached one would keep the deleted files' state
        SharedSystemClient.clear_system_cache()
        shutil.rmtree(settings.chroma_dir, ignore_errors=True)
    shutil.rmtree(settings.home / "bm25", ignore_errors=True)
