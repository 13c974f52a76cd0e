"""A question read as a cloze: the words just before and after its question word, which the
sentence that answers it often repeats around the answer. News restates its own sentence in a
question ("警方对多少名嫌疑人展开调查?" ← "警方已对54名嫌疑人展开调查"), sometimes naming the
subject in other words than the article ("这类消息" for what the question calls by name).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rag.answer.question import QuestionAnalysis

# A question word ("哪" with the measure word that follows it)
QUESTION_WORD = re.compile(
    r"谁|哪[一]?[个些家位部种类本项座条所年天月国里儿]?|什么|多少|多久|多长时间|多大|何时|何地|有何|几"
)
# words that come and go between a verb and its object without changing the claim
_PARTICLES = re.compile(r"[了的是在有要应将会又还都已也为把被向对给于共约近逾]")
_FIGURE_TAIL = r"\s*(?:万|亿|余|多)*\s*"
_SIDE = 6  # characters compared on each side of the gap


def _plain(text: str) -> str:
    return _PARTICLES.sub("", re.sub(r"[\s,，、:：“”\"'（）()]", "", text))


def _common_prefix(a: str, b: str) -> int:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return n


def gap_sides(text: str, unit: str = "") -> tuple[str, str] | None:
    """A question's text before and after its question word (and the ``unit`` regex it asks
    in), particles and punctuation dropped; None without a question word.

    >>> gap_sides("警方对多少名嫌疑人展开了调查?", "名")
    ('警方', '嫌疑人展开调查')
    """
    m = QUESTION_WORD.search(text)
    if not m:
        return None
    right = text[m.end() :]
    if unit:
        right = re.sub(rf"^(?:{unit})", "", right)
    return _plain(text[: m.start()]), _plain(re.sub(r"[?？]\s*$", "", right))


def fills_gap(q: QuestionAnalysis, sentence: str, span: str) -> bool:
    """Whether ``sentence`` states ``span`` where the question has its question word: the
    question's words just before the gap (``q.gap``) end just before the span and its words
    just after start just after it, two characters or more on each side. One side is not
    enough: "甲公司的营收是多少?" fits "乙公司的营收为3亿元" as well.

    >>> from rag.answer.question import analyse_question
    >>> q = analyse_question("警方对多少名嫌疑人展开了调查?")
    >>> fills_gap(q, "警方已对54名嫌疑人展开调查", "54"), fills_gap(q, "警方称共有54名游客受伤", "54")
    (True, False)
    >>> fills_gap(analyse_question("甲公司的营收是多少?"), "乙公司的营收为3亿元", "3")
    False
    """
    at = sentence.find(span)
    if q.gap is None or at < 0:
        return False
    left, right = q.gap
    after = sentence[at + len(span) :]
    if q.asked_type == "number":  # "54名": the unit the question asks in follows the figure
        unit = q.unit or r"[^\d]?"
        after = re.sub(rf"^{_FIGURE_TAIL}(?:{unit})", "", after)
    before_n = _common_prefix(_plain(sentence[:at])[::-1][:_SIDE], left[::-1][:_SIDE])
    after_n = _common_prefix(_plain(after)[:_SIDE], right[:_SIDE])
    return before_n >= 2 and after_n >= 2
