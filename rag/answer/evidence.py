"""What the model is shown: a numbered ``Evidence`` snippet of a passage, and the sentence
context and key-term coverage that every later step reads it by."""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag.answer.question import QuestionAnalysis, analyse_question  # noqa: F401 (doctests)
from rag.ingest.clean import normalize_unicode
from rag.records import Passage


@dataclass
class Evidence:
    """Snippet ``quote`` of ``passage``, shown to the model as ``[n]``."""

    n: int
    passage: Passage
    quote: str

    @property
    def lead(self) -> str:
        """The article text just before the quote (its context, e.g. the quarter "期内" means)."""
        at = self.passage.text.find(self.quote.rstrip("…"))
        return (self.passage.lead + self.passage.text[: max(0, at)])[-200:]


SENTENCE_PARTS = re.compile(r"[^。！？!?；;\n]+")  # sentences and their ";" parts


def with_context(
    sentences: list[str], lead: str = "", split: re.Pattern = SENTENCE_PARTS
) -> list[str]:
    """Each sentence after the two before it, the first ones reaching into ``lead`` (the text
    before them, cut by ``split``): where "期内" gets its quarter from.

    >>> with_context(["期内上海站为980万人次", "同比增长"], "尤其是2024年第四季度。北京站客流大增。")
    ['尤其是2024年第四季度 北京站客流大增 期内上海站为980万人次', '北京站客流大增 期内上海站为980万人次 同比增长']
    """
    before = split.findall(normalize_unicode(lead))[-2:]
    return [" ".join((before + sentences[:i])[-2:] + [s]) for i, s in enumerate(sentences)]


def coverage(q: QuestionAnalysis, text: str) -> float:
    """Share of the question's key terms that ``text`` contains (1.0 when it has none).

    >>> q = analyse_question("2023年北京站的客流量")
    >>> q.terms
    ('2023', '北京', '北京站', '客流', '流量', '客流量')
    >>> coverage(q, "2023年北京站的客流量为1.2亿人次"), round(coverage(q, "北京站的客流量很大"), 2)
    (1.0, 0.83)
    """
    return term_coverage(q.terms, text)


def term_coverage(terms: tuple[str, ...] | list[str], text: str) -> float:
    """Share of ``terms`` that ``text`` contains (1.0 for no terms).

    >>> term_coverage(["北京", "客流"], "北京的游客很多")
    0.5
    """
    if not terms:
        return 1.0
    low = text.lower()
    return sum(1 for t in terms if t in low) / len(terms)


def anchored(q: QuestionAnalysis, text: str) -> float:
    """Share of the terms beside the question word that ``text`` holds (0.0 when it has none).

    >>> q = analyse_question("该市应坚持什么原则?")
    >>> anchored(q, "双方应坚持平等原则。"), anchored(q, "该市今年发展很快。")
    (1.0, 0.0)
    """
    return term_coverage(q.anchors, text) if q.anchors else 0.0


def best_anchored(q: QuestionAnalysis, text: str) -> float:
    """The largest share of the terms beside the question word that one sentence of ``text``
    holds: the answer is stated in one sentence with them, not spread over the text.

    >>> q = analyse_question("该市应坚持什么原则?")
    >>> best_anchored(q, "该市坚持改革。双方讲原则。"), best_anchored(q, "该市坚持平等原则。")
    (0.5, 1.0)
    """
    return max((anchored(q, s) for s in SENTENCE_PARTS.findall(text)), default=0.0)
