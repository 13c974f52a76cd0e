"""The grounding guard: an ordered list of checks, each judging a drafted answer's claims.

A check reads a ``Draft`` (the answer with its [n] markers, the passages those markers cite and
the ``QuestionAnalysis``) and returns a ``Verdict`` for every claim it rejects. The pipeline
re-reads or abstains when any check rejects a claim, and keeps the verdicts on the ``Answer``
(the page shows them). A new rule is one ``Check`` subclass plus one line in ``CHECKS``.

A name, place, date or title that answers the question must be stated in its cited passage
in a sentence about the question's subject (``keyspan``); any other answer must add to the
question, in words its cited passage uses (``words``).

Numbers are compared as values after normalisation (full-width digits, thousands
separators, 万/亿 kept as written). English answers may restate 12亿 as 1.2 billion, so
for them a value also matches at a power-of-ten scale (亿 → billion is ×10).
"""

from __future__ import annotations

from rag.answer.checks.base import Check, Draft, draft
from rag.answer.checks.claims import ClaimsAboutAskedEntity, NoLinksOrInstructions
from rag.answer.checks.keyspan import KeySpanInSubjectSentence
from rag.answer.checks.numbers import (
    AskedPeriod,
    AskedUnit,
    EnglishAmountScale,
    NumbersInCitedPassages,
)
from rag.answer.checks.words import AddsCitedWords
from rag.records import Verdict

__all__ = ["CHECKS", "Check", "Draft", "draft", "run_checks"]

# Every check runs and any verdict rejects the draft; the order is the order they are read in.
CHECKS: list[Check] = [
    NumbersInCitedPassages(),
    ClaimsAboutAskedEntity(),
    KeySpanInSubjectSentence(),
    AddsCitedWords(),
    EnglishAmountScale(),
    AskedUnit(),
    AskedPeriod(),
    NoLinksOrInstructions(),
]


def run_checks(d: Draft, checks: list[Check] | None = None) -> list[Verdict]:
    """Every verdict of every check, in check order; empty when the draft may be shown."""
    return [v for check in (CHECKS if checks is None else checks) for v in check(d)]
