"""Chat handlers of the page: the streaming chat event and the ``/ask`` API.

``respond`` streams the answer into the last chat message, then replaces it with the final,
verified answer (``rag.ui.render``); follow-ups see the earlier turns (text only).
``ask_api`` is the ``/ask`` endpoint (``gradio_client``: ``client.predict(question,
history_json, api_name="/ask")``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import gradio as gr

import rag
from rag.answer.question import QuestionError, clean_question
from rag.config import get_settings
from rag.records import Answer
from rag.ui.render import _esc, answer_json, render_answer, render_error, render_streaming


def parse_history(history: Any) -> list[dict]:
    """Earlier turns as ``[{"role", "content"}]`` text only, from a list or a JSON string."""
    if history is None or history == "":
        return []
    if isinstance(history, str):
        try:
            history = json.loads(history)
        except json.JSONDecodeError as exc:
            raise QuestionError(f"history is not valid JSON: {exc.msg}") from exc
    if not isinstance(history, list):
        raise QuestionError('history must be a list of {"role": ..., "content": ...} turns')
    turns = []
    for h in history:
        if (
            isinstance(h, dict)
            and h.get("role") in ("user", "assistant")
            and isinstance(h.get("content"), str)
        ):
            turns.append({"role": h["role"], "content": h["content"]})
    return turns


def _final(stream: Iterator[str | Answer]) -> Answer:
    result = None
    for item in stream:
        if isinstance(item, Answer):
            result = item
    if result is None:
        raise RuntimeError("the answering pipeline ended without an answer")
    return result


def respond(message: str, chat: list[dict] | None, turns: list[dict] | None) -> Iterator[tuple]:
    """Chat handler: stream the answer into the last message, then show the final one.

    Yields (chat messages, textbox value, text-only turns).
    """
    chat = list(chat or [])
    turns = list(turns or [])
    try:
        question = clean_question(message or "", get_settings().max_question_chars)
    except QuestionError as exc:
        gr.Warning(str(exc))
        yield [*chat], message, turns
        return
    chat.append({"role": "user", "content": _esc(question)})
    chat.append({"role": "assistant", "content": render_streaming("")})
    yield [*chat], "", turns
    text = ""
    try:
        answer = None
        for item in rag.ask_stream(question, turns):
            if isinstance(item, Answer):
                answer = item
                continue
            text += item
            chat[-1] = {"role": "assistant", "content": render_streaming(text)}
            yield [*chat], "", turns
        if answer is None:
            raise RuntimeError("the answering pipeline ended without an answer")
    except QuestionError as exc:
        chat[-1] = {"role": "assistant", "content": render_error(str(exc))}
        yield [*chat], question, turns
        return
    except Exception as exc:  # model or index trouble: say what happened, keep the page usable
        chat[-1] = {"role": "assistant", "content": render_error(f"{type(exc).__name__}: {exc}")}
        yield [*chat], question, turns
        return
    chat[-1] = {"role": "assistant", "content": render_answer(answer)}
    turns += [{"role": "user", "content": question}, {"role": "assistant", "content": answer.text}]
    yield [*chat], "", turns


def ask_api(question: str, history: str = "[]") -> dict:
    """Answer a question about the indexed articles, with its citations.

    Parameters:
        question: the question, in Chinese or English
        history: earlier turns as a JSON list of {"role": "user"|"assistant", "content": str} ("[]" for none)
    Returns:
        {"text", "abstained", "citations": [{"n", "source", "title", "text", "quote", "passage_id", "outlet", "date"}], "question", "standalone_question", "notes", "verdicts": [{"kind", "claim", "passage", "reason"}], "timings"}
    """
    try:
        turns = parse_history(history)
        answer = _final(rag.ask_stream(question, turns))
    except QuestionError as exc:
        raise gr.Error(str(exc)) from exc
    return answer_json(answer)
