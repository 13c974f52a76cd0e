"""The transformers chat backend (``hf:<model id or folder>``).

Nothing is downloaded: the tests build a tiny random Qwen2 (and a byte-level BPE tokenizer
trained on a few sentences, with Qwen's ChatML template) into ``tmp_path``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.config import Settings
from rag.models.hf import TransformersModel
from rag.models.load import load_model
from rag.models.modelfile import ModelError
from tests.helpers import MESSAGES

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
