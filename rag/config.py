"""All settings in one typed place.

Every field can be overridden by an environment variable ``RAG_<FIELD>`` (upper case) and,
for the CLI, by ``--set field=value``. Defaults are embedded so ``rag.ask("…")`` works with
zero setup.

    >>> Settings.from_env({"RAG_TOP_K": "7"}).top_k
    7
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field, fields
from importlib import resources
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def _data_dir(name: str) -> Path:
    """The shipped data folder ``name`` (``prompts`` or ``seeds``).

    The repo keeps them at its top level; a wheel installs them as ``rag/prompts`` and
    ``rag/seeds`` (package-dir in pyproject.toml), found here with importlib.resources. An
    editable install maps only ``rag/`` to the checkout, so there they are the checkout's own
    folders (setuptools' editable finder cannot map a data folder without ``__init__.py``, and
    seeds/ must not get one: ingestion reads every file of the folder).

    >>> sorted(p.name for p in _data_dir("prompts").glob("answer_user_*.txt"))
    ['answer_user_en.txt', 'answer_user_zh.txt']
    """
    packaged = resources.files("rag") / name
    if isinstance(packaged, Path) and packaged.is_dir():
        return packaged
    return REPO_ROOT / name


def _default_home() -> Path:
    # XDG cache dir: the model (1.1 GB) and the index are caches we can always rebuild.
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "rag-zh-news"


@dataclass(frozen=True)
class Settings:
    """Typed configuration; see README for the table of ``RAG_*`` variables."""

    home: Path = field(default_factory=_default_home)  # data dir: model, chroma, bm25
    # the demo articles, indexed on first use when the index is empty and no other corpus was
    # given (rag.runtime); RAG_SEEDS="" turns the demo off (None)
    seeds: Path | None = _data_dir("seeds")
    prompts: Path = _data_dir("prompts")  # the prompt templates (rag.models.prompts)
    llm: str = "default"  # "default" | /path/model.gguf | hf:<id or dir> | openai:<base url>
    llm_model_name: str = ""  # model name sent to an OpenAI-compatible server
    llm_api_key: str = field(default="", repr=False)  # bearer token for that server (a secret)
    chroma_url: str = ""  # http://host:port -> HttpClient instead of the embedded store
    collection: str = "passages"
    # HNSW graph of a new collection: fewer neighbours tried per insert make Chroma's write
    # ~35% cheaper, and a wider search gives back more recall than that lost (recall@20 0.973
    # against Chroma's 100/100: 0.967; bench/hnsw_params.py). An existing index keeps its own.
    hnsw_ef_construction: int = 50
    hnsw_ef_search: int = 200
    embedder: str = "use"  # "use" (multilingual USE v3) | "e5" (multilingual-e5-small)
    n_ctx: int = 2048
    n_threads: int = field(default_factory=lambda: os.cpu_count() or 2)
    n_batch: int = 512
    max_tokens: int = 200
    repeat_penalty: float = 1.1
    chunk_chars: int = 220  # passage size (characters of clean simplified text)
    chunk_overlap: int = 1  # sentences shared by neighbouring passages
    # most passages embedded and written per batch at ingestion (batches start at 8 and
    # double); a kill loses at most the batch in flight
    ingest_batch: int = 1024
    # worker processes that embed an ingest of 200 new articles or more (one BLAS thread each:
    # on 2 cores ~45% faster than this process's two threads); 0 or 1: embed in this process
    ingest_workers: int = field(default_factory=lambda: min(4, os.cpu_count() or 1))
    top_k: int = 3  # passages handed to the model for a question of several parts
    top_k_single: int = 2  # … and for one that asks a single thing (fewer tokens, faster)
    snippet_chars: int = 130  # evidence window of the first snippet inside the prompt
    # … and of the fallback snippets of a single-ask question: shorter ones save ~0.4 s but a
    # clipped near-miss made the model refuse a clear [1] (bench/NOTES.md), so same by default
    later_snippet_chars: int = 130
    # a single-ask question whose first snippet answers it alone is shown that one only, and
    # one of several parts the snippets up to the first that cover every part (less prefill)
    answers_alone: bool = True
    covering_prefix: bool = True
    # a Chinese refusal is re-read when the snippets cover this share of the question's key
    # terms (the model may have missed an answer worded differently from the question)
    reread_support: float = 0.5
    candidates: int = 20  # per retriever, before fusion
    fusion: str = "dist_based_score"  # LlamaIndex fusion mode: reciprocal_rerank | relative_score | dist_based_score
    bm25_weight: float = 0.6  # share of BM25 in the score-based fusion modes
    max_question_chars: int = 2000
    max_upload_bytes: int = 10_000_000
    max_file_bytes: int = 2_000_000  # per file at ingestion: ~1M characters, minutes to embed
    host: str = "127.0.0.1"
    port: int = 7860
    # "user:password": the page's login; required to serve on a non-loopback address (a secret)
    auth: str = field(default="", repr=False)
    queue_size: int = 16
    log_level: str = "INFO"  # INFO: one line per answer; DEBUG adds the full prompts

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, **overrides: object) -> Settings:
        """Defaults, then ``RAG_*`` variables, then explicit keyword overrides."""
        env = os.environ if env is None else env
        values: dict[str, object] = {}
        for f in fields(cls):
            raw = env.get(f"RAG_{f.name.upper()}")
            if raw is not None and (raw != "" or f.name in _EMPTY_IS_NONE):
                values[f.name] = _coerce(f, raw)
        for name, value in overrides.items():
            if value is None:
                continue
            f = next((f for f in fields(cls) if f.name == name), None)
            if f is None:
                raise ValueError(f"unknown setting {name!r}")
            values[name] = _coerce(f, value) if isinstance(value, str) else value
        return cls(**values)

    def public(self) -> dict[str, str]:
        """The settings as text for reports and logs: secrets masked, the data dir left out.

        >>> Settings.from_env({"RAG_LLM_API_KEY": "sk-123"}).public()["llm_api_key"]
        '***'
        >>> Settings.from_env({"RAG_AUTH": "ann:pw"}).public()["auth"]
        '***'
        """
        secret = {"llm_api_key", "auth"}
        return {
            f.name: (
                "***" if f.name in secret and getattr(self, f.name) else str(getattr(self, f.name))
            )
            for f in fields(self)
            if f.name != "home"
        }

    def replace(self, **changes: object) -> Settings:
        return dataclasses.replace(self, **changes)

    @property
    def chroma_dir(self) -> Path:
        return self.home / "chroma"

    @property
    def model_dir(self) -> Path:
        return self.home / "models"


# settings whose empty value means "none" rather than "the default": RAG_SEEDS="" is no demo
_EMPTY_IS_NONE = {"seeds"}


def _boolean(raw: str) -> bool:
    """``1/true/yes/on`` or ``0/false/no/off`` (any case).

    >>> _boolean("Off"), _boolean("1")
    (False, True)
    """
    word = raw.strip().lower()
    if word in ("1", "true", "yes", "on"):
        return True
    if word in ("0", "false", "no", "off"):
        return False
    raise ValueError(word)


def _coerce(f: dataclasses.Field, raw: str) -> object:
    """``raw`` as the field's type.

    >>> Settings.from_env({"RAG_SEEDS": ""}).seeds is None
    True
    >>> Settings.from_env({"RAG_SEEDS": "/srv/demo"}).seeds.as_posix()
    '/srv/demo'
    """
    kind = f.type if isinstance(f.type, str) else getattr(f.type, "__name__", str(f.type))
    if f.name in _EMPTY_IS_NONE and not raw.strip():
        return None
    kind = kind.removesuffix(" | None")
    try:
        if kind == "bool":
            return _boolean(raw)
        if kind == "int":
            return int(raw)
        if kind == "float":
            return float(raw)
        if kind == "Path":
            return Path(raw).expanduser()
    except ValueError as exc:
        raise ValueError(f"RAG_{f.name.upper()}={raw!r} is not a valid {kind}") from exc
    return raw


def get_settings() -> Settings:
    """Settings read fresh from the environment (cheap; no caching so tests can monkeypatch)."""
    return Settings.from_env()
