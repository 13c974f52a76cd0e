"""The chat model the settings name: ``default`` (embedded GGUF), a ``.gguf`` path, ``hf:``
or ``openai:``.
"""

from __future__ import annotations

from pathlib import Path

from rag.config import Settings
from rag.models.base import ChatModel
from rag.models.llamacpp import LlamaCppModel
from rag.models.modelfile import ModelError, assemble_default_model


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
        from rag.models.hf import TransformersModel

        return TransformersModel(spec[3:].strip(), settings)
    if spec.startswith(("openai:", "http://", "https://")):
        url = spec.removeprefix("openai:").strip()
        if not url.startswith(("http://", "https://")):
            raise ModelError(
                f"RAG_LLM={spec!r}: an OpenAI-compatible server needs a URL, "
                "e.g. openai:http://127.0.0.1:8000/v1"
            )
        from rag.models.openai import OpenAICompatibleModel

        return OpenAICompatibleModel(url, settings.llm_model_name, api_key=settings.llm_api_key)
    path = Path(spec).expanduser()
    if path.suffix.lower() == ".gguf" or path.exists():
        return LlamaCppModel(path, settings)
    raise ModelError(
        f"RAG_LLM={spec!r} is neither 'default', a .gguf path, 'hf:<model>' nor 'openai:<url>'"
    )
