"""jieba against faster segmenters on archive articles: speed, and how many cut the same.

    python bench/segmenters.py --route [--articles 2000]      # the trie the ingest uses
    pip install --target /tmp/seg jieba_fast                   # not a dependency: measured only
    python bench/segmenters.py --path /tmp/seg --module jieba_fast [--articles 1000]

Learning names and terms and the BM25 tokens are jieba's cut for most of their time
(bench/SCALE.md). Any cut that differs from jieba's changes BM25's tokens and the learned
terms, so a faster segmenter counts only if it cuts the same. ``--route``: jieba with its
paths found by ``jieba_next``'s trie (``rag.index.jieba_route``, what the ingest runs) against
jieba's own Python, on every distinct block (the unit jieba cuts, and the ingest caches) of
the articles. ``--module``: a whole drop-in module against jieba, article by article.
Articles: the first N of the CRUD-RAG archive (Apache-2.0, ``../shared/corpora/crud-archive``).
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ARCHIVE = REPO.parent / "shared" / "corpora" / "crud-archive" / "archive.jsonl.xz"


def timed_cuts(cut, texts: list[str]) -> tuple[list[list[str]], float]:
    t = time.process_time()
    cuts = [cut(x) for x in texts]
    return cuts, time.process_time() - t


def archive_texts(articles: int) -> list[str]:
    from rag.ingest.archive import load_line, read_archive

    lines = read_archive(ARCHIVE)[:articles]
    return [a.text for line in lines for a in load_line(line)[0]]


def compare_route(texts: list[str]) -> None:
    from rag.index import tokenize

    jieba = tokenize._jieba()  # its paths found by the trie, if jieba_next is installed
    if tokenize._route is None:
        sys.exit("jieba_next is not installed: nothing to compare")
    blocks = list(dict.fromkeys(b for t in texts for b in jieba.re_han_default.split(t) if b))
    dt = jieba.dt
    routed, routed_s = timed_cuts(dt.lcut, blocks)
    saved = dt.__dict__.pop("get_DAG"), dt.__dict__.pop("calc")  # jieba's own Python again
    plain, plain_s = timed_cuts(dt.lcut, blocks)
    dt.get_DAG, dt.calc = saved
    same = sum(a == b for a, b in zip(plain, routed))
    print(f"{len(texts)} articles, {len(blocks)} distinct blocks (CPU seconds)\n")
    print("| jieba's paths | CPU s | blocks cut as jieba cuts them |\n|---|---|---|")
    print(f"| its Python (get_DAG, calc) | {plain_s:.2f} | {len(blocks)} of {len(blocks)} |")
    print(f"| jieba_next's trie | {routed_s:.2f} | {same} of {len(blocks)} |")


def compare_module(name: str, texts: list[str]) -> None:
    import jieba

    other = importlib.import_module(name)
    jieba.initialize()
    other.initialize()
    base, base_s = timed_cuts(jieba.lcut, texts)
    cut, cut_s = timed_cuts(other.lcut, texts)
    same = sum(a == b for a, b in zip(base, cut))
    print("| segmenter | CPU s | articles cut as jieba cuts them |\n|---|---|---|")
    print(f"| jieba | {base_s:.2f} | {len(texts)} of {len(texts)} |")
    print(f"| {name} | {cut_s:.2f} | {same} of {len(texts)} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    how = ap.add_mutually_exclusive_group(required=True)
    how.add_argument("--route", action="store_true", help="the ingest's trie against jieba")
    how.add_argument("--module", help="a drop-in module, e.g. jieba_fast")
    ap.add_argument("--path", help="where --module is installed (pip install --target)")
    ap.add_argument("--articles", type=int, default=2000)
    args = ap.parse_args()
    if args.path:
        sys.path.insert(0, args.path)
    texts = archive_texts(args.articles)
    if args.route:
        compare_route(texts)
    else:
        compare_module(args.module, texts)


if __name__ == "__main__":
    main()
