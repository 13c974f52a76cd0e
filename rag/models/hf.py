"""The transformers backend (``RAG_LLM=hf:<model id or folder>``): for a GPU and a bigger Qwen."""

from __future__ import annotations

import threading
from pathlib import Path

from rag.config import Settings
from rag.models.base import ChatModel, Usage
from rag.models.modelfile import ModelError


class TransformersModel(ChatModel):
    """A Hugging Face causal LM (id or local folder) with its tokenizer's chat template."""

    def __init__(self, model_id: str, settings: Settings, model=None, tokenizer=None):
        super().__init__(name=model_id)
        try:
            import torch
            import transformers
            from transformers import AutoModelForCausalLM, AutoTokenizer
        except ImportError as exc:
            raise ModelError(
                "the transformers backend needs torch and transformers: pip install -e '.[hf]'"
            ) from exc
        source = model_id
        looks_local = (
            model_id.startswith(("/", "./", "../", "~")) or Path(model_id).expanduser().exists()
        )
        if looks_local and (model is None or tokenizer is None):
            folder = Path(model_id).expanduser()
            if not folder.is_dir():
                raise ModelError(
                    f"RAG_LLM=hf:{model_id}: there is no folder {folder}; point it at a folder "
                    "written by save_pretrained (config.json, tokenizer, weights) or a model id"
                )
            source = str(folder)
        try:
            self.tokenizer = tokenizer or AutoTokenizer.from_pretrained(source)
            # a GPU when there is one (what this backend is for); the CPU otherwise
            device_map = "auto" if torch.cuda.is_available() else None
            # transformers 4.56 renamed torch_dtype to dtype; 5.x warns on the old name
            major = int(transformers.__version__.split(".")[0])
            dtype_key = "dtype" if major >= 5 else "torch_dtype"
            self.model = model or AutoModelForCausalLM.from_pretrained(
                source, device_map=device_map, **{dtype_key: "auto"}
            )
        except Exception as exc:
            raise ModelError(f"transformers could not load {model_id!r}: {exc}") from exc
        if not getattr(self.tokenizer, "chat_template", None):
            raise ModelError(
                f"the tokenizer of {model_id!r} has no chat template; use an instruct/chat model"
            )
        self.settings = settings

    def _stream(self, messages, max_tokens, stop):
        import torch
        from transformers import StoppingCriteria, StoppingCriteriaList, TextIteratorStreamer

        ids = self.tokenizer.apply_chat_template(
            messages, add_generation_prompt=True, return_tensors="pt", return_dict=True
        )
        ids = {k: v.to(self.model.device) for k, v in ids.items()}
        n_prompt = int(ids["input_ids"].shape[-1])
        streamer = TextIteratorStreamer(self.tokenizer, skip_prompt=True, skip_special_tokens=True)
        cancel = threading.Event()  # set when the caller stops early or a stop string appears

        class _Cancelled(StoppingCriteria):
            def __call__(self, input_ids, scores, **kwargs):
                return torch.full(
                    (input_ids.shape[0],),
                    cancel.is_set(),
                    dtype=torch.bool,
                    device=input_ids.device,
                )

        pad = self.tokenizer.pad_token_id
        kwargs = dict(
            **ids,
            max_new_tokens=max_tokens,
            do_sample=False,
            repetition_penalty=self.settings.repeat_penalty,
            streamer=streamer,
            stopping_criteria=StoppingCriteriaList([_Cancelled()]),
            pad_token_id=pad if pad is not None else self.tokenizer.eos_token_id,
        )
        result: dict[str, object] = {}

        def generate() -> None:
            try:
                result["output"] = self.model.generate(**kwargs)
            except BaseException as exc:  # surfaced in the caller's thread below
                result["error"] = exc
                streamer.on_finalized_text("", stream_end=True)  # unblock the reader

        self.last_usage = Usage(n_prompt, 0)
        worker = threading.Thread(target=generate, daemon=True)
        worker.start()
        stop = [s for s in stop if s]
        hold = max((len(s) for s in stop), default=1) - 1  # never yield the start of a stop string
        text, sent = "", 0
        try:
            for piece in streamer:
                if not piece:
                    continue
                text += piece
                cut = min((i for i in (text.find(s) for s in stop) if i >= 0), default=-1)
                if cut >= 0:
                    if cut > sent:
                        yield text[sent:cut]
                    sent = len(text)
                    break
                if len(text) - hold > sent:
                    yield text[sent : len(text) - hold]
                    sent = len(text) - hold
            if sent < len(text):
                yield text[sent:]
        finally:
            cancel.set()  # stop generating when the caller stops reading (or a stop string hit)
            worker.join()
        error = result.get("error")
        if error is not None:
            raise ModelError(f"transformers generation failed: {error}") from error
        output = result.get("output")
        n_new = int(output.shape[-1]) - n_prompt if output is not None else 0
        self.last_usage = Usage(n_prompt, max(0, n_new))
