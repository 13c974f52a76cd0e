"""The eval's own claim checker: do the passages an answer cites hold the numbers it states?

The grader must not reuse the guard it grades (the answer stage): a bug shared by both would
pass unseen. So sentences, markers and numbers are read here independently — a character
scanner instead of regex splitting, exact decimal values instead of floats. Only the ingest
layer's text normalisation (full-width → half-width) is shared.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from rag.ingest.clean import normalize_unicode

# a citation marker as final answers write it: [3], or several in one pair: [1, 2] / [1、2]
_MARK = re.compile(r"\[\s*(\d{1,3}(?:\s*[,，、]\s*\d{1,3})*)\s*\]")
# the same, possibly after spaces: a marker written after the full stop closing its sentence
_TRAILING_MARK = re.compile(r"[ \t]*" + _MARK.pattern)
# a run of digits, with commas between groups and an optional decimal part
_DIGIT_RUN = re.compile(r"[0-9]+(?:,[0-9]+)*(?:\.[0-9]+)?")
# a list label opening a line ("1. ", "2、", "(3)"), not a decimal ("3.5")
_LIST_LABEL = re.compile(r"^\s*(?:[0-9]{1,2}(?:\.(?![0-9])|[、)）])|[(（][0-9]{1,2}[)）])\s*")

_STOPS = "。！？!?"
_AFTER_STOP = _STOPS + '”’"）)'


@dataclass(frozen=True)
class Claim:
    """One sentence of an answer: its text without markers, and the passages it cites."""

    text: str
    cites: tuple[int, ...]


def markers(text: str) -> list[int]:
    """Passage numbers cited in ``text``, in order of first use, each once.

    >>> markers("降雨量为215毫米[2][1]。比去年多[1, 3]。")
    [2, 1, 3]
    """
    out: list[int] = []
    for m in _MARK.finditer(text):
        for part in re.split(r"[,，、]", m.group(1)):
            if int(part) not in out:
                out.append(int(part))
    return out


def strip_markers(text: str) -> str:
    """``text`` without citation markers (and without the space a marker leaves before a stop).

    >>> strip_markers("Rainfall was 215 mm [1]. 医院新增床位300张[2][3]。")
    'Rainfall was 215 mm. 医院新增床位300张。'
    """
    text = _MARK.sub("", text)
    return re.sub(r"[ \t]+(?=[.,;:!?。，；：！？]|$)", "", text)


def sentences(answer: str) -> list[str]:
    """Sentences of an answer as written, each with the markers that close it.

    A stop inside “…” does not end the sentence (a quotation is one claim); a marker written
    after the stop belongs to the sentence before it; "1. " opening a list item is no stop.

    >>> sentences("全市降雨量为215毫米。[1]市长说：“雨季已过。水库已满。”[2]\\n1. 排水正常")
    ['全市降雨量为215毫米。[1]', '市长说：“雨季已过。水库已满。”[2]', '1. 排水正常']
    >>> sentences("The club scored 3.5 goals per match [1]. It won the U.S. cup.")
    ['The club scored 3.5 goals per match [1].', 'It won the U.S. cup.']
    """
    out: list[str] = []
    buf: list[str] = []
    depth = 0  # how many “ are open on this line
    i = 0
    while i < len(answer):
        ch = answer[i]
        i += 1
        if ch == "\n":
            _close(buf, out)
            depth = 0
            continue
        buf.append(ch)
        if ch == "“":
            depth += 1
        elif ch == "”":
            depth = max(0, depth - 1)
        if depth or not _is_stop(answer, i - 1, buf):
            continue
        while i < len(answer):  # take what still belongs to this sentence
            m = _TRAILING_MARK.match(answer, i)
            if m:
                buf.append(m.group(0))
                i = m.end()
            elif answer[i] in _AFTER_STOP:
                buf.append(answer[i])
                i += 1
            else:
                break
        _close(buf, out)
    _close(buf, out)
    return out


def _is_stop(text: str, at: int, buf: list[str]) -> bool:
    ch = text[at]
    if ch in _STOPS:
        return True
    if ch != ".":
        return False
    after = text[at + 1 : at + 2]
    if after and not after.isspace() and not _MARK.match(text, at + 1):
        return False  # 3.5, example.com
    before = "".join(buf[:-1]).strip()
    word = re.search(r"[A-Za-z]*$", before).group(0)
    # "1." opens a list item; "U.S." and "e.g." hold abbreviations, not stops
    return not (before.isdigit() and len(before) <= 2) and len(word) != 1


def _close(buf: list[str], out: list[str]) -> None:
    sentence = "".join(buf).strip()
    buf.clear()
    if strip_markers(sentence).strip(" 。.!！?？"):
        out.append(sentence)


def claims(answer: str) -> list[Claim]:
    """The answer's sentences as claims: text without markers, cited passage numbers.

    >>> claims("主队进了3球[1][2]。客队未进球。")
    [Claim(text='主队进了3球。', cites=(1, 2)), Claim(text='客队未进球。', cites=())]
    """
    return [Claim(strip_markers(s).strip(), tuple(markers(s))) for s in sentences(answer)]


def numbers_in(text: str) -> list[str]:
    """Numbers written in digits (full-width folded), thousands separators removed.

    A comma joins digit groups only in the 1,234,567 shape; otherwise it separates numbers.

    >>> numbers_in("医院有１,２００张床位,2023,2024两年接诊35.5万人次")
    ['1200', '2023', '2024', '35.5']
    """
    out: list[str] = []
    for run in _DIGIT_RUN.findall(normalize_unicode(text)):
        head, *groups = run.split(",")
        if groups and len(head) <= 3 and all(len(g.split(".")[0]) == 3 for g in groups):
            out.append(head + "".join(groups))
        else:
            out += [head, *groups]
    return out


def values_in(text: str) -> set[Decimal]:
    """The numbers of ``text`` as exact values (so 1,280 == 1280.0).

    >>> sorted(values_in("降雨1,280.0毫米,比去年多5%")) == [5, 1280]
    True
    """
    return {Decimal(n) for n in numbers_in(text)}


def value_in(number: str, text: str, scaled: bool = False) -> bool:
    """Does ``text`` hold ``number`` as a value (or, if ``scaled``, at a ×10ⁿ scale of one)?

    ``scaled`` is for English answers restating Chinese units: 215万 is "2.15 million".

    >>> value_in("215.0", "该市降雨215毫米"), value_in("21", "该市降雨215毫米")
    (True, False)
    >>> value_in("2.15", "全市人口215万", scaled=True)
    True
    """
    return _held(Decimal(normalize_unicode(number).replace(",", "")), values_in(text), scaled)


def _held(value: Decimal, values: set[Decimal], scaled: bool) -> bool:
    if value in values:
        return True
    return scaled and any(value.scaleb(k) in values for k in range(-4, 5) if k)


def ungrounded(
    answer: str, cited: Mapping[int, str], question: str = "", scaled: bool = False
) -> list[str]:
    """Numbers of the answer that the passages its sentence cites do not hold.

    ``cited`` maps marker number → passage text. A number the question itself contains
    needs no citation; a sentence with numbers but no marker grounds none of them.

    >>> rain = {1: "上半年降雨量为215毫米。", 2: "下半年降雨量为180毫米。"}
    >>> ungrounded("上半年降雨215毫米[1]。下半年降雨180毫米[1]。", rain)
    ['180']
    >>> ungrounded("7月降雨215毫米[1]。", rain), ungrounded("7月降雨215毫米[1]。", rain, "7月呢?")
    (['7'], [])
    >>> ungrounded("上半年降雨215毫米。", rain)
    ['215']
    """
    asked = values_in(question)
    missing: list[str] = []
    for claim in claims(answer):
        held = set().union(*(values_in(cited[m]) for m in claim.cites if m in cited))
        for n in numbers_in(_LIST_LABEL.sub("", claim.text)):
            if Decimal(n) not in asked and not _held(Decimal(n), held, scaled):
                missing.append(n)
    return missing


_NOT_FOUND_ZH = ("没有找到", "未找到", "未提及", "没有提到", "没有提及", "无法回答", "资料中没有")
_NOT_FOUND_EN = re.compile(
    r"\b(?:do(?:es)?(?: not|n't) (?:say|mention|contain|state)|not mention|no information)",
    re.I,
)


def says_not_found(text: str) -> bool:
    """Does the (short) answer say the articles lack the answer, in Chinese or English?

    >>> says_not_found("资料中没有找到答案。"), says_not_found("The articles do not say.")
    (True, True)
    >>> says_not_found("医院新增床位300张[1]。")
    False
    """
    body = strip_markers(text).strip()
    if not body or len(body) > 80:
        return False
    return any(p in body for p in _NOT_FOUND_ZH) or bool(_NOT_FOUND_EN.search(body))


def is_latin(text: str) -> bool:
    """Is ``text`` written mostly in Latin letters (more than four per other letter)?

    >>> is_latin("How much rain fell in July?"), is_latin("7月降雨多少?"), is_latin("2024")
    (True, False, False)
    """
    latin = other = 0
    for ch in text:
        if ch.isalpha():
            if ch.isascii() or "LATIN" in unicodedata.name(ch, ""):
                latin += 1
            else:
                other += 1
    return latin > 4 * other
