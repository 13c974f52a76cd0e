"""The other chat backends: transformers (``hf:``) and an OpenAI-compatible server (``openai:``).

Nothing is downloaded: the transformers test builds a tiny random Qwen2 (and a byte-level
BPE tokenizer trained on a few sentences, with Qwen's ChatML template) into ``tmp_path``;
the server test talks to a stub ``/v1/chat/completions`` on 127.0.0.1 that streams SSE.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from rag.config import Settings
from rag.models.hf import TransformersModel
from rag.models.load import load_model
from rag.models.modelfile import ModelError
from rag.models.openai import OpenAICompatibleModel

# --------------------------------------------------------------------------- transformers

CHATML = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)
TEXTS = [
    "2024年亚马逊的资本支出是多少？",
    "亚马逊公司2024年资本支出为777亿美元，主要用于数据中心。",
    "中国市场的人工智能公司增长很快。",
    "Amazon capital expenditure was 77.7 billion dollars in 2024.",
    "You are a helpful assistant. Answer only from the passages.",
    "system user assistant 只用资料回答问题",
]
MESSAGES = [
    {"role": "system", "content": "只用资料回答"},
    {"role": "user", "content": "2024年亚马逊的资本支出是多少？"},
]


def _is_cjk(text: str) -> bool:
    return len(text) == 1 and "\u4e00" <= text <= "\u9fff"


@pytest.fixture(scope="module")
def tiny_qwen(tmp_path_factory) -> Path:
    """A 2-layer, 32-wide random Qwen2 with a Qwen-style tokenizer, saved like a real checkpoint.

    The output rows of every token that is not a single CJK character are zeroed, so greedy
    decoding emits CJK characters only (never EOS): each new token is one streamed piece and
    the reply is exactly ``max_tokens`` tokens long, whatever the random weights.
    """
    torch = pytest.importorskip("torch")
    pytest.importorskip("transformers")
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast, Qwen2Config, Qwen2ForCausalLM

    specials = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=500,
        special_tokens=specials,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(TEXTS * 3, trainer)
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=tok, eos_token="<|im_end|>", pad_token="<|endoftext|>"
    )
    tokenizer.chat_template = CHATML
    folder = tmp_path_factory.mktemp("tiny-qwen2")
    tokenizer.save_pretrained(folder)

    torch.manual_seed(0)
    config = Qwen2Config(
        vocab_size=len(tokenizer),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=512,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=None,
        tie_word_embeddings=False,
    )
    model = Qwen2ForCausalLM(config)
    cjk = [i for i in range(len(tokenizer)) if _is_cjk(tokenizer.decode([i]))]
    assert len(cjk) >= 5, "the toy tokenizer should have single-character CJK tokens"
    with torch.no_grad():
        keep = torch.zeros(len(tokenizer), dtype=torch.bool)
        keep[cjk] = True
        model.lm_head.weight[~keep] = 0.0
    model.save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def hf_model(tiny_qwen) -> TransformersModel:
    model = load_model(Settings.from_env({}, llm=f"hf:{tiny_qwen}"))
    assert isinstance(model, TransformersModel)
    return model


def test_hf_applies_the_chat_template(hf_model, monkeypatch):
    rendered = hf_model.tokenizer.apply_chat_template(
        MESSAGES, add_generation_prompt=True, tokenize=False
    )
    assert rendered.startswith("<|im_start|>system\n只用资料回答<|im_end|>")
    assert "<|im_start|>user\n2024年亚马逊的资本支出是多少？<|im_end|>" in rendered
    assert rendered.endswith("<|im_start|>assistant\n")

    # the backend feeds exactly that rendering to the model (the generation prompt included)
    calls = []
    original = hf_model.tokenizer.apply_chat_template

    def spy(messages, **kwargs):
        calls.append((messages, kwargs))
        return original(messages, **kwargs)

    monkeypatch.setattr(hf_model.tokenizer, "apply_chat_template", spy)
    hf_model.complete(MESSAGES, max_tokens=2)
    assert calls and calls[0][0] == MESSAGES and calls[0][1]["add_generation_prompt"] is True
    n_prompt = len(hf_model.tokenizer(rendered, add_special_tokens=False)["input_ids"])
    assert hf_model.last_usage.prompt_tokens == n_prompt


def test_hf_complete_respects_max_tokens(hf_model):
    short = hf_model.complete(MESSAGES, max_tokens=3)
    assert hf_model.last_usage.completion_tokens == 3
    assert len(short) == 3 and all(_is_cjk(ch) for ch in short)
    longer = hf_model.complete(MESSAGES, max_tokens=8)
    assert hf_model.last_usage.completion_tokens == 8
    assert len(longer) == 8 and longer.startswith(short)  # greedy: deterministic
    assert hf_model.last_usage.prompt_tokens > 10


def test_hf_stream_yields_pieces_and_fills_usage(hf_model):
    pieces = list(hf_model.stream(MESSAGES, max_tokens=10))
    assert len(pieces) >= 5, pieces
    assert "".join(pieces) == hf_model.complete(MESSAGES, max_tokens=10)
    assert hf_model.last_usage.completion_tokens == 10
    assert hf_model.last_usage.prompt_tokens > 10


def test_hf_stop_string_is_honoured_and_not_emitted(hf_model):
    full = hf_model.complete(MESSAGES, max_tokens=12)
    stop = full[3]
    cut = hf_model.complete(MESSAGES, max_tokens=12, stop=[stop])
    assert cut == full[: full.index(stop)]
    assert hf_model.last_usage.completion_tokens < 12  # generation stopped, not just the output
    assert hf_model.complete(MESSAGES, max_tokens=12, stop=[""]) == full  # empty stop: ignored


@pytest.mark.timeout(60)
def test_hf_stopping_early_ends_generation_and_frees_the_model(hf_model, monkeypatch):
    produced = []
    original = hf_model.model.generate

    def recording_generate(**kwargs):
        out = original(**kwargs)
        produced.append(int(out.shape[-1]) - int(kwargs["input_ids"].shape[-1]))
        return out

    monkeypatch.setattr(hf_model.model, "generate", recording_generate)
    pieces = hf_model.stream(MESSAGES, max_tokens=400)
    next(pieces), next(pieces)
    pieces.close()  # the caller went away (closed page, cancelled request)
    assert not hf_model.lock.locked()
    assert produced and produced[0] < 400
    assert len(hf_model.complete(MESSAGES, max_tokens=2)) == 2


@pytest.mark.timeout(60)
def test_hf_generation_error_is_a_model_error_not_a_hang(hf_model, monkeypatch):
    def broken_generate(**kwargs):
        raise RuntimeError("CUDA out of memory (simulated)")

    monkeypatch.setattr(hf_model.model, "generate", broken_generate)
    with pytest.raises(ModelError, match="out of memory"):
        hf_model.complete(MESSAGES, max_tokens=5)
    assert not hf_model.lock.locked()


def test_hf_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(ModelError, match="no folder"):
        load_model(Settings.from_env({}, llm=f"hf:{tmp_path / 'no-such-model'}"))
    with pytest.raises(ModelError, match="needs a model id or folder"):
        load_model(Settings.from_env({}, llm="hf:"))


# --------------------------------------------------------------------------- OpenAI-compatible

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


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.timeout(30)
def test_openai_backend_unreachable_server_is_a_clear_error():
    url = f"http://127.0.0.1:{_free_port()}/v1"
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
