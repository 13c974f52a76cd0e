"""The grounding guard: an ordered list of checks, each judging a drafted answer's claims.

A check reads a ``Draft`` (the answer with its [n] markers, the passages those markers cite and
the ``QuestionAnalysis``) and returns a ``Verdict`` for every claim it rejects. The pipeline
re-reads or abstains when any check rejects a claim, and keeps the verdicts on the ``Answer``
(the page shows them). A new rule is one ``Check`` subclass plus one line in ``CHECKS``.

Numbers are compared as values after normalisation (full-width digits, thousands
separators, 万/亿 kept as written). English answers may restate 777亿 as 77.7 billion, so
for them a value also matches at a power-of-ten scale (亿 → billion is ×10).
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass, field

from rag.answer.citations import markers_in, split_answer_sentences, strip_markers
from rag.answer.evidence import SENTENCE_PARTS, with_context
from rag.answer.numbers import extract_numbers, fits_period, number_grounded
from rag.answer.question import COUNTERS, QuestionAnalysis, analyse_question
from rag.answer.respectively import expand_respectively
from rag.ingest.clean import normalize_unicode
from rag.records import Verdict, VerdictKind

_CJK = re.compile(r"[\u4e00-\u9fff]")


@dataclass
class Draft:
    """An answer about to be shown, and what its markers point to.

    ``cited[n]`` is passage [n] with its title in front (the title names who "该公司" is);
    ``texts[n]`` the passage alone and ``leads[n]`` the article text just before it, so a
    sentence is read in article order ("…第四季度…。期内…").
    """

    text: str
    question: QuestionAnalysis
    cited: dict[int, str]
    texts: dict[int, str] = field(default_factory=dict)
    leads: dict[int, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.texts = self.texts or dict(self.cited)

    def sentences(self) -> Iterator[tuple[str, list[int]]]:
        """Each answer sentence with the markers it carries."""
        for sentence in split_answer_sentences(self.text):
            yield sentence, markers_in(sentence)


def draft(text: str, question: str, cited: dict[int, str], **kw) -> Draft:
    """A ``Draft`` from plain values (doctests and unit tests).

    >>> draft("全市有12个站点[1]。", "全市有多少个站点?", {1: "全市有12个站点。"}).question.unit
    '个'
    """
    return Draft(text, analyse_question(question), cited, **kw)


class Check(ABC):
    """One rule about an answer's claims; ``__call__`` returns the claims it rejects."""

    kind: VerdictKind

    @abstractmethod
    def __call__(self, d: Draft) -> list[Verdict]: ...

    def verdict(self, claim: str, passage: int | None, reason: str) -> Verdict:
        return Verdict(self.kind, claim, passage, reason)


class NumbersInCitedPassages(Check):
    """Every figure of a sentence is in a passage the sentence cites (figures the question
    itself names need no citation; a "1. " list number is no figure).

    >>> check = NumbersInCitedPassages()
    >>> check(draft("水库蓄水3.2亿立方米[1]。", "蓄水多少?", {1: "水库蓄水3.2亿立方米"}))
    []
    >>> [v.claim for v in check(draft("水库蓄水3.5亿立方米[1]。", "蓄水多少?", {1: "水库蓄水3.2亿立方米"}))]
    ['3.5']
    """

    kind = VerdictKind.UNGROUNDED_NUMBER

    def __call__(self, d: Draft) -> list[Verdict]:
        scaled = d.question.lang == "en"
        out = []
        for sentence, marks in d.sentences():
            body = re.sub(r"^\s*\d{1,2}[.、)）]\s*", "", strip_markers(sentence))
            numbers = [n for n in extract_numbers(body) if n not in d.question.numbers]
            if not marks:
                out += [self.verdict(n, None, "a figure with no citation") for n in numbers]
                continue
            evidence = "\n".join(d.cited.get(m, "") for m in marks)
            for n in numbers:
                if not number_grounded(n, evidence, scaled):
                    out.append(self.verdict(n, marks[0], "not in the cited passages"))
        return out


class ClaimsAboutAskedEntity(Check):
    """A claim cites a passage that names the asked entity, and each figure sits in a sentence
    of it that names the entity ("分别" lists spelled out first): the figure of another
    company in the same passage is grounded but no answer.

    >>> check = ClaimsAboutAskedEntity()
    >>> q = "杭州2023年的降雨量是多少?"
    >>> [v.claim for v in check(draft("杭州降雨800毫米[1]。", q, {1: "上海降雨800毫米。杭州降雨600毫米。"}))]
    ['800']
    >>> check(draft("杭州降雨600毫米[1]。", q, {1: "上海和杭州分别降雨800毫米、600毫米。"}))
    []
    >>> [v.claim for v in check(draft("杭州多雨[1]。", q, {1: "上海多雨。"}))]
    ['杭州多雨']
    """

    kind = VerdictKind.OTHER_ENTITY

    def __call__(self, d: Draft) -> list[Verdict]:
        q = d.question
        entities = [e for e in q.entities if q.lang == "zh" or _CJK.search(e)]
        if not entities:
            return []
        out = []
        for sentence, marks in d.sentences():
            passages = [expand_respectively(d.cited[m]) for m in marks if m in d.cited]
            if not passages:
                continue
            if not any(e.lower() in p.lower() for e in entities for p in passages):
                # cites a passage about someone else: its numbers, or the claim itself, are not theirs
                claim = strip_markers(sentence).strip(" 。.！!？?")
                for x in extract_numbers(claim) or ([claim] if claim else []):
                    out.append(
                        self.verdict(x, marks[0], f"the cited passage never names {entities}")
                    )
                continue
            sentences = [s for p in passages for s in SENTENCE_PARTS.findall(p)]
            for n in extract_numbers(strip_markers(sentence)):
                if n in q.numbers:
                    continue
                holders = [s for s in sentences if number_grounded(n, s)]
                if holders and not any(e in s for e in entities for s in holders):
                    out.append(
                        self.verdict(n, marks[0], f"stated there of another than {entities}")
                    )
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


class AskedUnit(Check):
    """A "多少X" question is answered in X when the cited text counts in X: "450毫伏" is no
    answer to "多少次"; a counter word may be another ("3家" for "多少个"), but not a bare figure.

    >>> text = {1: "电池输出450毫伏电压,可完成10次循环。全省已有34个站点。"}
    >>> [v.claim for v in AskedUnit()(draft("450毫伏电压[1]", "能完成多少次循环?", text))]
    ['次']
    >>> AskedUnit()(draft("可完成10次循环[1]", "能完成多少次循环?", text))
    []
    >>> [len(AskedUnit()(draft(a, "有多少个站点?", text))) for a in ("34[1]", "34家[1]")]
    [1, 0]
    """

    kind = VerdictKind.MISSING_UNIT

    def __call__(self, d: Draft) -> list[Verdict]:
        unit = d.question.unit
        if d.question.lang != "zh" or not unit:
            return []
        counted = re.compile(rf"\d\s*(?:万|亿|余|多)*\s*{unit}")
        body = normalize_unicode(strip_markers(d.text))
        if not extract_numbers(body) or counted.search(body):
            return []  # no figure at all (a refusal, a name), or the asked one is there
        if unit in COUNTERS and not _BARE_NUMBER.search(body):
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
CHECKS: list[Check] = [
    NumbersInCitedPassages(),
    ClaimsAboutAskedEntity(),
    EnglishAmountScale(),
    AskedUnit(),
    AskedPeriod(),
]


def run_checks(d: Draft, checks: list[Check] | None = None) -> list[Verdict]:
    """Every verdict of every check, in check order; empty when the draft may be shown."""
    return [v for check in (CHECKS if checks is None else checks) for v in check(d)]
