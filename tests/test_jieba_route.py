"""jieba's paths found by a compiled trie (rag/index/jieba_route.py) cut every text as jieba's
own Python does, before and after a lesson; without the trie's package jieba is left alone."""

from __future__ import annotations

import sys
from contextlib import contextmanager

import pytest

from rag.index import tokenize as tok
from rag.index.jieba_route import route_by_trie
from tests.archive_data import neutral_text

TEXTS = [
    "新公园今天开放,占地约12.5公顷,周末游客超过3万人次。",
    "市图书馆馆长王一鸣表示,新馆藏书20万册——其中外文书3,000册(English Books)。",
    "长江三角洲的河流、桥梁与湖泊:2024年的雨水比往年多了15%。",
    "郭明錤称,大车无輗,小车无軏。",  # characters outside jieba's HMM tables
]


@contextmanager
def plain_jieba():
    """jieba's own get_DAG and calc, on the same dictionary, for the length of the block."""
    dt = tok._jieba().dt
    saved = dt.__dict__.pop("get_DAG"), dt.__dict__.pop("calc")
    try:
        yield dt
    finally:
        dt.get_DAG, dt.calc = saved


def cuts(texts):
    jieba = tok._jieba()
    return [jieba.dt.lcut(t) for t in texts], [jieba.lcut(t, cut_all=True) for t in texts]


def test_the_trie_cuts_as_jieba_cuts():
    tok._jieba()
    assert tok._route is not None, "jieba_next is a dependency: the trie should be in use"
    texts = TEXTS + [neutral_text(i) for i in range(30)]
    routed = cuts(texts)
    with plain_jieba():
        assert cuts(texts) == routed


def test_a_lesson_is_in_the_next_cut():
    text = "蓝鹊湾码头今天启用,蓝鹊湾码头有六个泊位。"
    assert "蓝鹊湾码头" not in tok.cut(text)
    tok.teach_terms(["蓝鹊湾码头"])
    assert tok.cut(text).count("蓝鹊湾码头") == 2
    routed = cuts([text])
    with plain_jieba():
        assert cuts([text]) == routed


def test_the_part_of_speech_cut_reads_the_same_paths():
    import jieba.posseg

    words = ["图书馆", "王一鸣", "河流桥梁", "长江三角洲"]
    routed = [jieba.posseg.lcut(w) for w in words]
    with plain_jieba():
        assert [jieba.posseg.lcut(w) for w in words] == routed


def test_without_the_trie_package_jieba_is_left_as_it_is(monkeypatch):
    monkeypatch.setitem(sys.modules, "jieba_next.jieba_next_rust", None)  # import fails
    tokenizer = type("Tokenizer", (), {})()
    assert route_by_trie(tokenizer) is None
    assert vars(tokenizer) == {}


@pytest.mark.parametrize("text", ["", "。", "a", "2024"])
def test_blocks_without_words(text):
    routed = cuts([text])
    with plain_jieba():
        assert cuts([text]) == routed
