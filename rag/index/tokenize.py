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
import sys
import threading
from functools import lru_cache
from itertools import chain

from rag.data import column, read_table
from rag.index.jieba_route import TrieRoute, route_by_trie

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
    "jieba-6-"
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
    global _route
    _route = route_by_trie(jieba.dt)  # the same words, its Python loops compiled
    return jieba


_route: TrieRoute | None = None  # how jieba finds its paths here, once it is loaded


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


# Each block (a run of characters jieba cuts as one: 中文 words, digits, Latin letters) -> its
# words. jieba cuts a text block by block, each on its own, so a block seen before (in the
# other pass of learning, in the overlap of two passages, in the search pass after learning)
# need not be cut again. A lesson drops the blocks that contain a word it taught.
_cuts: dict[str, tuple[str, ...]] = {}
# An ingest's lesson reads all its articles twice, then its passages once: the cache must hold
# all of their blocks, or the later passes cut again what a full cache dropped (10,000 archive
# articles: 445k blocks; with the old limit of 400k, learning cut 932k blocks, not 507k). Its
# words are interned (one object per distinct word): ~140 MB at 445k blocks, ~320 MB at most.
# ``forget_cuts`` empties it when an ingest is done.
_MAX_CUTS = 1_000_000


def cut(text: str) -> list[str]:
    """jieba's cut (its HMM on), as ``jieba.lcut``, each block cut once.

    >>> cut("新公园开放了。新公园很大")
    ['新', '公园', '开放', '了', '。', '新', '公园', '很大']
    """
    jieba = _jieba()
    with _jieba_lock:
        if len(_cuts) > _MAX_CUTS:
            _cuts.clear()
        blocks = jieba.re_han_default.split(text)
        got = list(map(_cuts.get, blocks))  # most blocks were cut before: looked up in C
        if None in got:
            # a block of words (odd places of the split) goes straight to what jieba's cut
            # runs on one: its generator, which splits it again, was a tenth of an ingest's cut
            words_of = jieba.dt._Tokenizer__cut_DAG
            for i, block in enumerate(blocks):
                if got[i] is None:
                    words = words_of(block) if i % 2 else jieba.dt.lcut(block)
                    got[i] = _cuts[block] = tuple(map(sys.intern, words))
    return list(chain.from_iterable(got))


def forget_cuts() -> None:
    """Empty the caches of cut blocks and search words (an ingest is done: its memory goes
    back)."""
    global _search_words
    with _jieba_lock:
        _cuts.clear()
        _search_words = {}


def holding(texts, words) -> list[str]:
    """Those of ``texts`` that contain one of ``words``.

    >>> holding(["新公园", "旧馆", "公园路"], ["公园"])
    ['新公园', '公园路']
    """
    by_first: dict[str, list[str]] = {}
    for word in set(words):
        by_first.setdefault(word[0], []).append(word)
    firsts = by_first.keys()
    found = []
    for text in texts:
        if firsts.isdisjoint(text):  # most texts: none of the words can start in it
            continue
        # `in` searches in C: far fewer steps than trying each word at each position
        if any(w in text for c in firsts & set(text) for w in by_first[c]):
            found.append(text)
    return found


def _forget(words: list[str]) -> None:
    """Drop the cached blocks that hold one of ``words`` (just taught: cut anew)."""
    if _cuts and words:
        for block in holding(list(_cuts), words):
            del _cuts[block]


def teach_terms(entries: list[str]) -> list[str]:
    """Teach jieba the words learned from the corpus (saved with the BM25 segments, see
    ``rag.index.learn``); returns the entries.

    An entry is a word, or a word, a space and its part-of-speech tag: a name learned from the
    corpus is tagged "nz", so the answer checks read it as an entity. A word jieba knows keeps
    its frequency (its cut does not change), a new one gets ``LEARNED_FREQ``; a word taught
    as a name stays one.
    """
    global _search_words
    jieba = _jieba()
    changed = []
    with _jieba_lock:
        for entry in entries:
            word, _, tag = entry.partition(" ")
            before = _taught.get(word)
            if before is not None and (before == tag or before.startswith(NAME_TAGS)):
                continue
            freq = jieba.dt.FREQ.get(word) or LEARNED_FREQ
            total = jieba.dt.total
            jieba.add_word(word, freq=freq, tag=tag or None)
            # add_word also raises the dictionary's total, the normaliser of every word's
            # probability: each lesson would then shift the cut of any block a little (fewer,
            # longer words), and a block cut before it (cached) would differ from one cut
            # after. Kept fixed, a lesson changes only the blocks that contain its words.
            jieba.dt.total = total
            _taught[word] = tag
            changed.append(word)
        if changed:
            _search_words = {}  # a word's sub-words may be words now
            if _route is not None:
                _route.stale()  # a prefix's frequency may have changed, not the table's size
        _forget(changed)
    return entries


# word -> its search tokens (``_word_tokens``): a corpus is mostly the same few thousand
# words. Which sub-words the dictionary has changes with a lesson: ``teach_terms`` starts anew.
_search_words: dict[str, tuple[str, ...]] = {}


def tokenize(text: str) -> list[str]:
    """Search tokens: jieba's fine-grained cut, lower-cased, stopwords and punctuation dropped.

    >>> tokenize("2024年杭州的降雨量是多少?")
    ['2024', '年', '杭州', '降雨', '雨量', '降雨量']
    """
    freq, known = _jieba().dt.FREQ, _search_words
    out: list[str] = []
    for word in cut(text.lower()):
        got = known.get(word)
        if got is None:
            got = known[word] = _word_tokens(word, freq)
        out += got
    return out


def _word_tokens(word: str, freq: dict[str, int]) -> tuple[str, ...]:
    """The search tokens of one word: as jieba's cut_for_search, a long word's dictionary
    sub-words too; none for a stop word or punctuation.

    >>> _word_tokens("降雨量", {"降雨": 1, "雨量": 1}), _word_tokens("的", {})
    (('降雨', '雨量', '降雨量'), ())
    """
    out = []
    if len(word) > 2:
        out += [word[i : i + 2] for i in range(len(word) - 1) if freq.get(word[i : i + 2])]
    if len(word) > 3:
        out += [word[i : i + 3] for i in range(len(word) - 2) if freq.get(word[i : i + 3])]
    out.append(word)
    return tuple(
        w for w in (w.strip() for w in out) if w and _TOKEN_OK.search(w) and w not in stopwords()
    )
