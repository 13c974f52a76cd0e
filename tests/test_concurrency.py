"""Concurrent ``rag.ask`` calls in one process: each gets its own, correct answer.

Four threads ask four different questions at once against the shared warm pipeline. The
model's lock must serialise generation (never two replies being generated at once), and no
answer may carry another thread's question, text or sources.
"""

from __future__ import annotations

import threading
import time

import pytest

from tests.conftest import AMAZON

pytestmark = [pytest.mark.model, pytest.mark.timeout(900)]

CASES = {
    "2024年亚马逊的资本支出是多少?": "777亿美元",
    "Llama 4 Maverick有多少激活参数?": "170亿",
    "微型生物电池可稳定输出多少毫伏电压?": "450",
    "飞星二号智算平台基于什么芯片?": "910B",
}


class CountingLock:
    """Wraps the model's lock and records how many threads ever held it at the same time."""

    def __init__(self, inner):
        self.inner = inner
        self.active = 0
        self.max_active = 0
        self.acquired = 0
        self._guard = threading.Lock()

    def __enter__(self):
        self.inner.acquire()
        with self._guard:
            self.active += 1
            self.acquired += 1
            self.max_active = max(self.max_active, self.active)
        return self

    def __exit__(self, *exc):
        with self._guard:
            self.active -= 1
        self.inner.release()
        return False


def test_four_concurrent_questions_each_get_their_own_correct_answer(warm_rag):
    from rag.runtime import get_model

    warm_rag.retrieve("预热")  # build store and retriever before the threads race for them
    model = get_model()
    original = model.lock
    counting = CountingLock(original)
    model.lock = counting
    answers: dict[str, object] = {}
    errors: dict[str, BaseException] = {}
    start = threading.Barrier(len(CASES))

    def worker(question: str) -> None:
        start.wait()
        try:
            answers[question] = warm_rag.ask(question)
        except BaseException as exc:  # reported below, per question
            errors[question] = exc

    threads = [threading.Thread(target=worker, args=(q,), daemon=True) for q in CASES]
    t0 = time.perf_counter()
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=800)
    finally:
        model.lock = original
    elapsed = time.perf_counter() - t0

    assert not any(t.is_alive() for t in threads), f"still running after {elapsed:.0f} s"
    assert not errors, {q: f"{type(e).__name__}: {e}" for q, e in errors.items()}
    assert set(answers) == set(CASES)
    for question, expected in CASES.items():
        answer = answers[question]
        assert answer.question == question, (question, answer.question)
        assert expected in answer.text, (question, answer.text)
        assert not answer.abstained and answer.citations, (question, answer.text)
    assert AMAZON in [c.source for c in answers["2024年亚马逊的资本支出是多少?"].citations]
    assert counting.acquired >= len(CASES)  # every answer went through the model
    assert counting.max_active == 1  # generation was serialised on the one model
