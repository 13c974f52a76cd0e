"""Named eval sets: a question file over its own corpus, indexed in its own data dir.

``rag eval --set seeds`` grades ``eval/dev.jsonl`` over the shipped seeds, ``--set crud`` the
CRUD-RAG questions over ``eval/crud/articles``, ``--set all`` both. Each corpus is indexed under
``$RAG_HOME/eval/<name>``, so one set's articles never answer another set's questions and a
user's own index is never touched; the chat model stays in the main data dir.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from rag.config import Settings

EVAL_DIR = Path("eval")  # relative to the working directory, like ``--out eval/reports``


@dataclass(frozen=True)
class EvalSet:
    """Questions ``questions`` asked over ``corpus``, indexed in data dir ``<home>/eval/<index>``."""

    name: str
    questions: Path
    corpus: Path
    index: str


def named_sets(root: Path = EVAL_DIR, seeds: Path | None = None) -> dict[str, EvalSet]:
    """The sets ``--set NAME`` knows, in the order ``--set all`` runs them.

    >>> [(s.name, s.questions.as_posix()) for s in named_sets(Path("eval")).values()]
    [('seeds', 'eval/dev.jsonl'), ('crud', 'eval/crud/questions.jsonl')]
    """
    # the shipped seeds, whatever RAG_SEEDS says: dev.jsonl was written from them
    seeds = Path(seeds or Settings.from_env({}).seeds)
    return {
        "seeds": EvalSet("seeds", root / "dev.jsonl", seeds, "seeds"),
        "crud": EvalSet(
            "crud", root / "crud" / "questions.jsonl", root / "crud" / "articles", "crud"
        ),
    }


def resolve_sets(
    spec: str, corpus: str | None = None, root: Path = EVAL_DIR, seeds: Path | None = None
) -> list[EvalSet]:
    """``all``, a set name, or a question file (over ``corpus``: a set name or a folder; the
    seeds by default). A file over a named set's corpus shares that set's data dir.

    >>> [s.name for s in resolve_sets("all", seeds=Path("seeds"))]
    ['seeds', 'crud']
    >>> s = resolve_sets("eval/hard32.jsonl", seeds=Path("seeds"))[0]
    >>> s.name, s.corpus.as_posix(), s.index
    ('hard32', 'seeds', 'seeds')
    >>> s = resolve_sets("mine.jsonl", "my news", seeds=Path("seeds"))[0]
    >>> s.corpus.as_posix(), s.index
    ('my news', 'my_news')
    """
    known = named_sets(root, seeds)
    if spec == "all":
        if corpus:
            raise ValueError("--corpus goes with a question file, not with --set all")
        return list(known.values())
    if spec in known:
        if corpus:
            raise ValueError(f"--set {spec} has its own corpus; --corpus goes with a question file")
        return [known[spec]]
    path = Path(spec)
    if path.suffix != ".jsonl":
        raise ValueError(f"--set expects all, {', '.join(known)} or a .jsonl file, got {spec!r}")
    if corpus in known:
        folder = known[corpus].corpus
    else:
        folder = Path(corpus) if corpus else known["seeds"].corpus
    same = [s.index for s in known.values() if s.corpus.resolve() == folder.resolve()]
    index = same[0] if same else re.sub(r"[^A-Za-z0-9_.-]+", "_", folder.name) or "corpus"
    return [EvalSet(path.stem, path, folder, index)]


def set_settings(settings: Settings, evalset: EvalSet) -> Settings:
    """The settings a set runs under: its own data dir, its corpus as what an empty index is
    built from, the main data dir's model; on a shared Chroma server its own collections.

    >>> s = Settings.from_env({}, home=Path("/h"), llm="/m/x.gguf")
    >>> e = set_settings(s, EvalSet("q", Path("q.jsonl"), Path("news"), "news"))
    >>> e.home.as_posix(), e.seeds.as_posix(), e.llm, e.collection
    ('/h/eval/news', 'news', '/m/x.gguf', 'passages')
    """
    llm = settings.llm
    if llm.strip() in ("", "default"):
        from rag.models.modelfile import assemble_default_model

        # the set's data dir would otherwise assemble another 1.1 GB copy of the model
        llm = str(assemble_default_model(settings.model_dir))
    changes: dict[str, object] = {
        "home": settings.home / "eval" / evalset.index,
        "seeds": evalset.corpus,
        "llm": llm,
    }
    if settings.chroma_url:  # one server holds every data dir's collections: keep them apart
        changes["collection"] = f"{settings.collection}-eval-{evalset.index}"
    return settings.replace(**changes)


def index_corpus(settings: Settings, corpus: Path) -> str:
    """Bring the set's data dir in line with its corpus folder (new, changed and removed
    articles; unchanged ones cost a read); returns the sync summary."""
    from rag.index.store import PassageStore

    if not corpus.is_dir():
        raise ValueError(f"eval corpus folder {corpus} not found (run from the repository root)")
    return PassageStore(settings).sync([corpus]).summary()


def load_items(path: str | Path, limit: int | None = None) -> list[dict]:
    """The set's items in the eval's form. A file that gives ``kind`` and one ``answer`` span
    (no ``category``/``must_include``/``evidence``) is read with category = kind (or
    ``unanswerable``), must_include = evidence = [answer] and no history.

    >>> import tempfile
    >>> f = Path(tempfile.mkdtemp()) / "q.jsonl"
    >>> _ = f.write_text('{"id": "a", "kind": "1doc", "answerable": true, "question": "谁?",'
    ...     ' "answer": "张三", "sources": ["x.txt"]}\\n', encoding="utf-8")
    >>> item = load_items(f)[0]
    >>> item["category"], item["must_include"], item["evidence"], item["history"]
    ('1doc', ['张三'], ['张三'], [])
    """
    items = [
        json.loads(line)
        for line in Path(path).read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    for it in items:
        span = [it["answer"]] if it.get("answerable") and it.get("answer") else []
        it.setdefault("category", it.get("kind", "") if it.get("answerable") else "unanswerable")
        it.setdefault("history", [])
        it.setdefault("must_include", span)
        # the span occurs verbatim in its source: a passage holding it holds the evidence
        it.setdefault("evidence", it["must_include"])
        it.setdefault("sources", [])
    return items[:limit] if limit else items
