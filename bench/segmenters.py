"""jieba against a drop-in C segmenter on archive articles: speed, and how many cut the same.

    pip install --target /tmp/seg jieba_fast        # not a dependency: measured, not used
    python bench/segmenters.py --path /tmp/seg --module jieba_fast [--articles 1000]

Learning names and terms and the BM25 tokens are jieba's pure-Python cut for most of their
time (bench/SCALE.md), so a faster segmenter is the lever left for ingest speed. Any cut
that differs changes BM25's tokens and the learned terms, so it would be judged on both eval
sets before it replaced jieba. Articles: the first N of the CRUD-RAG archive (Apache-2.0,
``../shared/corpora/crud-archive``).
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ARCHIVE = REPO.parent / "shared" / "corpora" / "crud-archive" / "archive.jsonl.xz"


def timed_cuts(module, texts: list[str]) -> tuple[list[list[str]], float]:
    module.initialize()
    t = time.perf_counter()
    cuts = [module.lcut(x) for x in texts]
    return cuts, time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--module", required=True, help="e.g. jieba_fast")
    ap.add_argument("--path", help="where it is installed (pip install --target)")
    ap.add_argument("--articles", type=int, default=1000)
    args = ap.parse_args()
    if args.path:
        sys.path.insert(0, args.path)
    import jieba

    from rag.ingest.archive import load_line, read_archive

    lines = read_archive(ARCHIVE)[: args.articles]
    texts = [a.text for line in lines for a in load_line(line)[0]]
    base, base_s = timed_cuts(jieba, texts)
    other, other_s = timed_cuts(importlib.import_module(args.module), texts)
    same = sum(a == b for a, b in zip(base, other))
    print("| segmenter | seconds | articles cut as jieba cuts them |\n|---|---|---|")
    print(f"| jieba | {base_s:.2f} | {len(texts)} of {len(texts)} |")
    print(f"| {args.module} | {other_s:.2f} | {same} of {len(texts)} |")


if __name__ == "__main__":
    main()
