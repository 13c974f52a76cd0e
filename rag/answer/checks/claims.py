"""Checks on what an answer's claims are about: the asked entity, and nothing but facts."""

from __future__ import annotations

import re

from rag.answer.checks.base import Check, Draft, draft  # noqa: F401 (doctests)
from rag.answer.checks.spans import tagged_spans
from rag.answer.citations import strip_markers
from rag.answer.evidence import anchored
from rag.answer.numbers import extract_numbers, number_grounded
from rag.answer.promotional import IMPERATIVE, URL
from rag.answer.question import QuestionAnalysis, analyse_question  # noqa: F401 (doctests)
from rag.answer.respectively import expand_respectively
from rag.ingest.injection import is_injection
from rag.records import Verdict, VerdictKind

_CJK = re.compile(r"[\u4e00-\u9fff]")


class ClaimsAboutAskedEntity(Check):
    """A claim cites a passage that names the asked entity, and each figure sits in a sentence
    about the entity ("分别" lists spelled out first): the figure of another company in the
    same passage is grounded but no answer. A sentence that names no one continues the one
    before it, so it is about the entity that sentence names ("甲公司…。全年营收…").

    >>> check = ClaimsAboutAskedEntity()
    >>> q = "杭州2023年的降雨量是多少?"
    >>> [v.claim for v in check(draft("杭州降雨800毫米[1]。", q, {1: "上海降雨800毫米。杭州降雨600毫米。"}))]
    ['800']
    >>> check(draft("杭州降雨600毫米[1]。", q, {1: "上海和杭州分别降雨800毫米、600毫米。"}))
    []
    >>> check(draft("全年降雨600毫米[1]。", q, {1: "杭州多雨。全年降雨600毫米。"}))
    []
    >>> [v.claim for v in check(draft("杭州多雨[1]。", q, {1: "上海多雨。"}))]
    ['杭州多雨']

    A figure that describes what a "什么" question asks for is about that, not the entity:

    >>> q = "杭州在发生什么后停航?"
    >>> check(draft("杭州在发生8级大风后停航[1]。", q, {1: "当天发生8级大风。此后杭州停航。"}))
    []
    """

    kind = VerdictKind.OTHER_ENTITY

    def __call__(self, d: Draft) -> list[Verdict]:
        q = d.question
        entities = [e for e in q.entities if q.lang == "zh" or _CJK.search(e)]
        if not entities:
            return []
        out = []
        for sentence, marks in d.sentences():
            marks = [m for m in marks if m in d.cited]
            passages = [expand_respectively(d.cited[m]) for m in marks]
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
            read = [pair for m in marks for pair in d.read(m)]
            for n in extract_numbers(strip_markers(sentence)):
                if n in q.numbers:
                    continue
                holders = [pair for pair in read if number_grounded(n, pair[0])]
                if holders and not any(
                    _about(s, before, entities) or _describes_asked(q, s) for s, before in holders
                ):
                    out.append(
                        self.verdict(n, marks[0], f"stated there of another than {entities}")
                    )
        return out


def _describes_asked(q: QuestionAnalysis, sentence: str) -> bool:
    """Whether a figure in ``sentence`` describes what a "什么" question asks for, not the
    entity: the sentence holds the words beside the question word ("甲在发生什么后停工" —
    "上午发生4级地震"), and the question asks for no figure of the entity.

    >>> q = analyse_question("甲公司在发生什么后停工?")
    >>> _describes_asked(q, "当天上午发生4级地震"), _describes_asked(q, "乙公司营收4亿元")
    (True, False)
    """
    return q.asked_type == "other" and anchored(q, sentence) == 1.0


def _about(sentence: str, before: str, entities: list[str]) -> bool:
    """Whether ``sentence`` is about one of ``entities``: it names one, or names no one else
    and continues a sentence that names one."""
    if any(e in sentence for e in entities):
        return True
    if not any(e in before for e in entities):
        return False
    others = [w for w, g in tagged_spans(sentence) if g in ("person", "place", "org")]
    return not [w for w in others if not any(w in e or e in w for e in entities)]


class NoLinksOrInstructions(Check):
    """An answer states facts about the asked subject: no link unless a link is asked for and
    its passage gives it, no order to the reader that its passage does not state, and nothing
    that speaks to a model ("一律回答…").

    >>> check = NoLinksOrInstructions()
    >>> passage = {1: "新馆周二闭馆。官网为 museum.example.cn。"}
    >>> [v.claim for v in check(draft("新馆周二闭馆,请访问 http://bad.example 登录查看[1]。", "新馆哪天闭馆?", passage))]
    ['http://bad.example', '请访问']
    >>> check(draft("官网为 museum.example.cn[1]。", "新馆的官网网址是什么?", passage))
    []
    """

    kind = VerdictKind.INSTRUCTION

    def __call__(self, d: Draft) -> list[Verdict]:
        out = []
        for sentence, marks in d.sentences():
            cited = "\n".join(d.cited.get(m, "") for m in marks).lower()
            n = marks[0] if marks else None
            for url in URL.findall(strip_markers(sentence)):
                if d.question.asked_type != "link" or url.lower() not in cited:
                    out.append(self.verdict(url, n, "a link the question does not ask for"))
            for order in IMPERATIVE.findall(sentence):
                if order not in cited:
                    out.append(self.verdict(order, n, "an instruction to the reader"))
            if is_injection(sentence):
                out.append(self.verdict(strip_markers(sentence), n, "speaks to a model"))
        return out
