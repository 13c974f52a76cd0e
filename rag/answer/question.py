"""What a question may be and what it asks: checked once, analysed once.

``clean_question`` turns raw input into a question or a ``QuestionError`` that says what to
fix; ``analyse_question`` reads everything later steps need (language, key terms, names,
asked period, asked type, several parts, follow-up) into one ``QuestionAnalysis`` that is
passed down, so no step re-reads the question its own way; ``is_refusal`` recognises the
model's "not in the articles" in either language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag.answer.citations import strip_markers
from rag.answer.cloze import QUESTION_WORD, gap_sides
from rag.answer.numbers import asked_period, extract_numbers
from rag.answer.terms import is_english, key_terms, question_entities
from rag.data import read_table

ABSTAIN = {"zh": "资料中没有找到答案。", "en": "The articles do not say."}


_REFUSAL = re.compile(
    r"资料中没有找到答案|没有找到答案|资料中没有|未提及|没有提到|无法回答|not (?:contain|mention|say)|do(?:es)? not say|no information",
    re.I,
)


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


class QuestionError(ValueError):
    """A question that cannot be asked as given (empty, too long); the message says why."""


def clean_question(question: str, max_chars: int) -> str:
    """Strip control characters and whitespace; reject empty, punctuation-only or huge input."""
    if not isinstance(question, str):
        raise QuestionError("the question must be text")
    q = _CONTROL.sub(" ", question).strip()
    if not q:
        raise QuestionError("the question is empty: type a question about the articles")
    if len(q) > max_chars:
        raise QuestionError(
            f"the question is {len(q):,} characters long; the limit is {max_chars:,}: ask it shorter"
        )
    if not re.search(r"[\w\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7af]", q):
        raise QuestionError("the question has no words, only punctuation or symbols")
    return q


def is_refusal(text: str) -> bool:
    """Did the model say the passages lack the answer?

    >>> is_refusal("资料中没有找到答案。"), is_refusal("上海站为980万人次[1]。")
    (True, False)
    """
    return bool(_REFUSAL.search(text)) and len(strip_markers(text)) < 80


_SEVERAL = re.compile(r"分别|各自|各是|哪些|哪几|以及|及|和|与|、|\band\b", re.I)
_WANTS_NUMBER = re.compile(
    r"多少|几|多大|多高|多长|多久|how (?:much|many)|what (?:share|percentage)", re.I
)


def _units(kind: str) -> list[str]:
    """Units of ``kind`` ("unit" or "counter") in ``rag/data/units.tsv``, longest first."""
    found = [row["unit"] for row in read_table("units.tsv") if row["kind"] == kind]
    return sorted(found, key=len, reverse=True)


# Units a "多少X / 几X" question fixes: an answer's figure must be counted in them. Units with
# one reading must appear; a counter word ("多少个" may be answered "3家", "多少人" "300名")
# only has to when the answer's figure is bare ("34[1]" for "多少个").
UNITS = _units("unit")
COUNTERS = _units("counter")
_ASKED_UNIT = re.compile(
    rf"(?:多少|几)({'|'.join(sorted(UNITS + COUNTERS, key=len, reverse=True))})"
)
# "多久" is answered in a unit of time: the alternatives a figure may be counted in
_ASKS_DURATION = re.compile(r"多久|多长时间")
DURATION = "年|个月|周|天|小时|分钟|秒"
# what kind of span answers the question, first match wins
_ASKED_TYPES = (
    ("link", re.compile(r"网址|网站|链接|官网|域名|\burl\b|website|\blink\b", re.I)),
    (
        "time",
        re.compile(r"哪一?年|哪一?天|何时|什么时[候间]|几月|几号|哪个月|\bwhen\b|what year", re.I),
    ),
    ("number", _WANTS_NUMBER),
    ("person", re.compile(r"谁|哪位|哪些人|\bwho\b", re.I)),
    ("place", re.compile(r"哪里|哪儿|何地|什么地方|哪个(?:城市|省|国家|地区)|\bwhere\b", re.I)),
    ("list", re.compile(r"哪些|哪几|\bwhich\b", re.I)),
)


@dataclass(frozen=True)
class QuestionAnalysis:
    """One question as every later step reads it; built once by ``analyse_question``.

    ``text`` is what retrieval and the checks compare with passages (the standalone question,
    simplified, with its Chinese translation in front for an English one).
    """

    text: str
    lang: str  # "zh" | "en": the language the answer is written in
    terms: tuple[str, ...]  # content words an answering passage must mention
    entities: tuple[str, ...]  # names (people, places, organisations, Latin names)
    years: frozenset[str]  # the asked year(s): empty for a question of several parts
    periods: frozenset[str]  # the asked sub-year period ("第四季度", "上半年")
    named_years: tuple[str, ...]  # every "NNNN年" the question names, parts included
    numbers: frozenset[str]  # figures the question itself states (need no citation)
    asked_type: str  # "link" | "time" | "number" | "person" | "place" | "list" | "other"
    unit: str  # the unit a "多少X" question fixes ("次"), units of time for "多久", or "" (a regex)
    several: bool  # two questions, a list or a comparison
    follow_up: bool = False  # leaned on the conversation and was rewritten
    # the key terms right beside the question word ("坚持什么原则": 坚持, 原则): the sentence
    # that answers holds them, where the subject's names may be anywhere in the article
    anchors: tuple[str, ...] = ()
    # the text before and after the question word, particles dropped ("警方对多少名嫌疑人展开
    # 调查": 警方, 嫌疑人展开调查): where an answering sentence may restate it (rag.answer.cloze)
    gap: tuple[str, str] | None = None

    @property
    def wants_number(self) -> bool:
        return bool(_WANTS_NUMBER.search(self.text))


def analyse_question(
    text: str, lang: str | None = None, follow_up: bool = False
) -> QuestionAnalysis:
    """Read ``text`` once into a ``QuestionAnalysis``.

    >>> q = analyse_question("2023年第二季度北京站的客流量是多少人?")
    >>> q.lang, q.entities, sorted(q.years), sorted(q.periods), q.asked_type, q.unit, q.several
    ('zh', ('北京站',), ['2023'], ['第二季度'], 'number', '人', False)
    >>> analyse_question("谁执导了这部电影?").asked_type, analyse_question("上海和杭州分别下了多少雨?").several
    ('person', True)
    """
    years, periods = asked_period(text)
    unit = _ASKED_UNIT.search(text)
    unit_rx = unit.group(1) if unit else (DURATION if _ASKS_DURATION.search(text) else "")
    terms = key_terms(text)
    return QuestionAnalysis(
        text=text,
        lang=lang or ("en" if is_english(text) else "zh"),
        terms=tuple(terms),
        entities=tuple(question_entities(text)),
        years=frozenset(years),
        periods=frozenset(periods),
        named_years=tuple(re.findall(r"(?<!\d)((?:19|20)\d{2})年", text)),
        numbers=frozenset(extract_numbers(text)),
        asked_type=next((name for name, rx in _ASKED_TYPES if rx.search(text)), "other"),
        unit=unit_rx,
        several=len(re.findall(r"[?？]", text)) > 1 or bool(_SEVERAL.search(text)),
        follow_up=follow_up,
        anchors=asked_anchors(text, terms),
        gap=gap_sides(text, unit_rx),
    )


# The particles that may stand between a question word and its verb or noun
_BEFORE, _AFTER = "了的是在有要应将会又还都已也为", "的个"


def asked_anchors(text: str, terms: list[str]) -> tuple[str, ...]:
    """The longest key terms that end just before and start just after the question word
    (particles between skipped): what the answering sentence states the span with.

    >>> asked_anchors("该市应坚持什么原则?", ["该市", "坚持", "原则"])
    ('坚持', '原则')
    >>> asked_anchors("两人结婚多久了?", ["两人", "结婚"])
    ('结婚',)
    >>> asked_anchors("新馆怎么样?", ["新馆"])
    ()
    """
    m = QUESTION_WORD.search(text)
    if not m:
        return ()
    start, end = m.start(), m.end()
    while start > 0 and text[start - 1] in _BEFORE and start > m.start() - 2:
        start -= 1
    while end < len(text) and text[end] in _AFTER and end < m.end() + 1:
        end += 1
    low = text.lower()  # key terms are lower-cased ("hxn3")
    before = [t for t in terms if len(t) > 1 and low.endswith(t, 0, start)]
    after = [t for t in terms if len(t) > 1 and low.startswith(t, end)]
    found = [max(ts, key=len) for ts in (before, after) if ts]
    return tuple(dict.fromkeys(found))
