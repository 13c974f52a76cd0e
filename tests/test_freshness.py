"""Every process answers from the current index: a file removed (or added) by ``rag ingest``
in another process is gone from (or in) this process's very next retrieval and answer,
without a restart. Retrieval is real (Chroma + BM25); the chat model is a MockModel."""

from __future__ import annotations

import shutil

import pytest

import rag
from rag import runtime
from rag.config import get_settings
from rag.index.generation import read_generation
from rag.models.base import MockModel
from tests.conftest import AMAZON, SEEDS, run_rag

pytestmark = pytest.mark.timeout(600)

QUESTION = "2024年亚马逊的资本支出是多少?"  # answered by AMAZON, touched on by 001
OTHER = "001_83e50cba1bb5f80c.txt"
LATER = "002_2af769f3d82def0f.txt"  # the only seed about 云栖大会
MODES = ("hybrid", "bm25", "dense")


@pytest.fixture
def page(tmp_path, rag_home, monkeypatch):
    """A running 'page' process (this one): two seeds indexed, the runtime warm, a MockModel."""
    folder = tmp_path / "news"
    folder.mkdir()
    for name in (AMAZON, OTHER):
        shutil.copy(SEEDS / name, folder / name)
    monkeypatch.setenv("RAG_SEEDS", str(folder))  # the zero-setup sync indexes exactly these
    runtime.get_store(get_settings())  # first: opening a store for a new data dir drops the model
    runtime.use_model(MockModel(["2024年亚马逊的资本支出为777亿美元[1]。"] * 20))
    return folder


def sources(passages) -> set[str]:
    return {p.source for p in passages}


def test_a_file_removed_by_the_cli_is_never_returned_or_cited_again(page, rag_home):
    answerer = runtime.get_answerer()  # held across questions, as the page holds it
    retriever = runtime.get_retriever()
    before = answerer.ask(QUESTION)
    assert AMAZON in sources(before.passages)
    assert AMAZON in {c.source for c in before.citations}, before
    assert all(AMAZON in sources(retriever.search(QUESTION, k=8, mode=m)) for m in MODES)
    generation = read_generation(rag_home)

    (page / AMAZON).unlink()
    cli = run_rag("ingest", str(page), home=rag_home)  # another process, same RAG_HOME
    assert cli.returncode == 0, cli.stderr[-2000:]
    assert "0 passages embedded" in cli.stdout and " 0 removed" not in cli.stdout, cli.stdout
    assert read_generation(rag_home) > generation

    # the very next question in this process: the file is gone from retrieval and answers
    for mode in MODES:
        hits = retriever.search(QUESTION, k=8, mode=mode)
        assert hits and AMAZON not in sources(hits), (mode, sources(hits))
    assert AMAZON not in sources(rag.retrieve(QUESTION, k=8))
    after = answerer.ask(QUESTION)
    assert AMAZON not in sources(after.passages)
    assert AMAZON not in {c.source for c in after.citations}, after
    assert all(p.source != AMAZON for p in retriever.passages.values())


def test_a_file_added_by_the_cli_is_found_at_once_by_bm25_and_dense_search(page, rag_home):
    retriever = runtime.get_retriever()
    question = "阿里巴巴在云栖大会上宣布了什么?"
    assert LATER not in sources(retriever.search(question, k=8))

    shutil.copy(SEEDS / LATER, page / LATER)
    cli = run_rag("ingest", str(page), home=rag_home)
    assert cli.returncode == 0, cli.stderr[-2000:]

    # dense search too: the embedded Chroma client of this process is reopened, not only
    # the passage list reloaded (its in-memory vector index would not show the new file)
    for mode in MODES:
        assert LATER in sources(retriever.search(question, k=8, mode=mode)), mode
    assert runtime.get_store(get_settings()).count() == len(retriever.passages)
