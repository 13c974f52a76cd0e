"""After generation nothing is trusted: a drafted answer is cited, checked, re-read or abstained.

Markers are repaired and renumbered, sentences left without a marker get the passage that
contains their facts, then ``checks.CHECKS`` judge every claim. A rejected draft is re-read
on the single best snippet (else an extractive quote of the sentence that holds the asked
span, or an honest "not found"); a refusal is checked against the evidence before it is
accepted: for a name, place, date or figure it is re-read on the sentence that states one
about the question's subject, and stands when no top passage has such a sentence. When another retrieved article gives
a different figure, the answer says so and cites both.
"""

from __future__ import annotations

import re

from rag.answer.attach import attach_missing_citations, repoint_citations
from rag.answer.checks import Draft, run_checks
from rag.answer.checks.spans import find_stated
from rag.answer.citations import normalize_markers, parse_citations, strip_markers
from rag.answer.conflicts import find_other_versions
from rag.answer.degenerate import repeated_tail
from rag.answer.evidence import Evidence, coverage
from rag.answer.likelihood import missing_specifics
from rag.answer.promotional import is_promotional
from rag.answer.prompting import answer_messages
from rag.answer.question import ABSTAIN, QuestionAnalysis, is_refusal
from rag.answer.snippets import answer_rank, format_evidence
from rag.config import Settings
from rag.index.retrieve import HybridRetriever
from rag.ingest.chunk import split_sentences
from rag.models.base import ChatModel, Usage
from rag.models.prompts import render
from rag.records import Answer, Citation, Passage


def similarity_scorer(retriever: HybridRetriever, question: str):
    """Sentence scores by embedding similarity: English questions share no words with the text."""
    embedder = retriever.store.embedder
    q = embedder.embed_query([question])[0]

    def score(sentences: list[str]) -> list[float]:
        return [float(q @ v) for v in embedder(sentences)]

    return score


def count_tokens(answer: Answer, usage: Usage) -> None:
    answer.prompt_tokens += usage.prompt_tokens
    answer.completion_tokens += usage.completion_tokens


# Asked types whose answer is a span the evidence can be searched for: a refusal of them is
# re-read exactly when a top passage states such a span about the subject.
CALIBRATED = {"person", "place", "time", "number"}
NAMED = {"person", "place", "time"}  # answered by a span the key-span check verifies
WANTED = {
    "zh": {"person": "人名或机构名", "place": "地点", "time": "时间", "number": "数字和单位"},
    "en": {"person": "name", "place": "place", "time": "date or time", "number": "figure"},
}


class Verifier:
    """Turns the model's draft into the ``Answer`` the user sees (see module docstring)."""

    def __init__(self, settings: Settings, retriever: HybridRetriever, model: ChatModel):
        self.settings = settings
        self.retriever = retriever
        self.model = model

    def verify(
        self,
        answer: Answer,
        text: str,
        q: QuestionAnalysis,
        evidence: list[Evidence],
        looping: str = "",
    ) -> Answer:
        """The ``Answer`` to show for the model's draft ``text`` (``looping``: the phrase the
        draft kept repeating when generation was cut off)."""
        if looping:
            answer.notes.append(f"generation looped on {looping[:30]!r}; re-reading")
            result = self._reread(answer, q, evidence)
        elif is_refusal(text) and self._typed(q):
            result = self._calibrate_refusal(answer, q, evidence)
        elif is_refusal(text):
            support = self._support(q, evidence)
            # a passage that lacks the asked name or year cannot hold the answer
            named = [e for e in evidence if not self._missing(q, e)]
            if support < (0.3 if q.lang == "en" else self.settings.reread_support) or not named:
                why = "evidence agrees" if named else "no passage names what it asks about"
                answer.notes.append(f"model found no answer; {why}")
                return self.abstain(answer, q.lang, answer.passages)
            answer.notes.append(f"model refused though evidence supports {support:.2f}; re-reading")
            result = self._reread(answer, q, named, after_refusal=True)
        else:
            result = self._cite_and_check(answer, text, q, evidence)
            if result is None:
                answer.notes.append("checks rejected the draft; re-reading the best passage")
                result = self._reread(answer, q, evidence)
        return result if result.abstained else self._add_other_versions(result, q)

    @staticmethod
    def _typed(q: QuestionAnalysis, types: set[str] = CALIBRATED) -> bool:
        """Whether the answer is a span to search the Chinese passages for (an English
        question's names are English: its refusals keep the similarity test)."""
        return q.lang == "zh" and q.asked_type in types

    @staticmethod
    def _missing(q: QuestionAnalysis, e: Evidence) -> list[str]:
        return missing_specifics(q, f"{e.passage.title}\n{e.passage.text}")

    def _support(self, q: QuestionAnalysis, evidence: list[Evidence]) -> float:
        """How well the evidence covers the question: key-term coverage, or for English
        (no shared words) the best sentence's embedding similarity."""
        if q.lang == "en":
            scorer = similarity_scorer(self.retriever, q.text)
            return max((max(scorer([e.quote]), default=0.0) for e in evidence), default=0.0)
        return max((coverage(q, e.passage.text) for e in evidence), default=0.0)

    def _add_other_versions(self, answer: Answer, q: QuestionAnalysis) -> Answer:
        """When another retrieved article gives a different figure, say so and cite it."""
        cited = {c.source for c in answer.citations}
        # the other article's figure may sit one chunk away from the passage retrieved
        nearby = {p.id: p for p in answer.passages}
        for p in answer.passages:
            if p.source not in cited:
                nearby.update((n.id, n) for n in self.retriever.neighbours(p) if n.id not in nearby)
        versions = find_other_versions(q, answer.text, list(nearby.values()), cited)
        for version in versions[:2]:
            n = len(answer.citations) + 1
            lead = "另一篇报道的说法不同：" if q.lang == "zh" else " Another article differs: "
            end = "。" if q.lang == "zh" else "."
            answer.text = f"{answer.text.rstrip()}{lead}{version.quote}[{n}]{end}"
            answer.citations.append(citation(n, Evidence(n, version.passage, version.quote)))
            answer.notes.append(f"sources disagree: {version.amount} in {version.passage.source}")
        return answer

    def _reread(
        self,
        answer: Answer,
        q: QuestionAnalysis,
        evidence: list[Evidence],
        after_refusal: bool = False,
    ) -> Answer:
        """Ask again on the single best snippet (a small model reads one passage reliably).
        If that is still not grounded: abstain when the model had refused at first (twice
        "not found" in effect), else quote the snippet, or abstain when it is weak. For a
        name, place or date the snippet is the sentence that states one about the subject:
        the best-matching snippet may be the one that named someone else's."""
        best = max(evidence, key=lambda e: answer_rank(q, e))
        stated = find_stated(q, evidence) if self._typed(q, NAMED) else None
        single = [Evidence(1, best.passage, best.quote) if stated is None else stated]
        usage = Usage()
        messages = answer_messages(q.text, single, q.lang, "reread")
        text = self.model.complete(messages, self.settings.max_tokens, usage=usage)
        count_tokens(answer, usage)
        if not is_refusal(text) and not repeated_tail(text):
            result = self._cite_and_check(answer, text, q, single)
            if result is not None:
                return result
        if after_refusal:
            answer.notes.append("re-read gave no grounded answer either; abstaining")
            return self.abstain(answer, q.lang, answer.passages)
        return self._extractive(answer, q, evidence)

    def _calibrate_refusal(
        self, answer: Answer, q: QuestionAnalysis, evidence: list[Evidence]
    ) -> Answer:
        """A refusal stands unless a top passage states a span of the asked type in a sentence
        about the subject (a year for 哪一年, a person for 谁); then that sentence is read
        again with a focused prompt, and quoted with its citation if that is not grounded."""
        found = find_stated(q, evidence, answer.passages[:5])
        if found is None:
            answer.notes.append(f"model found no answer; no top passage states a {q.asked_type}")
            return self.abstain(answer, q.lang, answer.passages)
        answer.notes.append(f"model refused though a passage states a {q.asked_type}; re-reading")
        system = render(f"reread_focus_{q.lang}", wanted=WANTED[q.lang][q.asked_type])
        user = render(f"answer_user_{q.lang}", passages=format_evidence([found]), question=q.text)
        usage = Usage()
        messages = [{"role": "system", "content": system}, {"role": "user", "content": user}]
        text = self.model.complete(messages, self.settings.max_tokens, usage=usage)
        count_tokens(answer, usage)
        if not is_refusal(text) and not repeated_tail(text):
            result = self._cite_and_check(answer, text, q, [found])
            if result is not None:
                return result
        return self._extractive(answer, q, [found])

    def _cite_and_check(
        self, answer: Answer, text: str, q: QuestionAnalysis, evidence: list[Evidence]
    ) -> Answer | None:
        """Repair markers and run the checks; the finished Answer, or None if a check fails."""
        scaled = q.lang == "en"
        # markers keep the model's numbering until sentences without one got theirs
        marked = attach_missing_citations(normalize_markers(text, len(evidence)), evidence)
        texts = {e.n: e.passage.text for e in evidence}
        marked = repoint_citations(marked, texts, scaled=scaled, asked=q.numbers, question=q.text)
        fixed, order = parse_citations(marked, len(evidence))
        body = re.sub(r"[\s。，,.!?！？:：]", "", strip_markers(fixed))
        if not order or not body or body in re.sub(r"[\s?？]", "", q.text):
            return None  # nothing beyond the question's own words
        shown = [evidence[idx] for idx in order]  # passage [n] is shown[n - 1]
        draft = Draft(
            fixed,
            q,
            # the title names who a passage is about when its sentences only say "该公司"
            cited={n: f"{e.passage.title}\n{e.passage.text}" for n, e in enumerate(shown, 1)},
            texts={n: e.passage.text for n, e in enumerate(shown, 1)},
            leads={n: e.passage.lead for n, e in enumerate(shown, 1)},
        )
        verdicts = run_checks(draft)
        if verdicts:
            answer.verdicts += verdicts
            kinds = ", ".join(dict.fromkeys(v.kind.value for v in verdicts))
            answer.notes.append(f"checks rejected {len(verdicts)} claim(s): {kinds}")
            return None
        answer.text = fixed
        answer.citations = [citation(n, e) for n, e in enumerate(shown, 1)]
        answer.abstained = False
        return answer

    def _extractive(self, answer: Answer, q: QuestionAnalysis, evidence: list[Evidence]) -> Answer:
        """Quote the snippet sentence that holds the key span when generation cannot be
        grounded (for an untyped question the best snippet, adverts cut); abstain if it is
        weak or none holds one."""
        if self._typed(q):
            best = find_stated(q, evidence)
            if best is None:
                answer.notes.append("extractive fallback: no snippet states the asked span")
                return self.abstain(answer, q.lang, answer.passages)
        else:
            best = max(evidence, key=lambda e: answer_rank(q, e))
            kept = [best.quote[a:b] for a, b in split_sentences(best.quote)]
            best = Evidence(best.n, best.passage, "".join(x for x in kept if not is_promotional(x)))
        missing = self._missing(q, best)
        # a stated sentence was already found about the subject: its passage must cover the
        # rest, and the quote itself half of the question (the share of a market is no answer
        # for the share of "the global" market, asked in a word the quote lacks)
        covered = coverage(q, best.passage.text if self._typed(q) else best.quote)
        quoted = coverage(q, best.quote)
        if not best.quote or missing or (q.lang == "zh" and (covered < 0.8 or quoted < 0.5)):
            answer.notes.append(f"extractive fallback too weak (lacks {missing}); abstaining")
            return self.abstain(answer, q.lang, answer.passages)
        lead = "The closest passage says: " if q.lang == "en" else "资料原文："
        quote = re.sub(r"\s*\n\s*", " ", best.quote)  # one line: the quote is one claim
        # a sentence cut after "。”" starts with the closing quote of the one before
        quote = quote.strip().lstrip("”’」』").rstrip("“‘「『")
        answer.text = f"{lead}“{quote}”[1]"
        answer.citations = [citation(1, best)]
        answer.notes.append("extractive fallback")
        return answer

    def abstain(self, answer: Answer, lang: str, passages: list[Passage]) -> Answer:
        """The honest "not found", naming how many articles were searched and the closest."""
        closest = []
        for p in passages[:3]:
            if p.title not in closest:
                closest.append(p.title)
        n_articles = len({p.article_id for p in self.retriever.passages.values()})
        if lang == "en":
            hint = (
                f" Searched {n_articles} articles; closest: " + "; ".join(f"“{t}”" for t in closest)
                if closest
                else ""
            )
        else:
            hint = (
                f"已检索{n_articles}篇文章，最接近的是：" + "、".join(f"《{t}》" for t in closest)
                if closest
                else ""
            )
        answer.text = ABSTAIN[lang] + (hint + ("." if lang == "en" else "。") if hint else "")
        answer.citations = []
        answer.abstained = True
        return answer


def citation(n: int, e: Evidence) -> Citation:
    """The ``Citation`` record of snippet ``e`` shown to the user as [n]."""
    p = e.passage
    return Citation(
        n=n,
        source=p.source,
        title=p.title,
        text=p.text,
        quote=e.quote,
        passage_id=p.id,
        outlet=p.outlet,
        date=p.date,
    )
