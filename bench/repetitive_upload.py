"""Indexing a 2 MB file that repeats one sentence: seconds and passages (issue #14).

    python bench/repetitive_upload.py [--mb 1.99]

Builds the file in a temporary data dir (no seeds), indexes it with ``rag.index_paths`` and
prints one table row. Before repeated sentences were collapsed at cleaning, such a file
became ~4,000 identical passages and took minutes to embed, with every question waiting.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--mb", type=float, default=1.99, help="file size in MB")
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        (tmp / "no-seeds").mkdir()
        os.environ.update(RAG_HOME=str(tmp / "home"), RAG_SEEDS=str(tmp / "no-seeds"))
        sentence = "本市今天天气晴朗，最高气温二十五摄氏度，空气质量良好。"
        path = tmp / "repeated.txt"
        path.write_text(sentence * int(args.mb * 1e6 / len(sentence.encode())), encoding="utf-8")
        import rag
        from rag.runtime import get_store

        t0 = time.perf_counter()
        report = rag.index_paths([path], progress=False)
        seconds = time.perf_counter() - t0
        passages = get_store().count()
        print("| file | seconds to index | passages | report |")
        print("|---|---|---|---|")
        size = path.stat().st_size / 1e6
        print(
            f"| {size:.2f} MB, one sentence repeated | {seconds:.1f} | {passages} | {report.summary()} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
