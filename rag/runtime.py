"""The warm objects of one process: store, retriever, model and answerer, built once.

The first use builds the index from ``seeds/`` (and the page's uploads) when it is empty;
later calls and new processes reuse it. ``reset()`` drops everything (after an ingest, or in tests).
Opening the store completes or removes files a killed ingest left half-indexed; the store
and the retriever reload when another process changed the index (its generation moved), so
the page answers from what ``rag ingest`` left, without a restart.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from rag.answer.pipeline import Answerer
from rag.config import Settings, get_settings
from rag.index.retrieve import HybridRetriever
from rag.index.store import PassageStore
from rag.models.base import ChatModel
from rag.models.load import load_model

log = logging.getLogger(__name__)
_lock = threading.RLock()
_state: dict[str, object] = {}


def _key(settings: Settings) -> tuple:
    return (settings.home, settings.chroma_url, settings.collection, settings.embedder)


def get_store(settings: Settings | None = None) -> PassageStore:
    settings = settings or get_settings()
    with _lock:
        if _state.get("store_key") != _key(settings):
            _state.clear()
            _state["store"] = PassageStore(settings)
            _state["store_key"] = _key(settings)
        store: PassageStore = _state["store"]  # type: ignore[assignment]
        store.refresh_if_stale()  # e.g. `rag ingest --rebuild` replaced the index files
        if store.count() == 0:
            if (settings.home / "bm25").is_dir():  # there was an index: its folder was deleted
                log.warning(
                    "the Chroma index in %s is empty although it was built before (deleted?); "
                    "re-indexing the seeds and uploads now; for other folders run "
                    "`rag ingest --rebuild FOLDER …`",
                    settings.chroma_dir,
                )
            # zero setup: the seeds, and whatever was uploaded through the page, are indexed
            paths = [Path(settings.seeds), settings.home / "uploads"]
            store.sync([p for p in paths if p.is_dir()])
        return store


def get_retriever(settings: Settings | None = None) -> HybridRetriever:
    settings = settings or get_settings()
    with _lock:
        store = get_store(settings)
        retriever = _state.get("retriever")
        if not isinstance(retriever, HybridRetriever) or retriever.store is not store:
            retriever = _state["retriever"] = HybridRetriever(settings, store)
        retriever.refresh_if_stale()  # searches check too; this covers `retriever.passages`
        return retriever


def get_model(settings: Settings | None = None) -> ChatModel:
    settings = settings or get_settings()
    with _lock:
        if _state.get("model_key") != settings.llm or "model" not in _state:
            _state["model"] = load_model(settings)
            _state["model_key"] = settings.llm
        return _state["model"]  # type: ignore[return-value]


def get_answerer(settings: Settings | None = None) -> Answerer:
    settings = settings or get_settings()
    with _lock:
        retriever = get_retriever(settings)
        model = get_model(settings)
        answerer = _state.get("answerer")
        if (
            not isinstance(answerer, Answerer)
            or answerer.retriever is not retriever
            or answerer.model is not model
        ):
            answerer = Answerer(settings, retriever, model)
            _state["answerer"] = answerer
        return answerer


def use_model(model: ChatModel, settings: Settings | None = None) -> None:
    """Install a model instance (a test's MockModel, or one built by the caller)."""
    settings = settings or get_settings()
    with _lock:
        _state["model"] = model
        _state["model_key"] = settings.llm
        _state.pop("answerer", None)


def invalidate_retriever() -> None:
    """After an ingest: passages and BM25 must be reloaded, the model stays warm."""
    with _lock:
        _state.pop("retriever", None)
        _state.pop("answerer", None)


def reset() -> None:
    with _lock:
        _state.clear()
