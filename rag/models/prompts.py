"""Prompt templates are files in ``prompts/``, loaded by name and rendered strictly.

A template's first line declares its keys (``#! keys: question, passages``); the body uses
``$name`` placeholders. Rendering fails loudly on a missing or undeclared key, so a typo in a
prompt can never silently send ``$question`` to the model.

    >>> Prompt("demo", "问题:$question", ("question",)).render(question="上海呢?")
    '问题:上海呢?'
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from string import Template

from rag.config import get_settings

_HEADER = re.compile(r"^#!\s*keys:\s*(.*)$")


class PromptError(KeyError):
    """A prompt file is missing, malformed, or rendered without all its keys."""

    def __str__(self) -> str:
        return str(self.args[0])


@dataclass(frozen=True)
class Prompt:
    name: str
    body: str
    keys: tuple[str, ...]

    def render(self, **values: object) -> str:
        missing = [k for k in self.keys if k not in values]
        extra = [k for k in values if k not in self.keys]
        if missing or extra:
            raise PromptError(
                f"prompt {self.name!r} needs keys {list(self.keys)}; missing {missing}, unexpected {extra}"
            )
        return Template(self.body).substitute({k: str(v) for k, v in values.items()})


def parse_prompt(name: str, text: str) -> Prompt:
    first, _, body = text.partition("\n")
    m = _HEADER.match(first)
    if not m:
        raise PromptError(f"prompt {name!r} must start with a '#! keys: …' line")
    keys = tuple(k.strip() for k in m.group(1).split(",") if k.strip())
    used = {g[1] or g[2] for g in Template.pattern.findall(body) if g[1] or g[2]}
    if used != set(keys):
        raise PromptError(f"prompt {name!r} declares {sorted(keys)} but uses {sorted(used)}")
    return Prompt(name, body.rstrip("\n"), keys)


@lru_cache(maxsize=64)
def _load(folder: Path, name: str) -> Prompt:
    path = folder / f"{name}.txt"
    if not path.is_file():
        raise PromptError(f"no prompt named {name!r} in {folder}")
    return parse_prompt(name, path.read_text(encoding="utf-8"))


def load_prompt(name: str, folder: Path | None = None) -> Prompt:
    """The prompt ``prompts/<name>.txt`` (folder from RAG_PROMPTS unless given)."""
    return _load(Path(folder or get_settings().prompts), name)


def render(name: str, **values: object) -> str:
    return load_prompt(name).render(**values)
