"""End to end with the real Qwen GGUF through llama.cpp and a real Chroma index."""

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import AMAZON, REPO, run_rag

pytestmark = [pytest.mark.model, pytest.mark.timeout(600)]


def test_answerable_question_cites_the_right_article(warm_rag):
    answer = warm_rag.ask("2024年亚马逊的资本支出是多少?")
    assert "777亿美元" in answer.text
    assert not answer.abstained
    assert AMAZON in [c.source for c in answer.citations]
    assert "[1]" in answer.text and all(f"[{c.n}]" in answer.text for c in answer.citations)


def test_question_about_something_not_in_the_articles_abstains(warm_rag):
    answer = warm_rag.ask("2024年苹果公司的资本支出是多少?")
    assert answer.abstained and answer.citations == []
    assert "资料中没有找到答案" in answer.text


@pytest.mark.parametrize(
    "first, reply, follow_up, named, expected",
    [
        # "那X呢?": the name takes the place of the one asked before, no model call
        (
            "阿里巴巴2024年的资本开支是多少?",
            "阿里巴巴2024年的资本开支为725.13亿元[1]。",
            "那腾讯呢?",
            "腾讯",
            "767.6亿元",
        ),
        # a pronoun: the model rewrites the question
        (
            "深圳先进院研制的微型生物电池可以稳定输出多少电压?",
            "这块微型生物电池可稳定输出450毫伏电压[1]。",
            "它的直径是多少?",
            "电池",
            "20毫米",
        ),
    ],
)
def test_follow_up_uses_the_conversation(warm_rag, first, reply, follow_up, named, expected):
    history = [{"role": "user", "content": first}, {"role": "assistant", "content": reply}]
    answer = warm_rag.ask(follow_up, history)
    assert named in answer.standalone_question
    assert expected in answer.text and AMAZON in [c.source for c in answer.citations]


def test_english_question_gets_an_english_answer_citing_chinese_passages(warm_rag):
    answer = warm_rag.ask("Which chip is iFlytek's Feixing-2 computing platform built on?")
    assert not answer.abstained
    assert "910B" in answer.text
    assert sum(c.isascii() for c in answer.text) > 0.8 * len(answer.text)
    assert answer.citations and answer.citations[0].source.startswith("003_")


def test_traditional_chinese_question_works(warm_rag):
    answer = warm_rag.ask("騰訊2024年的資本開支是多少?")
    assert "767.6亿元" in answer.text and answer.citations


def test_streaming_gives_tokens_before_the_final_answer(warm_rag):
    items = list(warm_rag.ask_stream("Llama 4 Maverick有多少激活参数?"))
    assert sum(isinstance(x, str) for x in items) > 3
    final = items[-1]
    assert "170亿" in final.text and final.citations


def test_new_process_reuses_the_index(indexed_home, warm_rag):
    warm_rag.retrieve("预热")  # index and BM25 exist in indexed_home
    env = {**os.environ, "RAG_HOME": str(indexed_home)}
    code = (
        "import json, rag, rag.runtime as rt\n"
        "a = rag.ask('腾讯2024年的资本开支是多少?')\n"
        "print(json.dumps({'text': a.text, 'cited': [c.source for c in a.citations], 'count': rt.get_store().count()}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=REPO, capture_output=True, text=True, timeout=500
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert "indexing" not in out.stderr  # no progress bar: nothing was embedded again
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert "767.6亿元" in result["text"] and result["cited"]


def test_cli_ask_prints_answer_and_sources(indexed_home):
    out = run_rag("ask", "2024年亚马逊的资本支出是多少?", home=indexed_home)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "777亿美元" in out.stdout and AMAZON in out.stdout


def test_cli_rejects_empty_question(indexed_home):
    out = run_rag("ask", "   ", home=indexed_home, timeout=120)
    assert out.returncode == 2 and "empty" in out.stderr


def test_a_system_prompt_seen_before_is_restored_not_evaluated_again(warm_rag):
    from rag.runtime import get_model

    model = get_model()
    system = "你是一个简洁的助手,只用一个词回答。" * 4  # ~60 tokens: worth caching
    answer_turn = [
        {"role": "system", "content": system},
        {"role": "user", "content": "天空是什么颜色?"},
    ]
    other_turn = [
        {"role": "system", "content": "You answer in English, briefly."},
        {"role": "user", "content": "Name a fruit."},
    ]
    first = model.complete(answer_turn, max_tokens=8)
    model.complete(other_turn, max_tokens=8)  # evicts the first system turn from the cache

    evaluated: list[int] = []
    real_eval = model.llm.eval
    model.llm.eval = lambda tokens: (evaluated.append(len(tokens)), real_eval(tokens))[1]
    try:
        again = model.complete(answer_turn, max_tokens=8)
    finally:
        model.llm.eval = real_eval
    system_tokens = len(
        model.llm.tokenize(
            f"<|im_start|>system\n{system}<|im_end|>\n".encode(), add_bos=False, special=True
        )
    )
    # only the user turn was evaluated: the system turn came back from its snapshot
    assert evaluated and evaluated[0] != system_tokens and sum(evaluated) < system_tokens
    assert again == first  # and it reads exactly as when it was evaluated fresh
