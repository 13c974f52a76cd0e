"""What a question may be, what it asks about, and what a refusal looks like.

``clean_question`` turns raw input into a question or a ``QuestionError`` that says what
to fix; ``key_terms``, ``question_entities``, ``is_follow_up`` and ``asks_several`` read
what it asks; ``is_refusal`` recognises the model's "not in the articles" in either language.
"""

from __future__ import annotations

import re

from rag.citations import strip_markers
from rag.lexical import tokenize

ABSTAIN = {"zh": "资料中没有找到答案。", "en": "The articles do not say."}
_REFUSAL = re.compile(
    r"资料中没有找到答案|没有找到答案|资料中没有|未提及|没有提到|无法回答|not (?:contain|mention|say)|do(?:es)? not say|no information",
    re.I,
)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


class QuestionError(ValueError):
    """A question that cannot be asked as given (empty, too long); the message says why."""


def clean_question(question: str, max_chars: int) -> str:
    """Strip control characters and whitespace; reject empty, punctuation-only or huge input."""
    if not isinstance(question, str):
        raise QuestionError("the question must be text")
    q = _CONTROL.sub(" ", question).strip()
    if not q:
        raise QuestionError("the question is empty: type a question about the articles")
    if len(q) > max_chars:
        raise QuestionError(
            f"the question is {len(q):,} characters long; the limit is {max_chars:,}: ask it shorter"
        )
    if not re.search(r"[\w\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7af]", q):
        raise QuestionError("the question has no words, only punctuation or symbols")
    return q


def is_refusal(text: str) -> bool:
    """Did the model say the passages lack the answer?

    >>> is_refusal("资料中没有找到答案。"), is_refusal("腾讯为767.6亿元[1]。")
    (True, False)
    """
    return bool(_REFUSAL.search(text)) and len(strip_markers(text)) < 80


# Words that say what kind of answer is wanted, not what it is about.
GENERIC = set(
    [
        "公司",
        "多少",
        "哪些",
        "什么",
        "分别",
        "是否",
        "如何",
        "为什么",
        "年",
        "月",
        "日",
        "数据",
        "情况",
        "主要",
        "根据",
        "文章",
        "资料",
        "报道",
    ]
)


def is_english(text: str) -> bool:
    """True when the question is written mostly in Latin letters.

    >>> is_english("What did Amazon spend in 2024?"), is_english("亚马逊AI投入多少?")
    (True, False)
    """
    cjk = len(re.findall(r"[\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7af]", text))
    latin = len(re.findall(r"[A-Za-z]", text))
    return latin > 0 and cjk == 0 or latin > 4 * cjk


_FOLLOW_UP_ZH = re.compile(
    r"^(?:那|那么|还有|另外|而|再)|呢\W*$|它|他们|她们|该公司|这家|那家|上述|前者|后者|这一数字|同期|相比之下"
)
_FOLLOW_UP_EN = re.compile(
    r"^(?:and|what about|how about|and what|same for)\b|\b(?:it|its|they|their|them|those|these|he|she|that company)\b",
    re.I,
)


def is_follow_up(question: str) -> bool:
    """True when a question leans on the conversation (a pronoun, 那…呢, too few words of its own).

    A standalone question goes to retrieval unchanged: rewriting it anyway lets the small
    model mix the previous topic in ("星河云投资多少" became a question about 亚马逊).

    >>> is_follow_up("那腾讯呢?"), is_follow_up("星河云计划投资多少钱建设数据中心?")
    (True, False)
    >>> is_follow_up("What about Tencent?"), is_follow_up("How much did Amazon spend in 2024?")
    (True, False)
    """
    text = question.strip()
    pattern = _FOLLOW_UP_EN if is_english(text) else _FOLLOW_UP_ZH
    return bool(pattern.search(text)) or len(key_terms(text)) < 2


_WHAT_ABOUT = re.compile(r"^(?:那么?|那)?\s*(?P<x>[^,，。?？]{1,20}?)\s*呢\s*[?？]?$")
_YEAR_IN = re.compile(r"(?:19|20)\d{2}年")


def swap_follow_up(previous: str, follow_up: str) -> str | None:
    """ "那X呢?" after a standalone question, X a name or a year taking the place of the one
    the previous question asked about; None for any other follow-up (the model rewrites it).

    A rewrite by the model costs a generation before retrieval (~2 s here); this, the most
    common follow-up, needs none.

    >>> swap_follow_up("阿里巴巴2024年的资本开支是多少?", "那腾讯呢?")
    '腾讯2024年的资本开支是多少?'
    >>> swap_follow_up("微软2024年的资本支出是多少?", "2025年呢?")
    '微软2025年的资本支出是多少?'
    >>> swap_follow_up("Llama 4 Maverick有多少激活参数?", "总参数呢?") is None
    True
    """
    m = _WHAT_ABOUT.match(follow_up.strip())
    if not m or is_follow_up(previous):
        return None
    x = m.group("x").strip()
    if _YEAR_IN.fullmatch(x):
        years = _YEAR_IN.findall(previous)
        return previous.replace(years[0], x) if len(set(years)) == 1 else None
    if question_entities(x) != [x]:
        return None
    names = set(question_entities(previous))
    return previous.replace(names.pop(), x) if len(names) == 1 else None


_SEVERAL = re.compile(r"分别|各自|各是|哪些|哪几|以及|及|和|与|、|\band\b", re.I)


def asks_several(question: str) -> bool:
    """Does the question ask for more than one thing (two questions, a list, a comparison)?

    >>> asks_several("腾讯2024年的资本开支是多少?"), asks_several("阿里和腾讯的资本开支分别是多少?")
    (False, True)
    >>> asks_several("腾讯的营收是多少?同比增长了多少?")
    True
    """
    return len(re.findall(r"[?？]", question)) > 1 or bool(_SEVERAL.search(question))


def key_terms(question: str) -> list[str]:
    """The content words of a question (what an answer passage must mention).

    >>> key_terms("2024年亚马逊的资本支出是多少?")
    ['2024', '亚马', '亚马逊', '资本', '支出', '资本支出']
    """
    terms = []
    for t in tokenize(question):
        if t in GENERIC or (len(t) < 2 and not t.isdigit()):
            continue
        if t not in terms:
            terms.append(t)
    return terms


_ENTITY_TAGS = ("nr", "ns", "nt", "nz", "eng")
_QUESTION_WORD = re.compile(r"多少|什么|哪|谁|几|怎么|怎样|如何|是否|吗|呢")
# Latin words jieba tags "eng" that name a technology, not who a question is about
_NOT_NAMES = {
    "ai",
    "agi",
    "gpu",
    "gpus",
    "cpu",
    "it",
    "api",
    "app",
    "ceo",
    "cto",
    "cfo",
    "token",
    "tokens",
    "moe",
    "flops",
    "eflops",
    "pue",
    "infra",
}


def question_entities(question: str) -> list[str]:
    """Named entities of a question (jieba part-of-speech: people, places, organisations, Latin names).

    A Latin name written in parts keeps only its last, most specific part: "Llama 4 Behemoth"
    is about Behemoth, and a passage about "Llama 4 Maverick" does not answer it.

    >>> question_entities("腾讯2024年全年的资本开支是多少?")
    ['腾讯']
    >>> question_entities("Llama 4 Behemoth有多少总参数?")
    ['Behemoth']
    """
    import jieba.posseg

    from rag.lexical import _jieba, _jieba_lock

    _jieba()
    with _jieba_lock:
        pairs = [(w.word, w.flag) for w in jieba.posseg.cut(question)]
    entities: list[str] = []
    in_latin_name = False  # still inside "Llama 4 Behemoth" (parts joined by spaces, digits, -)
    for word, flag in pairs:
        if flag == "eng" and in_latin_name and entities:
            entities[-1] = word
            continue
        if (
            flag.startswith(_ENTITY_TAGS)
            and len(word.strip()) >= 2
            and word.lower() not in _NOT_NAMES
            and not _QUESTION_WORD.search(word)  # jieba's HMM can tag "多少钱" as a name
        ):
            entities.append(word)
            in_latin_name = flag == "eng"
        elif not re.fullmatch(r"[\s\d.\-]+", word):
            in_latin_name = False
    return entities
