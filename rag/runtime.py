"""The warm objects of one process: store, retriever, model and answerer, built once.

First use: when the index is empty it is built from the page's uploads, or, when there are
none and no index was built here before, from the demo articles (``seeds/``; ``RAG_SEEDS=""``
turns that off). The demo is recorded in ``RAG_HOME/demo.json``, and ``ingest`` removes it
before a user's own files come in: a user's index never holds the demo unless they ingested
the seeds themselves. Later calls and new processes reuse the index. ``reset()`` drops
everything (after an ingest, or in tests). Opening the store completes or removes files a
killed ingest left half-indexed; the store and the retriever reload when another process
changed the index (its generation moved), so the page answers from what ``rag ingest`` left,
without a restart.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path

from rag.answer.pipeline import Answerer
from rag.answer.question import QuestionError
from rag.config import Settings, get_settings
from rag.index.recover import UPLOADS
from rag.index.remove import remove_files
from rag.index.retrieve import HybridRetriever
from rag.index.store import PassageStore
from rag.index.sync import SyncReport
from rag.ingest.load import iter_files
from rag.models.base import ChatModel
from rag.models.load import load_model

log = logging.getLogger(__name__)
_lock = threading.RLock()
_state: dict[str, object] = {}

DEMO = "demo.json"  # in the data dir: the seed files the first use indexed as the demo


class NoArticlesError(QuestionError):
    """Nothing is indexed (the demo is off and nothing was ingested): nothing to answer from."""


NO_ARTICLES = (
    "还没有索引任何文章,请先添加文章。No articles are indexed yet: index some articles first "
    "(`rag ingest FOLDER`, or upload files in the page's Articles tab)."
)


@dataclass
class IngestReport(SyncReport):
    """A sync's report, and what was done before it (the demo articles removed)."""

    notices: list[str] = field(default_factory=list)


def _key(settings: Settings) -> tuple:
    return (settings.home, settings.chroma_url, settings.collection, settings.embedder)


def get_store(settings: Settings | None = None, *, first_use: bool = True) -> PassageStore:
    """The process's store; an empty index is filled first (``first_use=False``: left empty,
    for an ingest that must index exactly what it is given)."""
    settings = settings or get_settings()
    with _lock:
        if _state.get("store_key") != _key(settings):
            _state.clear()
            _state["store"] = PassageStore(settings)
            _state["store_key"] = _key(settings)
        store: PassageStore = _state["store"]  # type: ignore[assignment]
        store.refresh_if_stale()  # e.g. `rag ingest --rebuild` replaced the index files
        if first_use and store.count() == 0:
            _fill_empty(settings, store)
        return store


def _fill_empty(settings: Settings, store: PassageStore) -> None:
    """Zero setup: index the uploads, else the demo (unless this data dir had an index of
    the user's own: its folders are unknown here, so nothing is guessed)."""
    uploads = settings.home / UPLOADS
    had_index = (settings.home / "bm25").is_dir()  # its Chroma folder was deleted
    demo = settings.seeds is not None and any(_files(Path(settings.seeds)))
    if _files(uploads):
        paths, what = [uploads], "the page's uploads"
        forget_demo(settings)
    elif demo and (not had_index or (settings.home / DEMO).is_file()):
        paths, what = [Path(settings.seeds)], "the demo articles"  # type: ignore[arg-type]
        _record_demo(settings)  # before indexing: a killed first use is still the demo
    else:
        paths, what = [], ""
    if had_index:
        log.warning(
            "the Chroma index in %s is empty although it was built before (deleted?); %s; "
            "for other folders run `rag ingest --rebuild FOLDER …`",
            settings.chroma_dir,
            f"re-indexing {what} now" if what else "nothing re-indexed",
        )
    if paths:
        store.sync(paths)


def _files(folder: Path) -> list[Path]:
    return iter_files([folder]) if folder.is_dir() else []


def _record_demo(settings: Settings) -> None:
    seeds = Path(settings.seeds).resolve()  # type: ignore[arg-type]
    files = [str(f.resolve()) for f in _files(seeds)]
    settings.home.mkdir(parents=True, exist_ok=True)
    record = {"seeds": str(seeds), "files": files}
    (settings.home / DEMO).write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")


def demo_record(settings: Settings) -> tuple[Path | None, list[str]]:
    """The seeds folder and files (resolved) the first use indexed as the demo, if it did."""
    try:
        record = json.loads((settings.home / DEMO).read_text(encoding="utf-8"))
        return Path(record["seeds"]), [str(f) for f in record["files"]]
    except (OSError, ValueError, KeyError, TypeError):
        return None, []


def forget_demo(settings: Settings) -> None:
    """The seed articles in the index are the user's own from now on (or gone)."""
    (settings.home / DEMO).unlink(missing_ok=True)


def _inside(path: Path, folder: Path) -> bool:
    path, folder = path.resolve(), folder.resolve()
    return path == folder or folder in path.parents or path in folder.parents


def remove_demo(store: PassageStore, paths: list[Path]) -> str:
    """Before a user's own files are indexed: remove the demo articles the first use
    indexed, and say so ("" when there were none). Ingesting the seeds folder (or a file of
    it) keeps them: they are the user's own then."""
    settings = store.settings
    seeds, files = demo_record(settings)
    if seeds is None:
        return ""
    if any(_inside(Path(p), seeds) for p in paths):
        forget_demo(settings)
        return ""
    with _lock:  # a question's first use must not see the demo gone and index it again
        articles, passages = remove_files(store, files)
        forget_demo(settings)
    if not articles:
        return ""
    log.info("removed the %d demo articles before indexing the user's own", articles)
    return (
        f"已先移除 {articles} 篇示例文章(首次使用时自动索引的演示资料)。"
        f"The {articles} demo articles indexed on first use ({passages} passages) were removed "
        "first: the index holds only your own articles."
    )


def ingest(
    paths: list[Path], settings: Settings | None = None, progress: bool = True
) -> IngestReport:
    """Index a user's own files, folders or archives (the demo articles removed first)."""
    settings = settings or get_settings()
    store = get_store(settings, first_use=False)
    notice = remove_demo(store, paths)
    report = store.sync(paths, progress=progress)  # questions are answered meanwhile
    return IngestReport(**vars(report), notices=[notice] if notice else [])


def get_retriever(settings: Settings | None = None) -> HybridRetriever:
    """The warm retriever; raises ``NoArticlesError`` while nothing is indexed."""
    settings = settings or get_settings()
    with _lock:
        store = get_store(settings)
        if store.count() == 0:
            raise NoArticlesError(NO_ARTICLES)
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
