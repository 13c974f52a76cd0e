"""The passage store against a real Chroma server (``RAG_CHROMA_URL``) instead of the embedded one.

Starts ``chroma run`` from the venv on a free local port for this module and always stops it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from rag.config import Settings
from rag.index.store import PassageStore, StoreError, open_client, wipe_index
from tests.conftest import AMAZON, SEEDS, free_port

pytestmark = pytest.mark.server

QUESTION = "2024年亚马逊的资本支出是多少?"


def _chroma_cli() -> str:
    cli = Path(sys.executable).with_name("chroma")
    if not cli.exists():
        pytest.skip("the chroma CLI is not installed next to this Python")
    return str(cli)


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)  # its own session: the server and nothing else
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=15)


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory) -> str:
    """URL of a fresh ``chroma run`` server, up for this module, stopped at its end."""
    data = tmp_path_factory.mktemp("chroma-server")
    port = free_port()
    log = open(data / "server.log", "wb")  # noqa: SIM115 - closed in the teardown below
    proc = subprocess.Popen(
        [
            _chroma_cli(),
            "run",
            "--path",
            str(data / "db"),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                tail = (data / "server.log").read_text(errors="replace")[-2000:]
                pytest.fail(f"chroma run exited with {proc.returncode}:\n{tail}")
            try:
                with urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=2) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                tail = (data / "server.log").read_text(errors="replace")[-2000:]
                pytest.fail(f"chroma server did not answer its heartbeat within 60 s:\n{tail}")
            time.sleep(0.5)
        yield url
    finally:
        _stop(proc)
        log.close()


@pytest.mark.timeout(300)
def test_sync_query_and_reopen_through_the_server(chroma_url, monkeypatch):
    from rag.index.embed import USEEmbedding
    from rag.index.retrieve import HybridRetriever

    monkeypatch.setenv("RAG_CHROMA_URL", chroma_url)
    settings = Settings.from_env()
    assert settings.chroma_url == chroma_url

    store = PassageStore(settings)
    assert type(store.client).__name__ != "PersistentClient"
    report = store.sync([SEEDS], progress=False)
    assert report.added > 0
    assert store.count() == report.added
    assert not settings.chroma_dir.exists()  # nothing went into the embedded store

    retriever = HybridRetriever(settings, store)
    hits = retriever.search(QUESTION, k=5, mode="dense")
    assert hits, "dense search through the server found nothing"
    amazon = [h for h in hits if h.source == AMAZON]
    assert amazon, [h.source for h in hits]
    assert any("777亿美元" in h.text for h in amazon), [h.text for h in amazon]
    assert AMAZON in [h.source for h in retriever.search(QUESTION, k=5)]  # hybrid too

    # a second store reopens the collection; its embedder comes from the registered config
    again = PassageStore(Settings.from_env())
    assert again.count() == store.count()
    reopened = again.client.get_collection(settings.collection)  # no embedding_function given
    assert reopened.configuration_json["embedding_function"]["name"] == USEEmbedding.name()
    assert isinstance(reopened.configuration.get("embedding_function"), USEEmbedding)
    found = reopened.query(query_texts=[QUESTION], n_results=3, include=["metadatas"])
    assert AMAZON in [m["source"] for m in found["metadatas"][0]]
    second = again.sync([SEEDS], progress=False)
    assert second.added == 0
    assert second.unchanged == report.added
    assert second.removed == 0

    # --rebuild against a server drops the collection there
    wipe_index(settings)
    assert PassageStore(settings).count() == 0


@pytest.mark.timeout(60)
def test_unreachable_chroma_server_is_a_store_error(monkeypatch):
    url = f"http://127.0.0.1:{free_port()}"
    monkeypatch.setenv("RAG_CHROMA_URL", url)
    with pytest.raises(StoreError, match=rf"cannot reach the Chroma server at {url}"):
        open_client(Settings.from_env())
    with pytest.raises(StoreError, match="cannot reach the Chroma server"):
        PassageStore(Settings.from_env())
