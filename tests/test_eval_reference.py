"""A benchmark's reference answer is matched in any of its forms: a ministry without its country,
a person without a title, two countries by their one-character forms spelled out; a figure
only as written."""

import pytest

from rag.eval.metrics import answer_correct


@pytest.mark.parametrize(
    "reference, answer",
    [
        ("美国商务部", "商务部[1]"),
        ("王一鸣教授", "王一鸣[1]"),
        ("中英", "英国和中国[1]"),
        ("中英", "中英[1]"),
    ],
)
def test_an_answer_giving_the_reference_in_another_form_is_correct(reference, answer):
    assert answer_correct([reference], answer) == 1.0
    assert answer_correct([reference], answer, exact=True) == float(reference in answer)


@pytest.mark.parametrize(
    "reference, answer",
    [
        ("美国商务部", "美国[1]"),  # the country alone is not the ministry
        ("中英", "中国[1]"),  # one of the two countries
        ("美国和英国", "和英国[1]"),  # a list, not a country before an institution
        ("12万吨", "12吨[1]"),  # figures are never rewritten
        ("王一鸣教授", "王教授[1]"),
    ],
)
def test_a_part_or_a_changed_figure_is_not_the_reference(reference, answer):
    assert answer_correct([reference], answer) == 0.0
