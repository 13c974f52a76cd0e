"""The page's example questions follow the indexed corpus: the demo's own questions only
while the demo articles are indexed, else neutral questions made from recent titles."""

from __future__ import annotations

from types import SimpleNamespace

import chromadb
import pytest

import rag
import rag.ui.app as ui
from rag import runtime
from rag.config import Settings, get_settings
from rag.index.catalog import Catalog
from rag.records import Article
from rag.ui.examples import example_questions, examples_update, seed_questions
from tests.conftest import SEEDS

SEED_FILE = "000_7ed9c2d50966efa1.txt"  # the shipped seed the demo questions were written for


def article(title: str, date: str, path: str) -> Article:
    art = Article("x.txt", title, f"{title}。{title}的详细报道内容在这里。", "", date=date)
    art.path = path
    return art


@pytest.fixture
def catalog(request) -> Catalog:
    client = chromadb.EphemeralClient()
    name = f"t{abs(hash(request.node.name))}"  # the in-memory client is shared in a process
    return Catalog(client, name)


def store_with(catalog: Catalog, *articles: Article):
    if articles:
        catalog.put(list(articles), [1] * len(articles))
    return SimpleNamespace(catalog=catalog)


def own(tmp_path, n: int = 3) -> list[Article]:
    titles = ["河口镇举办首届稻米文化节", "北湖水库完成清淤工程", "城东公园新增两条步道"]
    return [
        article(t, f"2024-05-0{i + 1}", str(tmp_path / f"own{i}.txt"))
        for i, t in enumerate(titles[:n])
    ]


def test_the_demo_questions_only_while_the_demo_is_indexed(catalog):
    settings = Settings.from_env({})  # the shipped seeds folder
    seed = article("演示文章", "", str((SEEDS / SEED_FILE).resolve()))
    assert example_questions(store_with(catalog), settings) == []
    shown = example_questions(store_with(catalog, seed), settings)
    assert shown == seed_questions({SEED_FILE}) and len(shown) == 4


def test_a_users_corpus_gets_questions_from_its_newest_titles(catalog, tmp_path):
    settings = Settings.from_env({"RAG_SEEDS": ""})
    shown = example_questions(store_with(catalog, *own(tmp_path)), settings)
    assert shown == [
        "《城东公园新增两条步道》一文的主要内容是什么？",  # 2024-05-03: the newest first
        "《北湖水库完成清淤工程》一文的主要内容是什么？",
        "《河口镇举办首届稻米文化节》一文的主要内容是什么？",
    ]
    assert not set(shown) & set(seed_questions({SEED_FILE}))


def test_titles_that_make_no_question_are_skipped(catalog, tmp_path):
    cut = article(
        "城东公园管理处今天宣布新建的两条健身步道连同沿途的饮水点…",
        "2024-06-01",
        str(tmp_path / "a"),
    )
    short = article("开幕", "2024-06-02", str(tmp_path / "b"))
    shown = example_questions(store_with(catalog, cut, short, *own(tmp_path, 1)), Settings())
    assert shown == ["《河口镇举办首届稻米文化节》一文的主要内容是什么？"]


def test_the_demo_beside_a_users_own_articles_gets_half_each(catalog, tmp_path):
    seed = article("演示文章", "", str((SEEDS / SEED_FILE).resolve()))
    shown = example_questions(store_with(catalog, seed, *own(tmp_path)), Settings.from_env({}))
    assert shown[:2] == seed_questions({SEED_FILE})[:2]
    assert shown[2:] == [
        "《城东公园新增两条步道》一文的主要内容是什么？",
        "《北湖水库完成清淤工程》一文的主要内容是什么？",
    ]


def test_the_page_handler_reads_the_index(tmp_path, rag_home, monkeypatch):
    monkeypatch.setenv("RAG_SEEDS", "")
    empty = examples_update()
    assert empty.raw_samples == [] and empty.visible is False  # nothing indexed: no examples
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "a.txt").write_text(
        "北湖水库完成清淤工程\n\n北湖水库清淤工程日前完工,共清理淤泥十二万立方米,水库蓄水能力提高。",
        encoding="utf-8",
    )
    rag.index_paths([folder], progress=False)
    shown = examples_update(get_settings())
    assert (
        shown.raw_samples == [["《北湖水库完成清淤工程》一文的主要内容是什么？"]] and shown.visible
    )


def test_the_page_fills_examples_per_load_and_a_click_asks_it(tmp_path, monkeypatch):
    import asyncio

    from gradio.state_holder import SessionState

    import rag.ui.examples as ui_examples

    question = "《北湖水库完成清淤工程》一文的主要内容是什么？"
    monkeypatch.setattr(ui_examples, "example_questions", lambda store, settings: [question])
    monkeypatch.setattr(runtime, "get_store", lambda settings: None)  # no index needed here
    demo = ui.build_app(Settings(home=tmp_path))
    assert not (tmp_path / "chroma").exists()  # building the page opened no index
    examples = next(b for b in demo.blocks.values() if getattr(b, "elem_id", "") == "rag-examples")
    fills = [f for f in demo.fns.values() if f.fn is examples_update]
    assert len(fills) == 2 and all(f.outputs == [examples] for f in fills)  # load, upload
    (click,) = [f for f in demo.fns.values() if f.inputs == [examples]]
    session = SessionState(demo)  # what one browser tab holds: its own example list
    update = asyncio.run(demo.process_api(fills[0], [], state=session))["data"][0]
    assert update["samples"] == [[question]] and update["visible"] is True
    assert asyncio.run(demo.process_api(click, [0], state=session))["data"] == [question]
