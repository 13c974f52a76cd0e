"""What a question may be, and what a refusal looks like.

``clean_question`` turns raw input into a question or a ``QuestionError`` that says what
to fix; ``is_refusal`` recognises the model's "not in the articles" in either language.
"""

from __future__ import annotations

import re

from rag.citations import strip_markers

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
