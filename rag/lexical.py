"""Keyword search: jieba tokens scored by BM25 (bm25s), persisted next to the Chroma index.

Chroma's embedded mode has no sparse ranking, and BM25 over raw Chinese strings scores 0
(no spaces, no tokens), so passages and questions are segmented with jieba first. A user
dictionary of domain terms keeps 资本开支 or 万卡集群 in one piece.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
from collections import Counter
from functools import lru_cache
from pathlib import Path

import numpy as np

from rag.records import Passage

_TOKEN_OK = re.compile(r"[\u4e00-\u9fff0-9a-z]")
STOPWORDS = set(
    "的 了 是 在 和 与 及 或 也 都 就 而 并 对 等 中 上 下 为 以 把 被 将 这 那 其 之 于 从 到 "
    "吗 呢 吧 啊 么 什么 多少 哪些 哪个 哪 如何 怎么 怎样 是否 有 没有 一个 这个 那个 他们 我们 "
    "the a an of in on for to and or is are was were what which who how much many did does do "
    "by with at as it its be".split()
)

# General vocabulary of the domain (not answers): terms jieba would otherwise cut in pieces.
DOMAIN_TERMS = (
    "云计算 智算 智算中心 算力 资本开支 资本支出 万卡集群 大模型 数据中心 基础设施 推理 训练成本 "
    "人工智能 生成式 智能体 具身智能 开源 闭源 芯片 服务器 液冷 东数西算 算力券 训力券 "
    "多模态 通用人工智能 超级人工智能 操作系统 国产替代 英伟达 昇腾 升腾"
).split()

_jieba_lock = threading.Lock()


@lru_cache(maxsize=1)
def _jieba():
    import jieba

    jieba.setLogLevel(logging.WARNING)
    for term in DOMAIN_TERMS:
        jieba.add_word(term, freq=20000)
    return jieba


def add_corpus_terms(texts: list[str], min_count: int = 4, limit: int = 300) -> list[str]:
    """Teach jieba frequent corpus n-grams it would split (e.g. names of products or places).

    A 2-4 character CJK n-gram that recurs ``min_count`` times and that jieba cuts apart is
    treated as a term of this corpus.
    """
    jieba = _jieba()
    counts: Counter[str] = Counter()
    for text in texts:
        for run in re.findall(r"[\u4e00-\u9fff]{2,}", text):
            for n in (3, 4):
                counts.update(run[i : i + n] for i in range(len(run) - n + 1))
    terms = []
    for gram, c in counts.most_common():
        if c < min_count or len(terms) >= limit:
            break
        if any(ch in "的了是在和与及或也都就而并对等为以把被将这那其之于从到" for ch in gram):
            continue
        if len(jieba.lcut(gram)) > 1:
            terms.append(gram)
    with _jieba_lock:
        for t in terms:
            jieba.add_word(t, freq=2000)
    return terms


def tokenize(text: str) -> list[str]:
    """Search tokens: jieba's fine-grained cut, lower-cased, stopwords and punctuation dropped.

    >>> tokenize("2024年亚马逊的资本支出是多少?")
    ['2024', '年', '亚马逊', '资本', '支出', '资本支出']
    """
    with _jieba_lock:
        words = _jieba().lcut_for_search(text.lower())
    return [w for w in (w.strip() for w in words) if w and _TOKEN_OK.search(w) and w not in STOPWORDS]


def fingerprint(passages: list[Passage]) -> str:
    """Identity of a corpus state: changes whenever a passage is added, removed or edited."""
    h = hashlib.sha1()
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
        folder.mkdir(parents=True, exist_ok=True)
        self.retriever.save(str(folder), show_progress=False)
        (folder / "rag.json").write_text(json.dumps({"key": self.key, "ids": self.ids}))

    @classmethod
    def load(cls, folder: Path, key: str) -> BM25Index | None:
        """The saved index if it matches ``key``, else None (stale or missing)."""
        import bm25s

        meta_file = folder / "rag.json"
        if not meta_file.exists():
            return None
        try:
            meta = json.loads(meta_file.read_text())
            if meta.get("key") != key:
                return None
            retriever = bm25s.BM25.load(str(folder), show_progress=False, verbosity=0)
        except (OSError, ValueError, KeyError):
            return None
        return cls(retriever, meta["ids"], key)

    @classmethod
    def load_or_build(cls, folder: Path, passages: list[Passage]) -> BM25Index:
        key = fingerprint(passages)
        index = cls.load(folder, key)
        if index is None:
            index = cls.build(passages)
            try:
                index.save(folder)
            except OSError:
                pass  # a read-only data dir only costs a rebuild next time
        else:
            add_corpus_terms([p.text for p in passages])
        return index

    def search(self, query: str, k: int = 20) -> list[tuple[str, float]]:
        vocab = self.retriever.vocab_dict
        tokens = [t for t in tokenize(query) if t in vocab]
        if not tokens or not self.ids:
            return []
        k = min(k, len(self.ids))
        docs, scores = self.retriever.retrieve([tokens], k=k, show_progress=False, n_threads=1)
        return [
            (self.ids[int(d)], float(s)) for d, s in zip(np.ravel(docs[0]), np.ravel(scores[0])) if s > 0
        ]
