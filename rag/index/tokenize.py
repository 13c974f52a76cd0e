"""Tokens for keyword search: jieba, with the names learned from the indexed corpus added to
its dictionary (so a name is one token, not three characters) and stop words dropped.

No list of one corpus's names or terms lives here: jieba's own dictionary and part-of-speech
tags, plus what ``corpus_terms`` learns from the indexed articles at ingest (saved with the
BM25 segments, taught again by ``teach_terms`` on load). The general lists (stop words,
synonyms) are data files under ``rag/data/`` with their provenance.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
from functools import lru_cache

from rag.data import column, read_table

_TOKEN_OK = re.compile(r"[\u4e00-\u9fff0-9a-z]")


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    """Words search ignores (``rag/data/stopwords.tsv``): function and question words."""
    return frozenset(column("stopwords.tsv", "word"))


@lru_cache(maxsize=1)
def synonyms() -> dict[str, tuple[str, ...]]:
    """Each word of ``rag/data/synonyms.tsv`` with the words of its group.

    >>> synonyms()["投入"]
    ('投资',)
    """
    out: dict[str, tuple[str, ...]] = {}
    for row in read_table("synonyms.tsv"):
        group = row["words"].split()
        for word in group:
            out[word] = tuple(w for w in group if w != word)
    return out


SYNONYMS = synonyms()  # read by rag.index.bm25 (query expansion) and rag.answer.conflicts


_jieba_lock = threading.Lock()


# Bump when tokenisation changes (dictionary, term learning): a saved BM25 index is then
# rebuilt. The stop words' own digest is part of it, so an edit of their file rebuilds too.
TOKENIZER_VERSION = (
    "jieba-4-" + hashlib.sha1(" ".join(sorted(stopwords())).encode()).hexdigest()[:8]
)


@lru_cache(maxsize=1)
def _jieba():
    import jieba

    jieba.setLogLevel(logging.WARNING)
    return jieba


_taught: set[str] = set()  # terms this process's jieba was taught already

# Quoted or bracketed short phrases: the names a news text marks itself.
_QUOTED = re.compile(r"[“\"「『《]([^”\"」』》\s,，。]{2,8})[”\"」』》]")


def corpus_terms(texts: list[str], limit: int = 500) -> list[str]:
    """Names the corpus itself marks: quoted or bracketed short phrases jieba does not know.

    News text puts product, project and programme names in quotes or title marks; those are
    the words a reader will ask about and jieba does not know. A quoted word jieba knows
    already (“服务”, “失联”) is a word in quotes, not a name: it keeps its own tag.

    >>> corpus_terms(["蓝湾港启用“海鸥一号”码头,推出“绿色航运十条”,“服务”到家。"])
    ['海鸥一号', '绿色航运十条']
    """
    known = _jieba().dt
    known.check_initialized()  # its dictionary loaded: FREQ holds every word jieba knows
    terms: list[str] = []
    for text in texts:
        for m in _QUOTED.finditer(text):
            term = m.group(1)
            if (
                re.search(r"[\u4e00-\u9fff]", term)
                and term not in terms
                and (term in _taught or not known.FREQ.get(term))  # learned, or new to jieba
            ):
                terms.append(term)
    return terms[:limit]


def add_corpus_terms(texts: list[str]) -> list[str]:
    """Teach jieba the corpus's own terms (see ``corpus_terms``); returns them."""
    return teach_terms(corpus_terms(texts))


def teach_terms(terms: list[str]) -> list[str]:
    """Teach jieba terms learned earlier (saved with a BM25 segment); returns them.

    A learned term is a name: part-of-speech "nz", so the answer checks read it as an entity.
    """
    jieba = _jieba()
    with _jieba_lock:
        for t in terms:
            if t not in _taught:
                jieba.add_word(t, freq=2000, tag="nz")
                _taught.add(t)
    return terms


def tokenize(text: str) -> list[str]:
    """Search tokens: jieba's fine-grained cut, lower-cased, stopwords and punctuation dropped.

    >>> tokenize("2024年杭州的降雨量是多少?")
    ['2024', '年', '杭州', '降雨', '雨量', '降雨量']
    """
    with _jieba_lock:
        words = _jieba().lcut_for_search(text.lower())
    return [
        w for w in (w.strip() for w in words) if w and _TOKEN_OK.search(w) and w not in stopwords()
    ]
