"""Question → cited answer: rewrite follow-ups, analyse the question once, retrieve, choose
snippets, prompt, generate, then hand the draft to ``verify.Verifier``.

This module only orchestrates; each step lives in its own module of ``rag.answer``.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator

from rag.answer.citations import strip_markers
from rag.answer.degenerate import repeated_tail
from rag.answer.evidence import Evidence, coverage
from rag.answer.followup import is_follow_up, swap_follow_up
from rag.answer.likelihood import answers_alone, covering_prefix
from rag.answer.prompting import answer_messages, task_messages
from rag.answer.question import QuestionAnalysis, analyse_question, clean_question, is_refusal
from rag.answer.snippets import select_evidence
from rag.answer.terms import is_english
from rag.answer.verify import Verifier, citation, count_tokens, similarity_scorer
from rag.config import Settings
from rag.index.retrieve import HybridRetriever, normalize_query
from rag.models.base import ChatModel, Usage
from rag.models.prompts import render
from rag.records import Answer, Passage

log = logging.getLogger(__name__)


class Answerer:
    """The answering pipeline over a warm retriever and model."""

    def __init__(self, settings: Settings, retriever: HybridRetriever, model: ChatModel):
        self.settings = settings
        self.retriever = retriever
        self.model = model
        self.verifier = Verifier(settings, retriever, model)

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
            task_messages("rewrite_followup", prompt), max_tokens=60, stop=["\n"]
        )
        out = out.strip().strip('"“”「」').strip()
        if not out or len(out) > 3 * len(question) + 80 or is_refusal(out):
            return f"{last_user} {question}".strip()  # fall back: retrieval sees both turns
        return out

    def translate(self, question: str) -> str:
        """The English question in Chinese, for retrieval only (the model still sees English)."""
        prompt = render("translate_query", question=question)
        out = self.model.complete(
            task_messages("translate_query", prompt), max_tokens=60, stop=["\n"]
        )
        return normalize_query(out) if re.search(r"[\u4e00-\u9fff]", out) else ""

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
        asked = normalize_query(standalone)  # 廣州 → 广州: compared with simplified passages
        translated = self.translate(asked) if lang == "en" else ""
        q, passages, evidence = self.find_evidence(asked, lang, translated, standalone != question)
        t_retrieve = time.perf_counter()
        answer = Answer(
            text="", question=question, standalone_question=standalone, passages=passages
        )
        answer.timings = {"rewrite_s": t_rewrite - t0, "retrieval_s": t_retrieve - t_rewrite}

        best_cov = max((coverage(q, e.passage.text) for e in evidence), default=0.0)
        if not evidence or (best_cov == 0.0 and lang == "zh" and q.terms):
            answer.notes.append("no passage mentions the question's key terms")
            yield self.verifier.abstain(answer, lang, passages)
            return

        first_token = None
        text = ""
        usage = Usage()
        answer.shown = [citation(e.n, e) for e in evidence]  # re-reads pick among these
        messages = answer_messages(asked, evidence, lang)
        log.debug("prompt: %s", messages)  # passages may be private: DEBUG only
        pieces = self.model.stream(messages, max_tokens=s.max_tokens, usage=usage)
        looping = ""
        for piece in pieces:
            if first_token is None:
                first_token = time.perf_counter()
            text += piece
            yield piece
            looping = repeated_tail(text)
            if looping:  # the rest would be the same phrase again: stop paying for it
                pieces.close()
                break
        count_tokens(answer, usage)
        answer.timings["ttft_s"] = (first_token or time.perf_counter()) - t0

        final = self.verifier.verify(answer, text, q, evidence, looping=looping)
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

    def find_evidence(
        self, asked: str, lang: str, translated: str = "", follow_up: bool = False
    ) -> tuple[QuestionAnalysis, list[Passage], list[Evidence]]:
        """The question analysed, the passages retrieved for it and the snippets chosen from
        them, for the standalone question ``asked`` (``translated``: its Chinese, if English)."""
        # retrieval and coverage checks need Chinese words; the model still reads the question
        q = analyse_question(f"{translated} {asked}".strip(), lang=lang, follow_up=follow_up)
        passages = self.retriever.search(q.text, k=max(self.settings.top_k * 2, 8))
        return q, passages, self.choose_evidence(q, passages, translated)

    def choose_evidence(
        self, q: QuestionAnalysis, passages: list[Passage], translated: str
    ) -> list[Evidence]:
        """The numbered snippets the model reads: as few and short as answer the question."""
        s = self.settings
        if q.lang == "en" and not translated:  # no shared words: a few more, shorter snippets
            scorer = similarity_scorer(self.retriever, q.text)
            return select_evidence(q, passages, s.top_k + 2, int(s.snippet_chars * 0.8), scorer)
        # one thing asked: two snippets hold it, and every snippet costs ~1.5 s of prefill
        k = s.top_k if q.lang == "en" or q.several else min(s.top_k, s.top_k_single)
        # after [1], a single-ask question's snippets are fallbacks: shorter, or none at all
        single = k < s.top_k
        later = s.later_snippet_chars if single else None
        evidence = select_evidence(q, passages, k, s.snippet_chars, later_limit=later)
        if s.answers_alone and single and evidence and answers_alone(q, evidence[0]):
            return evidence[:1]  # the second snippet would only be read, never used
        if s.covering_prefix and not single and q.lang == "zh":
            return covering_prefix(q, evidence)  # every part already answered
        return evidence

    def ask(self, question: str, history: list[dict] | None = None) -> Answer:
        result = None
        for item in self.stream(question, history):
            if isinstance(item, Answer):
                result = item
        assert result is not None
        return result
