"""The key-span check: the name, place, date or title an answer gives is stated in its cited
passage, in a sentence about the question's subject."""

from __future__ import annotations

from rag.answer.checks.base import Check, Draft, draft  # noqa: F401 (doctests)
from rag.answer.checks.spans import (
    about_subject,
    key_spans,
    span_forms,
    subject_of,
)
from rag.answer.citations import strip_markers
from rag.ingest.clean import normalize_unicode
from rag.records import Verdict, VerdictKind


class KeySpanInSubjectSentence(Check):
    """Each key span of a Chinese answer sentence (a name for 谁, a place for 哪里, a date for
    何时, any title; spans the question itself names are the subject, not the answer) occurs
    in a passage the sentence cites, in a sentence that names the question's subject or
    follows one that does without naming another. The lead of another drama in the same
    passage is grounded, but no answer.

    >>> check = KeySpanInSubjectSentence()
    >>> q = "谁主演了电视剧《秋山》?"
    >>> passage = {1: "王建国主演了电视剧《春江》。电视剧《秋山》由李卫东主演。"}
    >>> [(v.claim, v.reason) for v in check(draft("王建国主演了《秋山》[1]。", q, passage))]
    [('王建国', 'stated there of another subject than 秋山')]
    >>> check(draft("李卫东主演了《秋山》[1]。", q, passage))
    []
    >>> [v.claim for v in check(draft("陈立新主演了《秋山》[1]。", q, passage))]
    ['陈立新']
    """

    kind = VerdictKind.KEY_SPAN

    def __call__(self, d: Draft) -> list[Verdict]:
        q = d.question
        if q.lang != "zh":
            return []  # an English answer translates names: no span to find verbatim
        out = []
        for sentence, marks in d.sentences():
            cited = [m for m in marks if m in d.cited]
            if not cited:
                continue  # an uncited sentence is the citation checks' business
            claim = normalize_unicode(strip_markers(sentence))
            spans = [
                s
                for s in key_spans(claim, q.asked_type)
                if s.strip("《》") not in q.text and s not in q.numbers
            ]
            subject = subject_of(q, spans)
            if not subject.names and not subject.terms:
                continue  # nothing to tie the span to
            pieces = [d.read(m) for m in cited]
            for span in spans:
                forms = span_forms(span)
                holders = [(s, p) for ps in pieces for s, p in ps if any(f in s for f in forms)]
                if not holders:
                    out.append(self.verdict(span, cited[0], "not in the cited passage"))
                elif not any(about_subject(s, prev, subject, span) for s, prev in holders):
                    about = "、".join(subject.names) or "、".join(subject.terms)
                    reason = f"stated there of another subject than {about}"
                    out.append(self.verdict(span, cited[0], reason))
        return out
