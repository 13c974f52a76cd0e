"""Hybrid retrieval: BM25 over jieba tokens + dense search in Chroma, fused by reciprocal rank.

Fusion is LlamaIndex's ``QueryFusionRetriever`` (mode ``reciprocal_rerank``, no query
generation); the two inputs are small ``BaseRetriever`` adapters over our stores.
Questions are normalised like documents (full-width, traditional → simplified).
"""

from __future__ import annotations

import logging
import re
import threading
from functools import cached_property

from llama_index.core.retrievers import BaseRetriever
from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode

from rag.config import Settings
from rag.index.generation import read_generation
from rag.index.segments import Segments, open_segments
from rag.index.store import PassageStore
from rag.ingest.clean import normalize_unicode, to_simplified
from rag.records import Passage

log = logging.getLogger(__name__)


def normalize_query(question: str) -> str:
    """Same normalisation as documents get, so 數據中心 finds 数据中心.

    >>> normalize_query("ＡＷＳ的數據中心")
    'AWS的数据中心'
    """
    return to_simplified(normalize_unicode(question)).strip()


def _node(p: Passage, score: float) -> NodeWithScore:
    return NodeWithScore(node=TextNode(id_=p.id, text=p.text), score=score)


class LexicalRetriever(BaseRetriever):
    """BM25 (bm25s) over jieba tokens of title + passage: main segment + delta."""

    def __init__(self, bm25: Segments, passages: dict[str, Passage], k: int):
        super().__init__()
        self.bm25, self.passages, self.k = bm25, passages, k

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        hits = self.bm25.search(query_bundle.query_str, self.k)
        return [_node(self.passages[pid], s) for pid, s in hits if pid in self.passages]


class DenseRetriever(BaseRetriever):
    """Cosine search in the Chroma collection with the collection's own embedder."""

    def __init__(self, store: PassageStore, passages: dict[str, Passage], k: int):
        super().__init__()
        self.store, self.passages, self.k = store, passages, k

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        if not self.passages:
            return []
        vec = self.store.embedder.embed_query([query_bundle.query_str])[0]
        res = self.store.collection.query(
            query_embeddings=[vec], n_results=min(self.k, len(self.passages)), include=["distances"]
        )
        return [
            _node(self.passages[pid], 1.0 - float(d))
            for pid, d in zip(res["ids"][0], res["distances"][0])
            if pid in self.passages
        ]


class HybridRetriever:
    """One warm retriever per process: passages, BM25 and Chroma are loaded once, and again
    whenever the index generation moved (another process, or store, committed a change)."""

    def __init__(self, settings: Settings, store: PassageStore):
        self.settings = settings
        self.store = store
        self._lock = threading.RLock()
        self._load()

    def _load(self) -> None:
        """Passages and BM25 as Chroma holds them now. After a change only the difference is
        read: the ids (cheap), then the new passages; BM25 adds them to its delta segment."""
        self.store.refresh_if_stale()
        self.generation = self.store.generation
        old: dict[str, Passage] = getattr(self, "passages", {})
        ids = self.store.passage_ids()
        passages = {pid: p for pid, p in old.items() if pid in ids}
        passages.update((p.id, p) for p in self.store.passages(sorted(ids - passages.keys())))
        self.passages = passages
        self.bm25, _ = open_segments(
            self.settings.home / "bm25",
            set(passages),
            lambda need: [passages[pid] for pid in need],
            lock=self.store.lock,
            previous=getattr(self, "bm25", None),
        )
        self.lexical = LexicalRetriever(self.bm25, self.passages, self.settings.candidates)
        self.dense = DenseRetriever(self.store, self.passages, self.settings.candidates)
        self.__dict__.pop("fusion", None)  # built over the old retrievers

    def refresh_if_stale(self) -> bool:
        """Reload passages and BM25 if the index changed since they were loaded: one small
        file read when it did not. True when it reloaded."""
        if read_generation(self.settings.home) == self.generation:
            return False
        with self._lock:
            if read_generation(self.settings.home) == self.generation:
                return False
            self._load()
        log.info("the index changed (generation %d): passages and BM25 reloaded", self.generation)
        return True

    @cached_property
    def fusion(self):
        from llama_index.core.llms import MockLLM
        from llama_index.core.retrievers import QueryFusionRetriever

        return QueryFusionRetriever(
            [self.lexical, self.dense],
            llm=MockLLM(),  # never called: num_queries=1 means no query generation
            mode=self.settings.fusion,
            retriever_weights=[self.settings.bm25_weight, 1 - self.settings.bm25_weight],
            num_queries=1,
            use_async=False,
            similarity_top_k=self.settings.candidates,
        )

    def search(self, question: str, k: int = 5, mode: str = "hybrid") -> list[Passage]:
        """Top ``k`` passages for a question; ``mode`` is hybrid, bm25 or dense (for evaluation).

        First reloads what another process changed in the index (``refresh_if_stale``), so
        a file removed by ``rag ingest`` is never returned by a page that was already up.
        """
        query = normalize_query(question)
        with self._lock:  # a reload swaps the retrievers: search one consistent set
            self.refresh_if_stale()
            if not query or not self.passages:
                return []
            retriever = {"hybrid": self.fusion, "bm25": self.lexical, "dense": self.dense}[mode]
            results = retriever.retrieve(query)
            return [self._with_lead(self.passages[r.node.node_id], r.score) for r in results[:k]]

    def neighbours(self, passage: Passage) -> list[Passage]:
        """The passages right before and after ``passage`` in its article (for context windows)."""
        out = []
        for n in (-1, 1):
            p = self._next_to(passage, n)
            if p:
                out.append(self._with_lead(p, 0.0))
        return out

    def _next_to(self, passage: Passage, step: int) -> Passage | None:
        prefix, _, num = passage.id.rpartition("-")
        return self.passages.get(f"{prefix}-{int(num) + step:03d}") if num.isdigit() else None

    def _with_lead(self, p: Passage, score: float | None) -> Passage:
        """A copy of ``p`` with its score and the two sentences before it (≤ 200 chars)."""
        before = self._next_to(p, -1)
        text = before.text[: max(0, p.start - before.start)] if before else ""
        lead = "".join(re.findall(r"[^。！？!?\n]+[。！？!?]?\s*", text)[-2:])
        return Passage(**{**p.__dict__, "score": float(score or 0.0), "lead": lead[-200:]})
