"""Follow-up questions: which lean on the conversation, and "那X呢?" rewritten without the model."""

from __future__ import annotations

import re

from rag.answer.terms import is_english, key_terms, question_entities

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
    model mix the previous topic in ("新机场投资多少" became a question about the city asked before).

    >>> is_follow_up("那深圳呢?"), is_follow_up("杭州计划投资多少钱建设新机场?")
    (True, False)
    >>> is_follow_up("What about Shenzhen?"), is_follow_up("How much rain fell in Hangzhou in 2024?")
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

    >>> swap_follow_up("杭州2024年的降雨量是多少?", "那深圳呢?")
    '深圳2024年的降雨量是多少?'
    >>> swap_follow_up("北京站2024年的客流量是多少?", "2025年呢?")
    '北京站2025年的客流量是多少?'
    >>> swap_follow_up("Nova 3 Titan的最大航程是多少?", "最高时速呢?") is None
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
