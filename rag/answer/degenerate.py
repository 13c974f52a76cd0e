"""Degenerate output: a small model caught in a loop writes one phrase again and again.

Greedy decoding with a mild repeat penalty still loops now and then ("…的一部分。…的一部分。…").
Such an answer is cut off as soon as the loop shows, and re-read or abstained like an answer
the checks reject: a phrase repeated six times, with a citation, must never reach a user.
"""

from __future__ import annotations

import re

# a run of 6 to 80 characters written at least three times in a row at the end of the text
_LOOP = re.compile(r"(.{6,80}?)\1{2,}$", re.S)


def repeated_tail(text: str, window: int = 600) -> str:
    """The phrase the end of ``text`` keeps repeating (three times or more), or "".

    >>> repeated_tail("河水上涨。" + "沿岸低洼处需要转移[1]。" * 3)
    '沿岸低洼处需要转移[1]。'
    >>> repeated_tail("哈哈哈哈哈哈"), repeated_tail("全长1.2公里,双向六车道[1]。")
    ('', '')
    """
    m = _LOOP.search(text[-window:])
    return m.group(1) if m and len(set(m.group(1))) > 2 else ""
