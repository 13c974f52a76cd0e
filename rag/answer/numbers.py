"""Figures and periods in text: numbers written in digits compared as values, and the year or
quarter a question asks about (what the checks and the evidence scorer share).

Numbers are compared after normalisation (full-width digits, thousands separators, 万/亿 kept
as written). English answers may restate 3.2亿 as 320 million, so for them a value also
matches at a power-of-ten scale.
"""

from __future__ import annotations

import re

from rag.ingest.clean import normalize_unicode

_NUMBER = re.compile(r"(?<![\d.])\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?")


def extract_numbers(text: str) -> list[str]:
    """Numbers written in digits, thousands separators removed.

    >>> extract_numbers("客流量为1,280万人次,增长12%,2025年")
    ['1280', '12', '2025']
    """
    text = normalize_unicode(text)
    return [m.group(0).replace(",", "") for m in _NUMBER.finditer(text)]


def _value(s: str) -> float:
    return float(s)


def number_grounded(number: str, evidence: str, scaled: bool = False) -> bool:
    """Is ``number`` written in ``evidence`` (or, if ``scaled``, at a ×10ⁿ scale of one)?

    >>> number_grounded("320", "320万人次"), number_grounded("32", "320万人次")
    (True, False)
    >>> number_grounded("3.2", "320万人次", scaled=True)
    True
    """
    values = {_value(n) for n in extract_numbers(evidence)}
    v = _value(number)
    if v in values:
        return True
    if scaled:
        return any(abs(v * 10**k - e) < 1e-6 * max(1.0, e) for e in values for k in range(-4, 5))
    return False


_YEAR = re.compile(r"(?<!\d)(?:19|20)\d{2}(?=年|财年|\b|$)")


_PERIOD = re.compile(
    r"第?[一二三四1-4]季度|Q[1-4]|上半年|下半年|前三季度|前三个季度|第?[一二三四1-4]财季"
)


def asked_period(question: str) -> tuple[set[str], set[str]]:
    """The years and the sub-year periods a question asks about (none for a question of
    several parts, whose parts may each ask about another year).

    >>> asked_period("2024年第四季度北京站的客流量是多少?")
    ({'2024'}, {'第四季度'})
    >>> asked_period("杭州2024年的降雨量是多少?其2025年的降雨量预计增长多少?")
    (set(), set())
    """
    if len(re.findall(r"[?？]", question.strip())) > 1:
        return set(), set()
    return set(_YEAR.findall(normalize_unicode(question))), set(_PERIOD.findall(question))


def fits_period(context: str, years: set[str], periods: set[str], strict: bool = False) -> bool:
    """Is ``context`` about the asked years and periods? A context naming no year passes
    unless ``strict`` (it may be "今年"); one naming only other years does not.

    >>> fits_period("2024年,北京站为3000万人次", {"2024"}, {"第四季度"})
    False
    >>> fits_period("期内北京站为800万人次", {"2024"}, set()), fits_period("期内", {"2024"}, set(), strict=True)
    (True, False)
    >>> fits_period("2024年第四季度。期内上海站为980万人次", {"2024"}, set())
    False
    """
    named = set(_YEAR.findall(normalize_unicode(context)))
    if years and (named or strict) and not named & years:
        return False
    if not periods:  # a year asked for: a quarter's figure ("第四季度…期内") is not the year's
        return not (years and _PERIOD.search(context))
    return any(p.removeprefix("第") in context for p in periods)
