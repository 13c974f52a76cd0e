"""The local model as an NLI judge: does a passage support a claim? (prompt ``judge_nli``)."""

from __future__ import annotations

from rag.eval.claims import numbers_in, value_in
from rag.models.base import ChatModel
from rag.models.prompts import render


class NLIJudge:
    """``judge(claim, premise) -> bool`` with a cache, so shared checks cost one call.

    >>> from rag.models.base import MockModel
    >>> j = NLIJudge(MockModel(["是", "否"]))
    >>> j("深圳为1930毫米", "深圳1930毫米"), j("杭州排第二", "深圳1930毫米")
    (True, False)
    >>> j("深圳为2000毫米", "深圳1930毫米"), j.calls  # a changed figure needs no model call
    (False, 2)
    """

    def __init__(self, model: ChatModel, max_premise_chars: int = 700):
        self.model = model
        self.max_premise_chars = max_premise_chars
        self.cache: dict[tuple[str, str], bool] = {}
        self.calls = 0

    def __call__(self, claim: str, premise: str) -> bool:
        key = (claim, premise)
        if key not in self.cache and not all(
            value_in(n, premise, scaled=True) for n in numbers_in(claim)
        ):
            # deterministic numeric check first: a changed figure is the error a 1.5B judge misses
            self.cache[key] = False
        if key not in self.cache:
            prompt = render("judge_nli", premise=premise[: self.max_premise_chars], claim=claim)
            reply = self.model.complete([{"role": "user", "content": prompt}], max_tokens=3)
            self.calls += 1
            self.cache[key] = reply.strip().lower().startswith(("是", "yes", "支持"))
        return self.cache[key]
