"""A file's articles are indexed as one unit: a real SIGKILL while an uploaded file of three
articles is being indexed leaves it, after a restart, fully indexed or absent — never partial —
and the store says which (``PassageStore.file_states``, for the Articles tab)."""

from __future__ import annotations

import threading
from collections import Counter
from pathlib import Path

import pytest

from rag import runtime
from rag.config import Settings, get_settings
from rag.index.manifest import PENDING, REDONE, Manifest
from rag.index.store import PassageStore
from rag.ingest.chunk import chunk_article
from rag.ingest.load import load_file
from tests.conftest import SEEDS, run_rag
from tests.test_crash import kill_during_indexing

pytestmark = pytest.mark.timeout(600)

# three single-article seeds, 24-38 passages each: a second or more of embedding per article
BODIES = ("001_83e50cba1bb5f80c.txt", "002_2af769f3d82def0f.txt", "003_02e4cb6c185f9d60.txt")


def three_article_upload(home: Path) -> tuple[Path, dict[str, int]]:
    """``home/uploads/three.txt`` holding three articles split at source lines; returns it
    and {article id: passages} of a complete index of it."""
    a, b, c = (load_file(SEEDS / name)[0][0].text for name in BODIES)
    uploads = home / "uploads"
    uploads.mkdir(parents=True)
    path = uploads / "three.txt"
    path.write_text(
        f"{a}\n\n据《科技日报》作者:崔爽\n\n{b}\n\n据《新华社》\n\n{c}\n", encoding="utf-8"
    )
    articles, _ = load_file(path)
    assert len(articles) == 3
    return path, {art.id: len(chunk_article(art)) for art in articles}


def stored(home: Path) -> Counter:
    """Passages per article as the kill left them (the store opened without repairing)."""
    store = PassageStore(Settings.from_env({}, home=home), recover=False)
    return Counter(p.article_id for p in store.all_passages())


def kill_after_first_article(path: Path, home: Path, expected: dict[str, int]) -> None:
    """SIGKILL ``rag ingest`` once the first article is written; check the kill left a part."""
    kill_during_indexing(path, home, when=lambda done, total: done >= 1)
    left = stored(home)
    complete = [aid for aid, n in left.items() if n == expected.get(aid)]
    assert 1 <= len(complete) < 3, f"the kill did not land inside the file: {left}"
    store = PassageStore(Settings.from_env({}, home=home), recover=False)
    assert store.manifests.all()[str(path.resolve())].state == PENDING  # not committed


@pytest.fixture
def no_seeds(tmp_path, monkeypatch) -> None:
    # an empty index at start would get the seeds: keep the index to the upload alone
    (tmp_path / "no-seeds").mkdir()
    monkeypatch.setenv("RAG_SEEDS", str(tmp_path / "no-seeds"))


def test_killed_upload_is_completed_when_the_page_starts_again(rag_home, no_seeds):
    path, expected = three_article_upload(rag_home)
    kill_after_first_article(path, rag_home, expected)

    store = runtime.get_store(get_settings())  # what the restarted page does first
    assert Counter(p.article_id for p in store.all_passages()) == Counter(expected)
    key = str(path.resolve())
    assert store.recovered == {key: REDONE}
    state = store.file_states()[key]
    assert (state.state, state.articles) == (REDONE, 3)
    assert "interrupted" in state.detail
    # and the Articles tab says so next to each of its articles
    from rag.ui.corpus import render_corpus

    assert render_corpus().count(f'rag-state">{state.detail}') == 3

    # the file is committed now: ingesting it again has nothing to do
    again = run_rag("ingest", str(path), home=rag_home)
    assert again.returncode == 0 and " 0 passages embedded" in again.stdout, again.stdout
    assert stored(rag_home) == Counter(expected)


def test_killed_upload_whose_file_is_gone_is_removed_whole(rag_home, no_seeds, tmp_path):
    path, expected = three_article_upload(rag_home)
    kill_after_first_article(path, rag_home, expected)
    path.unlink()

    # the next process to open the index repairs it, whatever it was started for
    (tmp_path / "nothing").mkdir()
    restart = run_rag("ingest", str(tmp_path / "nothing"), home=rag_home)
    assert restart.returncode == 0, restart.stderr[-2000:]
    assert "interrupted ingest of three.txt: its articles removed" in restart.stdout
    assert stored(rag_home) == Counter()  # nothing of the file is left
    state = PassageStore(Settings.from_env({}, home=rag_home)).file_states()[str(path.resolve())]
    assert (state.state, state.articles, state.passages) == ("removed", 0, 0)


def test_upload_killed_before_its_commit_is_indexed_at_the_next_open(rag_home, no_seeds):
    """Killed between the copy into uploads/ and the sync: no manifest, no passages."""
    settings = get_settings()
    seed = rag_home / "first.txt"
    seed.parent.mkdir(parents=True)
    # the biobattery article: nothing like the three in the upload
    seed.write_text(load_file(SEEDS / "000_7ed9c2d50966efa1.txt")[0][2].text, encoding="utf-8")
    PassageStore(settings).sync([seed], progress=False)  # an index with manifests
    path, expected = three_article_upload(rag_home)

    store = PassageStore(settings)
    assert store.recovered == {str(path.resolve()): REDONE}
    got = Counter(p.article_id for p in store.all_passages())
    assert {aid: got[aid] for aid in expected} == expected


def test_a_live_writers_pending_file_is_not_touched(rag_home, corpus):
    """Recovery is for killed writers: while one holds the lock its files are in progress."""
    settings = get_settings()
    store = PassageStore(settings)
    store.sync([corpus / "000_7ed9c2d50966efa1.txt"], progress=False)
    key = str((corpus / "000_7ed9c2d50966efa1.txt").resolve())
    store.manifests.put(Manifest(key, PENDING))
    before = store.count()

    held, release = threading.Event(), threading.Event()

    def writer() -> None:
        with store.lock.hold():
            held.set()
            release.wait(30)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        held.wait(30)
        during = PassageStore(settings)
        assert during.recovered == {} and during.count() == before
        assert during.file_states()[key].state == "indexing"
    finally:
        release.set()
        thread.join(30)
    after = PassageStore(settings)  # the writer is gone: now it is an interrupted file
    assert after.recovered == {key: REDONE} and after.count() == before


def test_an_index_from_before_manifests_is_adopted_not_called_interrupted(rag_home, corpus):
    settings = get_settings()
    store = PassageStore(settings)
    store.sync([corpus], progress=False)
    book = store.manifests.collection
    book.delete(ids=book.get()["ids"])  # what an index built by an older version looks like

    reopened = PassageStore(settings)
    assert reopened.recovered == {} and reopened.count() == store.count()
    states = reopened.file_states()
    assert len(states) == 4 and {s.state for s in states.values()} == {"complete"}
