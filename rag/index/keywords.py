"""The writer's BM25 segments (``rag.index.segments``), kept in line with the passages after
each sync, and built ahead of time during a large one.

After the last batch of an ingest only this process's BM25 update is left: the encoder workers
are done and one core idles (~5 s of a 10,000-article ingest, most of it building the merged
main segment). Its passages' tokens and terms are known once the writer has learned, long
before their vectors: so a large ingest that only adds builds the segments it will end with
then, beside the encoder (``prepare``), and the update after the last batch only checks that
the passages are the ones expected, and saves (``update``). Anything else — a removal, a
failed batch, another writer's passages — finds other ids, and the segments are brought in
line as they always were.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

from rag.index.bm25 import STAGED
from rag.index.segments import Segments, open_segments, save_segments

log = logging.getLogger(__name__)


class Keywords:
    """The BM25 segments of one data dir, as its writer last saved them."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.segments: Segments | None = None
        # (ids expected, segments, their new main's files written, or None)
        self.prepared: tuple[set[str], Segments, Path | None] | None = None

    def prepare(self, store, new: dict[str, list[str]], terms) -> None:
        """Build now the segments that the passages of the store plus ``new`` (passage id ->
        tokens, not written yet) will need: a new main is written beside the saved one, to be
        moved in place by ``update``. A failure only loses the head start."""
        self.discard()
        try:
            ids = store.passage_ids() | set(new)
            # not the segments in use (``previous``): these get passages no search may see yet
            seg, _ = open_segments(
                self.folder, ids, store.passages, known=new, known_terms=terms, save=False
            )
            staged = seg.main.stage(self.folder) if seg.main and seg.main.tokens else None
            self.prepared = (ids, seg, staged)
        except Exception as exc:  # the update after the sync does it all
            log.info("BM25 not built ahead: %s", exc)
            self.prepared = None

    def update(self, store, tokens: dict | None = None, terms=()) -> set[str] | None:
        """Bring the saved segments in line with the store's passages; ``tokens``: passages
        tokenized already (by the sync). Returns the passage ids, None on failure (BM25 is
        a cache: a reader patches what is missing). Call holding the writer lock."""
        prepared, self.prepared = self.prepared, None
        try:
            ids = store.passage_ids()
            if prepared is not None and prepared[0] == ids:
                ids, seg, staged = prepared
                if staged is not None:
                    seg.main.publish(staged, self.folder)
                    seg.main.tokens = None  # saved
                save_segments(self.folder, seg)  # the delta
                self.segments = seg
                return ids
            self.discard()
            self.segments, _ = open_segments(
                self.folder, ids, store.passages, previous=self.segments,
                known=tokens, known_terms=terms,
            )  # fmt: skip
        except Exception as exc:
            log.warning("could not update the BM25 index: %s", exc)
            return None
        return ids

    def discard(self) -> None:
        """Remove segment files staged and never published (this writer's, or those of one
        killed while it staged: only the writer stages, holding the writer lock)."""
        for leftover in self.folder.parent.glob(f"{STAGED}*"):
            shutil.rmtree(leftover, ignore_errors=True)
