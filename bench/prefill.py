"""Prefill speed of the default model under llama.cpp context settings, printed as one table.

    python bench/prefill.py [--repeats 4]

Each variant loads the model, evaluates the answer prompt's system turn, then times the user
turn of a typical question (two snippets) after it, as ``Answerer`` does with the system turn
cached. The fastest of ``--repeats`` runs is reported: shared machines only ever add noise.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

VARIANTS = {
    "n_batch 512 (default)": {"n_batch": 512},
    "n_batch 512, flash attention": {"n_batch": 512, "flash_attn": True},
    "n_batch 2048, n_ubatch 2048": {"n_batch": 2048, "n_ubatch": 2048},
    "n_batch 512, q8_0 KV cache, flash attention": {
        "n_batch": 512,
        "type_k": 8,
        "type_v": 8,
        "flash_attn": True,
    },
    "1 thread": {"n_batch": 512, "n_threads": 1, "n_threads_batch": 1},
}

USER = (
    "资料：\n[1]《科技巨头打响“AI军备竞赛”》2024年,微软、亚马逊、谷歌、Meta等4家美国科技巨头的"
    "资本支出分别达到756亿美元、777亿美元、525亿美元和373亿美元,均创下各自的历史新高。"
    "2025年,这些公司资本支出将继续增长。\n[2]《全球科技巨头正在疯狂投资AI基建》微软的资本开支"
    "增长超80%,达到800亿美元;亚马逊的资本开支增长超35%,达到1050亿美元。\n\n"
    "问题：2024年亚马逊的资本支出是多少?"
)


def answer_turns() -> tuple[str, str]:
    """The answer prompt's system turn and a typical user turn, in Qwen's chat format."""
    from rag.answer.question import ABSTAIN
    from rag.models.prompts import load_prompt

    system = load_prompt("answer_system_zh").render(abstain=ABSTAIN["zh"])
    return (
        f"<|im_start|>system\n{system}<|im_end|>\n",
        f"<|im_start|>user\n{USER}<|im_end|>\n<|im_start|>assistant\n",
    )


def time_prefill(llm, repeats: int = 4) -> tuple[int, float]:
    """(user-turn tokens, fastest seconds) to evaluate the user turn after the system turn."""
    head, turn = answer_turns()
    prefix = llm.tokenize(head.encode(), add_bos=False, special=True)
    tokens = llm.tokenize((head + turn).encode(), add_bos=False, special=True)[len(prefix) :]
    times = []
    for _ in range(repeats):
        llm.reset()
        llm.eval(prefix)
        t0 = time.perf_counter()
        llm.eval(tokens)
        times.append(time.perf_counter() - t0)
    llm.reset()
    return len(tokens), min(times)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=4)
    args = parser.parse_args()

    from llama_cpp import Llama

    from rag.config import get_settings
    from rag.models.modelfile import assemble_default_model

    settings = get_settings()
    path = assemble_default_model(settings.model_dir)
    rows = []
    for name, params in VARIANTS.items():
        kwargs = {"n_threads": settings.n_threads, "n_threads_batch": settings.n_threads}
        kwargs.update(params)
        llm = Llama(model_path=str(path), n_ctx=settings.n_ctx, verbose=False, **kwargs)
        n, seconds = time_prefill(llm, args.repeats)
        rows.append((name, n, seconds, n / seconds))
        del llm
    print("| llama.cpp setting | user-turn tokens | prefill (s) | tokens/s |")
    print("|---|---|---|---|")
    for name, n, seconds, rate in rows:
        print(f"| {name} | {n} | {seconds:.2f} | {rate:.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
