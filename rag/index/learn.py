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

from rag.index.cut_corpus import CJK, LATIN, CutCorpus, cues
from rag.index.tokenize import NAME_TAGS, _jieba, known_word, taught, teach_terms

NAME = "nz"  # the tag of a learned name
MIN_DOCS = 2  # a new name: found in 2 articles
MIN_COUNT, COHESION = 3, 0.7  # a compound: seen 3 times, mostly as a pair
_QUOTED = re.compile(r"[“\"「『《]([^”\"」』》\s,，。]{2,8})[”\"」』》]")
_PROPER = re.compile(r"[A-Z][a-z]+(?:[ .&'-]+[A-Z]?[a-z]*)*")  # Microsoft, Seagull Tech
_OPEN, _CLOSE, _AND = ("(", "（"), (")", "）"), ("和", "与", "及", "以及")


def learn_terms(texts: list[str]) -> list[str]:
    """Entries ("word" or "word tag") learned from ``texts`` (articles), taught to jieba.

    >>> learn_terms(["蓝湾港启用“海鸥一号”码头。近期,鸣翠湾董事长王一鸣表示看好。"])
    ['海鸥一号', '鸣翠湾 nz']
    """
    if not texts:
        return []
    first = CutCorpus(texts)
    learned = {e.partition(" ")[0]: e for e in quoted_terms(texts) + new_words(first)}
    learned |= {w: w for w in compounds(first) if w not in learned}
    teach_terms(list(learned.values()))
    first.forget(learned)
    corpus = CutCorpus(texts, first.tags)  # cut again: the new words and compounds are one word now
    fresh = set(learned)
    found = title_names(corpus, fresh) + org_names(corpus, fresh) + bracket_names(corpus, fresh)
    names = [n for n in _distinct(found) if not corpus.named(n)]
    teach_terms([f"{n} {NAME}" for n in names])
    corpus.forget(names)  # look their tags up again: the names just taught count in lists
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
            if not CJK.search(term) or (known_word(term) and taught(term) is None):
                continue  # a word jieba knows, in quotes: it keeps its own tag
            if term not in terms:
                terms.append(term)
    return terms[:limit]


def new_words(corpus: CutCorpus) -> list[str]:
    """Names jieba's HMM makes of characters it does not know (tagged as a person, place or
    organisation by its HMM) found in ``MIN_DOCS`` articles or more: taught with that tag, so
    a name is cut the same way in every article and question."""
    docs: dict[str, set[int]] = defaultdict(set)
    for n, doc in enumerate(corpus.docs):
        for w in doc:
            if 2 <= len(w) <= 4 and CJK.fullmatch(w) and not known_word(w):
                docs[w].add(n)
    return [
        f"{w} {corpus.pos(w)}"
        for w, found in docs.items()
        if len(found) >= MIN_DOCS and corpus.pos(w).startswith(NAME_TAGS)
    ]


def compounds(corpus: CutCorpus) -> list[str]:
    """Two dictionary words that recur side by side (``MIN_COUNT`` times) and mostly
    together (the rarer one next to the other ``COHESION`` of its times): a term of the
    corpus, kept in one piece. The first is a content word, the second one too, or a verb
    found mostly after it (航运开支); names are never parts of one."""
    single: Counter[str] = Counter()
    pairs: Counter[tuple[str, str]] = Counter()
    docs: Counter[tuple[str, str]] = Counter()  # pair -> articles it is in
    for doc in corpus.docs:  # Counter.update counts in C: this loop is over articles only
        single.update(doc)
        grams = list(zip(doc, doc[1:]))
        pairs.update(grams)
        docs.update(set(grams))
    found = []
    for (a, b), count in pairs.items():
        if count < MIN_COUNT or docs[(a, b)] < MIN_DOCS or min(len(a), len(b)) < 2:
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


def title_names(corpus: CutCorpus, fresh: set[str]) -> list[str]:
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


def org_names(corpus: CutCorpus, fresh: set[str]) -> list[str]:
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


def bracket_names(corpus: CutCorpus, fresh: set[str]) -> list[str]:
    """Words before a Latin name in brackets: 海鸥科技(Seagull Tech). Before an acronym
    only new words (每股收益(EPS) is a term)."""
    names = []
    for doc in corpus.docs:
        for i in range(1, len(doc) - 2):
            if doc[i] not in _OPEN:
                continue
            end = next((k for k in range(i + 1, min(i + 8, len(doc))) if doc[k] in _CLOSE), 0)
            latin = "".join(doc[i + 1 : end]).strip()
            if not end or not LATIN.fullmatch(latin):
                continue
            name = corpus.name_before(doc, i)
            if name and (_PROPER.fullmatch(latin) or corpus.new(name, fresh)):
                names.append(name)
    return _distinct(names)


def list_names(corpus: CutCorpus) -> list[str]:
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
            # tags are looked up only for lists (a lookup of every word was most of the lesson)
            if len(items) >= 3 and _whole(corpus, doc, i, k):
                named = [w for w in items if corpus.named(w)]
                if 3 * len(named) >= 2 * len(items):
                    names += [w for w in items if w not in named and corpus.content(w)]
            i = k if len(items) > 1 else i + 1
    return _distinct([n for n in names if len(n) >= 2])


def _whole(corpus: CutCorpus, doc: list[str], i: int, k: int) -> bool:
    """Whether ``doc[i:k]`` is a whole enumeration: no content word runs on at either end."""
    return (i == 0 or not corpus.content(doc[i - 1])) and (
        k >= len(doc) or not corpus.content(doc[k])
    )


def _distinct(words: list[str]) -> list[str]:
    return [w for w in dict.fromkeys(words) if w]
