"""Checks on the figures of an answer: in the cited passage, at its scale, in the asked unit,
for the asked period."""

from __future__ import annotations

import re

from rag.answer.checks.base import Check, Draft, draft  # noqa: F401 (doctests)
from rag.answer.citations import strip_markers
from rag.answer.evidence import SENTENCE_PARTS, with_context
from rag.answer.numbers import (
    extract_numbers,
    figure_grounded,
    figures,
    fits_period,
    number_grounded,
)
from rag.ingest.clean import normalize_unicode
from rag.records import Verdict, VerdictKind


class NumbersInCitedPassages(Check):
    """Every figure of a sentence is in a passage the sentence cites (figures the question
    itself names need no citation; a "1. " list number is no figure).

    >>> check = NumbersInCitedPassages()
    >>> check(draft("水库蓄水3.2亿立方米[1]。", "蓄水多少?", {1: "水库蓄水3.2亿立方米"}))
    []
    >>> [v.claim for v in check(draft("水库蓄水3.5亿立方米[1]。", "蓄水多少?", {1: "水库蓄水3.2亿立方米"}))]
    ['3.5']
    >>> check(draft("3.2亿立方米[1]", "蓄水多少?", {1: "水库蓄水3.2亿立方米"}))  # no "3." list item
    []
    >>> [v.claim for v in check(draft("蓄水3.2万立方米[1]。", "蓄水多少?", {1: "水库蓄水3.2亿立方米"}))]
    ['3.2']
    """

    kind = VerdictKind.UNGROUNDED_NUMBER

    def __call__(self, d: Draft) -> list[Verdict]:
        scaled = d.question.lang == "en"
        out = []
        for sentence, marks in d.sentences():
            body = re.sub(r"^\s*\d{1,2}(?:\.(?!\d)|[、)）])\s*", "", strip_markers(sentence))
            numbers = [n for n in extract_numbers(body) if n not in d.question.numbers]
            if not marks:
                out += [self.verdict(n, None, "a figure with no citation") for n in numbers]
                continue
            evidence = "\n".join(d.cited.get(m, "") for m in marks)
            counted = {n: (mult, unit) for n, mult, unit in figures(body)} if not scaled else {}
            for n in numbers:
                if not number_grounded(n, evidence, scaled):
                    out.append(self.verdict(n, marks[0], "not in the cited passages"))
                elif n in counted and not figure_grounded(n, *counted[n], evidence):
                    # "5年" is no answer where the passage says "5月": the digits, counting another thing
                    reason = (
                        f"the cited passage counts {n} in another unit than {''.join(counted[n])}"
                    )
                    out.append(self.verdict(n, marks[0], reason))
        return out


_EN_SCALE = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}
_ZH_SCALE = {"万亿": 1e12, "亿": 1e8, "万": 1e4, "千": 1e3}


class EnglishAmountScale(Check):
    """An English answer's amount has the scale of the Chinese passage's (3.2亿 is 320
    million, not 3.2 billion).

    >>> check = EnglishAmountScale()
    >>> [v.claim for v in check(draft("The city spent 3.2 billion yuan [1].", "How much did the city spend?", {1: "该市投入3.2亿元"}))]
    ['3.2 billion']
    >>> check(draft("The city spent 320 million yuan [1].", "How much did the city spend?", {1: "该市投入3.2亿元"}))
    []
    """

    kind = VerdictKind.WRONG_SCALE

    def __call__(self, d: Draft) -> list[Verdict]:
        if d.question.lang != "en":
            return []
        evidence = normalize_unicode("\n".join(d.cited.values()))
        amounts = {
            float(n.replace(",", "")) * _ZH_SCALE[u]
            for n, u in re.findall(r"(\d[\d,]*(?:\.\d+)?)\s*(万亿|亿|万|千)", evidence)
        }
        out = []
        for n, unit in re.findall(
            r"(\d[\d,]*(?:\.\d+)?)\s*(thousand|million|billion|trillion)", d.text, re.I
        ):
            value = float(n.replace(",", "")) * _EN_SCALE[unit.lower()]
            if amounts and not any(abs(value - a) <= 1e-6 * a for a in amounts):
                out.append(self.verdict(f"{n} {unit}", None, "another scale than the passage"))
        return out


_BARE_NUMBER = re.compile(r"\d(?![\d.,%\u4e00-\u9fffA-Za-z])")


# counters another counter may answer: "多少个" by "3家", "多少人" by "300名"; the rest
# count one kind of thing ("多少支队伍" is not answered by "980人")
_ANY_COUNTER = {"个", "人", "名", "位"}


class AskedUnit(Check):
    """A "多少X" question is answered in X when the cited text counts in X: "450毫伏" is no
    answer to "多少次"; a general counter may be another ("3家" for "多少个"), but not a bare
    figure.

    >>> text = {1: "电池输出450毫伏电压,可完成10次循环。全省已有34个站点。"}
    >>> [v.claim for v in AskedUnit()(draft("450毫伏电压[1]", "能完成多少次循环?", text))]
    ['次']
    >>> AskedUnit()(draft("可完成10次循环[1]", "能完成多少次循环?", text))
    []
    >>> [len(AskedUnit()(draft(a, "有多少个站点?", text))) for a in ("34[1]", "34家[1]")]
    [1, 0]
    >>> [v.claim for v in AskedUnit()(draft("980人[1]", "有多少支队伍?", {1: "14支队伍共980人"}))]
    ['支']
    """

    kind = VerdictKind.MISSING_UNIT

    def __call__(self, d: Draft) -> list[Verdict]:
        unit = d.question.unit
        if d.question.lang != "zh" or not unit:
            return []
        counted = re.compile(rf"\d\s*(?:万|亿|余|多)*\s*(?:{unit})")
        body = normalize_unicode(strip_markers(d.text))
        if not extract_numbers(body) or counted.search(body):
            return []  # no figure at all (a refusal, a name), or the asked one is there
        if unit in _ANY_COUNTER and not _BARE_NUMBER.search(body):
            return []  # counted in another word, which may be right
        if not counted.search(normalize_unicode("\n".join(d.cited.values()))):
            return []
        return [self.verdict(unit, None, f"the question asks for a figure in {unit}")]


class AskedPeriod(Check):
    """A figure is stated for the asked year or period: 2022's figure is no answer for 2023.
    A figure's context is its passage sentence plus the two before it, reaching into the
    article text before the passage (``Draft.leads``).

    >>> text = {1: "2022年,全市降雨800毫米。2023年雨水偏多。全年降雨1100毫米。"}
    >>> [v.claim for v in AskedPeriod()(draft("全市降雨800毫米[1]。", "2023年全市降雨多少?", text))]
    ['800']
    >>> AskedPeriod()(draft("全市降雨1100毫米[1]。", "2023年全市降雨多少?", text))
    []
    """

    kind = VerdictKind.OTHER_PERIOD

    def __call__(self, d: Draft) -> list[Verdict]:
        q = d.question
        years, periods = set(q.years), set(q.periods)
        if not years and not periods:
            return []
        out = []
        for sentence, marks in d.sentences():
            contexts: dict[str, list[str]] = {}
            for m in marks:
                if m not in d.texts:
                    continue
                sentences = SENTENCE_PARTS.findall(normalize_unicode(d.texts[m]))
                for held, context in zip(sentences, with_context(sentences, d.leads.get(m, ""))):
                    for n in extract_numbers(held):
                        contexts.setdefault(n, []).append(context)
            for n in extract_numbers(strip_markers(sentence)):
                found = [c for v, cs in contexts.items() if number_grounded(n, v) for c in cs]
                if (
                    n not in q.numbers
                    and found
                    and not any(fits_period(c, years, periods) for c in found)
                ):
                    out.append(self.verdict(n, marks[0], "stated for another year or period"))
        return out


# Order matters only for reading: every check runs, and any verdict rejects the draft.
