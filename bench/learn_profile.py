"""Where the writer's own work goes at one archive step: learning names and terms, then the
BM25 tokens of the passages, under cProfile (its overhead inflates every figure alike).

    python bench/learn_profile.py [--first 5000] [--last 10000] [--top 30] [--plain]

Reads the archive's lines FIRST..LAST (by default the articles `make scale`'s 10k step adds;
CRUD-RAG, Apache-2.0, ``../shared/corpora/crud-archive``), runs ``rag.index.learn.learn_terms``
on their texts and ``rag.index.bm25.passage_tokens`` on their passages (chunked with the
default settings), prints the CPU seconds of each and the functions that took the most.
``--plain``: no profiler, and a digest of what was learned and tokenized, so that a faster
version can show it produces the same.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import hashlib
import pstats
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
ARCHIVE = REPO.parent / "shared" / "corpora" / "crud-archive" / "archive.jsonl.xz"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--first", type=int, default=5000)
    ap.add_argument("--last", type=int, default=10000)
    ap.add_argument("--top", type=int, default=30)
    ap.add_argument("--plain", action="store_true", help="no profiler; a digest of the output")
    args = ap.parse_args()
    from rag.config import Settings
    from rag.index.bm25 import passage_tokens
    from rag.index.learn import learn_terms
    from rag.ingest.archive import load_line, read_archive
    from rag.ingest.chunk import chunk_article

    settings = Settings()
    lines = read_archive(ARCHIVE)[args.first : args.last]
    articles = [a for line in lines for a in load_line(line)[0]]
    profile = cProfile.Profile()
    profiled = contextlib.nullcontext if args.plain else lambda: profile

    t = time.process_time()
    with profiled():
        terms = learn_terms([a.text for a in articles])
    learn_s = time.process_time() - t

    t = time.process_time()
    with profiled():
        passages = [
            p
            for a in articles
            for p in chunk_article(a, settings.chunk_chars, settings.chunk_overlap)
        ]
        tokens = [passage_tokens(p.title, p.text) for p in passages]
    tokens_s = time.process_time() - t

    print(f"{len(articles)} articles, {len(passages)} passages, {len(terms)} entries learned")
    print(f"| part | CPU s{'' if args.plain else ' (profiled)'} |\n|---|---|")
    print(f"| learning | {learn_s:.2f} |\n| chunks + BM25 tokens | {tokens_s:.2f} |\n")
    if args.plain:
        out = "\n".join(terms) + "||" + "\n".join(" ".join(t) for t in tokens)
        print("digest of the terms and tokens:", hashlib.sha1(out.encode()).hexdigest()[:12])
    else:
        pstats.Stats(profile).sort_stats("cumulative").print_stats(args.top)


if __name__ == "__main__":
    main()
