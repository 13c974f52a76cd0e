"""Applying a sync plan: batches embedded on the calling thread (or, for a large ingest, by
worker processes: ``rag.index.encoder_pool``), written on a writer thread.

Embedding one batch overlaps with writing the one before it. The writer thread does, batch
after batch and in this order: mark the batch's units pending, delete their stale articles,
write the passages and catalog records, tokenize the passages for BM25, and commit the units
whose last article it wrote. So a kill leaves what a one-thread sync would leave — units
pending or not yet started, never a silent half — and loses at most the batches in flight
(one being written, one waiting, one being embedded).

Before its first batch, the writer learns the names and terms of all the new articles at once
(``rag.index.learn``), while the first batches embed: every passage is tokenized with all of
them, and what recurs across the articles of one ingest is seen whatever batch it falls in.
In a large ingest that only adds, it then tokenizes every passage and builds the BM25
segments the sync will end with (``rag.index.keywords``), while the workers encode ahead:
after the last batch only their save is left.
"""

from __future__ import annotations

import queue
import threading
import time
from dataclasses import dataclass, field

from rag.index.bm25 import passage_tokens
from rag.index.encoder_pool import Encoding, PoolStarter, wanted
from rag.index.learn import learn_terms
from rag.index.manifest import COMPLETE, PENDING, Manifest
from rag.index.plan import FilePlan, Plan
from rag.ingest.chunk import chunk_article
from rag.records import Article, Passage

# Batches queued for the writer when workers encode. The writer learns from every new article
# before its first write (~45 s at 10,000 articles), so the workers must be able to run that
# far ahead or they wait: 40 batches are ~32k passages (~85 s of theirs, ~64 MB of vectors).
# With 8, a one-shot ingest of the 10k archive left the workers idle for ~40 s.
_AHEAD = 40
_LAST = 128  # passages of the last batch of a large ingest, at least (see Applier.limit)


@dataclass
class Batch:
    units: list[FilePlan] = field(default_factory=list)
    items: list[tuple[FilePlan, Article, list[Passage]]] = field(default_factory=list)
    passages: int = 0


class Applier:
    """Writes a plan batch by batch; counts what it did and how long each stage took."""

    def __init__(self, store, plan: Plan, note: str, bar, starter: PoolStarter):
        self.store, self.plan, self.note, self.bar = store, plan, note, bar
        self.starter = starter  # the workers, started while planning if it found enough
        self.marked: set[str] = set()
        self.left: dict[str, int] = {}  # unit -> its new articles not yet written
        self.added = self.removed = self.articles = self.batches = 0
        self.timings = dict.fromkeys(
            ("chunk_s", "embed_s", "write_s", "tokenize_s", "commit_s", "bm25_ahead_s"), 0.0
        )
        self.tokens: dict[str, list[str]] = {}  # passage id -> BM25 tokens, for the segments
        self.terms: set[str] = set()
        self.queue: queue.Queue = queue.Queue(maxsize=1)
        self.kept = {aid for u in plan.units for aid in u.keep}
        self.error: BaseException | None = None
        self.pool = None  # EncoderPool of a large ingest (rag.index.encoder_pool)

    def stale(self, unit: FilePlan) -> set[str]:
        """The unit's articles to delete: those no unit keeps (a renamed file's article is
        kept by its new name, and deleting it by id would delete it there too)."""
        return set(self.plan.before.get(unit.path, {})) - self.kept

    def manifest(self, unit: FilePlan) -> Manifest:
        old = self.plan.manifests.get(unit.path)
        touched = bool(self.stale(unit) or unit.new) or old is None or old.state != COMPLETE
        note = self.note if touched else (old.note if old else "")
        passages = unit.report.added + unit.report.unchanged
        return Manifest(unit.path, COMPLETE, unit.sha256, tuple(sorted(unit.keep)), passages, note)

    def needs_work(self, unit: FilePlan) -> bool:
        if unit.unchanged:
            return False
        if unit.report is None or unit.new or self.stale(unit):
            return True
        return self.manifest(unit) != self.plan.manifests.get(unit.path)

    def limit(self, left: int) -> int:
        """Passages per batch: 8, 16, 32 … up to ``RAG_INGEST_BATCH`` — the first commits come
        within seconds (progress shows at once, a kill early loses little), later batches are
        large enough that Chroma's per-request cost (~50 ms) stops counting — and at the end
        half of the ``left`` passages, down to ``_LAST``: the last batch is written after the
        encoder is done, with a core idle, so it is kept short."""
        size = min(self.store.settings.ingest_batch, 8 << min(self.batches, 16))
        return max(1, min(size, max(_LAST, left // 2)))

    def run(self) -> None:
        units = [u for u in self.plan.units if self.needs_work(u)]
        texts = [a.text for u in units for a in u.new]
        large = wanted(self.store.settings.ingest_workers, len(texts))
        if large:  # batches encode ahead while the writer learns and writes
            self.queue = queue.Queue(maxsize=_AHEAD)
        t, settings = time.perf_counter(), self.store.settings
        chunked = [
            chunk_article(a, settings.chunk_chars, settings.chunk_overlap)
            for u in units
            for a in u.new
        ]
        self.timings["chunk_s"] += time.perf_counter() - t
        # BM25 built ahead (rag.index.keywords) when the ingest only adds: with a removal the
        # segments it would build are not the ones the sync ends with
        ahead = large and not any(self.stale(u) for u in units)
        writer = threading.Thread(
            target=self._write_loop,
            args=(texts, [p for ps in chunked for p in ps] if ahead else []),
            name="rag-sync-writer",
            daemon=True,
        )
        writer.start()  # learning while the workers start
        try:
            self.pool = self.starter.pool(len(texts))
            passages_of = iter(chunked)
            left = sum(map(len, chunked))  # passages not handed to the encoder yet
            batch = Batch()
            for unit in units:
                self.left[unit.path] = len(unit.new)
                if not unit.new:  # removals only: done with the next batch
                    batch.units.append(unit)
                for art in unit.new:
                    passages = next(passages_of)
                    if batch.items and batch.passages + len(passages) > self.limit(left):
                        self._submit(batch)
                        left -= batch.passages
                        batch = Batch()
                    if not batch.units or batch.units[-1] is not unit:
                        batch.units.append(unit)
                    batch.items.append((unit, art, passages))
                    batch.passages += len(passages)
            self._submit(batch)
        finally:
            self.queue.put(None)  # the writer finishes what it was given, then stops
            writer.join()  # the workers are stopped by sync_files, which started them
        if self.error is not None:
            raise self.error

    def _submit(self, batch: Batch) -> None:
        """Embed ``batch`` here, then hand it to the writer (waiting while it has one queued)."""
        if self.error is not None:
            raise self.error
        texts = [f"{p.title}\n{p.text}" for _, _, ps in batch.items for p in ps]
        t = time.perf_counter()
        if self.pool is not None and texts:
            vectors = self.pool.submit(texts)  # the writer waits for it
        else:
            vectors = self.store.embedder(texts) if texts else []
        self.timings["embed_s"] += time.perf_counter() - t
        self.batches += 1
        self.queue.put((batch, vectors))

    def _write_loop(self, texts: list[str], ahead: list[Passage]) -> None:
        try:  # learning first: the passages are tokenized with what it learns
            self.bar.set_description("learning names and terms")
            t = time.perf_counter()
            self.terms.update(learn_terms(texts))
            if ahead:  # tokens and BM25 now, beside the encoder, not after the last batch
                self.tokens.update((p.id, passage_tokens(p.title, p.text)) for p in ahead)
                t1 = time.perf_counter()
                self.store.keywords.prepare(self.store, self.tokens, self.terms)
                self.timings["bm25_ahead_s"] = time.perf_counter() - t1
            self.timings["tokenize_s"] += time.perf_counter() - t - self.timings["bm25_ahead_s"]
            self.bar.set_description("indexing")
        except BaseException as exc:
            self.error = exc
        while (item := self.queue.get()) is not None:
            if self.error is None:  # after an error: only drain, so the embedder never waits
                try:
                    self._write(*item)
                except BaseException as exc:  # re-raised on the calling thread
                    self.error = exc

    def _write(self, batch: Batch, vectors) -> None:
        """Mark, delete, write, tokenize, commit: the order that makes a kill recoverable."""
        if isinstance(vectors, Encoding):
            t = time.perf_counter()
            vectors = vectors.result()
            self.timings["embed_s"] += time.perf_counter() - t  # waiting on the workers
        store, t = self.store, time.perf_counter()
        fresh = [u for u in batch.units if u.path not in self.marked]
        if fresh:
            # a unit that is gone is marked too: a kill while its articles are deleted
            # leaves it pending, and the next open removes the rest
            store.manifests.put_many([Manifest(u.path, PENDING, u.sha256) for u in fresh])
            self.marked.update(u.path for u in fresh)
            store.changes += 1
            store.delete_articles([aid for u in fresh for aid in sorted(self.stale(u))])
            for u in fresh:
                gone = sum(self.plan.before[u.path][aid] for aid in self.stale(u))
                self.removed += gone
                if u.report is not None:
                    u.report.removed += gone
        t1 = time.perf_counter()
        if batch.items:
            store.write_articles([(a, ps) for _, a, ps in batch.items], vectors)
            for unit, _, ps in batch.items:
                unit.report.added += len(ps)
                self.added += len(ps)
                self.left[unit.path] -= 1
        t2 = time.perf_counter()
        passages = [p for _, _, ps in batch.items for p in ps]
        self.tokens.update(
            (p.id, passage_tokens(p.title, p.text)) for p in passages if p.id not in self.tokens
        )
        t3 = time.perf_counter()
        done = [u for u in batch.units if self.left.get(u.path) == 0]
        store.manifests.put_many([self.manifest(u) for u in done if u.report is not None])
        store.manifests.drop_many([u.path for u in done if u.report is None])
        self.timings["write_s"] += t2 - t1
        self.timings["tokenize_s"] += t3 - t2
        self.timings["commit_s"] += (t1 - t) + (time.perf_counter() - t3)
        self.articles += len(batch.items)
        self.bar.update(len(batch.items))  # counted once written, whatever unit they are of
