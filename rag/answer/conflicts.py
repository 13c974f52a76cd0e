"""Conflicting sources: another article that gives a different figure for the same thing.

News articles disagree (one says a new airport will cost 300亿元, another 320亿). A
small model reads one passage and states one figure, so after a grounded answer the other
retrieved articles are searched for a sentence about the same entity, the same year or
period and the same quantity with a different amount; the answer then says so and cites it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag.answer.evidence import coverage, with_context
from rag.answer.numbers import fits_period
from rag.answer.question import QuestionAnalysis, analyse_question  # noqa: F401 (doctests)
from rag.answer.respectively import expand_respectively
from rag.answer.terms import question_entities
from rag.index.tokenize import SYNONYMS
from rag.ingest.clean import normalize_unicode
from rag.records import Passage

# whole sentences: a ";" list ("北京…;上海…;深圳…") keeps the year its head names
_WHOLE_SENTENCES = re.compile(r"[^。！？!?\n]+")


_AMOUNT = re.compile(r"(\d+(?:\.\d+)?)\s*(万亿|亿|万)?\s*(美元|元|欧元|英镑|日元)")


@dataclass
class OtherVersion:
    """A sentence of ``passage`` that states ``amount`` where the answer states another."""

    passage: Passage
    quote: str
    amount: str


def amounts(text: str) -> set[tuple[float, str]]:
    """Money amounts as (value in units, currency).

    >>> sorted(amounts("新机场预计投资300亿元,大桥25亿美元"))
    [(2500000000.0, '美元'), (30000000000.0, '元')]
    """
    scale = {"万亿": 1e12, "亿": 1e8, "万": 1e4, None: 1.0, "": 1.0}
    return {(float(n) * scale[u], cur) for n, u, cur in _AMOUNT.findall(normalize_unicode(text))}


def fold_synonyms(question: str, text: str) -> str:
    """Write ``text``'s synonyms the way the question does (收入 → 营收).

    >>> fold_synonyms("营收是多少?", "上海博物馆的收入达到3.5亿元")
    '上海博物馆的营收达到3.5亿元'
    """
    for word, alternatives in SYNONYMS.items():
        if word in question:
            for alt in alternatives:
                if alt not in question:
                    text = text.replace(alt, word)
    return text


def find_other_versions(
    q: QuestionAnalysis,
    answer_text: str,
    passages: list[Passage],
    cited_sources: set[str],
) -> list[OtherVersion]:
    """Sentences of uncited articles that give the question's entity a different amount.

    A sentence must be about the asked year (named in it or the two sentences before, which
    may lie in ``passage.lead``) and about the asked quantity (the question's key terms,
    synonyms folded).

    >>> p = Passage("b#0", "b.txt", "博物馆", "2025年,上海博物馆的收入增长超35%,达到4.2亿元。")
    >>> [v.quote for v in find_other_versions(
    ...     analyse_question("上海博物馆2025年的营收预计是多少?"), "上海博物馆预计营收4亿元[1]。", [p], {"a.txt"})]
    ['上海博物馆的收入增长超35%,达到4.2亿元']
    """
    stated = amounts(answer_text)
    entities = list(q.entities)  # Latin names too: Chinese news writes "FIFA"
    if not stated or not entities:
        return []
    years, periods = set(q.years), set(q.periods)
    currencies = {c for _, c in stated}
    found: list[OtherVersion] = []
    for passage in passages:
        if passage.source in cited_sources or any(
            v.passage.source == passage.source for v in found
        ):
            continue
        sentences = _WHOLE_SENTENCES.findall(normalize_unicode(passage.text))
        for sentence, context in zip(
            sentences, with_context(sentences, passage.lead, _WHOLE_SENTENCES)
        ):
            if not fits_period(context, years, periods, strict=True):
                continue
            if coverage(q, fold_synonyms(q.text, context)) < 0.6:
                continue
            quote = _clause_with(sentence, entities, currencies, stated)
            if quote:
                found.append(OtherVersion(passage, quote, _AMOUNT.search(quote).group(0)))
                break
    return found


def _clause_with(
    sentence: str, entities: list[str], currencies: set[str], stated: set[tuple[float, str]]
) -> str:
    """The clauses from an entity's mention to the next amount, if that amount is new."""
    for part in re.split(r"[；;]", sentence):
        for entity in entities:
            at = part.find(entity)
            if at < 0:
                continue
            start = max(part.rfind(ch, 0, at) for ch in ",，、:：") + 1  # its clause
            m = _AMOUNT.search(part, at)  # the amount the entity is said to have comes after it
            if (
                not m
                or m.group(3) not in currencies
                or not _comparable(amounts(m.group(0)), stated)
            ):
                continue
            between = part[start : m.start()]
            if any(e != entity for e in question_entities(between)):
                continue  # "杭州,深圳预计投入60亿元": the amount is someone else's
            if amounts(m.group(0)) & stated:
                continue  # the same figure: no disagreement
            return part[start : m.end()].strip()
    # "分别" lists name the entity far from its value: spelled out, "(深圳60亿元)"
    expanded = expand_respectively(sentence)
    if expanded != sentence:
        for entity in entities:
            m = re.search(re.escape(entity) + r"(" + _AMOUNT.pattern + r")", expanded)
            found = amounts(m.group(1)) if m else set()
            if m and m.group(4) in currencies and not found & stated and _comparable(found, stated):
                return m.group(0)
    return ""


def _comparable(found: set[tuple[float, str]], stated: set[tuple[float, str]]) -> bool:
    """Within a factor of two of a stated amount: two reports of one figure differ by tens of
    percent (300 vs 320亿), a 2亿 bridge next to a 1万亿 GDP is another figure.

    >>> _comparable({(3.2e10, "元")}, {(3e10, "元")}), _comparable({(2e8, "元")}, {(1e12, "元")})
    (True, False)
    """
    return any(
        cur == c and 0.5 <= value / v <= 2 for value, cur in found for v, c in stated if v > 0
    )
