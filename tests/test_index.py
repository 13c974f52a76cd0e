"""The Chroma store stays in sync with the corpus: incremental, idempotent, crash-safe."""

import pytest

from rag.config import Settings
from rag.index.retrieve import HybridRetriever
from rag.index.store import PassageStore, StoreError, wipe_index
from rag.ingest.chunk import chunk_article
from rag.ingest.load import load_file


def store_for(home) -> PassageStore:
    return PassageStore(Settings.from_env({}, home=home))


def test_reingest_is_idempotent_and_incremental(rag_home, corpus):
    store = store_for(rag_home)
    first = store.sync([corpus], progress=False)
    total = store.count()
    assert first.added == total > 100

    again = store_for(rag_home).sync([corpus], progress=False)
    assert again.added == 0 and again.unchanged == total and again.removed == 0

    # edit one file: only its passages are re-embedded
    f = corpus / "002_2af769f3d82def0f.txt"
    f.write_text(f.read_text(encoding="utf-8").replace("云栖大会", "云栖峰会"), encoding="utf-8")
    edited = store_for(rag_home).sync([corpus], progress=False)
    changed = next(r for r in edited.files if r.path.endswith("002_2af769f3d82def0f.txt"))
    assert edited.added == changed.added > 0 and changed.removed == edited.removed > 0
    assert all(r.added == 0 for r in edited.files if r is not changed)
    assert store_for(rag_home).count() == total - changed.removed + changed.added

    # delete a file: its passages go
    f.unlink()
    gone = store_for(rag_home).sync([corpus], progress=False)
    texts = [p.source for p in store_for(rag_home).all_passages()]
    assert gone.removed == changed.added and "002_2af769f3d82def0f.txt" not in texts


def test_duplicate_article_in_another_file_is_reported_not_indexed(rag_home, corpus):
    store = store_for(rag_home)
    store.sync([corpus], progress=False)
    before = store.count()
    (corpus / "copy.txt").write_text(
        (corpus / "002_2af769f3d82def0f.txt").read_text(encoding="utf-8"), encoding="utf-8"
    )
    report = store_for(rag_home).sync([corpus], progress=False)
    dup = next(r for r in report.files if r.path.endswith("copy.txt"))
    assert dup.duplicates and "002_2af769f3d82def0f.txt" in dup.duplicates[0]
    assert store_for(rag_home).count() == before


def test_bad_files_do_not_stop_the_others(rag_home, corpus):
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "binary.txt").write_bytes(bytes(range(256)) * 20)
    (corpus / "gbk.txt").write_bytes(
        "星河云宣布投资42亿元在贵州建设数据中心,预计明年投产。".encode("gbk")
    )
    report = store_for(rag_home).sync([corpus], progress=False)
    status = {r.path.rsplit("/", 1)[-1]: r.status for r in report.files}
    assert status["empty.txt"] == "error" and status["binary.txt"] == "error"
    assert status["gbk.txt"] == "ok" and status["000_7ed9c2d50966efa1.txt"] == "ok"


def test_half_written_article_is_removed_and_redone(rag_home, corpus):
    """Simulates a SIGKILL after some passages of an article were written."""
    store = store_for(rag_home)
    arts, _ = load_file(corpus / "000_7ed9c2d50966efa1.txt")
    art = arts[0]
    art.path = str((corpus / "000_7ed9c2d50966efa1.txt").resolve())
    passages = chunk_article(art)
    store.add_article(art, passages)
    # what a kill between two write batches leaves: only the first passages of the article
    store.collection.delete(ids=[p.id for p in passages[3:]])
    assert store.count() == 3

    reopened = store_for(rag_home)
    assert reopened.repaired == 3 and reopened.count() == 0
    report = reopened.sync([corpus], progress=False)
    assert report.added == reopened.count()
    ids = [p.id for p in reopened.all_passages()]
    assert len(ids) == len(set(ids))


def test_bm25_index_is_persisted_and_reused(rag_home, corpus):
    store = store_for(rag_home)
    store.sync([corpus], progress=False)
    settings = Settings.from_env({}, home=rag_home)
    HybridRetriever(settings, store)
    saved = (rag_home / "bm25" / "rag.json").stat().st_mtime
    retriever = HybridRetriever(settings, store_for(rag_home))
    assert (rag_home / "bm25" / "rag.json").stat().st_mtime == saved
    assert retriever.search("腾讯2024年的资本开支", k=3, mode="bm25")[0].source.startswith("000_")


def test_corrupt_index_gives_clear_message_and_rebuild_works(rag_home, corpus):
    store_for(rag_home).sync([corpus], progress=False)
    for f in (rag_home / "chroma").rglob("chroma.sqlite3"):
        f.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match="rag ingest --rebuild"):
        store_for(rag_home)
    wipe_index(Settings.from_env({}, home=rag_home))
    assert store_for(rag_home).sync([corpus], progress=False).added > 100


def test_unwritable_data_dir_gives_clear_message(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    with pytest.raises(StoreError, match="RAG_HOME"):
        store_for(blocker / "home")


def test_deleted_index_folder_is_rebuilt_with_a_warning_and_uploads_kept(
    rag_home, corpus, caplog, monkeypatch
):
    import logging
    import shutil

    from rag import runtime
    from rag.config import get_settings

    monkeypatch.setenv("RAG_SEEDS", str(corpus))
    uploads = rag_home / "uploads"
    uploads.mkdir(parents=True)
    (uploads / "星河云.txt").write_text(
        "星河云宣布投资42亿元建设数据中心\n\n星河云今天宣布,将投资42亿元在贵州建设西部智算数据中心。",
        encoding="utf-8",
    )
    store = runtime.get_store(get_settings())
    HybridRetriever(get_settings(), store)  # writes the BM25 index next to Chroma
    before = store.count()
    assert any(p.source == "星河云.txt" for p in store.all_passages())

    runtime.reset()
    from chromadb.api.client import SharedSystemClient

    SharedSystemClient.clear_system_cache()
    shutil.rmtree(rag_home / "chroma")
    with caplog.at_level(logging.WARNING, logger="rag"):
        rebuilt = runtime.get_store(get_settings())
    assert "rag ingest --rebuild" in caplog.text  # says what happened and what to do
    assert rebuilt.count() == before  # seeds and the upload are back: nothing lost
    assert any(p.source == "星河云.txt" for p in rebuilt.all_passages())


def test_passages_written_before_the_packed_rows_still_read():
    from rag.index.rows import passage_from_row

    legacy = {"source": "a.txt", "title": "标题", "article_id": "a1", "start": 2, "end": 9}
    p = passage_from_row("p1", "图书馆周末开放。", legacy)  # the text was the Chroma document
    assert (p.source, p.title, p.text, p.start, p.end) == (
        "a.txt",
        "标题",
        "图书馆周末开放。",
        2,
        9,
    )


def test_a_new_index_is_built_with_the_configured_hnsw_graph(tmp_path):
    store = PassageStore(Settings.from_env({"RAG_HNSW_EF_SEARCH": "150"}, home=tmp_path))
    graph = store.collection.configuration["hnsw"]
    assert (graph["space"], graph["ef_search"]) == ("cosine", 150)
    assert graph["ef_construction"] == Settings().hnsw_ef_construction
