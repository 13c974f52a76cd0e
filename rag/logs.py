"""Logging for the CLI and the page: one line per answer at INFO, prompts only at DEBUG.

Default logs (``RAG_LOG_LEVEL=INFO``) say what happened and how long it took, never the
full prompt or passages (they may hold private documents) and never a secret setting.
"""

from __future__ import annotations

import logging

from rag.config import Settings

# chatty libraries: their INFO/DEBUG lines would bury ours (bm25s logs every index build)
_QUIET = ("httpx", "httpcore", "chromadb", "bm25s", "urllib3", "gradio", "jieba")


def setup_logging(settings: Settings) -> None:
    """Configure the root logger at ``settings.log_level``; libraries stay at WARNING."""
    level = getattr(logging, settings.log_level.upper(), None)
    if not isinstance(level, int):
        raise ValueError(f"RAG_LOG_LEVEL={settings.log_level!r} is not a logging level")
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("rag").setLevel(level)
    for name in _QUIET:
        logging.getLogger(name).setLevel(max(level, logging.WARNING))
