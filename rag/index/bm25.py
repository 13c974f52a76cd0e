"""Keyword search: jieba tokens scored by BM25 (bm25s), persisted next to the Chroma index.

Chroma's embedded mode has no sparse ranking, and BM25 over raw Chinese strings scores 0
(no spaces, no tokens), so passages and questions are segmented with jieba first. A user
dictionary of domain terms keeps 资本开支 or 万卡集群 in one piece.

``BM25Index`` is one segment: a bm25s index over some passages, saved with the tokens it was
built from (so it can be rebuilt without jieba) and the statistics another segment needs to
score on the same scale (``rag.index.segments`` keeps a main segment plus a small delta).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np

from rag.index.tokenize import SYNONYMS, TOKENIZER_VERSION, tokenize

STAGED = ".bm25-"  # prefix of a segment's folder being written, beside the data dir's bm25/
K1, B = 1.5, 0.75  # bm25s' defaults ("lucene" scoring); the delta segment scores with them too


def fingerprint(ids) -> str:
    """Identity of a set of passage ids (and of the tokenizer that indexed them)."""
    h = hashlib.sha1(TOKENIZER_VERSION.encode())
    for pid in sorted(ids):
        h.update(pid.encode())
    return h.hexdigest()[:16]


def query_tokens(query: str) -> list[str]:
    """A question's search tokens, with the synonyms of financial news added.

    >>> query_tokens("公园的投资")
    ['公园', '投资', '投入']
    """
    tokens = tokenize(query)
    return tokens + [s for t in tokens for s in SYNONYMS.get(t, ()) if s not in tokens]


def passage_tokens(title: str, text: str) -> list[str]:
    """What BM25 indexes of a passage: the tokens of its title and text."""
    return tokenize(f"{title} {text}") or ["_empty_"]


class BM25Index:
    """bm25s over jieba tokens; ``search`` returns (passage id, score) best first."""

    def __init__(self, retriever, ids: list[str], key: str, terms: list[str], length: int):
        self.retriever = retriever
        self.ids = ids
        self.key = key
        self.terms = terms  # corpus terms jieba was taught before tokenizing these passages
        self.length = length  # total tokens: the average document length of this segment
        indptr = np.asarray(retriever.scores["indptr"])
        self.df = np.diff(indptr)  # documents per token id (the columns of bm25s' matrix)
        self.tokens: list[list[str]] | None = None  # kept after a build, until it is saved
        self.id_set = set(ids)

    @classmethod
    def build(cls, ids: list[str], tokens: list[list[str]], terms: list[str]) -> BM25Index:
        import bm25s

        retriever = bm25s.BM25(k1=K1, b=B)
        retriever.index(tokens, show_progress=False)
        index = cls(retriever, list(ids), fingerprint(ids), terms, sum(map(len, tokens)))
        index.tokens = tokens
        return index

    def doc_freq(self, token: str) -> int:
        tid = self.retriever.vocab_dict.get(token)
        return int(self.df[tid]) if tid is not None and tid < len(self.df) else 0

    def save(self, folder: Path) -> None:
        """Write the segment; a reader never loads a mix of two versions (see ``load``)."""
        self.publish(self.stage(folder), folder)

    def stage(self, folder: Path) -> Path:
        """Write the segment's files into a new folder beside ``folder``, for ``publish``
        (an ingest stages while its encoder still runs, and publishes after its last batch)."""
        folder.parent.mkdir(parents=True, exist_ok=True)
        staged = Path(tempfile.mkdtemp(dir=folder.parent, prefix=STAGED))
        self.retriever.save(str(staged), show_progress=False)
        save_tokens(staged / "tokens.npz", self.tokens)
        info = {"key": self.key, "ids": self.ids, "terms": self.terms, "length": self.length}
        (staged / "rag.json").write_text(json.dumps(info, ensure_ascii=False))
        return staged

    def publish(self, staged: Path, folder: Path) -> None:
        """Move a staged segment into ``folder``. ``rag.json`` (the key) goes first and comes
        back last: a reader that finds the same ``rag.json`` before and after loading the
        arrays has read arrays of that key. Callers hold the data dir's writer lock, so two
        saves never interleave."""
        folder.mkdir(parents=True, exist_ok=True)
        meta = folder / "rag.json"
        meta.unlink(missing_ok=True)
        for f in staged.iterdir():
            if f.name != "rag.json":
                os.replace(f, folder / f.name)
        os.replace(staged / "rag.json", meta)
        shutil.rmtree(staged, ignore_errors=True)

    @classmethod
    def load(cls, folder: Path, reuse: BM25Index | None = None) -> BM25Index | None:
        """The saved segment, or None (missing, of another tokenizer, or being rewritten);
        ``reuse`` when it is that segment already (its arrays are not read again)."""
        import bm25s

        meta_file = folder / "rag.json"
        try:
            before = meta_file.read_text()
            meta = json.loads(before)
            if reuse is not None and meta.get("key") == reuse.key:
                return reuse
            if meta.get("key") != fingerprint(meta["ids"]):  # another TOKENIZER_VERSION
                return None
            retriever = bm25s.BM25.load(str(folder), show_progress=False, verbosity=0)
            if meta_file.read_text() != before:  # rewritten while we read: a mix of two
                return None
            return cls(retriever, meta["ids"], meta["key"], meta["terms"], int(meta["length"]))
        except (OSError, ValueError, KeyError):
            return None

    def search_tokens(self, tokens: list[str], k: int) -> list[tuple[str, float]]:
        tokens = [t for t in tokens if t in self.retriever.vocab_dict]
        if not tokens or not self.ids:
            return []
        k = min(k, len(self.ids))
        docs, scores = self.retriever.retrieve([tokens], k=k, show_progress=False, n_threads=1)
        return [
            (self.ids[int(d)], float(s))
            for d, s in zip(np.ravel(docs[0]), np.ravel(scores[0]))
            if s > 0
        ]

    def search(self, query: str, k: int = 20) -> list[tuple[str, float]]:
        return self.search_tokens(query_tokens(query), k)


def save_tokens(path: Path, tokens: list[list[str]]) -> None:
    """Token lists as a vocabulary and one int32 array (a few MB for 50k passages)."""
    vocab = sorted({t for doc in tokens for t in doc})
    index = {t: i for i, t in enumerate(vocab)}
    flat = np.fromiter((index[t] for doc in tokens for t in doc), dtype=np.int32)
    offsets = np.cumsum([0, *map(len, tokens)], dtype=np.int64)
    np.savez(path, vocab=np.array(vocab, dtype=str), flat=flat, offsets=offsets)


def load_tokens(path: Path) -> list[list[str]]:
    with np.load(path, allow_pickle=False) as z:
        vocab, flat, offsets = z["vocab"].tolist(), z["flat"], z["offsets"]
    words = [vocab[i] for i in flat.tolist()]
    return [words[a:b] for a, b in zip(offsets[:-1].tolist(), offsets[1:].tolist())]
