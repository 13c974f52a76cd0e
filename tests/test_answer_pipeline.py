"""The answer pipeline with a MockModel: re-reads, extractive fallback, refusals, conflicting
sources, follow-up rewrites, streaming and the snippets each question gets.

Real-model behaviour is tested in test_model_integration.py; here each reply is scripted so
every branch (regenerate, extractive fallback, refusal check) is exercised deterministically.
"""

import re

import pytest

from rag.answer.pipeline import Answerer
from rag.config import Settings
from rag.models.base import MockModel
from rag.records import Passage, VerdictKind
from tests.helpers import P_AMAZON, P_AMAZON_2025, P_TENCENT, FakeRetriever, answerer

# ---------------------------------------------------------------- the pipeline with scripted replies


def test_good_answer_passes_with_renumbered_citations():
    a, model = answerer(["腾讯2024年的资本开支为767.6亿元[编号2]。"])
    ans = a.ask("腾讯2024年的资本开支是多少?")
    assert ans.text == "腾讯2024年的资本开支为767.6亿元[1]。"
    assert [c.source for c in ans.citations] == ["000_x.txt"] and "767.6亿元" in ans.citations[
        0
    ].text
    assert not ans.abstained and len(model.prompts) == 1


def test_hallucinated_number_triggers_a_reread_of_the_best_passage():
    a, model = answerer(
        ["亚马逊2024年的资本支出为900亿美元[1]。", "亚马逊的资本支出达到777亿美元[1]。"]
    )
    ans = a.ask("2024年亚马逊的资本支出是多少?")
    assert "777亿美元" in ans.text and "900" not in ans.text
    assert len(model.prompts) == 2 and "阅读理解" in model.prompts[1][0]["content"]
    assert model.prompts[1][1]["content"].count("《") == 1  # one passage only


def test_two_ungrounded_replies_fall_back_to_an_extractive_quote():
    a, _ = answerer(["亚马逊为900亿美元[1]。", "亚马逊为950亿美元[1]。"])
    ans = a.ask("2024年亚马逊的资本支出是多少?")
    assert "900" not in ans.text and "950" not in ans.text
    assert "777亿美元" in ans.text and ans.citations and "extractive fallback" in ans.notes


def test_refusal_is_accepted_when_the_evidence_lacks_the_subject():
    a, model = answerer(["资料中没有找到答案。"])
    ans = a.ask("2024年苹果公司的资本支出是多少?")
    assert ans.abstained and ans.citations == [] and len(model.prompts) == 1
    assert ans.text.startswith("资料中没有找到答案") and "科技巨头打响AI军备竞赛" in ans.text


def test_refusal_is_retried_when_the_evidence_covers_the_question():
    a, model = answerer(["资料中没有找到答案。", "2024年亚马逊的资本支出为777亿美元[1]。"])
    ans = a.ask("2024年亚马逊的资本支出是多少?")
    assert not ans.abstained and "777亿美元" in ans.text and len(model.prompts) == 2


def test_conflicting_sources_both_cited():
    a, _ = answerer(
        ["亚马逊2025年资本支出预计为1000亿美元[3]。另一篇报道为1050亿美元[3]。"],
        passages=(
            P_TENCENT,
            Passage("c-0", "000_x.txt", "t", "亚马逊预计投入1000亿美元。", article_id="c"),
            P_AMAZON_2025,
        ),
    )
    ans = a.ask("亚马逊2025年的资本支出预计是多少?")
    assert {c.source for c in ans.citations} == {"000_x.txt", "001_y.txt"}
    assert "1000亿美元" in ans.text and "1050亿美元" in ans.text


def ask_over_two_articles(question: str, reply: str, first: str, second: str):
    """``question`` answered by ``reply`` (citing [1]) over two articles' passages."""
    a, _ = answerer(
        [reply],
        passages=(
            Passage("c-0", "000_x.txt", "t", first, article_id="c"),
            Passage("b-0", "001_y.txt", "u", second),
        ),
    )
    return a.ask(question)


def test_a_figure_another_article_disputes_is_added_with_its_citation():
    # the model states one article's figure; the other retrieved article says 1050亿
    ans = ask_over_two_articles(
        "亚马逊2025年的资本支出预计是多少?",
        "亚马逊2025年预计投入1000亿美元[1]。",
        "2025年,亚马逊预计投入1000亿美元。",
        "2025年,亚马逊的资本开支增长超35%,达到1050亿美元。",
    )
    assert not ans.abstained
    assert ans.text == (
        "亚马逊2025年预计投入1000亿美元[1]。另一篇报道的说法不同：亚马逊的资本开支增长超35%,达到1050亿美元[2]。"
    )
    assert [c.source for c in ans.citations] == ["000_x.txt", "001_y.txt"]


def test_the_same_figure_in_another_article_is_no_conflict():
    ans = ask_over_two_articles(
        "微软2025年的资本支出预计是多少?",
        "微软2025年预计投入800亿美元[1]。",
        "2025年,微软预计投入800亿美元。",
        "2025年,微软的资本开支增长超80%,达到800亿美元。",
    )
    assert ans.text == "微软2025年预计投入800亿美元[1]。" and len(ans.citations) == 1


def test_a_figure_for_another_year_is_rejected_by_the_guard():
    # 777亿 is 2024's figure: grounded in the passage, but not an answer about 2025
    a, model = answerer(
        ["亚马逊2025年的资本支出为777亿美元[1]。", "亚马逊为777亿美元[1]。"],
        passages=(Passage("c-0", "000_x.txt", "t", "2024年,亚马逊的资本支出为777亿美元。"),),
    )
    ans = a.ask("亚马逊2025年的资本支出预计是多少?")
    assert "777" not in ans.text or ans.abstained
    assert VerdictKind.OTHER_PERIOD in {v.kind for v in ans.verdicts}


ALIBABA_TURNS = [
    {"role": "user", "content": "阿里巴巴2024年的资本开支是多少?"},
    {"role": "assistant", "content": "阿里巴巴为725.13亿元[1]。"},
]


def test_followup_is_rewritten_before_retrieval():
    a, model = answerer(["腾讯2024年的资本开支是多少?", "腾讯2024年的资本开支为767.6亿元[2]。"])
    ans = a.ask("另一家公司腾讯的呢?", ALIBABA_TURNS)
    assert ans.standalone_question == "腾讯2024年的资本开支是多少?"
    rewrite_prompt = model.prompts[0][-1]["content"]  # the user turn holds the dialogue
    assert "阿里巴巴2024年的资本开支是多少" in rewrite_prompt and "腾讯的呢" in rewrite_prompt
    assert "767.6亿元" in ans.text


@pytest.mark.parametrize(
    "question, standalone",
    [
        ("那腾讯呢?", "腾讯2024年的资本开支是多少?"),  # takes the place of the name asked before
        ("腾讯2024年全年的资本开支是多少?", "腾讯2024年全年的资本开支是多少?"),  # stands alone
    ],
)
def test_no_rewrite_call_for_what_about_x_or_a_standalone_question(question, standalone):
    # the model gets no rewrite call: its only queued reply is the answer
    a, model = answerer(["腾讯2024年的资本开支为767.6亿元[2]。"])
    ans = a.ask(question, ALIBABA_TURNS)
    assert ans.standalone_question == standalone
    assert len(model.prompts) == 1 and "767.6亿元" in ans.text


def test_bad_rewrite_falls_back_to_both_turns():
    a, _ = answerer(["", "腾讯为767.6亿元[2]。"])
    ans = a.ask(
        "另一家公司腾讯的呢?", [{"role": "user", "content": "阿里巴巴2024年的资本开支是多少?"}]
    )
    assert ans.standalone_question == "阿里巴巴2024年的资本开支是多少? 另一家公司腾讯的呢?"


def test_streaming_yields_pieces_then_the_answer():
    a, _ = answerer(["亚马逊的资本支出为777亿美元[1]。"])
    items = list(a.stream("2024年亚马逊的资本支出是多少?"))
    assert all(isinstance(x, str) for x in items[:-1]) and len(items) > 2
    assert "".join(items[:-1]) == "亚马逊的资本支出为777亿美元[1]。"
    assert items[-1].citations[0].n == 1


def test_token_counts_are_per_call_under_concurrency():
    # last_usage belongs to whichever call ran last; each caller's own Usage must not mix
    import threading

    from rag.models.base import MockModel, Usage

    model = MockModel(["a" * 5, "b" * 7] * 20)
    results: list[tuple[int, Usage]] = []

    def call(size: int) -> None:
        usage = Usage()
        model.complete([{"role": "user", "content": "x" * size}], usage=usage)
        results.append((size, usage))

    threads = [threading.Thread(target=call, args=(n,)) for n in range(10, 50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 40
    assert all(usage.prompt_tokens == size for size, usage in results)


def test_snippets_shown_depend_on_what_is_asked_and_how_sure_the_best_one_is():
    settings = Settings.from_env({}, top_k=3, top_k_single=2, snippet_chars=200)

    def snippets_shown(question: str, settings: Settings = settings) -> int:
        model = MockModel(["腾讯为767.6亿元[1]。"])
        Answerer(settings, FakeRetriever([P_AMAZON, P_TENCENT, P_AMAZON_2025]), model).ask(question)
        return len(re.findall(r"^\[\d+\]", model.prompts[0][1]["content"], re.M))

    assert snippets_shown("腾讯2024年的资本开支是多少?") == 1  # [1] names 腾讯 and a 2024 figure
    assert snippets_shown("2024年谁的资本开支最多?") == 2  # no snippet names who: a second one
    # several parts: snippets until every part is answered (a third would only cost time)
    assert snippets_shown("阿里和腾讯2024年的资本开支分别是多少?") == 1  # one sentence has both
    assert snippets_shown("微软和腾讯2024年的资本开支分别是多少?") == 2
    # RAG_ANSWERS_ALONE=0, RAG_COVERING_PREFIX=0: every snippet the question's kind allows
    off = Settings.from_env(
        {"RAG_ANSWERS_ALONE": "0", "RAG_COVERING_PREFIX": "off"},
        top_k=3,
        top_k_single=2,
        snippet_chars=200,
    )
    assert snippets_shown("腾讯2024年的资本开支是多少?", off) == 2
    assert snippets_shown("阿里和腾讯2024年的资本开支分别是多少?", off) == 3


def test_an_answer_counted_in_another_unit_than_asked_is_read_again():
    battery = Passage(
        "c-0", "000_x.txt", "生物电池", "电池可稳定输出450毫伏电压,并实现长达10次完整的供能循环。"
    )
    a, _ = answerer(
        ["电池输出450毫伏电压[1]。", "电池可实现10次供能循环[1]。"], passages=(battery,)
    )
    ans = a.ask("电池能实现多少次完整的供能循环?")
    assert "10次" in ans.text and "450" not in ans.text
    assert [(v.kind, v.claim) for v in ans.verdicts] == [(VerdictKind.MISSING_UNIT, "次")]


def test_a_looping_reply_is_cut_off_and_read_again():
    loop = "亚马逊的资本支出为777亿美元[1]。" + "这是亚马逊的一项重要投资[1]。" * 6
    a, model = answerer([loop, "亚马逊2024年的资本支出为777亿美元[1]。"])
    *streamed, final = a.stream("2024年亚马逊的资本支出是多少?")
    assert len("".join(streamed)) < len(loop)  # generation stopped once the loop showed
    assert len(model.prompts) == 2 and "阅读理解" in model.prompts[1][0]["content"]
    assert final.text == "亚马逊2024年的资本支出为777亿美元[1]。" and not final.abstained


def test_a_looping_answer_never_reaches_the_user():
    loop = "这是亚马逊的一项重要投资[1]。" * 6
    a, _ = answerer([loop, loop])
    ans = a.ask("2024年亚马逊的资本支出是多少?")
    assert ans.text.count("重要投资") <= 1
    assert any("looped" in n for n in ans.notes)


def test_the_chunk_of_an_article_that_answers_is_shown_before_the_one_that_names_it():
    # retrieval ranks the chunk that names the park first; the one that states the rule third
    intro = Passage(
        "park-0", "park.txt", "新公园开放", "城东新公园今天开放,市民前来游览。", article_id="park"
    )
    rule = Passage(
        "park-1",
        "park.txt",
        "新公园开放",
        "管理处表示,公园坚持免费开放原则,不设门票。",
        article_id="park",
    )
    other = Passage("zoo-0", "zoo.txt", "动物园", "动物园新来两只熊猫。", article_id="zoo")
    settings = Settings.from_env({}, top_k=3, top_k_single=2, snippet_chars=200)
    model = MockModel(["公园坚持免费开放原则[1]。"])
    ans = Answerer(settings, FakeRetriever([intro, other, rule]), model).ask("新公园坚持什么原则?")
    prompt = model.prompts[0][1]["content"]
    assert "[1]《新公园开放》管理处表示,公园坚持免费开放原则" in prompt
    assert not ans.abstained and ans.citations[0].passage_id == "park-1"
