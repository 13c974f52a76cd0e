"""Check that an answer says something, in the words of the passages it cites."""

from __future__ import annotations

import re
from functools import cache

from rag.answer.checks.base import Check, Draft, draft  # noqa: F401 (doctests)
from rag.answer.citations import strip_markers
from rag.answer.terms import key_terms
from rag.data import read_table
from rag.records import Verdict, VerdictKind

# a yes/no question may be answered by "是" alone: nothing new to find in the passage
_YES_NO = re.compile(r"是否|吗[?？]?$|有没有|是不是|能不能")


@cache  # built once: the words check asks it for every added word
def _pairs_of_short_forms() -> dict[str, re.Pattern]:
    """Full name → a pattern of its one-character form next to another one ("中俄", "美日")."""
    rows = read_table("abbreviations.tsv")
    shorts = "".join(r["short"] for r in rows)
    return {r["name"]: re.compile(rf"{r['short']}[{shorts}]|[{shorts}]{r['short']}") for r in rows}


def worded_in(word: str, text: str) -> bool:
    """Whether ``text`` uses ``word``, also as the one-character form of a pair of countries.

    >>> worded_in("英国", "中英企业界人士"), worded_in("英国", "英雄")
    (True, False)
    """
    pair = _pairs_of_short_forms().get(word)
    return word in text or bool(pair and pair.search(text))


def added_words(sentence: str, question: str) -> list[str]:
    """Content words of an answer sentence that its question does not use (figures aside:
    the number checks judge those).

    >>> added_words("新馆周二闭馆[1]。", "新馆哪天闭馆?")
    ['周二']
    """
    asked = set(key_terms(question))
    return [
        w
        for w in key_terms(strip_markers(sentence))
        if w not in asked and not re.fullmatch(r"[\d.%]+", w)
    ]


class AddsCitedWords(Check):
    """An answer sentence adds something to the question, and what it adds is mostly worded as
    in the passages it cites: "给予了积极评价[1]" cited to a passage that never says 积极 is
    the model's own judgement, and a restated question ("要求加强与部门的配合") answers nothing.

    Per sentence: added = content words not in the question; supported = |added ∩ cited| /
    |added|. Rejected when nothing is added, or supported < 1/2.

    >>> check = AddsCitedWords()
    >>> passage = {1: "新馆周二闭馆,周三起正常开放。"}
    >>> check(draft("新馆周二闭馆[1]。", "新馆哪天闭馆?", passage))
    []
    >>> [v.claim for v in check(draft("新馆周五闭馆维修[1]。", "新馆哪天闭馆?", passage))]
    ['周五、维修']
    >>> [v.reason for v in check(draft("新馆闭馆了[1]。", "新馆哪天闭馆?", passage))]
    ['adds nothing to the question']
    """

    kind = VerdictKind.UNSUPPORTED_WORDS

    def __call__(self, d: Draft) -> list[Verdict]:
        q = d.question
        if q.lang != "zh" or _YES_NO.search(q.text):
            return []
        out = []
        for sentence, marks in d.sentences():
            cited = "\n".join(d.cited[m] for m in marks if m in d.cited).lower()
            if not cited or re.search(r"\d", strip_markers(sentence)):
                continue  # uncited: the citation checks' business; a figure: the number checks'
            added = added_words(sentence, q.text)
            if not added:
                out.append(
                    self.verdict(strip_markers(sentence), marks[0], "adds nothing to the question")
                )
                continue
            unsupported = [w for w in added if not worded_in(w.lower(), cited)]
            if len(unsupported) * 2 > len(added):
                reason = "words the cited passage does not use"
                out.append(self.verdict("、".join(unsupported), marks[0], reason))
        return out
