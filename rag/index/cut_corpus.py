"""The articles of one lesson cut by jieba, with the part of speech of each word looked up
once: what the patterns of ``rag.index.learn`` read names and terms from.

Cue words (job titles, organisation words) come from ``rag/data/name_cues.tsv``.
"""

from __future__ import annotations

import re
from functools import lru_cache

from rag.data import column, read_table
from rag.index.tokenize import (
    NAME_TAGS,
    _jieba_lock,
    cut,
    holding,
    known_word,
    stopwords,
    taught,
)

CJK = re.compile(r"[\u4e00-\u9fff]+")
LATIN = re.compile(r"[A-Za-z][A-Za-z .&'-]*")
_FUNCTION = tuple("pcudrmqtfvyeoxwz")  # jieba tags of function words, verbs, numbers, times …


@lru_cache(maxsize=1)
def cues() -> dict[str, str]:
    """Cue word -> kind ("org", "title" or "prefix"), from ``rag/data/name_cues.tsv``."""
    return {r["word"].lower(): r["kind"] for r in read_table("name_cues.tsv")}


@lru_cache(maxsize=1)
def never_names() -> frozenset[str]:
    """Words that are never a name: stop words, generic question words, the cue words."""
    generic = column("generic_terms.tsv", "word")
    return frozenset(stopwords()) | frozenset(generic) | frozenset(cues())


class CutCorpus:
    """The documents cut by jieba, with each word's part of speech looked up once.

    ``tags`` may be shared with the corpus of an earlier pass of the same lesson: a tag
    looked up then stays valid unless a word taught since is part of it (``forget``).
    """

    def __init__(self, texts: list[str], tags: dict[str, str] | None = None):
        self.docs = [cut(t) for t in texts]
        self.tags: dict[str, str] = {} if tags is None else tags

    def forget(self, taught_words) -> None:
        """Drop the tags a lesson can have changed: of the words that contain a taught one
        (jieba cuts a word by the dictionary words inside it).

        Looking every tag up again after each lesson was half the time of learning.
        """
        for word in holding(list(self.tags), taught_words):
            del self.tags[word]

    def pos(self, word: str) -> str:
        """jieba's tag of ``word`` on its own ("" when it cuts it in pieces)."""
        if word not in self.tags:
            import jieba.posseg

            with _jieba_lock:
                pairs = jieba.posseg.lcut(word)
            self.tags[word] = pairs[0].flag if len(pairs) == 1 else ""
        return self.tags[word]

    def content(self, word: str) -> bool:
        """A Chinese content word: no stop word, function word, verb, number or time (a term
        learned from the corpus is one, though its tag is none)."""
        if not CJK.fullmatch(word) or word in never_names():
            return False
        return taught(word) is not None or not self.pos(word).startswith(_FUNCTION)

    def named(self, word: str) -> bool:
        """Whether jieba (or an earlier lesson) reads ``word`` as a name."""
        if LATIN.fullmatch(word):
            return word[:1].isupper() and word.lower() not in column("not_names.tsv", "word")
        return self.pos(word).startswith(NAME_TAGS)

    def new(self, word: str, fresh: set[str]) -> bool:
        """A word learned in this lesson (``fresh``), or one jieba does not know that is no
        function word or verb to its HMM and does not start with one (于本, 由该: its HMM
        joined a preposition to the next character)."""
        if word in fresh:
            return True
        if not word or known_word(word) or self.pos(word).startswith(_FUNCTION):
            return False
        return not self.pos(word[0]).startswith(("p", "c", "u", "f", "q", "r", "d", "m"))

    def verb(self, word: str) -> bool:
        return bool(CJK.fullmatch(word)) and self.pos(word) in ("v", "vn")

    def person(self, word: str) -> bool:
        return self.pos(word).startswith("nr") or (
            bool(CJK.fullmatch(word)) and 2 <= len(word) <= 4 and not known_word(word)
        )

    def name_before(self, doc: list[str], i: int, own: bool = False) -> str:
        """The name that ends just before ``doc[i]``: the word there (a one-character word
        joined to its neighbour), when a boundary (punctuation, a function word) precedes it;
        "" when the words before run on (the word is part of a longer phrase) or, for ``own``,
        when an organisation word does (公司研发部门总经理: a part of that one)."""
        j = i - 1
        if j < 0 or not self.content(doc[j]):
            return ""
        name = doc[j]
        while j > 0 and len(name) <= 4 and (len(name) == 1 or len(doc[j - 1]) == 1):
            if not self.content(doc[j - 1]):
                break
            j -= 1
            name = doc[j] + name
        if j > 0 and (self.content(doc[j - 1]) or own and cues().get(doc[j - 1]) == "org"):
            return ""
        if len(name) < 2 or any(cue in name for cue in cues() if len(cue) > 1):
            return ""
        return name if name not in never_names() else ""
