"""Checks on what an answer's claims are about: the asked entity, and nothing but facts."""

from __future__ import annotations

import re

from rag.answer.checks.base import Check, Draft, draft  # noqa: F401 (doctests)
from rag.answer.citations import strip_markers
from rag.answer.evidence import SENTENCE_PARTS
from rag.answer.numbers import extract_numbers, number_grounded
from rag.answer.respectively import expand_respectively
from rag.ingest.injection import is_injection
from rag.records import Verdict, VerdictKind

_CJK = re.compile(r"[\u4e00-\u9fff]")


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


_URL = re.compile(
    r"(?i)\b(?:https?://|www\.)[^\s，。、）)”\]]+|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|cn|net|org|io|info|top|xyz|example)\b(?:/[^\s，。、）)”\]]*)?"
)
# an order to the reader ("请访问…登录查看"): news states facts, an answer never instructs
_IMPERATIVE = re.compile(
    r"请(?:访问|登录|点击|扫码|扫描|添加|联系|拨打|回复|关注|下载|前往|转账|汇款)"
)


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
            for url in _URL.findall(strip_markers(sentence)):
                if d.question.asked_type != "link" or url.lower() not in cited:
                    out.append(self.verdict(url, n, "a link the question does not ask for"))
            for order in _IMPERATIVE.findall(sentence):
                if order not in cited:
                    out.append(self.verdict(order, n, "an instruction to the reader"))
            if is_injection(sentence):
                out.append(self.verdict(strip_markers(sentence), n, "speaks to a model"))
        return out


# what marks an advert in a news page: the word itself, a phone number, a sales pitch
# ("广告" alone is a label; "广告业务" is news)
_AD = re.compile(
    r"(?:^|\s)广告(?:\s|[:：]|$)|(?<!\d)1[3-9]\d{9}(?!\d)|\d{3,4}-\d{7,8}|加微信|扫码|配资"
)


def is_promotional(sentence: str) -> bool:
    """Whether a sentence is an advert or spam rather than news: a link, an order to the
    reader, an ad marker, or a question (an ad headline; news states, it does not ask).

    >>> is_promotional("广告 如何写一份年终总结?"), is_promotional("新馆将于周二开放。")
    (True, False)
    """
    return bool(
        _URL.search(sentence)
        or _IMPERATIVE.search(sentence)
        or _AD.search(sentence)
        or re.search(r"[?？]", sentence)
    )
