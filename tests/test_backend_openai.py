"""The OpenAI-compatible chat backend (``openai:<url>``) and ``load_model``'s spec errors.

The tests talk to a stub ``/v1/chat/completions`` on 127.0.0.1 that streams SSE; nothing
else is contacted.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from rag.config import Settings
from rag.models.load import load_model
from rag.models.modelfile import ModelError
from rag.models.openai import OpenAICompatibleModel
from tests.conftest import free_port
from tests.helpers import MESSAGES

PIECES = ["2024年", "亚马逊的资本支出", "约为777亿美元", "[1]。"]


class StubServer:
    """``/v1/models`` and a streaming ``/v1/chat/completions``, recording what it was sent."""

    def __init__(self, mode: str = "ok"):
        self.mode = mode
        self.requests: list[dict] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            timeout = 10  # a stuck client cannot pin the server thread

            def log_message(self, *args):
                pass

            def do_GET(self):
                if self.path != "/v1/models":
                    self.send_error(404)
                    return
                body = json.dumps({"object": "list", "data": [{"id": "stub-qwen"}]}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                stub.requests.append(json.loads(self.rfile.read(length)))
                if self.path != "/v1/chat/completions":
                    self.send_error(404)
                    return
                if stub.mode == "http500":
                    body = b'{"error": "model is loading"}'
                    self.send_response(500)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                    return
                self.send_response(200)
                # no charset, like llama.cpp's server: the client must still read UTF-8
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Cache-Control", "no-cache")
                self.end_headers()
                for event in stub.events():
                    self.wfile.write(f"data: {event}\n\n".encode())
                    self.wfile.flush()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def events(self) -> Iterator[str]:
        def chunk(delta: dict, finish: str | None = None) -> str:
            choice = {"index": 0, "delta": delta, "finish_reason": finish}
            return json.dumps(
                {"object": "chat.completion.chunk", "choices": [choice]}, ensure_ascii=False
            )

        yield chunk({"role": "assistant", "content": ""})
        if self.mode == "error-event":
            yield json.dumps({"error": {"message": "context length exceeded"}})
            return
        for piece in PIECES:
            yield chunk({"content": piece})
        yield chunk({}, finish="stop")
        usage = {"prompt_tokens": 42, "completion_tokens": 9, "total_tokens": 51}
        yield json.dumps({"object": "chat.completion.chunk", "choices": [], "usage": usage})
        yield "[DONE]"

    def __enter__(self) -> StubServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


@pytest.fixture
def stub_server():
    with StubServer() as server:
        yield server


@pytest.mark.timeout(30)
def test_openai_backend_streams_pieces_greedily(stub_server):
    url = f"http://127.0.0.1:{stub_server.port}/v1"
    model = load_model(Settings.from_env({}, llm=f"openai:{url}"))
    assert isinstance(model, OpenAICompatibleModel)
    pieces = list(model.stream(MESSAGES, max_tokens=64, stop=["\n\n"]))
    assert pieces == PIECES  # UTF-8 intact although the server sent no charset
    sent = stub_server.requests[-1]
    assert sent["temperature"] == 0
    assert sent["stream"] is True
    assert sent["messages"] == MESSAGES
    assert sent["max_tokens"] == 64
    assert sent["stop"] == ["\n\n"]
    assert sent["model"] == "stub-qwen"  # asked /v1/models, since RAG_LLM_MODEL_NAME is unset
    assert (model.last_usage.prompt_tokens, model.last_usage.completion_tokens) == (42, 9)


@pytest.mark.timeout(30)
def test_openai_backend_base_url_without_v1_and_model_name(stub_server):
    settings = Settings.from_env(
        {}, llm=f"http://127.0.0.1:{stub_server.port}", llm_model_name="qwen-7b"
    )
    model = load_model(settings)
    assert model.complete(MESSAGES) == "".join(PIECES)
    assert stub_server.requests[-1]["model"] == "qwen-7b"
    assert "stop" not in stub_server.requests[-1]


@pytest.mark.timeout(30)
@pytest.mark.parametrize(
    ("mode", "message"),
    [("http500", "HTTP 500.*model is loading"), ("error-event", "context length exceeded")],
)
def test_openai_backend_server_errors_are_model_errors(mode, message):
    with StubServer(mode) as server:
        model = OpenAICompatibleModel(f"http://127.0.0.1:{server.port}/v1")
        with pytest.raises(ModelError, match=message):
            model.complete(MESSAGES)
        assert not model.lock.locked()


@pytest.mark.timeout(30)
def test_openai_backend_unreachable_server_is_a_clear_error():
    url = f"http://127.0.0.1:{free_port()}/v1"
    model = load_model(Settings.from_env({}, llm=f"openai:{url}"))
    with pytest.raises(
        ModelError, match=r"model server at http://127\.0\.0\.1:\d+/v1 did not answer"
    ):
        model.complete(MESSAGES)
    assert not model.lock.locked()


def test_openai_spec_without_url_is_a_clear_error():
    with pytest.raises(ModelError, match="needs a URL"):
        load_model(Settings.from_env({}, llm="openai:"))


# --------------------------------------------------------------------------- load_model


@pytest.mark.parametrize("spec", ["nonsense", "gpt-4o", "qwen2.5:7b"])
def test_nonsense_llm_setting_is_a_clear_error(spec):
    with pytest.raises(
        ModelError, match="neither 'default', a .gguf path, 'hf:<model>' nor 'openai:<url>'"
    ):
        load_model(Settings.from_env({"RAG_LLM": spec}))
