"""Metric functions on hand-made cases, report writing, and a 5-item eval with the real model."""

import json
import math
from argparse import Namespace

import pytest

import rag.eval.metrics as M
from rag.eval.claims import (
    claims,
    is_latin,
    numbers_in,
    says_not_found,
    sentences,
    ungrounded,
    value_in,
)
from rag.eval.report import compare_reports, render_markdown
from rag.eval.run import ItemResult, aggregate, stratified
from rag.records import Answer, Citation

YES = lambda claim, premise: claim.rstrip("。.") in premise  # noqa: E731  a substring "judge"


def test_answer_correctness_normalises_numbers_spacing_and_script():
    assert M.answer_correct(["767.6亿元"], "腾讯为 767.6 亿元[1]。") == 1.0
    assert M.answer_correct(["1050亿美元"], "亞馬遜達到1,050億美元") == 1.0
    assert M.answer_correct(["1000亿美元", "1050亿美元"], "1000亿美元[1]") == 0.5
    assert (
        M.answer_correct(["777"], "Amazon spent 77.7 billion US dollars [1].", scaled=True) == 1.0
    )
    assert M.answer_correct(["777"], "Amazon spent 7.77 dollars", scaled=False) == 0.0


def test_recall_and_mrr():
    passages = ["阿里725.13亿元", "无关内容", "亚马逊777亿美元"]
    assert M.recall_at_k(passages, ["777亿美元"], 2) == 0.0
    assert M.recall_at_k(passages, ["777亿美元", "725.13亿元"], 3) == 1.0
    assert M.reciprocal_rank(passages, ["777亿美元"]) == pytest.approx(1 / 3)
    assert math.isnan(M.recall_at_k(passages, [], 5))


def test_citation_recall_precision_and_faithfulness():
    cited = {1: "亚马逊777亿美元", 2: "腾讯767.6亿元"}
    answer = "亚马逊777亿美元[1]。腾讯767.6亿元[1][2]。苹果1000亿美元。"
    assert M.citation_recall(answer, cited, YES) == pytest.approx(2 / 3)
    # [1] on the second sentence is not needed: 2 of 3 citations are precise
    assert M.citation_precision(answer, cited, YES) == pytest.approx(2 / 3)
    assert M.faithfulness(answer, "亚马逊777亿美元\n腾讯767.6亿元", YES) == pytest.approx(2 / 3)
    assert math.isnan(M.faithfulness("", "x", YES))


def test_ungrounded_numbers_and_citation_hit():
    assert M.ungrounded_numbers("亚马逊780亿美元[1]。", {1: "亚马逊777亿美元"}) == 1
    assert M.citation_hit(["000_a.txt"], ["000_a.txt"]) == 1.0
    assert M.citation_hit(["001_b.txt"], ["000_a.txt"]) == 0.0


def test_claims_number_in_an_uncited_passage_is_ungrounded():
    # the figure is among the passages shown, so a check over all of them would pass,
    # but the sentence cites [1], which does not hold it
    cited = {1: "上半年全市降雨量为215毫米。", 2: "下半年全市降雨量为180毫米。"}
    answer = "上半年降雨215毫米[1]。下半年降雨180毫米[1]。"
    assert ungrounded(answer, cited) == ["180"]
    assert M.ungrounded_numbers(answer, cited) == 1
    assert ungrounded("上半年降雨215毫米[1]。下半年降雨180毫米[2]。", cited) == []


def test_claims_values_thousands_separators_and_full_width_digits():
    assert numbers_in("医院共有1,050张床位,同比增长3.5%") == ["1050", "3.5"]
    assert numbers_in("１２,０００人次") == ["12000"]
    assert numbers_in("2023,2024两年") == ["2023", "2024"]
    assert value_in("1050", "医院共有1,050张床位") and value_in("1,050", "共1050.0张")
    assert ungrounded("医院共有1050张床位[1]。", {1: "全院床位1,050张"}) == []
    assert not value_in("105", "全院床位1,050张")
    assert value_in("2.15", "全市人口215万", scaled=True)
    assert not value_in("2.15", "全市人口215万")


def test_claims_markers_questions_and_list_labels():
    # a sentence with a number and no marker grounds nothing; the question's numbers are free
    assert ungrounded("球队2023年进了61球。", {}) == ["2023", "61"]
    assert ungrounded("球队2023年进了61球[1]。", {1: "该队本季进61球"}, "2023年进了几球?") == []
    # a marker pointing at no passage grounds nothing
    assert ungrounded("进了61球[4]。", {1: "进61球"}) == ["61"]
    # "1. " numbers a list item, "3.5" opening a sentence is a figure
    assert ungrounded("1. 场均进球2.1个[1]", {1: "场均2.1个进球"}) == []
    assert ungrounded("3.5米高的看台[1]。", {1: "看台高5米"}) == ["3.5"]
    assert sentences("主队领先。[1]客队扳平[2]。") == ["主队领先。[1]", "客队扳平[2]。"]
    assert [c.cites for c in claims("甲[2][1]。乙[1, 3]。丙。")] == [(2, 1), (1, 3), ()]
    assert ungrounded("The club scored 61 goals [1].", {1: "该队进61球"}, scaled=True) == []


def test_says_not_found_and_is_latin():
    assert says_not_found("资料中没有找到答案。") and says_not_found("The articles do not say.")
    assert says_not_found("资料未提及该医院的床位数。")
    assert not says_not_found("医院新增床位300张[1]。")
    assert not says_not_found("资料中没有找到答案。" + "但" * 100)
    assert is_latin("How much rain fell in July?") and not is_latin("7月降雨多少?")


def test_aggregate_and_markdown_report(tmp_path):
    results = [
        ItemResult(
            "a",
            "single_fact",
            "q",
            True,
            scores={"correct": 1.0, "recall@5": 1.0, "latency_s": 3.0, "ttft_s": 1.0},
        ),
        ItemResult(
            "b",
            "single_fact",
            "q",
            True,
            scores={"correct": 0.0, "recall@5": 0.5, "latency_s": 5.0, "ttft_s": 2.0},
        ),
        ItemResult(
            "c",
            "unanswerable",
            "q",
            False,
            scores={"abstention_acc": 1.0, "latency_s": 1.0, "ttft_s": 1.0},
        ),
    ]
    summary = aggregate(results)
    assert (
        summary["overall"]["correct"] == 0.5
        and summary["by_category"]["unanswerable"]["abstention_acc"] == 1.0
    )
    assert summary["latency"]["p50_s"] == 3.0
    report = {
        "date": "2026-01-01",
        "sha": "abc",
        "set": "x",
        "n_items": 3,
        "runs": {"ours": {"summary": summary, "items": [r.__dict__ for r in results]}},
    }
    md = render_markdown(report)
    assert "| ours | 3 |" in md and "single_fact" in md
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_text(json.dumps(report))
    report["runs"]["ours"]["summary"]["overall"]["correct"] = 0.75
    b.write_text(json.dumps(report))
    assert "+0.250" in compare_reports(str(a), str(b))


def test_stratified_subset_keeps_every_category():
    items = [{"id": str(i), "category": c} for i, c in enumerate("aaaabbbc")]
    assert sorted({x["category"] for x in stratified(items, 3)}) == ["a", "b", "c"]


def test_citation_record_roundtrip():
    a = Answer("x[1]", [Citation(1, "s.txt", "t", "passage")])
    assert a.to_dict()["citations"][0]["source"] == "s.txt"


@pytest.mark.model
@pytest.mark.timeout(900)
def test_five_item_eval_with_the_real_model(warm_rag, tmp_path):
    from rag.eval.run import main

    args = Namespace(
        compare=None,
        set_path="seeds",
        corpus=None,
        limit=5,
        retrieval_only=False,
        no_judge=False,
        out=str(tmp_path),
        baseline=False,
        baseline_n=0,
    )
    assert main(args) == 0
    written = sorted(p.suffix for p in tmp_path.iterdir())
    assert written == [".json", ".md", ".png"]
    report = json.loads(next(tmp_path.glob("*.json")).read_text())
    overall = report["runs"]["ours"]["summary"]["overall"]
    assert overall["n"] == 5 and overall["recall@5"] >= 0.8
    assert overall["correct"] >= 0.6 and overall["ungrounded_answers"] == 0
    assert overall["evidence_recall"] >= 0.4  # the answers came from what the model was shown
    assert report["judge_check"]["n"] == 30
