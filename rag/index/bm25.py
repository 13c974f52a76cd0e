"""Keyword search: jieba tokens scored by BM25 (bm25s), persisted next to the Chroma index.

Chroma's embedded mode has no sparse ranking, and BM25 over raw Chinese strings scores 0
(no spaces, no tokens), so passages and questions are segmented with jieba first. A user
dictionary of domain terms keeps 资本开支 or 万卡集群 in one piece.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from pathlib import Path

import numpy as np

from rag.index.generation import IndexLock
from rag.index.tokenize import SYNONYMS, TOKENIZER_VERSION, add_corpus_terms, tokenize
from rag.records import Passage


def fingerprint(passages: list[Passage]) -> str:
    """Identity of a corpus state: changes whenever a passage is added, removed or edited."""
    h = hashlib.sha1(TOKENIZER_VERSION.encode())
    for p in sorted(passages, key=lambda p: p.id):
        h.update(p.id.encode())
    return h.hexdigest()[:16]


class BM25Index:
    """bm25s over jieba tokens; ``search`` returns (passage id, score) best first."""

    def __init__(self, retriever, ids: list[str], key: str):
        self.retriever = retriever
        self.ids = ids
        self.key = key

    @classmethod
    def build(cls, passages: list[Passage]) -> BM25Index:
        import bm25s

        add_corpus_terms([p.text for p in passages])
        corpus = [tokenize(f"{p.title} {p.text}") or ["_empty_"] for p in passages]
        retriever = bm25s.BM25()
        retriever.index(corpus, show_progress=False)
        return cls(retriever, [p.id for p in passages], fingerprint(passages))

    def save(self, folder: Path) -> None:
        """Write the index; a reader never loads a mix of two versions (see ``load``).

        ``rag.json`` (the key) goes first and comes back last: a reader that finds the same
        ``rag.json`` before and after loading the arrays has read arrays of that key.
        Callers hold the data dir's writer lock, so two saves never interleave.
        """
        folder.mkdir(parents=True, exist_ok=True)
        meta = folder / "rag.json"
        meta.unlink(missing_ok=True)
        with tempfile.TemporaryDirectory(dir=folder.parent, prefix=".bm25-") as tmp:
            self.retriever.save(tmp, show_progress=False)
            for f in Path(tmp).iterdir():
                os.replace(f, folder / f.name)
            staged = Path(tmp) / "rag.json"
            staged.write_text(json.dumps({"key": self.key, "ids": self.ids}))
            os.replace(staged, meta)

    @classmethod
    def load(cls, folder: Path, key: str) -> BM25Index | None:
        """The saved index if it matches ``key``, else None (stale, missing or being rewritten)."""
        import bm25s

        meta_file = folder / "rag.json"
        try:
            before = meta_file.read_text()
            meta = json.loads(before)
            if meta.get("key") != key:
                return None
            retriever = bm25s.BM25.load(str(folder), show_progress=False, verbosity=0)
            if meta_file.read_text() != before:  # rewritten while we read: a mix of two
                return None
        except (OSError, ValueError, KeyError):
            return None
        return cls(retriever, meta["ids"], key)

    @classmethod
    def load_or_build(
        cls, folder: Path, passages: list[Passage], lock: IndexLock | None = None
    ) -> BM25Index:
        """The saved index of exactly these passages, or a new one (saved when ``lock``,
        the data dir's writer lock, is free: a busy writer only costs a rebuild later)."""
        key = fingerprint(passages)
        index = cls.load(folder, key)
        if index is None:
            index = cls.build(passages)
            with contextlib.ExitStack() as stack:
                held = stack.enter_context(lock.hold(wait=False)) if lock else True
                if held:
                    # a read-only data dir only costs a rebuild next time
                    with contextlib.suppress(OSError):
                        index.save(folder)
        else:
            add_corpus_terms([p.text for p in passages])
        return index

    def search(self, query: str, k: int = 20) -> list[tuple[str, float]]:
        vocab = self.retriever.vocab_dict
        tokens = tokenize(query)
        tokens += [s for t in tokens for s in SYNONYMS.get(t, ()) if s not in tokens]
        tokens = [t for t in tokens if t in vocab]
        if not tokens or not self.ids:
            return []
        k = min(k, len(self.ids))
        docs, scores = self.retriever.retrieve([tokens], k=k, show_progress=False, n_threads=1)
        return [
            (self.ids[int(d)], float(s))
            for d, s in zip(np.ravel(docs[0]), np.ravel(scores[0]))
            if s > 0
        ]
