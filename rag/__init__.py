"""Cited answers over Chinese news, from a local Qwen model.

>>> import rag
>>> a = rag.ask("2024年北京站的客流量是多少?")   # doctest: +SKIP
>>> a.text, a.citations[0].source                    # doctest: +SKIP
('2024年北京站的客流量为3000万人次[1]。', '000_3f9a1c2b7d4e5a60.txt')
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from rag.config import Settings, get_settings
from rag.ingest.load import load_articles
from rag.records import Answer, Article, Citation, Passage

__all__ = [
    "Answer",
    "Article",
    "Citation",
    "Passage",
    "Settings",
    "ask",
    "ask_stream",
    "retrieve",
    "index_paths",
    "load_articles",
]


def ask(question: str, history: list[dict] | None = None) -> Answer:
    """Answer ``question`` from the indexed articles, citing passages as [1], [2] …

    ``history`` is the conversation so far, ``[{"role": "user"|"assistant", "content": str}]``;
    a follow-up such as "那上海站呢?" is rewritten into a standalone question first.
    Raises ``rag.answer.question.QuestionError`` for empty or oversized questions.
    """
    from rag.runtime import get_answerer

    return get_answerer().ask(question, history)


def ask_stream(question: str, history: list[dict] | None = None) -> Iterator[str | Answer]:
    """Like ``ask`` but yields text pieces as they are generated, then the final ``Answer``."""
    from rag.runtime import get_answerer

    return get_answerer().stream(question, history)


def retrieve(question: str, k: int = 5) -> list[Passage]:
    """The ``k`` best passages for ``question`` (hybrid BM25 + dense), best first."""
    from rag.runtime import get_retriever

    return get_retriever().search(question, k=k)


def index_paths(paths: list[str | Path], progress: bool = True):
    """Add or update articles from files, folders or JSON Lines archives; returns a
    ``SyncReport`` (an ``IngestReport``: its ``notices`` say when the demo articles indexed
    on first use were removed first). The warm retriever reads only the difference at its
    next search (the index generation moved), so an added article is searchable at once."""
    from rag.runtime import ingest

    return ingest([Path(p) for p in paths], get_settings(), progress=progress)
