"""Chat models behind one small interface: ``stream(messages)`` yields text pieces.

Backends, chosen by ``RAG_LLM``:

- ``default``: the embedded Qwen2.5-Coder-1.5B GGUF through llama.cpp (``rag.modelfile``)
- ``/path/model.gguf``: any local GGUF through llama.cpp
- ``hf:<model id or folder>``: transformers (for a GPU and a bigger Qwen), ``rag.llm_hf``
- ``openai:<base url>``: an OpenAI-compatible server (vLLM, llama.cpp server), ``rag.llm_openai``

All generation is greedy, and one lock per model serialises requests: a 2-core CPU gains
nothing from running two generations at once, and llama.cpp contexts are not thread-safe.
"""

from __future__ import annotations

import ctypes
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from rag.config import Settings
from rag.modelfile import ModelError, assemble_default_model, check_gguf

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


class LlamaCppModel(ChatModel):
    """A GGUF model through llama-cpp-python, using the chat template stored in the file."""

    def __init__(self, path: Path, settings: Settings):
        super().__init__(name=path.name)
        try:
            from llama_cpp import Llama
        except ImportError as exc:  # pragma: no cover - install problem
            raise ModelError("llama-cpp-python is not installed: pip install -e .") from exc
        check_gguf(path)
        try:
            self.llm = Llama(
                model_path=str(path),
                n_ctx=settings.n_ctx,
                n_threads=settings.n_threads,
                n_threads_batch=settings.n_threads,
                n_batch=settings.n_batch,
                verbose=False,
            )
        except Exception as exc:
            raise ModelError(
                f"llama.cpp could not load {path} ({exc}); the file may be truncated or not a "
                "supported model: delete it or point RAG_LLM at a valid GGUF"
            ) from exc
        self.settings = settings
        template = str(self.llm.metadata.get("tokenizer.chat_template", ""))
        self.chatml = "<|im_start|>" in template  # Qwen's format: the system turn is a fixed prefix
        self._prefix_states: dict[tuple[int, ...], bytes] = {}  # system turn -> KV snapshot

    def _prepare_cache(self, messages: list[Message]) -> None:
        """Keep exactly the system turn in the KV cache, evaluated on its own.

        llama.cpp reuses the longest cached prefix. Left alone, that prefix depends on the
        previous question, and a different split of the prompt changes the floating-point
        results enough to flip a 1.5B model between answering and refusing. Pinning the reuse
        to the system turn keeps its speed-up (~170 tokens never re-read) and makes every
        answer the same whatever came before.
        """
        system = messages[0]["content"] if messages and messages[0]["role"] == "system" else None
        if not self.chatml or system is None:
            self.llm.reset()
            return
        prefix = self.llm.tokenize(
            f"<|im_start|>system\n{system}<|im_end|>\n".encode(), add_bos=False, special=True
        )
        cached = list(self.llm.input_ids[: self.llm.n_tokens])
        if cached[: len(prefix)] == prefix:
            self.llm.n_tokens = len(prefix)  # drop whatever followed the system turn last time
            return
        # another system prompt (re-read, judge) ran in between: restore this one's saved KV
        # state (a few MB, milliseconds) instead of evaluating its ~170 tokens again (~2 s)
        key = tuple(prefix)
        state = self._prefix_states.pop(key, None)
        self.llm.reset()
        if state is None or not self._restore(state, prefix):
            self.llm.eval(prefix)
            state = self._snapshot()
        self._prefix_states[key] = state  # most recently used last
        while len(self._prefix_states) > 8:
            self._prefix_states.pop(next(iter(self._prefix_states)))

    def _snapshot(self) -> bytes:
        """The context's KV state (only the cells in use) as bytes."""
        import llama_cpp

        ctx = self.llm._ctx.ctx
        size = llama_cpp.llama_state_get_size(ctx)
        buf = (ctypes.c_uint8 * size)()
        n = llama_cpp.llama_state_get_data(ctx, buf, size)
        return bytes(buf[:n])

    def _restore(self, state: bytes, prefix: list[int]) -> bool:
        """Load a snapshot taken right after ``prefix`` was evaluated; False if refused."""
        import llama_cpp

        buf = (ctypes.c_uint8 * len(state)).from_buffer_copy(state)
        if llama_cpp.llama_state_set_data(self.llm._ctx.ctx, buf, len(state)) != len(state):
            self.llm.reset()
            return False
        self.llm.input_ids[: len(prefix)] = prefix
        self.llm.n_tokens = len(prefix)
        return True

    def _stream(self, messages, max_tokens, stop):
        self.last_usage = Usage()
        self._prepare_cache(messages)
        pieces = self.llm.create_chat_completion(
            messages=messages,
            max_tokens=max_tokens,
            temperature=0.0,
            top_k=1,
            repeat_penalty=self.settings.repeat_penalty,
            stop=stop or None,
            stream=True,
        )
        n = 0
        for chunk in pieces:
            delta = chunk["choices"][0].get("delta", {}).get("content")
            if delta:
                n += 1
                yield delta
        # n_tokens = prompt + generated tokens now in the context
        self.last_usage = Usage(max(0, self.llm.n_tokens - n), n)

    def count_tokens(self, text: str) -> int:
        return len(self.llm.tokenize(text.encode("utf-8"), add_bos=False, special=True))


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


def load_model(settings: Settings) -> ChatModel:
    """Build the model ``settings.llm`` names; errors are ModelError with what to do."""
    spec = settings.llm.strip()
    if spec in ("", "default"):
        return LlamaCppModel(assemble_default_model(settings.model_dir), settings)
    if spec.startswith("hf:"):
        if not spec[3:].strip():
            raise ModelError(
                "RAG_LLM=hf: needs a model id or folder, e.g. hf:Qwen/Qwen2.5-7B-Instruct"
            )
        from rag.llm_hf import TransformersModel

        return TransformersModel(spec[3:].strip(), settings)
    if spec.startswith(("openai:", "http://", "https://")):
        url = spec.removeprefix("openai:").strip()
        if not url.startswith(("http://", "https://")):
            raise ModelError(
                f"RAG_LLM={spec!r}: an OpenAI-compatible server needs a URL, "
                "e.g. openai:http://127.0.0.1:8000/v1"
            )
        from rag.llm_openai import OpenAICompatibleModel

        return OpenAICompatibleModel(url, settings.llm_model_name, api_key=settings.llm_api_key)
    path = Path(spec).expanduser()
    if path.suffix.lower() == ".gguf" or path.exists():
        return LlamaCppModel(path, settings)
    raise ModelError(
        f"RAG_LLM={spec!r} is neither 'default', a .gguf path, 'hf:<model>' nor 'openai:<url>'"
    )
