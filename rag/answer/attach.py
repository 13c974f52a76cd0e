"""Citation repair after generation: a sentence without a marker gets the passage that holds
its facts, and a marker pointing at the neighbour of the right passage is moved to it."""

from __future__ import annotations

import re

from rag.answer.checks.words import added_words, worded_in
from rag.answer.citations import join_sentences, markers_in, split_answer_sentences, strip_markers
from rag.answer.evidence import Evidence, term_coverage
from rag.answer.numbers import extract_numbers, number_grounded
from rag.answer.terms import key_terms


def attach_missing_citations(text: str, evidence: list[Evidence]) -> str:
    """Give a sentence without a marker the passage that holds its numbers and key words.

    >>> from rag.records import Passage
    >>> ev = [Evidence(1, Passage("a", "s", "t", "北京站客流320.5万人次"), "北京站客流320.5万人次")]
    >>> attach_missing_citations("北京站的客流量为320.5万人次。", ev)
    '北京站的客流量为320.5万人次[1]。'
    """
    out = []
    for sentence in split_answer_sentences(text):
        if markers_in(sentence) or not evidence:
            out.append(sentence)
            continue
        body = strip_markers(sentence)
        nums = extract_numbers(body)
        terms = key_terms(body)
        scores = [
            2 * sum(1 for n in nums if n in e.passage.text) + term_coverage(terms, e.passage.text)
            for e in evidence
        ]
        best = evidence[scores.index(max(scores))]
        if max(scores) >= (2 if nums else 0.5):
            sentence = _with_marker(sentence, best.n)
        out.append(sentence)
    return join_sentences(out)


def repoint_citations(
    answer: str,
    texts: dict[int, str],
    scaled: bool = False,
    asked: frozenset[str] = frozenset(),
    question: str = "",
) -> str:
    """Point a sentence's markers at the passage that really holds its numbers, or, for a
    sentence without numbers, the words it adds to ``question``.

    Small models often cite the neighbour of the right passage. When a sentence's numbers are
    not in the passages it cites but all are in one other passage, cite that one instead; the
    same for the words it adds to the question when the cited passage lacks most of them.
    ``asked`` are the figures the question names (a year), which need no citation.

    >>> repoint_citations("深圳为1930毫米[1]。", {1: "杭州1580毫米", 2: "深圳1930毫米"})
    '深圳为1930毫米[2]。'
    >>> texts = {1: "两市签署协议。", 2: "双方应坚持开放包容原则。"}
    >>> repoint_citations("应坚持开放包容原则[1]。", texts, question="双方应坚持什么原则?")
    '应坚持开放包容原则[2]。'
    """
    out = []
    for sentence in split_answer_sentences(answer):
        marks = markers_in(sentence)
        numbers = [n for n in extract_numbers(strip_markers(sentence)) if n not in asked]
        cited = "\n".join(texts.get(m, "") for m in marks)
        holders: list[int] = []
        if marks and numbers and not all(number_grounded(n, cited, scaled) for n in numbers):
            holders = [
                n for n, t in texts.items() if all(number_grounded(x, t, scaled) for x in numbers)
            ]
        elif marks and question and not numbers:
            added = added_words(sentence, question)
            if added and not _worded_mostly(added, cited):
                holders = [n for n, t in texts.items() if _worded_mostly(added, t)]
        if holders:
            sentence = _with_marker(re.sub(r"\[\d+\]", "", sentence), holders[0])
        out.append(sentence)
    return join_sentences(out)


def _worded_mostly(words: list[str], text: str) -> bool:
    """Whether ``text`` uses more than half of ``words``."""
    low = text.lower()
    return sum(worded_in(w.lower(), low) for w in words) * 2 > len(words)


def _with_marker(sentence: str, n: int) -> str:
    """``sentence`` with ``[n]`` before its closing punctuation: "甲。" → "甲[1]。"."""
    m = re.search(r"[。！？!?.]+$", sentence)
    end = m.start() if m else len(sentence)
    return f"{sentence[:end]}[{n}]{sentence[end:]}"
