"""Concurrent ``rag.ask`` calls in one process: each gets its own, correct answer.

Eight threads ask eight different questions at once against the shared warm pipeline. The
model's lock must serialise generation (never two replies being generated at once), and no
answer may carry another thread's question, text or sources.
"""

from __future__ import annotations

import pytest

from tests.conftest import AMAZON, run_concurrently

pytestmark = [pytest.mark.model, pytest.mark.timeout(900)]

CASES = {
    "2024年亚马逊的资本支出是多少?": "777亿美元",
    "Llama 4 Maverick有多少激活参数?": "170亿",
    "微型生物电池可稳定输出多少毫伏电压?": "450",
    "飞星二号智算平台基于什么芯片?": "910B",
    "腾讯2024年全年的资本开支是多少?": "767.6亿元",
    "Qwen3-Max的预训练数据量是多少?": "36T",
    "青岛市设立了多少奖补资金池?": "5.3亿",
    "中国电信在临港打造的智算中心预计将承载多少张AI芯片?": "30万",
}


def test_eight_concurrent_questions_each_get_their_own_correct_answer(warm_rag):
    from rag.runtime import get_model

    warm_rag.retrieve("预热")  # build store and retriever before the threads race for them
    calls = {q: (lambda q=q: warm_rag.ask(q)) for q in CASES}
    answers, errors, counting = run_concurrently(get_model(), calls)

    assert not errors, errors
    assert set(answers) == set(CASES)
    for question, expected in CASES.items():
        answer = answers[question]
        assert answer.question == question, (question, answer.question)
        assert expected in answer.text, (question, answer.text)
        assert not answer.abstained and answer.citations, (question, answer.text)
    assert AMAZON in [c.source for c in answers["2024年亚马逊的资本支出是多少?"].citations]
    assert counting.acquired >= len(CASES)  # every answer went through the model
    assert counting.max_active == 1  # generation was serialised on the one model
