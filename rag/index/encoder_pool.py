"""Encoding a large ingest in worker processes, one BLAS thread each.

The encoders are numpy models driven from Python. In this process their two BLAS threads
wait on each other and on the GIL, which Chroma's write (on the writer thread) holds for
most of its time, and jieba's learning too. Worker processes of one thread each keep both
cores busy on their own (on 2 cores: ~370 passages/s against ~255 with two BLAS threads in
one process, ``bench/ingest_parts.py``), and the work left here runs beside them instead of
stopping them.

Starting the workers costs ~1 s (each loads the model; they import ``rag.index.encoders``,
not Chroma: ~0.4 CPU-s each), so only an ingest of
``MIN_ARTICLES`` new articles or more uses them; an upload of one article does not. A
``PoolStarter`` starts them while the plan is still reading, as soon as it has found that many.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from rag.index.encoders import encode_passages

log = logging.getLogger(__name__)

# ~1,000 passages: ~3.9 s in this process, ~2.7 s in the workers, whose start takes ~1 s
MIN_ARTICLES = 200
_ONE_THREAD = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
_kind = ""  # the embedder of this worker process


def _start_worker(kind: str) -> None:
    global _kind
    _kind = kind
    encode_passages(kind, ["预热"])  # load the model and its tables before the first batch


def _encode(texts: list[str]) -> np.ndarray:
    return np.asarray(np.atleast_2d(encode_passages(_kind, texts)), dtype=np.float32)


class Encoding:
    """The vectors of one batch, being encoded by the workers."""

    def __init__(self, parts):
        self.parts = parts

    def result(self) -> list[np.ndarray]:
        return [v for part in self.parts for v in part.result()]


class EncoderPool:
    """``workers`` processes encoding passages with the embedder ``kind``; ``encode`` splits a
    batch between them. A context manager: the workers stop on exit."""

    def __init__(self, kind: str, workers: int):
        self.workers = workers
        saved = {k: os.environ.get(k) for k in _ONE_THREAD}
        os.environ.update(dict.fromkeys(_ONE_THREAD, "1"))  # read by numpy as a worker starts
        self.pool = ProcessPoolExecutor(
            workers,
            mp_context=multiprocessing.get_context("spawn"),  # no fork of Chroma's threads
            initializer=_start_worker,
            initargs=(kind,),
        )
        try:  # start every worker now, while the variables hold
            for f in [self.pool.submit(_encode, ["预热"]) for _ in range(workers)]:
                f.result()
        except BaseException:
            self.close()
            raise
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v

    def submit(self, texts: list[str]) -> Encoding:
        """Start encoding ``texts``, each worker a contiguous share; ``.result()`` waits."""
        size = max(1, -(-len(texts) // self.workers))
        parts = [self.pool.submit(_encode, texts[i : i + size]) for i in range(0, len(texts), size)]
        return Encoding(parts)

    def encode(self, texts: list[str]) -> list[np.ndarray]:
        """Vectors of ``texts`` in order."""
        return self.submit(texts).result()

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> EncoderPool:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def wanted(workers: int, articles: int) -> bool:
    """Whether an ingest of ``articles`` new articles is worth ``workers`` worker processes."""
    return workers >= 2 and articles >= MIN_ARTICLES


def open_pool(kind: str, workers: int, articles: int) -> EncoderPool | None:
    """A pool for an ingest of ``articles`` new articles, or None: too small to earn the
    workers' start, one worker asked for, or the workers would not start (logged; the
    ingest then encodes in this process, as a small one does)."""
    if not wanted(workers, articles):
        return None
    try:
        return EncoderPool(kind, workers)
    except Exception as exc:  # a worker that cannot start must not stop the ingest
        log.warning("encoder workers did not start (%s); encoding in this process", exc)
        return None


class PoolStarter:
    """Starts the workers in the background once an ingest is known to be large enough
    (``want``, called as the plan reads new articles), so that their start (~2 s on 2 cores)
    overlaps reading and cleaning instead of following it; ``pool`` waits for them."""

    def __init__(self, kind: str, workers: int):
        self.kind, self.workers = kind, workers
        self._pool: EncoderPool | None = None
        self._thread: threading.Thread | None = None

    def want(self, articles: int) -> None:
        """``articles`` new articles are known so far: start the workers if that is enough."""
        if self._thread is None and wanted(self.workers, articles):
            self._thread = threading.Thread(
                target=self._start, args=(articles,), name="rag-encoder-start", daemon=True
            )
            self._thread.start()

    def _start(self, articles: int) -> None:
        self._pool = open_pool(self.kind, self.workers, articles)

    def pool(self, articles: int) -> EncoderPool | None:
        """The workers for an ingest of ``articles`` new articles (started now if not yet),
        or None: too small, or they would not start."""
        self.want(articles)
        if self._thread is not None:
            self._thread.join()
        return self._pool

    def close(self) -> None:
        """Stop the workers (started or starting), e.g. when the plan failed."""
        if self._thread is not None:
            self._thread.join()
        if self._pool is not None:
            self._pool.close()
            self._pool = None
