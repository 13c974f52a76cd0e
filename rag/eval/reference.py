"""How a reference answer may be written in a correct answer: its accepted forms.

A benchmark's reference is one wording of the answer. News names a ministry with or without its
country ("中国商务部" / "商务部"), a person with or without a title ("王一鸣主席" / "王一鸣") and
two countries by one-character forms ("中俄") or in full ("俄罗斯和中国"). Matching only the
literal reference marks those answers wrong, so a reference is matched by any of its forms,
each a list of pieces the answer must all contain. Numbers are never rewritten.

The lists read here (countries and their one-character forms, person titles) are general data
in ``rag/data``; the grader shares no code with the pipeline it grades.
"""

from __future__ import annotations

import re
from functools import cache

from rag.data import read_table

_CJK = r"[\u4e00-\u9fff]"
_CONJUNCTION = ("和", "与", "及", "同", "、", "或")


@cache
def _countries() -> dict[str, str]:
    """One-character form → full name ("俄" → "俄罗斯")."""
    return {r["short"]: r["name"] for r in read_table("abbreviations.tsv")}


@cache
def _titles() -> tuple[str, ...]:
    return tuple(
        sorted((r["word"] for r in read_table("person_titles.tsv")), key=len, reverse=True)
    )


def reference_forms(reference: str) -> list[list[str]]:
    """The ways an answer may give ``reference``: each form is the pieces it must all contain.

    >>> reference_forms("5万吨")
    [['5万吨']]
    >>> reference_forms("美国国务院")  # the country named before an institution
    [['美国国务院'], ['国务院']]
    >>> reference_forms("王一鸣教授")  # a person's title
    [['王一鸣教授'], ['王一鸣']]
    >>> reference_forms("中英")  # a pair of one-character country forms
    [['中英'], ['中国', '英国']]

    A country before a conjunction or a one-character rest is part of a list or a name:

    >>> reference_forms("美国和英国"), reference_forms("中国队")
    ([['美国和英国']], [['中国队']])
    """
    ref = reference.strip()
    forms = [[ref]]
    countries = _countries()
    full = set(countries.values())
    lead = next((c for c in sorted(full, key=len, reverse=True) if ref.startswith(c)), "")
    rest = ref[len(lead) :]
    if (
        lead
        and len(rest) >= 2
        and re.fullmatch(f"{_CJK}+", rest)
        and not rest.startswith(_CONJUNCTION)
    ):
        forms.append([rest])
    title = next((t for t in _titles() if ref.endswith(t)), "")
    name = ref[: len(ref) - len(title)]
    if title and len(name) >= 2 and re.fullmatch(f"{_CJK}+", name):
        forms.append([name])
    if 2 <= len(ref) <= 4 and all(ch in countries for ch in ref):
        forms.append([countries[ch] for ch in ref])
    return forms
