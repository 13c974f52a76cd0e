"""The Articles tab at scale (rag/ui/articles.py): search by title or source, 50 rows a page,
repairs shown from what ingest recorded — and, in Chromium, a 10k-article index that opens in
under 2 s and narrows when searched. The large index is written without the embedder
(tests/big_index.py)."""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

import pytest

import rag.ui.app as ui
from rag import runtime
from rag.config import Settings, get_settings
from rag.index.store import PassageStore
from rag.ui.articles import PAGE_SIZE, article_page, render_article_page, render_corpus
from tests.big_index import fill_index, title
from tests.conftest import free_port

BIG = 10_000


def test_pages_of_fifty_and_a_search_that_narrows_them(rag_home):
    store = fill_index(rag_home, 120)
    first = article_page(store=store)
    assert (first.total, first.matching, first.pages, len(first.rows)) == (120, 120, 3, PAGE_SIZE)
    assert [r["source"] for r in first.rows[:2]] == ["news.jsonl#a00000", "news.jsonl#a00001"]
    last = article_page(page=99, store=store)  # clamped to the last page
    assert (last.page, len(last.rows), last.rows[-1]["title"]) == (3, 20, title(119))

    by_title = article_page(title(42)[:4], store=store)  # "第42号"
    assert by_title.matching == 1 and by_title.rows[0]["source"] == "news.jsonl#a00042"
    by_source = article_page("NEWS.JSONL#A0001", store=store)  # any case
    assert by_source.matching == 10 and by_source.total == 120
    assert article_page("没有这个标题", store=store).rows == []

    html = render_article_page(by_source, "NEWS.JSONL#A0001")
    assert html.count("<tr>") == 11 and "showing 1–10 of 10 matching" in html


def test_uploads_come_first_and_repairs_come_from_the_ingest(rag_home, tmp_path):
    fill_index(rag_home, 60)
    upload = rag_home / "uploads" / "notice.txt"
    upload.parent.mkdir(parents=True)
    upload.write_text(
        "图书馆通知🙂\n\n本市图书馆今天起延长开放时间🙂,周末开放到晚上九点,方便附近居民。",
        encoding="utf-8",
    )
    store = PassageStore(Settings.from_env({}, home=rag_home))
    store.sync([upload], progress=False)
    upload.unlink()  # the tab never reads the file again: the repairs were recorded at ingest
    page = article_page(store=store)
    assert page.total == 61 and page.rows[0]["source"] == "notice.txt" and page.rows[0]["uploaded"]
    html = render_article_page(page)
    assert "emoji ×" in html.split("</tr>")[1] and "uploaded" in html


@pytest.fixture(scope="module")
def big_page():
    """The page on a 10k-article index, served on a free port (no model is needed)."""
    root = Path(tempfile.mkdtemp(prefix="rag-articles-test-"))
    home = root / "home"
    mp = pytest.MonkeyPatch()
    mp.setenv("RAG_HOME", str(home))
    mp.delenv("RAG_CHROMA_URL", raising=False)
    runtime.reset()
    fill_index(home, BIG)
    settings = get_settings()
    runtime.get_store(settings)  # a running page has its store open
    demo = ui.build_app(settings)
    port = free_port()
    demo.launch(
        **ui.launch_options(settings, host="127.0.0.1", port=port),
        prevent_thread_lock=True,
        quiet=True,
    )
    try:
        yield f"http://127.0.0.1:{port}/", home
    finally:
        demo.close()
        runtime.reset()
        mp.undo()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(autouse=True)
def rag_home(request, tmp_path, monkeypatch):
    """Overrides tests/conftest.py's: the browser test keeps the module's 10k home."""
    if "big_page" in request.fixturenames:
        home = request.getfixturevalue("big_page")[1]
    else:
        home = tmp_path / "rag-home"
        runtime.reset()
    monkeypatch.setenv("RAG_HOME", str(home))
    return home


@pytest.mark.browser
@pytest.mark.timeout(900)
def test_the_tab_opens_a_page_of_a_10k_index_in_under_2s_and_search_narrows_it(browser, big_page):
    url, _ = big_page
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    try:
        page.goto(url, wait_until="load")
        page.get_by_role("tab", name="资料库 · Articles").wait_for(timeout=60_000)
        start = time.perf_counter()
        page.get_by_role("tab", name="资料库 · Articles").click()
        rows = page.locator("#rag-corpus table tbody tr")
        rows.first.wait_for(timeout=10_000)
        opened = time.perf_counter() - start
        assert opened < 2.0, f"the Articles tab took {opened:.2f} s"
        assert rows.count() == PAGE_SIZE
        count = page.locator("#rag-articles-count")
        assert f"{BIG} articles" in count.inner_text()
        assert f"showing 1–50 of {BIG}" in count.inner_text()

        page.locator("#rag-next").click()
        page.wait_for_function(
            "document.querySelector('#rag-articles-count').innerText.includes('page 2 of 200')"
        )
        assert "news.jsonl#a00050" in rows.first.inner_text()

        box = page.locator("#rag-article-search textarea, #rag-article-search input").first
        box.fill(title(4321)[:6])  # "第4321号"
        box.press("Enter")
        page.wait_for_function(
            "document.querySelector('#rag-articles-count').innerText.includes('of 1 matching')"
        )
        assert rows.count() == 1 and "news.jsonl#a04321" in rows.first.inner_text()
        assert "page 1 of 1" in count.inner_text()
    finally:
        context.close()


def test_render_corpus_says_when_nothing_is_indexed(rag_home, tmp_path, monkeypatch):
    (tmp_path / "none").mkdir()
    monkeypatch.setenv("RAG_SEEDS", str(tmp_path / "none"))
    assert "No articles indexed yet" in render_corpus()
