"""Question → cited answer: rewrite follow-ups, retrieve, prompt, generate, then verify.

After generation nothing is trusted: markers are repaired and renumbered, sentences left
without a marker get the passage that contains their facts, every number must appear in the
passages cited for it (else one stricter regeneration, else an extractive quote or an honest
"not found"), and a refusal is checked against the evidence before it is accepted.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator

from rag.citations import (
    normalize_markers,
    parse_citations,
    strip_markers,
)
from rag.config import Settings
from rag.conflicts import find_other_versions
from rag.evidence import (
    Evidence,
    answer_likelihood,
    answers_alone,
    coverage,
    covering_prefix,
    format_evidence,
    missing_specifics,
    select_evidence,
)
from rag.guard import (
    attach_missing_citations,
    check_answer,
    misconverted_amounts,
    missing_asked_unit,
    numbers_away_from_entities,
    numbers_from_other_periods,
    repoint_citations,
)
from rag.llm import ChatModel, Usage
from rag.prompts import load_prompt, render
from rag.questions import (
    ABSTAIN,
    asks_several,
    clean_question,
    is_english,
    is_follow_up,
    is_refusal,
    key_terms,
    question_entities,
    swap_follow_up,
)
from rag.records import Answer, Citation, Passage
from rag.retrieval import HybridRetriever, normalize_query

log = logging.getLogger(__name__)

_CJK = re.compile(r"[\u4e00-\u9fff]")


class Answerer:
    """The answering pipeline over a warm retriever and model."""

    def __init__(self, settings: Settings, retriever: HybridRetriever, model: ChatModel):
        self.settings = settings
        self.retriever = retriever
        self.model = model

    # ------------------------------------------------------------------ steps

    def rewrite(self, question: str, history: list[dict] | None) -> str:
        """A follow-up rewritten into a standalone question (unchanged without history or
        when the question already stands on its own)."""
        turns = [
            h
            for h in (history or [])
            if h.get("role") in ("user", "assistant") and h.get("content")
        ]
        if not turns or not is_follow_up(question):
            return question
        recent = turns[-4:]
        last_user = next((h["content"] for h in reversed(recent) if h["role"] == "user"), "")
        swapped = swap_follow_up(str(last_user), question)
        if swapped:
            return swapped
        lines = []
        for h in recent:
            content = strip_markers(str(h["content"]))[:200]
            lines.append(("用户：" if h["role"] == "user" else "助手：") + content)
        prompt = render("rewrite_followup", history="\n".join(lines), question=question)
        out = self.model.complete(
            self._task("rewrite_followup", prompt), max_tokens=60, stop=["\n"]
        )
        out = out.strip().strip('"“”「」').strip()
        if not out or len(out) > 3 * len(question) + 80 or is_refusal(out):
            return f"{last_user} {question}".strip()  # fall back: retrieval sees both turns
        return out

    def translate(self, question: str) -> str:
        """The English question in Chinese, for retrieval only (the model still sees English)."""
        prompt = render("translate_query", question=question)
        out = self.model.complete(self._task("translate_query", prompt), max_tokens=60, stop=["\n"])
        return normalize_query(out) if re.search(r"[\u4e00-\u9fff]", out) else ""

    @staticmethod
    def _task(name: str, user: str) -> list[dict]:
        """Instructions ``<name>_system`` as a system turn (kept in the KV cache), then ``user``."""
        system = {"role": "system", "content": render(f"{name}_system")}
        return [system, {"role": "user", "content": user}]

    def messages(
        self, question: str, evidence: list[Evidence], lang: str, system: str = "answer_system"
    ) -> list[dict]:
        """System prompt ``<system>_<lang>`` (abstain phrase filled in when it takes one) + passages."""
        prompt = load_prompt(f"{system}_{lang}")
        system = prompt.render(**({"abstain": ABSTAIN[lang]} if "abstain" in prompt.keys else {}))
        user = render(f"answer_user_{lang}", passages=format_evidence(evidence), question=question)
        return [{"role": "system", "content": system}, {"role": "user", "content": user}]

    def _similarity_scorer(self, question: str):
        """Sentence scores by embedding similarity: English questions share no words with the text."""
        embedder = self.retriever.store.embedder
        q = embedder.embed_query([question])[0]

        def score(sentences: list[str]) -> list[float]:
            return [float(q @ v) for v in embedder(sentences)]

        return score

    # ------------------------------------------------------------------ main

    def stream(self, question: str, history: list[dict] | None = None) -> Iterator[str | Answer]:
        """Yield answer text pieces as they are generated, then the final verified ``Answer``.

        The final text can differ from the streamed one (markers renumbered, guard fallback);
        callers display the final ``Answer`` when it arrives.
        """
        s = self.settings
        t0 = time.perf_counter()
        question = clean_question(question, s.max_question_chars)
        lang = "en" if is_english(question) else "zh"
        standalone = self.rewrite(question, history)
        t_rewrite = time.perf_counter()
        asked = normalize_query(standalone)  # 騰訊 → 腾讯: compared with simplified passages
        translated = self.translate(asked) if lang == "en" else ""
        # retrieval and coverage checks need Chinese words; the model still reads the question
        query = f"{translated} {asked}".strip()
        passages = self.retriever.search(query, k=max(s.top_k * 2, 8))
        if lang == "en" and not translated:  # no shared words: a few more, shorter snippets
            scorer = self._similarity_scorer(query)
            evidence = select_evidence(
                query, passages, s.top_k + 2, int(s.snippet_chars * 0.8), scorer
            )
        else:
            # one thing asked: two snippets hold it, and every snippet costs ~1.5 s of prefill
            k = s.top_k if lang == "en" or asks_several(query) else min(s.top_k, s.top_k_single)
            # after [1], a single-ask question's snippets are fallbacks: shorter, or none at all
            single = k < s.top_k
            later = s.later_snippet_chars if single else None
            evidence = select_evidence(query, passages, k, s.snippet_chars, later_limit=later)
            if single and evidence and answers_alone(query, evidence[0]):
                evidence = evidence[:1]  # the second snippet would only be read, never used
            elif not single and lang == "zh":
                evidence = covering_prefix(query, evidence)  # every part already answered
        t_retrieve = time.perf_counter()
        answer = Answer(
            text="", question=question, standalone_question=standalone, passages=passages
        )
        answer.timings = {"rewrite_s": t_rewrite - t0, "retrieval_s": t_retrieve - t_rewrite}

        best_cov = max((coverage(query, e.passage.text) for e in evidence), default=0.0)
        if not evidence or (best_cov == 0.0 and lang == "zh" and key_terms(query)):
            answer.notes.append("no passage mentions the question's key terms")
            yield self._abstain(answer, lang, passages)
            return

        first_token = None
        text = ""
        usage = Usage()
        messages = self.messages(asked, evidence, lang)
        log.debug("prompt: %s", messages)  # passages may be private: DEBUG only
        for piece in self.model.stream(messages, max_tokens=s.max_tokens, usage=usage):
            if first_token is None:
                first_token = time.perf_counter()
            text += piece
            yield piece
        self._count(answer, usage)
        answer.timings["ttft_s"] = (first_token or time.perf_counter()) - t0

        final = self._verify(answer, text, query, evidence, lang)
        final.timings["total_s"] = time.perf_counter() - t0
        log.info(
            "answered in %.1f s (first token %.1f s), %d+%d tokens, %d cited, abstained=%s",
            final.timings["total_s"],
            final.timings["ttft_s"],
            final.prompt_tokens,
            final.completion_tokens,
            len(final.citations),
            final.abstained,
        )
        yield final

    def ask(self, question: str, history: list[dict] | None = None) -> Answer:
        result = None
        for item in self.stream(question, history):
            if isinstance(item, Answer):
                result = item
        assert result is not None
        return result

    # ------------------------------------------------------------------ verification

    def _verify(
        self, answer: Answer, text: str, question: str, evidence: list[Evidence], lang: str
    ) -> Answer:
        if is_refusal(text):
            support = self._support(question, evidence, lang)
            # a passage that lacks the asked name or year cannot hold the answer
            named = [e for e in evidence if not self._missing(question, e)]
            if support < (0.3 if lang == "en" else 0.75) or not named:
                why = "evidence agrees" if named else "no passage names what it asks about"
                answer.notes.append(f"model found no answer; {why}")
                return self._abstain(answer, lang, answer.passages)
            answer.notes.append(f"model refused though evidence supports {support:.2f}; re-reading")
            result = self._reread(answer, question, named, lang, after_refusal=True)
        else:
            result = self._cite_and_check(answer, text, question, evidence, lang)
            if result is None:
                answer.notes.append("guard failed; re-reading the best passage")
                result = self._reread(answer, question, evidence, lang)
        return result if result.abstained else self._add_other_versions(result, question, lang)

    @staticmethod
    def _missing(question: str, e: Evidence) -> list[str]:
        return missing_specifics(question, f"{e.passage.title}\n{e.passage.text}")

    def _add_other_versions(self, answer: Answer, question: str, lang: str) -> Answer:
        """When another retrieved article gives a different figure, say so and cite it."""
        cited = {c.source for c in answer.citations}
        neighbours = getattr(self.retriever, "neighbours", lambda p: [])
        # the other article's figure may sit one chunk away from the passage retrieved
        nearby = {p.id: p for p in answer.passages}
        for p in answer.passages:
            if p.source not in cited:
                nearby.update((n.id, n) for n in neighbours(p) if n.id not in nearby)
        candidates = list(nearby.values())
        versions = find_other_versions(question, answer.text, candidates, cited)
        for version in versions[:2]:
            n = len(answer.citations) + 1
            lead = "另一篇报道的说法不同：" if lang == "zh" else " Another article differs: "
            end = "。" if lang == "zh" else "."
            answer.text = f"{answer.text.rstrip()}{lead}{version.quote}[{n}]{end}"
            answer.citations.append(self._citation(n, Evidence(n, version.passage, version.quote)))
            answer.notes.append(f"sources disagree: {version.amount} in {version.passage.source}")
        return answer

    def _reread(
        self,
        answer: Answer,
        question: str,
        evidence: list[Evidence],
        lang: str,
        after_refusal: bool = False,
    ) -> Answer:
        """Ask again on the single best snippet (a small model reads one passage reliably).
        If that is still not grounded: abstain when the model had refused at first (twice
        "not found" in effect), else quote the snippet, or abstain when it is weak."""
        best = max(evidence, key=lambda e: answer_likelihood(question, e.quote, e.lead))
        single = [Evidence(1, best.passage, best.quote)]
        text = self._regenerate(answer, question, single, lang, prompt="reread")
        if not is_refusal(text):
            result = self._cite_and_check(answer, text, question, single, lang)
            if result is not None:
                return result
        if after_refusal:
            answer.notes.append("re-read gave no grounded answer either; abstaining")
            return self._abstain(answer, lang, answer.passages)
        return self._extractive(answer, question, single, lang)

    def _support(self, question: str, evidence: list[Evidence], lang: str) -> float:
        """How well the evidence covers the question: key-term coverage, or for English
        (no shared words) the best sentence's embedding similarity."""
        if lang == "en":
            scorer = self._similarity_scorer(question)
            return max((max(scorer([e.quote]), default=0.0) for e in evidence), default=0.0)
        return max((coverage(question, e.passage.text) for e in evidence), default=0.0)

    def _regenerate(
        self, answer: Answer, question: str, evidence: list[Evidence], lang: str, prompt: str
    ) -> str:
        usage = Usage()
        text = self.model.complete(
            self.messages(question, evidence, lang, prompt), self.settings.max_tokens, usage=usage
        )
        self._count(answer, usage)
        return text

    def _cite_and_check(
        self, answer: Answer, text: str, question: str, evidence: list[Evidence], lang: str
    ) -> Answer | None:
        """Repair markers and run the guard; the finished Answer, or None if the guard fails."""
        # markers keep the model's numbering until sentences without one got theirs
        marked = attach_missing_citations(normalize_markers(text, len(evidence)), evidence)
        texts = {e.n: e.passage.text for e in evidence}
        marked = repoint_citations(marked, texts, scaled=(lang == "en"), question=question)
        fixed, order = parse_citations(marked, len(evidence))
        body = re.sub(r"[\s。，,.!?！？:：]", "", strip_markers(fixed))
        if not order or not body or body in re.sub(r"[\s?？]", "", question):
            return None  # nothing beyond the question's own words
        # the title names who a passage is about when its sentences only say "该公司"
        cited = {
            n + 1: f"{evidence[idx].passage.title}\n{evidence[idx].passage.text}"
            for n, idx in enumerate(order)
        }
        verdict = check_answer(fixed, cited, question, scaled=(lang == "en"))
        if not verdict.ok:
            answer.notes.append(f"guard: {verdict.ungrounded} not in cited passages")
            return None
        entities = [e for e in question_entities(question) if lang == "zh" or _CJK.search(e)]
        away = numbers_away_from_entities(fixed, cited, entities, question)
        if lang == "en":
            away += misconverted_amounts(fixed, "\n".join(cited.values()))
        if away:
            answer.notes.append(f"guard: {away} belong to another entity in the cited passages")
            return None
        unit = lang == "zh" and missing_asked_unit(fixed, "\n".join(cited.values()), question)
        if unit:
            answer.notes.append(f"guard: the question asks for a figure in {unit}, none given")
            return None
        # sentence by sentence, in article order: the title line would break "…第四季度…。期内…"
        cited_texts = {n + 1: evidence[idx].passage.text for n, idx in enumerate(order)}
        leads = {n + 1: evidence[idx].passage.lead for n, idx in enumerate(order)}
        other_period = numbers_from_other_periods(fixed, cited_texts, question, leads)
        if other_period:
            answer.notes.append(f"guard: {other_period} are for another year or period")
            return None
        answer.text = fixed
        answer.citations = [self._citation(n + 1, evidence[idx]) for n, idx in enumerate(order)]
        answer.abstained = False
        return answer

    def _extractive(
        self, answer: Answer, question: str, evidence: list[Evidence], lang: str
    ) -> Answer:
        """Quote the best snippet when generation cannot be grounded; abstain if it is weak."""
        best = max(evidence, key=lambda e: answer_likelihood(question, e.quote, e.lead))
        missing = self._missing(question, best)
        if missing or (lang == "zh" and coverage(question, best.quote) < 0.8):
            answer.notes.append(f"extractive fallback too weak (lacks {missing}); abstaining")
            return self._abstain(answer, lang, answer.passages)
        lead = "The closest passage says: " if lang == "en" else "资料原文："
        quote = re.sub(r"\s*\n\s*", " ", best.quote)  # one line: the quote is one claim
        answer.text = f"{lead}“{quote}”[1]"
        answer.citations = [self._citation(1, best)]
        answer.notes.append("extractive fallback")
        return answer

    def _abstain(self, answer: Answer, lang: str, passages: list[Passage]) -> Answer:
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

    def _citation(self, n: int, e: Evidence) -> Citation:
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

    @staticmethod
    def _count(answer: Answer, usage: Usage) -> None:
        answer.prompt_tokens += usage.prompt_tokens
        answer.completion_tokens += usage.completion_tokens
