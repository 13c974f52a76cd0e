"""The page's answer HTML (rag/ui/render.py): citation markers linked to their passages, the
supporting sentence highlighted, abstentions and the claims the checks rejected.
"""

from __future__ import annotations

import rag.ui.render as ui_render
from rag.records import Answer, Verdict, VerdictKind
from tests.helpers import AMAZON_SOURCE, amazon_answer


def test_render_answer_links_every_marker_to_its_highlighted_passage():
    out = ui_render.render_answer(amazon_answer(), uid="t1")
    assert "\n" not in out  # one HTML block: Markdown must not reinterpret any of it
    assert '<a class="rag-cite" href="#src-t1-1"' in out
    assert '<a class="rag-cite" href="#src-t1-2"' in out
    assert '<details class="rag-source" id="src-t1-1">' in out
    assert "21世纪经济报道" in out and AMAZON_SOURCE in out and "2025-03-04" in out
    assert "全球科技巨头&lt;疯狂&gt;投资" in out  # escaped
    # the supporting sentence (the one with the cited figure) is marked, not the whole passage
    assert "<mark>其中,亚马逊2024年的资本支出为777亿美元,同比增长57%。</mark>" in out
    assert "<mark>微软则为557亿美元。</mark>" in out
    assert "rag-abstained" not in out


def test_render_abstention_looks_different():
    answer = Answer(text="资料中没有找到答案。", abstained=True)
    out = ui_render.render_answer(answer, uid="t2")
    assert "rag-abstained" in out and "Not found in the articles" in out
    assert "rag-cite" not in out and "rag-sources" not in out


def test_claims_the_checks_rejected_are_shown_with_their_kind():
    answer = Answer(text="资料中没有找到答案。", abstained=True)
    answer.verdicts = [Verdict(VerdictKind.OTHER_PERIOD, "800", 1, "stated for another year")]
    out = ui_render.render_answer(answer, uid="t3")
    assert '<details class="rag-checks">' in out and "<b>800</b> [1]" in out
    assert "another year or period" in out
    assert ui_render.answer_json(answer)["verdicts"][0]["kind"] == "other_period"
    assert "rag-checks" not in ui_render.render_answer(Answer(text="甲[1]。"), uid="t4")


def test_highlight_falls_back_to_the_quote_window():
    passage = "甲说了很多。乙公司投资了很多钱。丙。"
    spans = ui_render.highlight_spans(passage, "乙公司投资了很多钱。", ["乙公司投资很多[1]。"])
    assert [passage[s:e] for s, e in spans] == ["乙公司投资了很多钱。"]
    assert ui_render.highlight_spans(passage, "not in passage", []) == [(0, len(passage))]
