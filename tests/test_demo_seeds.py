"""The seeds are a demo: indexed on first use only when nothing else was given, off with
``RAG_SEEDS=""``, removed before a user's own corpus comes in, never mixed into it.

Small invented corpora and a MockModel; the real (numpy) embedder indexes a few passages.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest

import rag
from rag import cli, runtime
from rag.config import get_settings
from rag.models.base import MockModel

DEMO_ARTICLES = {
    "demo_a.txt": "市图书馆延长周末开放时间\n\n市图书馆今天宣布,自下月起周末开放时间延长到晚上九点,"
    "并新增两个自习室,可容纳三百名读者。",
    "demo_b.txt": "城东公园新增两条健身步道\n\n城东公园管理处表示,两条新建健身步道全长四公里,"
    "沿途设有饮水点和休息亭,方便市民晨练。",
}
OWN_ARTICLES = {
    "own_a.txt": "河口镇举办首届稻米文化节\n\n河口镇昨天举办首届稻米文化节,来自周边村庄的"
    "四十多家合作社展出了今年的新米,现场签约金额达到六百万元。",
    "own_b.txt": "北湖水库完成清淤工程\n\n北湖水库清淤工程日前完工,共清理淤泥十二万立方米,"
    "水库蓄水能力提高约百分之八,可保障下游三个乡镇的灌溉用水。",
}


def write(folder: Path, articles: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in articles.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def demo(tmp_path, monkeypatch) -> Path:
    folder = write(tmp_path / "demo", DEMO_ARTICLES)
    monkeypatch.setenv("RAG_SEEDS", str(folder))
    return folder


@pytest.fixture
def own(tmp_path) -> Path:
    return write(tmp_path / "mine", OWN_ARTICLES)


def indexed_sources() -> set[str]:
    store = runtime.get_store(get_settings(), first_use=False)
    return {meta["source"] for _, meta in store.catalog.rows()}


def test_zero_setup_ask_indexes_the_demo_on_first_use(demo, rag_home):
    assert runtime.get_store(first_use=False).count() == 0  # opened (a new data dir drops
    runtime.use_model(MockModel(["市图书馆周末开放到晚上九点[1]。"]))  # the model), still empty
    answer = rag.ask("市图书馆周末开放到几点?")
    assert "demo_a.txt" in {c.source for c in answer.citations}, answer
    assert indexed_sources() == set(DEMO_ARTICLES)
    assert (rag_home / runtime.DEMO).is_file()  # recorded as the demo, not the user's own


def test_seeds_off_indexes_nothing_and_asking_says_to_index_first(rag_home, monkeypatch, capsys):
    monkeypatch.setenv("RAG_SEEDS", "")
    assert get_settings().seeds is None
    with pytest.raises(runtime.NoArticlesError, match="index some articles first"):
        rag.ask("市图书馆周末开放到几点?")
    assert runtime.get_store().count() == 0
    assert not (rag_home / runtime.DEMO).exists()
    assert cli.main(["ask", "市图书馆周末开放到几点?"]) == 2  # the CLI says it, no traceback
    assert "index some articles first" in capsys.readouterr().err
    assert cli.main(["ingest"]) == 2  # no default corpus to ingest either
    assert "RAG_SEEDS is off" in capsys.readouterr().err


def test_own_files_into_a_fresh_home_never_bring_the_demo(demo, own, rag_home):
    report = rag.index_paths([own], progress=False)
    assert report.notices == []
    runtime.reset()
    runtime.get_store()  # the page's first use: the index is not empty, nothing is added
    assert indexed_sources() == set(OWN_ARTICLES)
    assert not (rag_home / runtime.DEMO).exists()


def test_own_ingest_removes_the_demo_first_and_says_so(demo, own, rag_home):
    runtime.get_store()  # first use: the demo
    assert indexed_sources() == set(DEMO_ARTICLES)
    retriever = runtime.get_retriever()
    assert retriever.search("市图书馆开放时间", k=1)[0].source == "demo_a.txt"

    report = rag.index_paths([own], progress=False)
    assert len(report.notices) == 1 and "2 demo articles" in report.notices[0]
    assert indexed_sources() == set(OWN_ARTICLES)
    assert not (rag_home / runtime.DEMO).exists()
    hits = retriever.search("市图书馆开放时间", k=5)  # BM25 and Chroma both lost the demo
    assert hits and {p.source for p in hits} <= set(OWN_ARTICLES)

    again = rag.index_paths([own], progress=False)  # nothing more to say the second time
    assert again.notices == [] and again.added == 0


def test_ingesting_the_seeds_explicitly_keeps_them(demo, own, rag_home):
    runtime.get_store()
    report = rag.index_paths([demo, own], progress=False)
    assert report.notices == []
    assert indexed_sources() == set(DEMO_ARTICLES) | set(OWN_ARTICLES)
    assert not (rag_home / runtime.DEMO).exists()  # the seeds are the user's own now
    rag.index_paths([own], progress=False)
    assert indexed_sources() == set(DEMO_ARTICLES) | set(OWN_ARTICLES)


def test_cli_ingest_says_the_demo_was_removed(demo, own, rag_home, capsys):
    runtime.get_store()
    runtime.reset()
    assert cli.main(["ingest", "--quiet", str(own)]) == 0
    out = capsys.readouterr().out
    assert "demo articles indexed on first use" in out and "removed" in out
    assert indexed_sources() == set(OWN_ARTICLES)


def test_first_use_prefers_the_uploads_to_the_demo(demo, rag_home):
    write(rag_home / "uploads", {"own_a.txt": OWN_ARTICLES["own_a.txt"]})
    runtime.get_store()
    assert indexed_sources() == {"own_a.txt"}
    assert not (rag_home / runtime.DEMO).exists()


def test_a_deleted_own_index_is_not_refilled_with_the_demo(demo, own, rag_home, caplog):
    from chromadb.api.client import SharedSystemClient

    rag.index_paths([own], progress=False)
    runtime.get_retriever()  # writes the BM25 files next to Chroma
    runtime.reset()
    SharedSystemClient.clear_system_cache()
    shutil.rmtree(rag_home / "chroma")
    with caplog.at_level(logging.WARNING, logger="rag"):
        assert runtime.get_store().count() == 0
    assert "nothing re-indexed" in caplog.text and "rag ingest --rebuild" in caplog.text
    with pytest.raises(runtime.NoArticlesError):
        runtime.get_retriever()


def test_an_upload_on_the_page_says_the_demo_was_removed(demo, own, rag_home, monkeypatch):
    import rag.ui.corpus as ui_corpus

    monkeypatch.setattr(ui_corpus.gr, "Info", lambda message: None)
    runtime.get_store()  # the page's first use: the demo
    report, _ = ui_corpus.add_files([str(own / "own_a.txt")])
    assert "rag-notice" in report and "2 demo articles" in report and "rag-status-ok" in report
    assert indexed_sources() == {"own_a.txt"}
