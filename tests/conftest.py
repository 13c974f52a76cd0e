"""Shared fixtures: every test gets its own data dir; the real model is assembled once per session.

Also the helpers several test files use: running the CLI or concurrent calls, a free local
port, and a headless Chromium for the page tests.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from rag import runtime
from rag.models.modelfile import GGUF_NAME

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"
AMAZON = "000_7ed9c2d50966efa1.txt"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


class CountingLock:
    """Wraps the model's lock and records how many threads ever held it at the same time."""

    def __init__(self, inner):
        self.inner = inner
        self.active = 0
        self.max_active = 0
        self.acquired = 0
        self._guard = threading.Lock()

    def __enter__(self):
        self.inner.acquire()
        with self._guard:
            self.active += 1
            self.acquired += 1
            self.max_active = max(self.max_active, self.active)
        return self

    def __exit__(self, *exc):
        with self._guard:
            self.active -= 1
        self.inner.release()
        return False


def run_concurrently(model, calls: dict, timeout: float = 800) -> tuple[dict, dict, CountingLock]:
    """Run each ``calls[key]()`` in its own thread, all released at once, counting how many
    threads held ``model``'s lock together; returns (results, errors, counting lock)."""
    original = model.lock
    model.lock = counting = CountingLock(original)
    results: dict = {}
    errors: dict = {}
    start = threading.Barrier(len(calls))

    def run(key, fn) -> None:
        start.wait()
        try:
            results[key] = fn()
        except BaseException as exc:  # reported by the caller, per call
            errors[key] = f"{type(exc).__name__}: {exc}"

    threads = [threading.Thread(target=run, args=item, daemon=True) for item in calls.items()]
    t0 = time.perf_counter()
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=timeout)
    finally:
        model.lock = original
    assert not any(t.is_alive() for t in threads), (
        f"still running after {time.perf_counter() - t0:.0f} s"
    )
    return results, errors, counting


def run_rag(*args: str, home: Path, timeout: float = 500) -> subprocess.CompletedProcess:
    """Run ``python -m rag.cli ARGS`` in a fresh process on data dir ``home``."""
    return subprocess.run(
        [sys.executable, "-m", "rag.cli", *args],
        env={**os.environ, "RAG_HOME": str(home)},
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory) -> Path:
    """A folder holding the verified default GGUF, assembled once for the whole test session.

    Reuses an already assembled copy from the user's cache when there is one (same hash
    stamp), so a developer's test run does not write another 1.1 GB.
    """
    from rag.models.modelfile import assemble_default_model

    cache = (
        Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "rag-zh-news" / "models"
    )
    folder = tmp_path_factory.mktemp("models")
    if (cache / GGUF_NAME).is_file() and (cache / GGUF_NAME).with_suffix(".sha256").is_file():
        for name in (GGUF_NAME, Path(GGUF_NAME).with_suffix(".sha256").name):
            (folder / name).symlink_to(cache / name)
    assemble_default_model(folder, progress=False)
    return folder


def _link_model(home: Path, model_dir: Path) -> None:
    (home / "models").mkdir(parents=True, exist_ok=True)
    for f in model_dir.iterdir():
        target = home / "models" / f.name
        if not target.exists():
            target.symlink_to(f.resolve())


@pytest.fixture(autouse=True)
def rag_home(tmp_path, monkeypatch) -> Path:
    """Redirect the data dir (index, BM25, uploads, model) to a fresh temp dir for each test."""
    home = tmp_path / "rag-home"
    monkeypatch.setenv("RAG_HOME", str(home))
    for var in (
        "RAG_LLM",
        "RAG_CHROMA_URL",
        "RAG_EMBEDDER",
        "RAG_TOP_K",
        "RAG_SNIPPET_CHARS",
        "RAG_AUTH",
    ):
        monkeypatch.delenv(var, raising=False)
    runtime.reset()
    yield home
    runtime.reset()


@pytest.fixture(scope="session")
def indexed_home(tmp_path_factory, model_dir) -> Path:
    """A data dir with the seeds indexed and the model linked, shared by the model tests."""
    home = tmp_path_factory.mktemp("indexed-home")
    _link_model(home, model_dir)
    from rag.config import Settings
    from rag.index.store import PassageStore

    PassageStore(Settings.from_env({}, home=home)).sync([SEEDS], progress=False)
    return home


@pytest.fixture
def warm_rag(indexed_home, monkeypatch):
    """``rag`` configured on the shared indexed home with the real model (kept warm across tests)."""
    import rag

    monkeypatch.setenv("RAG_HOME", str(indexed_home))
    return rag


@pytest.fixture
def corpus(tmp_path) -> Path:
    """A writable copy of the seed corpus."""
    folder = tmp_path / "corpus"
    shutil.copytree(SEEDS, folder)
    return folder


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium (playwright), one per test module; skips when it is not installed."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} missing: apt-get install -y chromium fonts-wqy-microhei")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()
