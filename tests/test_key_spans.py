"""Key spans (a name, place, date or title) must be stated of the asked subject, refusals are
re-read when a top passage states an answer of the asked type, and the extractive fallback
quotes only a sentence that holds one, never an advert. Scripted replies (MockModel) over
invented passages."""

import pytest

from rag import runtime
from rag.answer.checks import draft, run_checks
from rag.answer.checks.keyspan import KeySpanInSubjectSentence
from rag.answer.checks.spans import evidence_sentences, key_spans
from rag.answer.citations import strip_markers
from rag.answer.pipeline import Answerer
from rag.answer.question import analyse_question
from rag.config import Settings
from rag.records import Passage, VerdictKind
from tests.conftest import _link_model
from tests.helpers import FakeRetriever, answerer

DRAMAS = Passage(
    "d-0",
    "n1.txt",
    "两部新剧定档",
    "演员王建国主演了电视剧《春江》。电视剧《秋山》由李卫东主演,将于2021年10月播出。",
    article_id="d",
)
OTHER = Passage(
    "o-0", "n2.txt", "文化周末", "市图书馆新馆本周开放,馆内藏书20万册。", article_id="o"
)
WHO = "谁主演了电视剧《秋山》?"


def test_a_name_the_passage_links_to_another_drama_is_rejected():
    d = draft("王建国主演了电视剧《秋山》[1]。", WHO, {1: DRAMAS.text})
    verdicts = run_checks(d)
    assert [(v.kind, v.claim) for v in verdicts] == [(VerdictKind.KEY_SPAN, "王建国")]
    assert "秋山" in verdicts[0].reason


def test_the_name_stated_of_the_asked_drama_is_accepted():
    assert run_checks(draft("电视剧《秋山》由李卫东主演[1]。", WHO, {1: DRAMAS.text})) == []


def test_a_name_or_date_absent_from_the_cited_passage_is_rejected():
    check = KeySpanInSubjectSentence()
    assert [v.claim for v in check(draft("陈立新主演[1]。", WHO, {1: DRAMAS.text}))] == ["陈立新"]
    when = "电视剧《秋山》什么时候播出?"
    assert check(draft("将于2021年10月播出[1]。", when, {1: DRAMAS.text})) == []
    assert [v.claim for v in check(draft("将于2022年5月播出[1]。", when, {1: DRAMAS.text}))] == [
        "2022年5月"
    ]


def test_a_clause_about_another_drama_is_not_about_the_asked_one():
    one_sentence = {1: "演员王建国主演了电视剧《春江》,而电视剧《秋山》由李卫东主演。"}
    assert [v.claim for v in run_checks(draft("王建国主演[1]。", WHO, one_sentence))] == ["王建国"]
    assert run_checks(draft("李卫东主演[1]。", WHO, one_sentence)) == []


def test_the_subject_may_be_named_in_the_sentence_before():
    text = "电视剧《秋山》今晚开播。该剧由李卫东主演。另一部剧由王建国主演,讲述《春江》往事。"
    assert run_checks(draft("李卫东主演[1]。", WHO, {1: text})) == []
    # the sentence names another title: the one before it does not carry over
    assert [v.claim for v in run_checks(draft("王建国主演[1]。", WHO, {1: text}))] == ["王建国"]


def test_spans_of_the_asked_type_only():
    assert key_spans("李卫东在杭州主演《秋山》。", "place") == ["《秋山》", "杭州"]
    assert key_spans("大会于8月3日开幕。", "time") == ["8月3日"]
    assert evidence_sentences(analyse_question(WHO), OTHER.text) == []


def test_the_pipeline_rereads_a_wrong_name_and_keeps_the_right_one():
    a, model = answerer(["王建国主演了《秋山》[1]。", "李卫东主演了《秋山》[1]。"], (DRAMAS, OTHER))
    ans = a.ask(WHO)
    assert "李卫东" in ans.text and "王建国" not in ans.text and not ans.abstained
    assert len(model.prompts) == 2 and any(v.kind == VerdictKind.KEY_SPAN for v in ans.verdicts)
    assert "春江" not in model.prompts[1][1]["content"]  # re-read on the sentence about 《秋山》


def test_two_wrong_names_fall_back_to_the_sentence_that_states_the_answer():
    a, _ = answerer(["王建国主演了《秋山》[1]。", "王建国[1]。"], (DRAMAS, OTHER))
    ans = a.ask(WHO)
    assert ans.text.startswith("资料原文：") and "李卫东" in ans.text and "王建国" not in ans.text
    assert ans.citations[0].source == "n1.txt" and "extractive fallback" in ans.notes


def test_a_refusal_is_reread_on_the_sentence_that_states_the_answer():
    a, model = answerer(["资料中没有找到答案。", "李卫东主演了《秋山》[1]。"], (OTHER, DRAMAS))
    ans = a.ask(WHO)
    assert not ans.abstained and "李卫东" in ans.text and ans.citations[0].source == "n1.txt"
    assert len(model.prompts) == 2
    focused = model.prompts[1]
    assert "人名" in focused[0]["content"] and "秋山》由李卫东主演" in focused[1]["content"]
    assert "图书馆" not in focused[1]["content"]  # only the sentence that states it


def test_a_refusal_stands_when_no_passage_states_a_span_of_the_asked_type():
    only_other_drama = Passage("d-1", "n3.txt", "新剧", "演员王建国主演了电视剧《春江》。")
    a, model = answerer(["资料中没有找到答案。", "王建国[1]。"], (only_other_drama, OTHER))
    ans = a.ask(WHO)
    assert ans.abstained and len(model.prompts) == 1 and ans.citations == []


def test_the_extractive_fallback_never_quotes_an_advert():
    spam = Passage("s-0", "n4.txt", "新馆开放", "广告 如何在新馆办卡?市图书馆新馆本周开放。")
    a, _ = answerer(["新馆藏书50万册[1]。", "新馆藏书60万册[1]。"], (spam,))
    ans = a.ask("市图书馆新馆本周开放吗?")
    assert "广告" not in ans.text and "如何" not in ans.text


@pytest.mark.parametrize(
    "text, question, not_shown",
    [
        # a date is no duration
        (
            "8月2日,歌手赵海峰表示与妻子分居。报道称,46岁的赵海峰于2005年5月结婚。赵海峰与妻子已结婚18年。",
            "赵海峰结婚多久了?",
            "8月2日",
        ),
        # both sentences name the couple and a number of years; only one says how long married
        (
            "王建国在与李秀英第一次约会后说:“我已经等你31年了。”王建国与妻子已结婚18年。",
            "王建国和李秀英结婚多久了?",
            "31年",
        ),
    ],
)
def test_a_how_long_refusal_is_reread_on_the_sentence_that_states_the_duration(
    text, question, not_shown
):
    wedding = Passage("w-0", "n6.txt", "歌手宣布分居", text)
    a, model = answerer(["资料中没有找到答案。", "18年[1]"], (wedding,))
    ans = a.ask(question)
    assert not ans.abstained and "18年" in ans.text and len(model.prompts) == 2
    assert "已结婚18年" in model.prompts[1][1]["content"]
    assert not_shown not in model.prompts[1][1]["content"]


def test_a_quoted_sentence_never_opens_with_the_quote_mark_of_the_one_before():
    library = Passage("l-0", "n7.txt", "新馆开放", "馆长说:“欢迎大家。”新馆藏书20万册,周一闭馆。")
    a, _ = answerer(["资料中没有找到答案。", "30万册[1]"], (library,))
    ans = a.ask("新馆藏书多少册?")
    assert "新馆藏书20万册" in ans.text and "“”" not in ans.text


def test_a_guessed_duration_is_not_grounded_by_a_date():
    wedding = Passage("w-1", "n6.txt", "歌手宣布分居", "歌手赵海峰于2005年5月结婚,育有两子。")
    a, _ = answerer(["5年[1]", "5年[1]"], (wedding,))
    ans = a.ask("赵海峰结婚多久了?")
    assert "5年" not in ans.text


def test_the_extractive_fallback_quotes_only_a_sentence_that_answers_the_scope_asked():
    market = Passage(
        "m-0",
        "n7.txt",
        "云市场格局",
        "在国内市场,海鸥云占比13.1%,位列第三。纵观全球云计算市场,前三名的份额合计超过六成。",
    )
    a, _ = answerer(["15%[1]", "15%[1]"], (market,))
    ans = a.ask("海鸥云在全球云计算市场的份额是多少?")
    assert ans.abstained and "13.1" not in ans.text


# ---------------------------------------------------------------- the real model (marker `model`)


@pytest.mark.model
@pytest.mark.timeout(600)
def test_the_real_model_never_gives_the_lead_of_another_drama(model_dir, tmp_path):
    home = tmp_path / "home"
    _link_model(home, model_dir)
    settings = Settings.from_env({}, home=home, top_k=3, top_k_single=3, snippet_chars=200)
    trap = Passage(
        "t-0",
        "n5.txt",
        "周末荧屏",
        "王建国是电视剧《春江》的主演,该剧收视领先。电视剧《秋山》同日开播,剧中主角由李卫东饰演。",
        article_id="t",
    )
    a = Answerer(settings, FakeRetriever([trap, OTHER]), runtime.get_model(settings))
    for question in (WHO, "电视剧《秋山》的主演是谁?"):
        ans = a.ask(question)
        assert "王建国" not in strip_markers(ans.text)
        assert ans.abstained or "李卫东" in ans.text


def test_a_refusal_is_reread_on_the_sentence_that_fills_the_questions_gap():
    # the question names the posts by a term the answering sentence replaces with "这类消息"
    police = Passage(
        "p-0",
        "n8.txt",
        "警方调查网络帖子",
        "网上出现多条宣称将在车站闹事的帖子。警方已对12名涉嫌发布这类消息者展开调查。",
    )
    a, model = answerer(["资料中没有找到答案。", "12名[1]"], (police, OTHER))
    ans = a.ask("警方对多少名涉嫌发布闹事预告的人展开了调查?")
    assert not ans.abstained and "12名" in ans.text and len(model.prompts) == 2
    assert "12名涉嫌发布" in model.prompts[1][1]["content"]


def test_a_gap_of_another_frame_does_not_overturn_a_refusal():
    # as many of the question's words, but the figure stands in another frame
    police = Passage("p-1", "n8.txt", "车站通报", "警方调查闹事预告。车站称共有12名旅客受轻伤。")
    a, model = answerer(["资料中没有找到答案。", "12名[1]"], (police, OTHER))
    ans = a.ask("警方对多少名涉嫌发布闹事预告的人展开了调查?")
    assert ans.abstained and len(model.prompts) == 1


def test_a_figure_of_the_asked_event_is_not_held_against_the_entity():
    # "什么" asks for the event: its magnitude is stated in the sentence before the entity's
    quake = Passage(
        "q-0",
        "n9.txt",
        "地震后电网运行正常",
        "当天凌晨发生5.2级地震。灾情发生后,蓝湾电力启动应急响应。",
    )
    a, model = answerer(["蓝湾电力在发生5.2级地震后启动了应急响应[1]。"], (quake,))
    ans = a.ask("蓝湾电力在发生什么后启动了应急响应?")
    assert "5.2级地震" in ans.text and not ans.verdicts and len(model.prompts) == 1
