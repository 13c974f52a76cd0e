"""Tokens for keyword search: jieba, with the names learned from the indexed corpus added to
its dictionary (so a name is one token, not three characters) and stop words dropped.

No list of one corpus's names or terms lives here: jieba's own dictionary and part-of-speech
tags, plus what ``rag.index.learn`` learns from the indexed articles at ingest (saved with the
BM25 segments, taught again by ``teach_terms`` on load). The general lists (stop words,
synonyms, the job titles taught as words) are data files under ``rag/data/`` with their
provenance.
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


def _digest(words) -> str:
    return hashlib.sha1(" ".join(sorted(words)).encode()).hexdigest()[:8]


@lru_cache(maxsize=1)
def titles() -> tuple[str, ...]:
    """Job titles (``rag/data/name_cues.tsv``): general words of news, taught to jieba so
    that a title jieba does not know stays one token (a question asks for the title)."""
    return tuple(r["word"] for r in read_table("name_cues.tsv") if r["kind"] == "title")


# Bump when tokenisation changes (dictionary, term learning): a saved BM25 index is then
# rebuilt, and its learned terms learned again. The digests of the stop words and of the cue
# words of names (the titles taught, the patterns learned by) are part of it, so an edit of
# their files rebuilds too.
TOKENIZER_VERSION = (
    "jieba-5-"
    + _digest(stopwords())
    + _digest(f"{r['word']}:{r['kind']}" for r in read_table("name_cues.tsv"))
)


@lru_cache(maxsize=1)
def _jieba():
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.dt.check_initialized()  # its dictionary loaded: FREQ holds every word jieba knows
    for title in titles():
        if _CJK_WORD.fullmatch(title) and not jieba.dt.FREQ.get(title):
            jieba.add_word(title, freq=LEARNED_FREQ)
    return jieba


_CJK_WORD = re.compile(r"[\u4e00-\u9fff]+")
LEARNED_FREQ = 2000  # a learned word jieba does not know: enough to keep it in one piece
NAME_TAGS = ("nr", "ns", "nt", "nz")  # jieba's part-of-speech tags of names
_taught: dict[str, str] = {}  # word -> part-of-speech tag ("" none) taught to this process


def known_word(word: str) -> bool:
    """Whether jieba's own dictionary (or an earlier lesson) has ``word``."""
    return bool(_jieba().dt.FREQ.get(word))


def taught(word: str) -> str | None:
    """The tag ``word`` was taught with ("" for none), None when it was not taught."""
    return _taught.get(word)


def teach_terms(entries: list[str]) -> list[str]:
    """Teach jieba the words learned from the corpus (saved with the BM25 segments, see
    ``rag.index.learn``); returns the entries.

    An entry is a word, or a word, a space and its part-of-speech tag: a name learned from the
    corpus is tagged "nz", so the answer checks read it as an entity. A word jieba knows keeps
    its frequency (its cut does not change), a new one gets ``LEARNED_FREQ``; a word taught
    as a name stays one.
    """
    jieba = _jieba()
    with _jieba_lock:
        for entry in entries:
            word, _, tag = entry.partition(" ")
            before = _taught.get(word)
            if before is not None and (before == tag or before.startswith(NAME_TAGS)):
                continue
            freq = jieba.dt.FREQ.get(word) or LEARNED_FREQ
            jieba.add_word(word, freq=freq, tag=tag or None)
            _taught[word] = tag
    return entries


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
