"""The grounding guard: every number in an answer must be in the passages it cites.

Numbers are compared as values after normalisation (full-width digits, thousands
separators, 万/亿 kept as written). English answers may restate 777亿 as 77.7 billion, so
for them a value also matches at a power-of-ten scale (亿 → billion is ×10).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag.citations import join_sentences, markers_in, split_answer_sentences, strip_markers
from rag.clean import normalize_unicode
from rag.evidence import SENTENCE_PARTS, Evidence, coverage, expand_respectively, with_context

_NUMBER = re.compile(r"(?<![\d.])\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?")


def extract_numbers(text: str) -> list[str]:
    """Numbers written in digits, thousands separators removed.

    >>> extract_numbers("资本支出为1,050亿美元,增长35%,2025年")
    ['1050', '35', '2025']
    """
    text = normalize_unicode(text)
    return [m.group(0).replace(",", "") for m in _NUMBER.finditer(text)]


def _value(s: str) -> float:
    return float(s)


def number_grounded(number: str, evidence: str, scaled: bool = False) -> bool:
    """Is ``number`` written in ``evidence`` (or, if ``scaled``, at a ×10ⁿ scale of one)?

    >>> number_grounded("777", "777亿美元"), number_grounded("77", "777亿美元")
    (True, False)
    >>> number_grounded("77.7", "777亿美元", scaled=True)
    True
    """
    values = {_value(n) for n in extract_numbers(evidence)}
    v = _value(number)
    if v in values:
        return True
    if scaled:
        return any(abs(v * 10**k - e) < 1e-6 * max(1.0, e) for e in values for k in range(-4, 5))
    return False


@dataclass
class GuardResult:
    ok: bool
    ungrounded: list[str]  # numbers not found in the cited passages
    uncited: list[str]  # sentences without any marker


def check_answer(
    answer: str, cited_texts: dict[int, str], question: str = "", scaled: bool = False
) -> GuardResult:
    """Check each sentence's numbers against the passages its markers point to.

    ``cited_texts`` maps marker number → passage text. Numbers that the question itself
    contains (a year being asked about) need no citation, but still must not contradict.

    >>> check_answer("亚马逊为777亿美元[1]。", {1: "亚马逊777亿美元"}).ok
    True
    >>> check_answer("亚马逊为780亿美元[1]。", {1: "亚马逊777亿美元"}).ungrounded
    ['780']
    """
    ungrounded: list[str] = []
    uncited: list[str] = []
    question_numbers = set(extract_numbers(question))
    for sentence in split_answer_sentences(answer):
        marks = markers_in(sentence)
        body = re.sub(
            r"^\s*\d{1,2}[.、)）]\s*", "", strip_markers(sentence)
        )  # "1. " list numbering
        numbers = [n for n in extract_numbers(body) if n not in question_numbers]
        if not marks:
            if numbers:
                uncited.append(sentence)
                ungrounded += numbers
            continue
        evidence = "\n".join(cited_texts.get(m, "") for m in marks)
        ungrounded += [n for n in numbers if not number_grounded(n, evidence, scaled)]
    return GuardResult(ok=not ungrounded, ungrounded=ungrounded, uncited=uncited)


def attach_missing_citations(text: str, evidence: list[Evidence]) -> str:
    """Give a sentence without a marker the passage that holds its numbers and key words.

    >>> from rag.records import Passage
    >>> ev = [Evidence(1, Passage("a", "s", "t", "阿里开支725.13亿元"), "阿里开支725.13亿元")]
    >>> attach_missing_citations("阿里的资本开支为725.13亿元。", ev)
    '阿里的资本开支为725.13亿元[1]。'
    """
    out = []
    for sentence in split_answer_sentences(text):
        if markers_in(sentence) or not evidence:
            out.append(sentence)
            continue
        body = strip_markers(sentence)
        nums = extract_numbers(body)
        scores = [
            2 * sum(1 for n in nums if n in e.passage.text) + coverage(body, e.passage.text)
            for e in evidence
        ]
        best = evidence[scores.index(max(scores))]
        if max(scores) >= (2 if nums else 0.5):
            sentence = _with_marker(sentence, best.n)
        out.append(sentence)
    return join_sentences(out)


def repoint_citations(
    answer: str, texts: dict[int, str], scaled: bool = False, question: str = ""
) -> str:
    """Point a sentence's markers at the passage that really holds its numbers.

    Small models often cite the neighbour of the right passage. When a sentence's numbers are
    not in the passages it cites but all are in one other passage, cite that one instead.

    >>> repoint_citations("亚马逊为777亿美元[1]。", {1: "阿里725亿元", 2: "亚马逊777亿美元"})
    '亚马逊为777亿美元[2]。'
    """
    out = []
    for sentence in split_answer_sentences(answer):
        marks = markers_in(sentence)
        asked = set(extract_numbers(question))  # a year the question names needs no citation
        numbers = [n for n in extract_numbers(strip_markers(sentence)) if n not in asked]
        if marks and numbers:
            cited = "\n".join(texts.get(m, "") for m in marks)
            if not all(number_grounded(n, cited, scaled) for n in numbers):
                holders = [
                    n
                    for n, t in texts.items()
                    if all(number_grounded(x, t, scaled) for x in numbers)
                ]
                if holders:
                    sentence = _with_marker(re.sub(r"\[\d+\]", "", sentence), holders[0])
        out.append(sentence)
    return join_sentences(out)


def _with_marker(sentence: str, n: int) -> str:
    """``sentence`` with ``[n]`` before its closing punctuation: "甲。" → "甲[1]。"."""
    m = re.search(r"[。！？!?.]+$", sentence)
    end = m.start() if m else len(sentence)
    return f"{sentence[:end]}[{n}]{sentence[end:]}"


def numbers_away_from_entities(
    answer: str, cited_texts: dict[int, str], entities: list[str], question: str = ""
) -> list[str]:
    """Numbers of the answer that its cited passages state only about *other* entities.

    "腾讯的资本开支为1200亿元" cites a passage where 1200 is Alibaba's figure: the number is
    grounded, the claim is not. A number passes when some sentence of its cited passages holds
    both the number and one of the question's named entities ("分别" lists spelled out first).

    >>> numbers_away_from_entities("腾讯为1200亿元[1]。", {1: "阿里将超过1200亿元。腾讯为767.6亿元。"}, ["腾讯"])
    ['1200']
    >>> numbers_away_from_entities("腾讯为767.6亿元[1]。", {1: "阿里和腾讯分别为725.13亿元、767.6亿元。"}, ["腾讯"])
    []
    >>> numbers_away_from_entities("腾讯为650亿美元[1]。", {1: "Meta可能达到650亿美元。"}, ["腾讯"])
    ['650']
    >>> numbers_away_from_entities("富邦种了水稻[1]。", {1: "农场种了水稻。"}, ["富邦"])
    ['富邦种了水稻']
    """

    if not entities:
        return []
    question_numbers = set(extract_numbers(question))
    away = []
    for sentence in split_answer_sentences(answer):
        marks = markers_in(sentence)
        passages = [expand_respectively(cited_texts[m]) for m in marks if m in cited_texts]
        if not passages:
            continue
        if not any(e.lower() in p.lower() for e in entities for p in passages):
            # cites a passage about someone else: its numbers, or the claim itself, are not theirs
            claim = strip_markers(sentence).strip(" 。.！!？?")
            away += extract_numbers(claim) or ([claim] if claim else [])
            continue
        sentences = [s for p in passages for s in re.findall(r"[^。！？!?；;\n]+", p)]
        for n in extract_numbers(strip_markers(sentence)):
            if n in question_numbers:
                continue
            holders = [s for s in sentences if number_grounded(n, s)]
            if holders and not any(e in s for e in entities for s in holders):
                away.append(n)
    return away


_YEAR = re.compile(r"(?<!\d)(?:19|20)\d{2}(?=年|财年|\b|$)")
_PERIOD = re.compile(
    r"第?[一二三四1-4]季度|Q[1-4]|上半年|下半年|前三季度|前三个季度|第?[一二三四1-4]财季"
)


def asked_period(question: str) -> tuple[set[str], set[str]]:
    """The years and the sub-year periods a question asks about (none for a question of
    several parts, whose parts may each ask about another year).

    >>> asked_period("2024年第四季度腾讯的资本开支是多少?")
    ({'2024'}, {'第四季度'})
    >>> asked_period("谷歌2024年的资本支出是多少?其2025年的资本开支预计增长多少?")
    (set(), set())
    """
    if len(re.findall(r"[?？]", question.strip())) > 1:
        return set(), set()
    return set(_YEAR.findall(normalize_unicode(question))), set(_PERIOD.findall(question))


def fits_period(context: str, years: set[str], periods: set[str], strict: bool = False) -> bool:
    """Is ``context`` about the asked years and periods? A context naming no year passes
    unless ``strict`` (it may be "今年"); one naming only other years does not.

    >>> fits_period("2024年,阿里为725亿元", {"2024"}, {"第四季度"})
    False
    >>> fits_period("期内阿里为317亿元", {"2024"}, set()), fits_period("期内", {"2024"}, set(), strict=True)
    (True, False)
    >>> fits_period("2024年第四季度。期内腾讯为365亿元", {"2024"}, set())
    False
    """
    named = set(_YEAR.findall(normalize_unicode(context)))
    if years and (named or strict) and not named & years:
        return False
    if not periods:  # a year asked for: a quarter's figure ("第四季度…期内") is not the year's
        return not (years and _PERIOD.search(context))
    return any(p.removeprefix("第") in context for p in periods)


def numbers_from_other_periods(
    answer: str, cited_texts: dict[int, str], question: str, leads: dict[int, str] | None = None
) -> list[str]:
    """Numbers of the answer that its cited passages state for another year or period.

    "亚马逊2025年预计投入多少?" answered with 2024's 777亿 is grounded but wrong. A number's
    context is the passage sentence holding it plus the two before ("2025年,…增长。亚马逊预计
    投入1000亿美元。"), reaching into ``leads[n]``, the article text before passage [n]; it is
    off when no context fits the asked period.

    >>> text = {1: "2024年,亚马逊为777亿美元。2025年将继续增长。亚马逊预计投入1000亿美元。"}
    >>> numbers_from_other_periods("亚马逊为777亿美元[1]。", text, "亚马逊2025年投入多少?")
    ['777']
    >>> numbers_from_other_periods("亚马逊为1000亿美元[1]。", text, "亚马逊2025年投入多少?")
    []
    >>> numbers_from_other_periods("阿里为725亿元[1]。", {1: "2024年,阿里为725亿元。"}, "2024年第四季度阿里投入多少?")
    ['725']
    """
    years, periods = asked_period(question)
    if not years and not periods:
        return []
    asked = set(extract_numbers(question))
    off = []
    leads = leads or {}
    for sentence in split_answer_sentences(answer):
        contexts: dict[str, list[str]] = {}
        for m in markers_in(sentence):
            if m not in cited_texts:
                continue
            sentences = SENTENCE_PARTS.findall(normalize_unicode(cited_texts[m]))
            for held, context in zip(sentences, with_context(sentences, leads.get(m, ""))):
                for n in extract_numbers(held):
                    contexts.setdefault(n, []).append(context)
        for n in extract_numbers(strip_markers(sentence)):
            found = [c for v, cs in contexts.items() if number_grounded(n, v) for c in cs]
            if n not in asked and found and not any(fits_period(c, years, periods) for c in found):
                off.append(n)
    return off


# Units a "多少X / 几X" question fixes: an answer's figure must be counted in them. Units with
# one reading must appear; a counter word ("多少个" may be answered "3家", "多少人" "300名")
# only has to when the answer's figure is bare ("34[1]" for "多少个").
_UNITS = "次|倍|岁|小时|分钟|秒|天|公里|千米|米|吨|千瓦时|千瓦|兆瓦|吉瓦|瓦|毫伏|伏|摄氏度"
_COUNTERS = "个|家|人|名|位|项|款|条|台|座|张|篇|本|辆|架|艘|所|颗|块"
_ASKED_UNIT = re.compile(rf"(?:多少|几)({_UNITS}|{_COUNTERS})")
_BARE_NUMBER = re.compile(r"\d(?![\d.,%\u4e00-\u9fffA-Za-z])")


def missing_asked_unit(answer: str, cited: str, question: str) -> str:
    """The unit the question asks for ("多少次" → 次) when the answer gives figures but none
    in it while the cited text has one; "" otherwise.

    >>> text = "电池可稳定输出450毫伏电压,并实现长达10次完整的供能循环。全省已涌现34个大模型。"
    >>> missing_asked_unit("450毫伏电压[1]", text, "能实现多少次循环?")
    '次'
    >>> missing_asked_unit("可实现10次循环[1]", text, "能实现多少次循环?")
    ''
    >>> missing_asked_unit("34[1]", text, "已涌现多少个大模型?"), missing_asked_unit("34家[1]", text, "多少个?")
    ('个', '')
    """
    m = _ASKED_UNIT.search(normalize_unicode(question))
    if not m:
        return ""
    unit = m.group(1)
    counted = re.compile(rf"\d\s*(?:万|亿|余|多)*\s*{unit}")
    body = normalize_unicode(strip_markers(answer))
    if not extract_numbers(body) or counted.search(body):
        return ""  # no figure at all (a refusal, a name), or the asked one is there
    if unit in _COUNTERS.split("|") and not _BARE_NUMBER.search(body):
        return ""  # counted in another word, which may be right
    return unit if counted.search(normalize_unicode(cited)) else ""


_EN_SCALE = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}
_ZH_SCALE = {"万亿": 1e12, "亿": 1e8, "万": 1e4, "千": 1e3}


def misconverted_amounts(answer: str, evidence: str) -> list[str]:
    """English amounts whose scale contradicts the Chinese passage (777亿 written as 777 billion).

    >>> misconverted_amounts("Amazon spent $777 billion [1].", "亚马逊777亿美元")
    ['777 billion']
    >>> misconverted_amounts("Amazon spent 77.7 billion dollars [1].", "亚马逊777亿美元")
    []
    """
    amounts = {
        float(n.replace(",", "")) * _ZH_SCALE[u]
        for n, u in re.findall(
            r"(\d[\d,]*(?:\.\d+)?)\s*(万亿|亿|万|千)", normalize_unicode(evidence)
        )
    }
    bad = []
    for n, unit in re.findall(
        r"(\d[\d,]*(?:\.\d+)?)\s*(thousand|million|billion|trillion)", answer, re.I
    ):
        value = float(n.replace(",", "")) * _EN_SCALE[unit.lower()]
        if amounts and not any(abs(value - a) <= 1e-6 * a for a in amounts):
            bad.append(f"{n} {unit}")
    return bad
