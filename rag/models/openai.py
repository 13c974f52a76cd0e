"""The OpenAI-compatible backend (``RAG_LLM=openai:<base url>``): vLLM or llama.cpp server."""

from __future__ import annotations

import json

from rag.models.base import ChatModel, Usage
from rag.models.modelfile import ModelError


class OpenAICompatibleModel(ChatModel):
    """A model served elsewhere behind ``/v1/chat/completions`` (vLLM, llama.cpp server …)."""

    def __init__(self, base_url: str, model: str = "", timeout: float = 120.0, api_key: str = ""):
        super().__init__(name=model or base_url)
        self.base_url = base_url.rstrip("/")
        self.model = model
        # kept out of repr, messages and logs: it is a secret
        self._headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.timeout = timeout
        self._asked_name = bool(model)

    def _url(self, endpoint: str) -> str:
        return self.base_url + (endpoint if self.base_url.endswith("/v1") else "/v1" + endpoint)

    def _model_name(self) -> str:
        """The configured name, else the server's first model (vLLM rejects unknown names)."""
        if not self._asked_name:
            import requests

            self._asked_name = True  # once: a server without /models is not asked again
            try:
                resp = requests.get(
                    self._url("/models"), headers=self._headers, timeout=min(self.timeout, 10.0)
                )
                resp.raise_for_status()
                self.model = str(resp.json()["data"][0]["id"])
            except Exception:
                pass
        return self.model or "default"  # one-model servers (llama.cpp) ignore the name

    def _stream(self, messages, max_tokens, stop):
        import requests

        self.last_usage = Usage()
        body = {
            "model": self._model_name(),
            "messages": messages,
            "max_tokens": max_tokens,
            "temperature": 0,
            "stream": True,
        }
        if stop:
            body["stop"] = stop
        where = f"the model server at {self.base_url}"
        try:
            resp = requests.post(
                self._url("/chat/completions"),
                json=body,
                headers=self._headers,
                stream=True,
                timeout=self.timeout,
            )
        except requests.RequestException as exc:
            raise ModelError(
                f"{where} did not answer: {exc}; check RAG_LLM and that it is running"
            ) from exc
        with resp:
            if resp.status_code >= 400:
                raise ModelError(
                    f"{where} refused the request (HTTP {resp.status_code}: {resp.text[:300]}); "
                    "check RAG_LLM and RAG_LLM_MODEL_NAME"
                )
            n = 0
            try:
                # bytes, decoded per line as UTF-8: an SSE body often has no charset, and
                # requests would then decode it as Latin-1
                for raw in resp.iter_lines():
                    line = raw.decode("utf-8", errors="replace").strip()
                    if not line.startswith("data:"):
                        continue
                    data = line[5:].strip()
                    if data == "[DONE]":
                        break
                    try:
                        chunk = json.loads(data)
                    except json.JSONDecodeError as exc:
                        raise ModelError(f"{where} sent a malformed event: {data[:200]!r}") from exc
                    if "error" in chunk or chunk.get("object") == "error":
                        raise ModelError(
                            f"{where} reported an error: {chunk.get('error') or chunk}"
                        )
                    usage = chunk.get("usage") or {}
                    if usage:
                        self.last_usage = Usage(
                            int(usage.get("prompt_tokens") or 0),
                            int(usage.get("completion_tokens") or 0),
                        )
                    for choice in chunk.get("choices") or []:
                        delta = (choice.get("delta") or {}).get("content")
                        if delta:
                            n += 1
                            yield delta
            except requests.RequestException as exc:
                raise ModelError(f"{where} broke off the reply: {exc}") from exc
        if not self.last_usage.completion_tokens:
            self.last_usage = Usage(self.last_usage.prompt_tokens, n)
