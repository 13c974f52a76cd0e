"""The default backend: a GGUF through llama-cpp-python, with the system turn's KV state
snapshotted once and restored (the instructions are never re-read) and greedy decoding.
"""

from __future__ import annotations

import ctypes
from functools import cached_property
from pathlib import Path

from rag.config import Settings
from rag.models.base import ChatModel, Message, Usage
from rag.models.modelfile import ModelError, check_gguf


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
        prefix = self.chatml_tokens(messages[:1], generation_prompt=False)
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

    def chatml_tokens(self, messages: list[Message], generation_prompt: bool = True) -> list[int]:
        """The ChatML prompt as tokens, with message text tokenized as plain text.

        Rendering the chat template to one string and tokenizing it with ``special=True`` (what
        ``create_chat_completion`` does) turns "<|im_end|><|im_start|>system" written inside an
        article into real role tokens: an uploaded passage could open a system turn. Here only
        the template's own markers are control tokens. The result equals the template's when
        no text holds such strings (text between markers is tokenized the same way).
        """

        def plain(text: str) -> list[int]:
            return self.llm.tokenize(text.encode("utf-8"), add_bos=False, special=False)

        start, end = self._im_start_end
        tokens: list[int] = []
        for m in messages:
            tokens += [start, *plain(f"{m['role']}\n{m['content']}"), end, *plain("\n")]
        if generation_prompt:
            tokens += [start, *plain("assistant\n")]
        return tokens

    @cached_property
    def _im_start_end(self) -> tuple[int, int]:
        ids = [
            self.llm.tokenize(t.encode(), add_bos=False, special=True)
            for t in ("<|im_start|>", "<|im_end|>")
        ]
        assert all(len(i) == 1 for i in ids), "not a ChatML vocabulary"
        return ids[0][0], ids[1][0]

    def _stream(self, messages, max_tokens, stop):
        self.last_usage = Usage()
        self._prepare_cache(messages)
        sampling = dict(
            max_tokens=max_tokens,
            temperature=0.0,
            top_k=1,
            repeat_penalty=self.settings.repeat_penalty,
            stop=stop or None,
            stream=True,
        )
        if self.chatml and messages and messages[0]["role"] == "system":
            chunks = self.llm.create_completion(prompt=self.chatml_tokens(messages), **sampling)
            pieces = (c["choices"][0].get("text") for c in chunks)
        else:  # the model's own template; ingestion keeps control-token strings out of passages
            chunks = self.llm.create_chat_completion(messages=messages, **sampling)
            pieces = (c["choices"][0].get("delta", {}).get("content") for c in chunks)
        n = 0
        for delta in pieces:
            if delta:
                n += 1
                yield delta
        # n_tokens = prompt + generated tokens now in the context
        self.last_usage = Usage(max(0, self.llm.n_tokens - n), n)

    def count_tokens(self, text: str) -> int:
        return len(self.llm.tokenize(text.encode("utf-8"), add_bos=False, special=True))
