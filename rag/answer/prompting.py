"""The chat messages the model reads: the answer prompt with numbered snippets, and the
helper tasks (rewrite, translate) whose instructions are a cached system turn."""

from __future__ import annotations

from rag.answer.evidence import Evidence
from rag.answer.question import ABSTAIN
from rag.answer.snippets import format_evidence
from rag.models.prompts import load_prompt, render


def task_messages(name: str, user: str) -> list[dict]:
    """Instructions ``<name>_system`` as a system turn (kept in the KV cache), then ``user``."""
    system = {"role": "system", "content": render(f"{name}_system")}
    return [system, {"role": "user", "content": user}]


def answer_messages(
    question: str, evidence: list[Evidence], lang: str, system: str = "answer_system"
) -> list[dict]:
    """System prompt ``<system>_<lang>`` (abstain phrase filled in when it takes one) + passages."""
    prompt = load_prompt(f"{system}_{lang}")
    instructions = prompt.render(**({"abstain": ABSTAIN[lang]} if "abstain" in prompt.keys else {}))
    user = render(f"answer_user_{lang}", passages=format_evidence(evidence), question=question)
    return [{"role": "system", "content": instructions}, {"role": "user", "content": user}]
