"""The page's example questions, taken from what is indexed.

While the demo articles (``seeds/``) are indexed, the questions written for them
(``rag/data/seed_examples.tsv``, each offered only while its article is indexed); for any
other corpus, neutral questions made from the titles of the articles indexed last. With both,
half of each. Nothing indexed (the demo off, nothing ingested yet): no examples.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import gradio as gr

from rag.config import Settings, get_settings
from rag.data import read_table
from rag.index.catalog import latest_records
from rag.ingest.load import iter_files

log = logging.getLogger(__name__)

_TRIM = "。！？!?.,，;；:：、 "


def title_question(title: str, limit: int = 32) -> str | None:
    """A neutral question about an article, made from its title; None when the title does
    not make one (cut off, too short or too long to read as a question).

    >>> title_question("市图书馆延长周末开放时间")
    '《市图书馆延长周末开放时间》一文的主要内容是什么？'
    >>> title_question("《城市志》首发 收录百年老照片")
    '《〈城市志〉首发 收录百年老照片》一文的主要内容是什么？'
    >>> title_question("City library extends its weekend hours")
    'What is the article “City library extends its weekend hours” about?'
    >>> title_question("开幕"), title_question("市民在公园里散步时发现…")
    (None, None)
    """
    text = re.sub(r"\s+", " ", title or "").strip().strip(_TRIM)
    if text.endswith("…") or not 6 <= len(text) <= limit * (3 if text.isascii() else 1):
        return None
    if re.search(r"[\u3400-\u9fff]", text):
        inner = text.replace("《", "〈").replace("》", "〉")  # a title inside the title mark
        return f"《{inner}》一文的主要内容是什么？"
    if len(text.split()) < 3 or not re.search(r"[A-Za-z]", text):
        return None
    return f"What is the article “{text}” about?"


def seed_questions(indexed: set[str]) -> list[str]:
    """The demo questions whose seed file (by name) is among ``indexed``.

    >>> seed_questions(set())
    []
    """
    rows = read_table("seed_examples.tsv")
    return [r["question"] for r in rows if r["seed_file"] in indexed]


def _seed_files(settings: Settings) -> list[Path]:
    """The files of the configured seeds folder and of the shipped one (resolved)."""
    folders = {Path(s).resolve() for s in (settings.seeds, Settings().seeds) if s is not None}
    return [
        f.resolve() for folder in sorted(folders) if folder.is_dir() for f in iter_files([folder])
    ]


def example_questions(store, settings: Settings, n: int = 4) -> list[str]:
    """Up to ``n`` example questions for what ``store`` holds (see the module docstring)."""
    seeds = {str(f): f.name for f in _seed_files(settings)}
    indexed_seeds = {seeds[p] for p, arts in store.catalog.by_path(list(seeds)).items() if arts}
    demo = seed_questions(indexed_seeds)
    records = [r for r in latest_records(store.catalog, 200) if r.get("path") not in seeds]
    own: list[str] = []
    for r in records:
        q = title_question(str(r.get("title", "")))
        if q and q not in own:
            own.append(q)
        if len(own) == n:
            break
    k = n - min(len(own), n // 2) if demo else 0  # both: half each, the rest from either
    chosen = demo[:k]
    return chosen + own[: n - len(chosen)]


def examples_update(settings: Settings | None = None) -> gr.Dataset:
    """The event handler: the example list for this page load (hidden when empty). Opening
    the store is the first use: an empty index gets the demo here, as at the first question."""
    from rag.runtime import get_store

    settings = settings or get_settings()
    try:
        questions = example_questions(get_store(settings), settings)
    except Exception as exc:  # the page works without examples; the index error shows elsewhere
        log.warning("no example questions: %s", exc)
        questions = []
    return gr.Dataset(samples=[[q] for q in questions], visible=bool(questions))
