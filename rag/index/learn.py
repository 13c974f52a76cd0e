"""Names and terms learned from the indexed corpus at ingest, by general patterns of news text.

jieba tags some names as common words (a company named after a word) and cuts a corpus's own
names and coinages in pieces. So at each ingest the articles teach it, by what news does:

- a phrase it puts in quotes or title marks that jieba does not know (“海鸥一号”): a term,
  kept in one piece, and a name only where one of the patterns below names it;
- a word before a job title and a person's name (海鸥科技董事长王一鸣);
- a word jieba does not know before an organisation word (蓝湾港集团, 蓝湾港旗下);
- a word before a Latin name in brackets (海鸥科技(Seagull Tech));
- an item of an enumeration most of whose items are names (北京、海鸥科技、上海);
- a name jieba's HMM finds (a person, a place) that recurs across articles;
- two words that recur side by side, mostly together (a compound, kept in one piece).

Cue words: ``rag/data/name_cues.tsv``. The entries learned ("word", or "word tag": a name is
"nz", an entity to ``rag.answer.terms``) are saved with the BM25 segments, taught again by
``teach_terms`` on load; each ingest adds its own.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from functools import lru_cache

from rag.data import column, read_table
from rag.index.tokenize import (
    NAME_TAGS,
    _jieba,
    _jieba_lock,
    known_word,
    stopwords,
    taught,
    teach_terms,
)

NAME = "nz"  # the tag of a learned name
MIN_DOCS = 2  # a new name: found in 2 articles
MIN_COUNT, COHESION = 3, 0.7  # a compound: seen 3 times, mostly as a pair
_CJK = re.compile(r"[\u4e00-\u9fff]+")
_QUOTED = re.compile(r"[“\"「『《]([^”\"」』》\s,，。]{2,8})[”\"」』》]")
_LATIN = re.compile(r"[A-Za-z][A-Za-z .&'-]*")
_PROPER = re.compile(r"[A-Z][a-z]+(?:[ .&'-]+[A-Z]?[a-z]*)*")  # Microsoft, Seagull Tech
_FUNCTION = tuple("pcudrmqtfvyeoxwz")  # jieba tags of function words, verbs, numbers, times …
_OPEN, _CLOSE, _AND = ("(", "（"), (")", "）"), ("和", "与", "及", "以及")


@lru_cache(maxsize=1)
def cues() -> dict[str, str]:
    """Cue word -> kind ("org", "title" or "prefix"), from ``rag/data/name_cues.tsv``."""
    return {r["word"].lower(): r["kind"] for r in read_table("name_cues.tsv")}


@lru_cache(maxsize=1)
def never_names() -> frozenset[str]:
    """Words that are never a name: stop words, generic question words, the cue words."""
    generic = column("generic_terms.tsv", "word")
    return frozenset(stopwords()) | frozenset(generic) | frozenset(cues())


class _Corpus:
    """The documents cut by jieba, with each word's part of speech looked up once."""

    def __init__(self, texts: list[str]):
        jieba = _jieba()
        with _jieba_lock:
            self.docs = [jieba.lcut(t) for t in texts]
        self._pos: dict[str, str] = {}

    def pos(self, word: str) -> str:
        """jieba's tag of ``word`` on its own ("" when it cuts it in pieces)."""
        if word not in self._pos:
            import jieba.posseg

            with _jieba_lock:
                pairs = jieba.posseg.lcut(word)
            self._pos[word] = pairs[0].flag if len(pairs) == 1 else ""
        return self._pos[word]

    def content(self, word: str) -> bool:
        """A Chinese content word: no stop word, function word, verb, number or time (a term
        learned from the corpus is one, though its tag is none)."""
        if not _CJK.fullmatch(word) or word in never_names():
            return False
        return taught(word) is not None or not self.pos(word).startswith(_FUNCTION)

    def named(self, word: str) -> bool:
        """Whether jieba (or an earlier lesson) reads ``word`` as a name."""
        if _LATIN.fullmatch(word):
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
        return bool(_CJK.fullmatch(word)) and self.pos(word) in ("v", "vn")

    def person(self, word: str) -> bool:
        return self.pos(word).startswith("nr") or (
            bool(_CJK.fullmatch(word)) and 2 <= len(word) <= 4 and not known_word(word)
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


def learn_terms(texts: list[str]) -> list[str]:
    """Entries ("word" or "word tag") learned from ``texts`` (articles), taught to jieba.

    >>> learn_terms(["蓝湾港启用“海鸥一号”码头。近期,鸣翠湾董事长王一鸣表示看好。"])
    ['海鸥一号', '鸣翠湾 nz']
    """
    if not texts:
        return []
    first = _Corpus(texts)
    learned = {e.partition(" ")[0]: e for e in quoted_terms(texts) + new_words(first)}
    learned |= {w: w for w in compounds(first) if w not in learned}
    teach_terms(list(learned.values()))
    corpus = _Corpus(texts)  # cut again: the new words and compounds are one word now
    fresh = set(learned)
    found = title_names(corpus, fresh) + org_names(corpus, fresh) + bracket_names(corpus, fresh)
    names = [n for n in _distinct(found) if not corpus.named(n)]
    teach_terms([f"{n} {NAME}" for n in names])
    corpus._pos.clear()  # look the tags up again: the names just taught count in lists
    names += list_names(corpus)
    learned |= {n: f"{n} {NAME}" for n in names}
    return teach_terms(list(learned.values()))


def quoted_terms(texts: list[str], limit: int = 500) -> list[str]:
    """Phrases the corpus marks itself (quotes, title marks) that jieba does not know: kept in
    one piece, but no name by that alone (a quoted saying, a nickname the article uses once);
    one of the patterns of a name makes it one.

    >>> quoted_terms(["蓝湾港启用“海鸥一号”码头,“服务”到家,提出“港口的未来”。"])
    ['海鸥一号', '港口的未来']
    """
    _jieba()
    terms: list[str] = []
    for text in texts:
        for m in _QUOTED.finditer(text):
            term = m.group(1)
            if not _CJK.search(term) or (known_word(term) and taught(term) is None):
                continue  # a word jieba knows, in quotes: it keeps its own tag
            if term not in terms:
                terms.append(term)
    return terms[:limit]


def new_words(corpus: _Corpus) -> list[str]:
    """Names jieba's HMM makes of characters it does not know (tagged as a person, place or
    organisation by its HMM) found in ``MIN_DOCS`` articles or more: taught with that tag, so
    a name is cut the same way in every article and question."""
    docs: dict[str, set[int]] = defaultdict(set)
    for n, doc in enumerate(corpus.docs):
        for w in doc:
            if 2 <= len(w) <= 4 and _CJK.fullmatch(w) and not known_word(w):
                docs[w].add(n)
    return [
        f"{w} {corpus.pos(w)}"
        for w, found in docs.items()
        if len(found) >= MIN_DOCS and corpus.pos(w).startswith(NAME_TAGS)
    ]


def compounds(corpus: _Corpus) -> list[str]:
    """Two dictionary words that recur side by side (``MIN_COUNT`` times) and mostly
    together (the rarer one next to the other ``COHESION`` of its times): a term of the
    corpus, kept in one piece. The first is a content word, the second one too, or a verb
    found mostly after it (航运开支); names are never parts of one."""
    single: Counter[str] = Counter()
    pairs: Counter[tuple[str, str]] = Counter()
    docs: dict[tuple[str, str], set[int]] = defaultdict(set)
    for n, doc in enumerate(corpus.docs):
        single.update(doc)
        for pair in zip(doc, doc[1:]):
            pairs[pair] += 1
            docs[pair].add(n)
    found = []
    for (a, b), count in pairs.items():
        if count < MIN_COUNT or len(docs[(a, b)]) < MIN_DOCS or min(len(a), len(b)) < 2:
            continue
        # two dictionary words (a word its HMM made up is no safe half), neither a name
        if not (known_word(a) and known_word(b) and corpus.content(a)):
            continue
        if corpus.named(a) or corpus.named(b):
            continue
        if (corpus.content(b) and count >= COHESION * min(single[a], single[b])) or (
            corpus.verb(b) and count >= COHESION * single[b]  # the verb is mostly this one's
        ):
            found.append(a + b)
    return found


def title_names(corpus: _Corpus, fresh: set[str]) -> list[str]:
    """Names before a job title that a person's name follows (海鸥科技董事长王一鸣); with an
    organisation word between them (蓝湾港集团董事长王一鸣) only new words, as in ``org_names``."""
    names = []
    for doc in corpus.docs:
        for i in range(1, len(doc) - 1):
            if cues().get(doc[i].lower()) != "title" or not corpus.person(doc[i + 1]):
                continue
            if cues().get(doc[i - 1]) != "org":
                names.append(corpus.name_before(doc, i, own=True))
            elif corpus.new(name := corpus.name_before(doc, i - 1), fresh):
                names.append(name)
    return _distinct(names)


def org_names(corpus: _Corpus, fresh: set[str]) -> list[str]:
    """New words before an organisation word (蓝湾港集团): a common word there is more often
    a kind of company (科技公司) than one, so only words jieba did not know count."""
    names = []
    for doc in corpus.docs:
        for i in range(1, len(doc)):
            if cues().get(doc[i]) == "org" and corpus.new(
                name := corpus.name_before(doc, i), fresh
            ):
                names.append(name)
    return _distinct(names)


def bracket_names(corpus: _Corpus, fresh: set[str]) -> list[str]:
    """Words before a Latin name in brackets: 海鸥科技(Seagull Tech). Before an acronym
    only new words (每股收益(EPS) is a term)."""
    names = []
    for doc in corpus.docs:
        for i in range(1, len(doc) - 2):
            if doc[i] not in _OPEN:
                continue
            end = next((k for k in range(i + 1, min(i + 8, len(doc))) if doc[k] in _CLOSE), 0)
            latin = "".join(doc[i + 1 : end]).strip()
            if not end or not _LATIN.fullmatch(latin):
                continue
            name = corpus.name_before(doc, i)
            if name and (_PROPER.fullmatch(latin) or corpus.new(name, fresh)):
                names.append(name)
    return _distinct(names)


def list_names(corpus: _Corpus) -> list[str]:
    """Items of an enumeration ("甲、乙、丙和丁") when two in three of its items are names:
    news lists things of one kind."""
    names = []
    for doc in corpus.docs:
        i = 0
        while i < len(doc):
            items, k = [doc[i]], i + 1
            while k + 1 < len(doc) and (doc[k] == "、" or (doc[k] in _AND and len(items) > 1)):
                items.append(doc[k + 1])
                k += 2
                if doc[k - 2] in _AND:
                    break
            whole = (i == 0 or not corpus.content(doc[i - 1])) and (
                k >= len(doc) or not corpus.content(doc[k])
            )
            named = [w for w in items if corpus.named(w)]
            if len(items) >= 3 and whole and 3 * len(named) >= 2 * len(items):
                names += [w for w in items if w not in named and corpus.content(w)]
            i = k if len(items) > 1 else i + 1
    return _distinct([n for n in names if len(n) >= 2])


def _distinct(words: list[str]) -> list[str]:
    return [w for w in dict.fromkeys(words) if w]
