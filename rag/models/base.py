"""Chat models behind one small interface: ``stream(messages)`` yields text pieces.

Backends, chosen by ``RAG_LLM``:

- ``default``: the embedded Qwen2.5-Coder-1.5B GGUF through llama.cpp (``rag.modelfile``)
- ``/path/model.gguf``: any local GGUF through llama.cpp
- ``hf:<model id or folder>``: transformers (for a GPU and a bigger Qwen), ``rag.models.hf``
- ``openai:<base url>``: an OpenAI-compatible server (vLLM, llama.cpp server), ``rag.models.openai``

All generation is greedy, and one lock per model serialises requests: a 2-core CPU gains
nothing from running two generations at once, and llama.cpp contexts are not thread-safe.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass, field

Message = dict[str, str]


@dataclass
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0


@dataclass
class ChatModel(ABC):
    """Base class: subclasses implement ``_stream``; callers use ``stream`` or ``complete``."""

    name: str = "model"
    last_usage: Usage = field(default_factory=Usage)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @abstractmethod
    def _stream(self, messages: list[Message], max_tokens: int, stop: list[str]) -> Iterator[str]:
        """Yield reply pieces and set ``last_usage``; called with the lock held."""

    def stream(
        self,
        messages: list[Message],
        max_tokens: int = 200,
        stop: list[str] | None = None,
        usage: Usage | None = None,
    ) -> Iterator[str]:
        """Yield the reply piece by piece; holds the model lock until the reply is complete.

        ``usage``, if given, receives this call's token counts. ``last_usage`` belongs to
        whichever call ran last, so concurrent callers pass their own ``Usage`` instead.
        """
        with self.lock:
            yield from self._stream(messages, max_tokens, stop or [])
            if usage is not None:  # copied before the lock is released: no other call's counts
                usage.prompt_tokens = self.last_usage.prompt_tokens
                usage.completion_tokens = self.last_usage.completion_tokens

    def complete(
        self,
        messages: list[Message],
        max_tokens: int = 200,
        stop: list[str] | None = None,
        usage: Usage | None = None,
    ) -> str:
        return "".join(self.stream(messages, max_tokens, stop, usage))


class MockModel(ChatModel):
    """Replies from a queue, for unit tests of pure logic (never used by the product).

    >>> m = MockModel(["第一个回答[1]", "第二个"])
    >>> m.complete([{"role": "user", "content": "问"}]), m.complete([])
    ('第一个回答[1]', '第二个')
    """

    def __init__(self, replies: list[str] | None = None):
        super().__init__(name="mock")
        self.replies = list(replies or [])
        self.prompts: list[list[Message]] = []

    def _stream(self, messages, max_tokens, stop):
        self.prompts.append(messages)
        reply = self.replies.pop(0) if self.replies else ""
        for i in range(0, len(reply), 3):
            yield reply[i : i + 3]
        self.last_usage = Usage(sum(len(m["content"]) for m in messages), len(reply))
