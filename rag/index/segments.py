"""Keyword search over a growing index: a main BM25 segment plus a small delta segment.

Rebuilding BM25 over every passage for each upload would cost a jieba pass over the whole
corpus (minutes at 10k articles). Instead:

- the **main** segment (``rag.index.bm25``) covers most passages and is saved with the tokens
  it was built from;
- the **delta** holds the passages added since, tokenized once, and is scored with the main's
  document frequencies and lengths plus its own, so its scores and the main's share a scale;
- passages removed since the main was built are listed and filtered out of its results;
- when the delta outgrows a tenth of the main (at least 2,000 passages) or the removals a
  fifth, the main is rebuilt from the stored tokens — no jieba — and the delta emptied.

``open_segments`` brings the saved segments in line with a set of passage ids: the writer
calls it after each sync (``PassageStore.sync``), a reader when it loads; a difference the
writer did not record (a writer killed before it, another data dir's writer on a shared
Chroma server) is patched the same way, so BM25 never returns a removed passage and never
misses a committed one.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path

import numpy as np

from rag.index.bm25 import K1, B, BM25Index, load_tokens, passage_tokens, query_tokens
from rag.index.learn import learn_terms
from rag.index.tokenize import teach_terms
from rag.records import Passage

DELTA = "delta.json"


class Segments:
    """Main segment + delta + removed ids; ``search`` ranks passages of both on one scale."""

    def __init__(self, main: BM25Index | None, delta: dict):
        self.main = main
        self.deleted: set[str] = set(delta["deleted"])
        self.terms: list[str] = delta["terms"]
        self.stamp: tuple | None = None  # of the delta file this was read from or written to
        self.ids: list[str] = []
        self.tokens: list[list[str]] = []
        self.postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
        self.lengths = np.zeros(0, dtype=np.float32)
        self.extend(delta["ids"], delta["tokens"])

    def extend(self, ids: list[str], tokens: list[list[str]]) -> None:
        """Add passages to the delta (their postings only: the others stay as they are)."""
        start = len(self.ids)
        self.ids += ids
        self.tokens += tokens
        for i, doc in enumerate(tokens, start):
            for t, tf in Counter(doc).items():
                self.postings[t].append((i, tf))
        added = np.array([len(doc) for doc in tokens], dtype=np.float32)
        self.lengths = np.concatenate([self.lengths, added])

    def drop(self, ids: set[str]) -> None:
        """Remove passages from the delta (its postings are rebuilt)."""
        keep = [(pid, t) for pid, t in zip(self.ids, self.tokens) if pid not in ids]
        self.ids, self.tokens, self.postings = [], [], defaultdict(list)
        self.lengths = np.zeros(0, dtype=np.float32)
        self.extend([pid for pid, _ in keep], [t for _, t in keep])

    def covered(self) -> set[str]:
        base = self.main.id_set - self.deleted if self.main else set()
        return base | set(self.ids)

    def search(self, query: str, k: int = 20) -> list[tuple[str, float]]:
        tokens = query_tokens(query)
        hits: list[tuple[str, float]] = []
        if self.main is not None:
            found = self.main.search_tokens(tokens, k + len(self.deleted))
            hits = [(pid, s) for pid, s in found if pid not in self.deleted][:k]
        hits += self._search_delta(tokens, k)
        return sorted(hits, key=lambda h: -h[1])[:k]

    def _search_delta(self, tokens: list[str], k: int) -> list[tuple[str, float]]:
        if not self.ids:
            return []
        n_main = len(self.main.ids) if self.main else 0
        n = n_main + len(self.ids)
        avgdl = ((self.main.length if self.main else 0) + float(self.lengths.sum())) / n
        scores = np.zeros(len(self.ids), dtype=np.float32)
        for t in tokens:  # bm25s' lucene formula, with both segments' statistics
            posting = self.postings.get(t)
            if not posting:
                continue
            df = len(posting) + (self.main.doc_freq(t) if self.main else 0)
            idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
            docs = np.array([d for d, _ in posting])
            tf = np.array([f for _, f in posting], dtype=np.float32)
            scores[docs] += idf * tf / (K1 * (1 - B + B * self.lengths[docs] / avgdl) + tf)
        best = np.argsort(-scores)[:k]
        return [(self.ids[i], float(scores[i])) for i in best if scores[i] > 0]

    def to_json(self) -> dict:
        return {
            "base": self.main.key if self.main else "",
            "ids": self.ids,
            "tokens": self.tokens,
            "deleted": sorted(self.deleted),
            "terms": self.terms,
        }


def open_segments(
    folder: Path,
    ids: set[str],
    get: Callable[[list[str]], list[Passage]],
    lock=None,
    previous: Segments | None = None,
    delta_share: float = 0.1,
    delta_min: int = 2000,
    known: dict[str, list[str]] | None = None,
    known_terms=(),
    save: bool = True,
) -> tuple[Segments, bool]:
    """The saved segments brought in line with ``ids`` (``get`` returns the passages of the
    ids they miss, unless ``known`` has their tokens already, learned with ``known_terms``);
    saved again when they changed and ``lock`` (the data dir's writer lock) is free or not
    given (and ``save``). A main segment already loaded in ``previous`` is reused when it is
    still the saved one. Returns (segments, whether anything had to change)."""
    known = known or {}
    main = BM25Index.load(folder, reuse=previous.main if previous else None)
    seg = _read_delta(folder, main, previous)
    teach_terms((main.terms if main else []) + seg.terms)
    covered = seg.covered()
    missing, extra = sorted(ids - covered), covered - ids
    if not missing and not extra:
        return seg, False
    if main is None:  # first build: every passage
        done = [pid for pid in sorted(ids) if pid in known]
        rest = get(sorted(ids - set(done)))
        seg = _rebuild(rest, done, [known[pid] for pid in done], list(known_terms))
    else:
        if extra & set(seg.ids):
            seg.drop(extra)
        done = [pid for pid in missing if pid in known]
        passages = get([pid for pid in missing if pid not in known])
        terms = learn_terms(article_texts(passages))
        new_ids = done + [p.id for p in passages]
        new_tokens = [known[pid] for pid in done]
        new_tokens += [passage_tokens(p.title, p.text) for p in passages]
        seg.deleted |= extra & main.id_set
        seg.terms = sorted(set(seg.terms) | set(terms) | set(known_terms))
        limit = max(delta_min, delta_share * len(main.ids))
        grown = len(seg.ids) + len(new_ids) > limit
        merged = None
        if grown or len(seg.deleted) > 2 * delta_share * len(main.ids):
            # straight into the new main: the delta's postings would be thrown away unused
            merged = _merge(folder, seg, new_ids, new_tokens)
        if merged is None:
            seg.extend(new_ids, new_tokens)
        else:
            seg = merged
    with contextlib.ExitStack() as stack:
        if save and (lock is None or stack.enter_context(lock.hold(wait=False))):
            with contextlib.suppress(OSError):  # a read-only data dir only costs time later
                save_segments(folder, seg)
    return seg, True


def _rebuild(passages, ids, tokens, terms) -> Segments:
    """A new main over ``passages`` (tokenized now) plus already tokenized ``ids``/``tokens``."""
    terms = sorted(set(terms) | set(learn_terms(article_texts(passages))))
    all_ids = list(ids) + [p.id for p in passages]
    all_tokens = list(tokens) + [passage_tokens(p.title, p.text) for p in passages]
    main = BM25Index.build(all_ids, all_tokens, terms) if all_ids else None
    return Segments(main, {"ids": [], "tokens": [], "deleted": [], "terms": []})


def _merge(folder: Path, seg: Segments, ids: list[str], tokens: list[list[str]]) -> Segments | None:
    """Main + delta + the passages ``ids``/``tokens`` − removed as one new main, from stored
    tokens (no jieba); None when the main's tokens are not stored (the delta keeps them)."""
    try:
        old = load_tokens(folder / "tokens.npz")
    except (OSError, ValueError, KeyError):
        return None  # a later merge or rebuild takes them
    keep = [(pid, t) for pid, t in zip(seg.main.ids, old) if pid not in seg.deleted]
    all_ids = [pid for pid, _ in keep] + seg.ids + ids
    all_tokens = [t for _, t in keep] + seg.tokens + tokens
    return _rebuild([], all_ids, all_tokens, seg.main.terms + seg.terms)


def article_texts(passages: list[Passage]) -> list[str]:
    """The passages' texts joined per article: a name recurs across articles, not chunks."""
    texts: dict[str, list[str]] = defaultdict(list)
    for p in passages:
        texts[p.article_id].append(p.text)
    return ["\n".join(t) for t in texts.values()]


def _stamp(folder: Path) -> tuple | None:
    try:
        st = (folder / DELTA).stat()
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size)


def _read_delta(folder: Path, main: BM25Index | None, previous: Segments | None) -> Segments:
    """The saved delta over ``main``. ``previous`` (what this process read or wrote last) is
    taken as it is when the file did not change since, and extended when the file only
    has passages added to it: a reload after an upload reads the new passages' postings,
    not the whole delta's."""
    stamp = _stamp(folder)
    same_main = previous is not None and main is not None and previous.main is main
    if same_main and previous.stamp == stamp:
        return previous
    empty = {"ids": [], "tokens": [], "deleted": [], "terms": []}
    try:
        delta = json.loads((folder / DELTA).read_text())
    except (OSError, ValueError):
        delta = empty
    if main is None or delta.get("base") != main.key:
        delta = empty
    n = len(previous.ids) if same_main else -1
    if same_main and delta["ids"][:n] == previous.ids and previous.deleted <= set(delta["deleted"]):
        seg = previous  # the same delta with passages added: index only those
        seg.extend(delta["ids"][n:], delta["tokens"][n:])
        seg.deleted, seg.terms = set(delta["deleted"]), delta["terms"]
    else:
        seg = Segments(main, delta)
    seg.stamp = stamp
    return seg


def save_segments(folder: Path, seg: Segments) -> None:
    """The main when it is new (its own atomic save), then the delta (renamed into place)."""
    folder.mkdir(parents=True, exist_ok=True)
    if seg.main is not None and seg.main.tokens is not None:  # built, not saved yet
        seg.main.save(folder)
        seg.main.tokens = None  # saved with it; a merge reads them back
    staged = folder / f".{DELTA}.{os.getpid()}"
    staged.write_text(json.dumps(seg.to_json(), ensure_ascii=False))
    os.replace(staged, folder / DELTA)
    seg.stamp = _stamp(folder)
