"""Words of a question: its language, content words (key terms) and named entities: jieba's
part-of-speech names plus the names learned from the indexed corpus (``rag.index.learn``,
taught with a name's tag). No list of names lives here; the general word lists are data files
in ``rag/data/``.
"""

from __future__ import annotations

import re
from functools import lru_cache

from rag.data import column
from rag.index.tokenize import tokenize


@lru_cache(maxsize=1)
def generic_words() -> frozenset[str]:
    """Words that say what kind of answer is wanted, not what it is about (``rag/data/``)."""
    return frozenset(column("generic_terms.tsv", "word"))


@lru_cache(maxsize=1)
def not_names() -> frozenset[str]:
    """Latin words jieba tags "eng" that name a technology, not who a question is about."""
    return frozenset(column("not_names.tsv", "word"))


def is_english(text: str) -> bool:
    """True when the question is written mostly in Latin letters.

    >>> is_english("How much rain fell in Hangzhou in 2024?"), is_english("杭州的PM2.5是多少?")
    (True, False)
    """
    cjk = len(re.findall(r"[\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7af]", text))
    latin = len(re.findall(r"[A-Za-z]", text))
    return latin > 0 and cjk == 0 or latin > 4 * cjk


def key_terms(question: str) -> list[str]:
    """The content words of a question (what an answer passage must mention).

    >>> key_terms("2024年杭州的降雨量是多少?")
    ['2024', '杭州', '降雨', '雨量', '降雨量']
    """
    terms = []
    for t in tokenize(question):
        if t in generic_words() or (len(t) < 2 and not t.isdigit()):
            continue
        if t not in terms:
            terms.append(t)
    return terms


_ENTITY_TAGS = ("nr", "ns", "nt", "nz", "eng")


_QUESTION_WORD = re.compile(r"多少|什么|哪|谁|几|怎么|怎样|如何|是否|吗|呢")


# administrative suffixes of place names (general Chinese usage): 浙江省 → 浙江, 宁波市 → 宁波
_ADMIN_SUFFIX = re.compile(r"(?<=[\u4e00-\u9fff]{2})(?:省|市|县|自治区|特别行政区)$")


def question_entities(question: str) -> list[str]:
    """Named entities of a question (jieba part-of-speech: people, places, organisations, Latin names).

    A Latin name written in parts keeps only its last, most specific part: "Nova 3 Titan"
    is about Titan, and a passage about "Nova 3 Lite" does not answer it.

    >>> question_entities("杭州2024年全年的降雨量是多少?")
    ['杭州']
    >>> question_entities("Nova 3 Titan的最大航程是多少?")
    ['Titan']

    A place keeps its name without the administrative suffix, as news often drops it
    (浙江省 is "浙江" in "浙江全年降雨…"), so a passage matches either form.

    >>> question_entities("浙江省今年的降雨量是多少?")
    ['浙江']
    """
    import jieba.posseg

    from rag.index.tokenize import _jieba, _jieba_lock

    _jieba()
    with _jieba_lock:
        pairs = [(w.word, w.flag) for w in jieba.posseg.cut(question)]
    entities: list[str] = []
    in_latin_name = False  # still inside "Nova 3 Titan" (parts joined by spaces, digits, -)
    for word, flag in pairs:
        if flag == "eng" and in_latin_name and entities:
            entities[-1] = word
            continue
        if (
            flag.startswith(_ENTITY_TAGS)
            and len(word.strip()) >= 2
            and word.lower() not in not_names()
            and not _QUESTION_WORD.search(word)  # jieba's HMM can tag "多少钱" as a name
        ):
            entities.append(_ADMIN_SUFFIX.sub("", word) if flag.startswith("ns") else word)
            in_latin_name = flag == "eng"
        elif not re.fullmatch(r"[\s\d.\-]+", word):
            in_latin_name = False
    return entities
