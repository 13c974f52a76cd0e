"""How likely a snippet answers the question: which sentences state a figure for the asked
period, whether one snippet is enough, how many snippets cover every part, and which of the
question's names and years a text lacks."""

from __future__ import annotations

import re

from rag.answer.evidence import SENTENCE_PARTS, Evidence, coverage, with_context
from rag.answer.numbers import extract_numbers, fits_period
from rag.answer.question import QuestionAnalysis, analyse_question  # noqa: F401 (doctests)
from rag.answer.respectively import expand_respectively
from rag.records import Passage  # noqa: F401  (doctests build snippets from passages)


def answer_sentences(q: QuestionAnalysis, sentences: list[str], lead: str = "") -> list[bool]:
    """Which sentences state a new figure for the asked year or period (all False when the
    question asks for no figure); a sentence's context includes the two before it ("…第四
    季度…。期内,甲为…;乙为…"), ``lead`` being the text before the first one.

    >>> q = analyse_question("2023年第二季度北京站的客流量是多少?")
    >>> answer_sentences(q, ["第二季度客流回升", "期内北京站接待旅客1500万人次", "2022年为900万"])
    [False, True, False]
    """
    if not q.wants_number:
        return [False] * len(sentences)
    out = []
    for sentence, context in zip(sentences, with_context(sentences, lead)):
        stated = set(re.findall(r"(\d{4})年", sentence))
        new = any(n not in q.numbers and n not in stated for n in extract_numbers(sentence))
        out.append(new and fits_period(context, set(q.years), set(q.periods)))
    return out


def answer_likelihood(q: QuestionAnalysis, quote: str, lead: str = "") -> float:
    """Best sentence's key-term coverage, +1 if it names the question's entity, +0.5 if it
    has a new figure and a figure is asked for.

    >>> q = analyse_question("北京站2023年的客流量是多少?")
    >>> answer_likelihood(q, "上海站的客流量超过2000万人次。") < answer_likelihood(q, "2023年,北京站的客流量为1500万人次。")
    True
    """
    sentences = SENTENCE_PARTS.findall(expand_respectively(quote))
    answers = answer_sentences(q, sentences, lead)
    best = 0.0
    for sentence, answers_it in zip(sentences, answers):
        named = any(e.lower() in sentence.lower() for e in q.entities)
        best = max(best, coverage(q, sentence) + 0.5 * answers_it + 1.0 * named)
    return best


def answers_alone(q: QuestionAnalysis, e: Evidence) -> bool:
    """Whether one snippet is enough: a sentence of it names the question's entity, covers
    most of its key terms and, when a figure is asked for, states one for the asked period
    (``answer_likelihood`` ≥ 2). On the dev set the second snippet never held the answer
    when the first one passed this.

    >>> q = analyse_question("北京站2023年的客流量是多少?")
    >>> def snippet(text): return Evidence(1, Passage("a", "s.txt", "", text), text)
    >>> answers_alone(q, snippet("2023年,北京站的客流量为1500万人次。"))
    True
    >>> answers_alone(q, snippet("上海站的客流量超过2000万人次。"))
    False
    """
    return answer_likelihood(q, e.quote, e.lead) >= 2.0


def covering_prefix(q: QuestionAnalysis, evidence: list[Evidence]) -> list[Evidence]:
    """The fewest leading snippets that together hold every key term of a question of several
    parts and name each asked entity in a sentence that answers it (states a figure for the
    asked period, when a figure is asked for); all of them when no prefix does.

    >>> q = analyse_question("2023年北京站和上海站的客流量分别是多少?")
    >>> def snippet(text): return Evidence(1, Passage("a", "s.txt", "", text), text)
    >>> both = snippet("2023年,北京站和上海站的客流量分别为1500万人次、2100万人次。")
    >>> len(covering_prefix(q, [both, snippet("北京站客流回升。"), snippet("上海站也是。")]))
    1
    >>> len(covering_prefix(q, [snippet("2023年北京站的客流量为1500万人次。"), both]))
    2
    """
    answered: set[str] = set()
    text = ""
    for j, e in enumerate(evidence[:-1], start=1):
        quote = expand_respectively(e.quote)
        text += quote.lower()
        sentences = SENTENCE_PARTS.findall(quote)
        for sentence, answers_it in zip(sentences, answer_sentences(q, sentences, e.lead)):
            if answers_it or not q.wants_number:
                answered.update(n for n in q.entities if n.lower() in sentence.lower())
        if q.entities and answered >= set(q.entities) and all(t in text for t in q.terms):
            return evidence[:j]
    return evidence


def missing_specifics(q: QuestionAnalysis, text: str) -> list[str]:
    """The question's names and years that ``text`` does not contain.

    Key-term coverage can be high for a passage about a neighbour (5 of 6 terms of
    "甲2024年的营收" in a passage on 乙's 2024 revenue); the name and the year must match.

    >>> missing_specifics(analyse_question("上海站2023年的客流量是多少?"), "2023年,北京站的客流量为1500万人次。")
    ['上海站']
    >>> missing_specifics(analyse_question("北京站2022年的客流量是多少?"), "北京站2023年客流量1500万人次")
    ['2022']
    >>> missing_specifics(analyse_question("北京站2022年的客流量是多少?2023年呢?"), "2023年北京站为1500万人次")
    []
    """
    low = text.lower()
    entities = [e for e in q.entities if re.search(r"[\u4e00-\u9fff]", e)]
    missing: list[str] = []
    for kind in (
        entities,
        list(q.named_years),
    ):  # one of each is enough: "甲和乙…", "2024年…2025年…"
        if kind and not any(x.lower() in low for x in kind):
            missing += list(dict.fromkeys(kind))
    return missing
