"""Chat models behind one small interface: ``stream(messages)`` yields text pieces.

Backends, chosen by ``RAG_LLM``:

- ``default``: the embedded Qwen2.5-Coder-1.5B GGUF through llama.cpp (``rag.modelfile``)
- ``/path/model.gguf``: any local GGUF through llama.cpp
- ``hf:<model id or folder>``: transformers (for a GPU and a bigger Qwen)
- ``openai:<base url>``: an OpenAI-compatible server (vLLM, llama.cpp server)

All generation is greedy, and one lock per model serialises requests: a 2-core CPU gains
nothing from running two generations at once, and llama.cpp contexts are not thread-safe.
"""

from __future__ import annotations

import json
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
        self, messages: list[Message], max_tokens: int = 200, stop: list[str] | None = None
    ) -> Iterator[str]:
        """Yield the reply piece by piece; holds the model lock until the reply is complete."""
        with self.lock:
            yield from self._stream(messages, max_tokens, stop or [])

    def complete(self, messages: list[Message], max_tokens: int = 200, stop: list[str] | None = None) -> str:
        return "".join(self.stream(messages, max_tokens, stop))


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

    def _stream(self, messages, max_tokens, stop):
        self.last_usage = Usage()
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


class TransformersModel(ChatModel):
    """A Hugging Face causal LM (id or local folder) with its tokenizer's chat template."""

    def __init__(self, model_id: str, settings: Settings, model=None, tokenizer=None):
        super().__init__(name=model_id)
        try:
            import torch  # noqa: F401
            from transformers import AutoModelForCausalLM, AutoTokenizer
        except ImportError as exc:
            raise ModelError(
                "the transformers backend needs torch and transformers: pip install -e '.[hf]'"
            ) from exc
        try:
            self.tokenizer = tokenizer or AutoTokenizer.from_pretrained(model_id)
            self.model = model or AutoModelForCausalLM.from_pretrained(model_id, torch_dtype="auto")
        except Exception as exc:
            raise ModelError(f"transformers could not load {model_id!r}: {exc}") from exc
        self.settings = settings

    def _stream(self, messages, max_tokens, stop):
        from transformers import TextIteratorStreamer

        ids = self.tokenizer.apply_chat_template(
            messages, add_generation_prompt=True, return_tensors="pt", return_dict=True
        )
        ids = {k: v.to(self.model.device) for k, v in ids.items()}
        streamer = TextIteratorStreamer(self.tokenizer, skip_prompt=True, skip_special_tokens=True)
        kwargs = dict(
            **ids,
            max_new_tokens=max_tokens,
            do_sample=False,
            repetition_penalty=self.settings.repeat_penalty,
            streamer=streamer,
            pad_token_id=self.tokenizer.pad_token_id or self.tokenizer.eos_token_id,
        )
        worker = threading.Thread(target=self.model.generate, kwargs=kwargs, daemon=True)
        worker.start()
        n = 0
        text = ""
        for piece in streamer:
            if not piece:
                continue
            n += 1
            text += piece
            yield piece
            if any(s in text for s in stop):
                break
        worker.join()
        self.last_usage = Usage(int(ids["input_ids"].shape[-1]), n)


class OpenAICompatibleModel(ChatModel):
    """A model served elsewhere behind ``/v1/chat/completions`` (vLLM, llama.cpp server …)."""

    def __init__(self, base_url: str, model: str = "", timeout: float = 120.0):
        super().__init__(name=model or base_url)
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.timeout = timeout

    def _stream(self, messages, max_tokens, stop):
        import requests

        body = {
            "model": self.model or "default",
            "messages": messages,
            "max_tokens": max_tokens,
            "temperature": 0,
            "stream": True,
        }
        if stop:
            body["stop"] = stop
        url = self.base_url + ("/chat/completions" if self.base_url.endswith("/v1") else "/v1/chat/completions")
        try:
            resp = requests.post(url, json=body, stream=True, timeout=self.timeout)
            resp.raise_for_status()
        except requests.RequestException as exc:
            raise ModelError(f"the model server at {self.base_url} did not answer: {exc}") from exc
        n = 0
        for line in resp.iter_lines(decode_unicode=True):
            if not line or not line.startswith("data:"):
                continue
            data = line[5:].strip()
            if data == "[DONE]":
                break
            delta = json.loads(data)["choices"][0].get("delta", {}).get("content")
            if delta:
                n += 1
                yield delta
        self.last_usage = Usage(0, n)


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
        return TransformersModel(spec[3:], settings)
    if spec.startswith(("openai:", "http://", "https://")):
        url = spec.removeprefix("openai:")
        return OpenAICompatibleModel(url, settings.llm_model_name)
    path = Path(spec).expanduser()
    if path.suffix.lower() == ".gguf" or path.exists():
        return LlamaCppModel(path, settings)
    raise ModelError(
        f"RAG_LLM={spec!r} is neither 'default', a .gguf path, 'hf:<model>' nor 'openai:<url>'"
    )
