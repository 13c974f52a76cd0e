"""The tutorial pipeline we measure against (LlamaIndex "starter" RAG).

``SimpleDirectoryReader`` over the raw seed files, default chunking, an in-memory
``VectorStoreIndex``, ``as_query_engine()`` with its default prompt and top-k — no cleaning,
no hybrid retrieval, no citation repair, no guard. Same embedder and same LLM as ours, so the
difference is the pipeline, not the models.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from llama_index.core.base.embeddings.base import BaseEmbedding
from llama_index.core.llms import CompletionResponse, CompletionResponseGen, CustomLLM, LLMMetadata
from llama_index.core.llms.callbacks import llm_completion_callback
from pydantic import PrivateAttr

from rag.eval.claims import says_not_found
from rag.models.base import ChatModel
from rag.records import Answer, Citation, Passage


class LlamaIndexEmbedding(BaseEmbedding):
    """Our Chroma embedding function seen through LlamaIndex's embedding interface."""

    _ef: Any = PrivateAttr()

    def __init__(self, ef: Any, **kwargs: Any):
        super().__init__(model_name=ef.name(), **kwargs)
        self._ef = ef

    def _get_query_embedding(self, query: str) -> list[float]:
        return [float(x) for x in self._ef.embed_query([query])[0]]

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)

    def _get_text_embedding(self, text: str) -> list[float]:
        return [float(x) for x in self._ef([text])[0]]

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return [[float(x) for x in v] for v in self._ef(texts)]


class LlamaIndexLLM(CustomLLM):
    """Our ChatModel (warm llama.cpp instance) seen as a LlamaIndex completion LLM."""

    _model: Any = PrivateAttr()
    context_window: int = 2048

    def __init__(self, model: ChatModel, context_window: int = 2048, **kwargs: Any):
        super().__init__(context_window=context_window, **kwargs)
        self._model = model

    @property
    def metadata(self) -> LLMMetadata:
        return LLMMetadata(
            context_window=self.context_window, num_output=256, model_name=self._model.name
        )

    @llm_completion_callback()
    def complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponse:
        text = self._model.complete([{"role": "user", "content": prompt}], max_tokens=256)
        return CompletionResponse(text=text)

    @llm_completion_callback()
    def stream_complete(
        self, prompt: str, formatted: bool = False, **kwargs: Any
    ) -> CompletionResponseGen:
        text = ""
        for piece in self._model.stream([{"role": "user", "content": prompt}], max_tokens=256):
            text += piece
            yield CompletionResponse(text=text, delta=piece)


class BaselinePipeline:
    """``ask(question)`` through the tutorial pipeline; returns our ``Answer`` record."""

    def __init__(self, seeds: Path, embedder: Any, model: ChatModel, context_window: int = 4096):
        from llama_index.core import Settings as LISettings
        from llama_index.core import SimpleDirectoryReader, VectorStoreIndex

        self.model = model
        LISettings.embed_model = LlamaIndexEmbedding(embedder)
        LISettings.llm = LlamaIndexLLM(model, context_window=context_window)
        docs = SimpleDirectoryReader(str(seeds), required_exts=[".txt"]).load_data()
        t0 = time.perf_counter()
        self.index = VectorStoreIndex.from_documents(docs)
        self.build_s = time.perf_counter() - t0
        self.engine = self.index.as_query_engine(streaming=True)

    def ask(self, question: str, history: list[dict] | None = None) -> Answer:
        # the tutorial has no conversation handling: a follow-up is asked as it is
        t0 = time.perf_counter()
        response = self.engine.query(question)
        first = None
        text = ""
        for piece in response.response_gen:
            if first is None:
                first = time.perf_counter()
            text += piece
        usage = self.model.last_usage
        passages = [_passage(n) for n in response.source_nodes]
        return Answer(
            text=text.strip(),
            citations=[],
            abstained=says_not_found(text) or not text.strip(),
            question=question,
            standalone_question=question,
            passages=passages,
            # the tutorial prompt holds the retrieved chunks whole
            shown=[
                Citation(n, p.source, p.title, p.text, p.text) for n, p in enumerate(passages, 1)
            ],
            prompt_tokens=usage.prompt_tokens,
            completion_tokens=usage.completion_tokens,
            timings={
                "ttft_s": (first or time.perf_counter()) - t0,
                "total_s": time.perf_counter() - t0,
            },
        )

    def retrieve(self, question: str, k: int = 5) -> list[Passage]:
        nodes = self.index.as_retriever(similarity_top_k=k).retrieve(question)
        return [_passage(n) for n in nodes]


def _passage(n) -> Passage:
    """A LlamaIndex NodeWithScore as our Passage record."""
    return Passage(
        id=n.node.node_id,
        source=Path(n.node.metadata.get("file_name", "")).name,
        title="",
        text=n.node.get_content(),
        score=float(n.score or 0.0),
    )
