"""A real SIGKILL in the middle of ``rag ingest``: the next run finds a consistent index
(no half-ingested article, nothing twice) and finishes the job."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from rag.config import Settings
from rag.index.store import PassageStore
from rag.ingest.chunk import chunk_article
from rag.ingest.load import load_file
from tests.conftest import REPO, SEEDS, run_rag

pytestmark = pytest.mark.timeout(600)

N_FILES = 40


def synthetic_corpus(folder: Path) -> Path:
    """N_FILES one-article files cut from the seeds' paragraphs, no two sharing a paragraph."""
    paragraphs: list[str] = []
    for f in sorted(SEEDS.glob("*.txt")):
        for article in load_file(f)[0]:
            paragraphs += [p.strip() for p in article.text.split("\n") if len(p.strip()) >= 60]
    per_file = max(1, len(paragraphs) // N_FILES)
    folder.mkdir(parents=True)
    for i in range(N_FILES):
        body = "\n\n".join(paragraphs[i * per_file : (i + 1) * per_file])
        (folder / f"news_{i:02d}.txt").write_text(f"测试新闻第{i}篇\n\n{body}\n", encoding="utf-8")
    return folder


def kill_during_indexing(
    corpus: Path, home: Path, when=lambda done, total: 3 <= done < total - 3
) -> int:
    """Start ``rag ingest``, SIGKILL it once ``when(articles written, total)``; return how many were."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "rag.cli", "ingest", str(corpus)],
        env={**os.environ, "RAG_HOME": str(home)},
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    seen = b""
    deadline = time.monotonic() + 300
    try:
        while time.monotonic() < deadline:
            chunk = os.read(proc.stderr.fileno(), 4096)
            if not chunk:
                break
            seen += chunk
            progress = re.findall(rb"indexing:[^\r\n]*?(\d+)/(\d+) \[", seen)
            if progress:
                done, total = map(int, progress[-1])
                if when(done, total):
                    proc.send_signal(signal.SIGKILL)
                    proc.wait(timeout=30)
                    return done
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)
    pytest.fail(f"ingest ended before it could be killed mid-way: {seen[-500:]!r}")


def test_sigkill_during_ingest_leaves_a_consistent_index_that_the_next_run_completes(tmp_path):
    corpus = synthetic_corpus(tmp_path / "corpus")
    home = tmp_path / "home"

    done_before_kill = kill_during_indexing(corpus, home)
    assert done_before_kill >= 3

    rerun = run_rag("ingest", str(corpus), home=home)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    # the articles written before the kill were kept, the rest were added now
    summary = re.search(r"(\d+) passages embedded · (\d+) unchanged", rerun.stdout)
    assert summary, rerun.stdout
    added, unchanged = map(int, summary.groups())
    assert added > 0 and unchanged > 0, rerun.stdout

    store = PassageStore(Settings.from_env({}, home=home))
    passages = store.all_passages()
    ids = [p.id for p in passages]
    assert len(ids) == len(set(ids)), "a passage was stored twice"
    expected: dict[str, int] = {}
    for f in sorted(corpus.glob("*.txt")):
        for article in load_file(f)[0]:
            expected[article.id] = len(chunk_article(article))
    stored = Counter(p.article_id for p in passages)
    assert stored == Counter(expected), "an article is missing, half-written or doubled"
    assert added + unchanged == len(passages)

    # and a third run has nothing left to do
    again = run_rag("ingest", str(corpus), home=home)
    assert again.returncode == 0 and " 0 passages embedded" in again.stdout, again.stdout
