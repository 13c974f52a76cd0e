"""The Chroma client: embedded ``PersistentClient`` in the data dir, or a Chroma server.

``open_client`` opens it with a clear ``StoreError`` when it cannot; ``forget_client`` makes
the next open read the files afresh (an embedded client keeps its vector index in memory
and does not see another process's writes); ``wipe_index`` deletes the index for a rebuild.
"""

from __future__ import annotations

import contextlib
import shutil

from rag.config import Settings
from rag.index.generation import IndexLock, bump_generation


class StoreError(RuntimeError):
    """The index cannot be opened or written; the message says what to do."""


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


def forget_client(settings: Settings) -> None:
    """Drop Chroma's cached embedded client of this data dir, so the next open reads the
    files afresh. Clients already open keep working (on what they had loaded)."""
    if settings.chroma_url:
        return
    from chromadb.api.shared_system_client import SharedSystemClient

    # Chroma caches one system per path (its identifier); not stopped: other stores of this
    # process may still be reading through it until they reload too
    key = str(settings.chroma_dir)
    SharedSystemClient._identifier_to_system.pop(key, None)
    SharedSystemClient._identifier_to_refcount.pop(key, None)


def wipe_index(settings: Settings) -> None:
    """Delete the index (passages, manifests, BM25 files) so it can be rebuilt from the corpus."""
    with IndexLock.for_home(settings.home).hold():
        if settings.chroma_url:
            import chromadb

            client = open_client(settings)
            for name in (settings.collection, f"{settings.collection}-files"):
                with contextlib.suppress(ValueError, chromadb.errors.NotFoundError):
                    client.delete_collection(name)
        else:
            from chromadb.api.client import SharedSystemClient

            # Chroma caches one client per path; a cached one would keep the deleted files' state
            SharedSystemClient.clear_system_cache()
            shutil.rmtree(settings.chroma_dir, ignore_errors=True)
        shutil.rmtree(settings.home / "bm25", ignore_errors=True)
        bump_generation(settings.home)  # other processes must drop what they loaded
