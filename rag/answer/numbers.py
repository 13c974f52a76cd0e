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
# Chinese numerals count as a figure only before a unit or a counter ("四到六个月", "十八年"):
# elsewhere they are parts of words (一些, 统一, 三星), and after 第/前 a rank ("前三名"). A
# lone 一 is mostly an article ("一个").
_CN_DIGITS = "零一二两三四五六七八九十百千"
_CN_NUMBER = re.compile(
    rf"(?<![第前后{_CN_DIGITS}])[{_CN_DIGITS}]+(?=(?:[到至~-][{_CN_DIGITS}]+)?"
    r"(?:个月|年|周|天|小时|分钟|秒|岁|倍|次|人|名|位|个|家|项|座|辆|架|艘|万|亿))"
)


def extract_numbers(text: str) -> list[str]:
    """Numbers written in digits, thousands separators removed; Chinese numerals that count
    something as digits.

    >>> extract_numbers("客流量为1,280万人次,增长12%,2025年")
    ['1280', '12', '2025']
    >>> extract_numbers("修复需要四到六个月,一些车辆已结婚十八年")
    ['4', '6', '18']
    """
    import cn2an

    text = normalize_unicode(text)
    found = [(m.start(), m.group(0).replace(",", "")) for m in _NUMBER.finditer(text)]
    for m in _CN_NUMBER.finditer(text):
        if m.group(0) != "一":
            try:
                found.append((m.start(), str(cn2an.cn2an(m.group(0), "smart"))))
            except ValueError:  # not a well-formed numeral ("十十")
                continue
    return [n for _, n in sorted(found)]


# what a figure counts: its multiplier and, when one follows, a measure word of time, age,
# share, people, things, weight, length or money (general Chinese; "约"/"余"/"多" skipped)
_COUNTED = re.compile(r"\s*(万亿|亿|万|千)?\s*[余多]?\s*([年月日天周时分秒岁%人名个次倍吨米元])?")


def figures(text: str) -> list[tuple[str, str, str]]:
    """Figures written in digits with what they count: (figure, multiplier, measure word),
    "" where there is none.

    >>> figures("结婚18年,2005年5月完婚,放行20万吨,增长3%,共980余人")[2:]
    [('5', '', '月'), ('20', '万', '吨'), ('3', '', '%'), ('980', '', '人')]
    """
    text = normalize_unicode(text)
    out = []
    for m in _NUMBER.finditer(text):
        multiplier, measure = _COUNTED.match(text, m.end()).groups()
        out.append((m.group(0).replace(",", ""), multiplier or "", measure or ""))
    return out


def figure_grounded(number: str, multiplier: str, measure: str, evidence: str) -> bool:
    """Is ``number`` written in ``evidence`` at the same multiplier and, where both name one,
    with the same measure word? (A value the evidence holds otherwise is not this figure.)

    >>> figure_grounded("5", "", "年", "2005年5月结婚"), figure_grounded("18", "", "年", "已结婚18年")
    (False, True)
    >>> figure_grounded("20", "", "吨", "放行20万吨化肥"), figure_grounded("4000", "亿", "", "4000亿总参数")
    (False, True)
    """
    v = _value(number)
    return any(
        _value(n) == v and mult == multiplier and (not measure or not unit or unit == measure)
        for n, mult, unit in figures(evidence)
    )


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
    r"第?[一二三四1-4]季度|Q[1-4]|上半年|下半年|半年度|半年报|前三季度|前三个季度|第?[一二三四1-4]财季"
)
# a company's half-year report covers the first half: "2024年半年度营收" asks for 上半年
_SAME_PERIOD = {"半年度": "上半年", "半年报": "上半年"}


def asked_period(question: str) -> tuple[set[str], set[str]]:
    """The years and the sub-year periods a question asks about (none for a question of
    several parts, whose parts may each ask about another year).

    >>> asked_period("2024年第四季度北京站的客流量是多少?")
    ({'2024'}, {'第四季度'})
    >>> asked_period("杭州2024年的降雨量是多少?其2025年的降雨量预计增长多少?")
    (set(), set())
    >>> asked_period("甲公司2024年半年度营收多少?")
    ({'2024'}, {'上半年'})
    """
    if len(re.findall(r"[?？]", question.strip())) > 1:
        return set(), set()
    periods = {_SAME_PERIOD.get(p, p) for p in _PERIOD.findall(question)}
    return set(_YEAR.findall(normalize_unicode(question))), periods


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
