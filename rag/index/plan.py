"""Planning a sync: for every unit — a file, or one line of a JSON Lines archive — what stays,
what is added and what goes.

- a file is read and cleaned every time (its articles are compared by content hash); an
  archive line whose bytes are those of its complete manifest is unchanged without being
  cleaned again, so re-ingesting a 10k-line archive costs a read and a hash per line;
- the articles a unit had come from the catalog (``rag.index.catalog``), for the units being
  read only — never by reading every passage back;
- a new article that is a near-duplicate of one indexed under another unit, or of one planned
  earlier in this sync, is reported and skipped. Candidates come from MinHash bands (one
  catalog query per 200 articles) and are confirmed by ``near_duplicate``;
- units gone from a synced folder, and lines gone from a synced archive, lose their articles.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from rag.index.catalog import BANDS, minhash_bands
from rag.index.manifest import COMPLETE, Manifest, file_sha256
from rag.ingest.archive import is_archive, load_line, read_archive
from rag.ingest.load import iter_files, load_file
from rag.ingest.read import FileReport, IngestError
from rag.ingest.split import near_duplicate
from rag.records import Article


@dataclass
class FilePlan:
    """What one sync does to one unit (a file, or an archive line)."""

    path: str  # the unit's key: a resolved file path, or "<resolved archive>#<id>"
    report: FileReport | None  # None: the unit is gone from a synced folder or archive
    sha256: str = ""
    keep: set[str] = field(default_factory=set)  # its article ids after the sync
    new: list[Article] = field(default_factory=list)  # … of which these are embedded now
    group: str = ""  # the archive a line belongs to ("" for a file): one report per archive
    unchanged: bool = False  # an archive line skipped by its hash: nothing to do


@dataclass
class Plan:
    units: list[FilePlan]
    before: dict[str, dict[str, int]]  # key -> {article id -> passages} before the sync
    manifests: dict[str, Manifest]
    groups: dict[str, FileReport] = field(default_factory=dict)  # archive -> report (errors)
    timings: dict[str, float] = field(default_factory=dict)


def plan_files(
    store,
    paths: list[Path],
    prune_missing: bool,
    progress: bool = False,
    only=None,
    found: Callable[[int], None] | None = None,
) -> Plan:
    """Read what changed under ``paths`` and decide, per unit, what the sync does; with
    ``only`` (unit keys), archive lines not in it are left as they are (recovery).
    ``found`` hears the running count of articles read that are not indexed yet (the
    encoder workers start once there are enough)."""
    t0 = time.perf_counter()
    files = iter_files(paths)
    if any(p.is_dir() for p in paths) or any(map(is_archive, files)):  # pruning needs them all
        manifests = store.manifests.all()
    else:  # a few files (an upload): their own manifests are enough
        manifests = store.manifests.get([str(f.resolve()) for f in files])
    units: list[FilePlan] = []
    loaders: dict[str, object] = {}
    groups: dict[str, FileReport] = {}
    protected: list[str] = []  # archives that could not be read: none of their lines is pruned
    limit = store.settings.max_file_bytes
    for f in files:
        key = str(f.resolve())
        if not is_archive(f):
            units.append(FilePlan(key, None, file_sha256(f, limit)))
            loaders[key] = lambda f=f: load_file(f, max_bytes=limit)
            continue
        try:
            lines = read_archive(f)
        except IngestError as exc:
            groups[key] = FileReport(key, "error", str(exc))
            protected.append(key + "#")
            continue
        groups[key] = FileReport(key, encoding="utf-8")
        for line in lines:
            if only is not None and line.key not in only:
                continue
            m = manifests.get(line.key)
            if m is not None and m.state == COMPLETE and m.sha256 == line.sha256:
                report = FileReport(line.key, articles=len(m.articles), unchanged=m.passages)
                units.append(
                    FilePlan(line.key, report, line.sha256, set(m.articles), [], key, True)
                )
            else:
                units.append(FilePlan(line.key, None, line.sha256, group=key))
                loaders[line.key] = lambda line=line: load_line(line, limit)
    seen = {u.path for u in units}
    gone: list[str] = []
    if prune_missing:  # files gone from a synced folder lose their articles and manifest
        folders = [str(p.resolve()) + "/" for p in paths if p.is_dir()]
        folders += [g + "#" for g in groups if g + "#" not in protected]
        gone = sorted(
            k
            for k in set(manifests) - seen
            if k.startswith(tuple(folders)) and not k.startswith(tuple(protected))
        )
    before = store.catalog.by_path(sorted(loaders) + gone)
    t1 = time.perf_counter()
    # a bar of its own only when reading takes a while (an archive): a few files read at once
    bar = tqdm(
        total=len(loaders), desc="reading", unit="unit", disable=not progress or len(loaders) < 100
    )
    fresh = 0
    try:
        for unit in units:
            if unit.path in loaders:
                articles, unit.report = loaders[unit.path]()
                for art in articles:
                    art.path = unit.path
                unit.new = articles  # candidates; _decide keeps the ones to embed
                bar.update(1)
                if found is not None:
                    fresh += sum(a.id not in before.get(unit.path, ()) for a in articles)
                    found(fresh)
    finally:
        bar.close()
    t2 = time.perf_counter()
    _decide(store, [u for u in units if u.path in loaders], before, set(gone))
    units += [FilePlan(k, None) for k in gone]
    t3 = time.perf_counter()
    timings = {"decode_s": t1 - t0, "clean_s": t2 - t1, "dedupe_s": t3 - t2}
    return Plan(units, before, manifests, groups, timings)


def _decide(store, units: list[FilePlan], before: dict[str, dict[str, int]], gone: set[str]):
    """Split each read unit's articles into kept-as-is, new, and duplicates (reported). An
    article of a unit that is gone is no twin: a renamed file (or re-keyed line) keeps it."""
    fresh = [(u, art) for u in units for art in u.new if art.id not in before.get(u.path, {})]
    bands = [minhash_bands(art.text) for _, art in fresh]
    indexed = store.catalog.candidates(bands) if fresh else {}
    texts = store.article_texts(sorted(indexed))
    by_band: dict[str, list[tuple[str, str, str]]] = defaultdict(list)  # key -> (id, text, owner)
    for aid, meta in indexed.items():
        if meta.get("path") in gone:
            continue
        for b in range(BANDS):
            by_band[meta.get(f"b{b}", "")].append((aid, texts.get(aid, ""), meta.get("source", "")))
    fresh_bands = {id(art): keys for (_, art), keys in zip(fresh, bands)}
    for unit in units:
        own = before.get(unit.path, {})
        articles, unit.new = unit.new, []
        for art in articles:
            aid = art.id
            if aid in own:
                unit.keep.add(aid)
                unit.report.unchanged += own[aid]
                continue
            keys = fresh_bands[id(art)]
            twin = _twin(art, keys, by_band)
            if twin is not None and twin[0] not in own:
                owner = twin[2] or "another article in this batch"
                unit.report.duplicates.append(f"{art.title} (duplicate of {owner})")
                continue
            unit.keep.add(aid)
            unit.new.append(art)
            for key in keys:  # later articles of this sync are compared with it too
                by_band[key].append((aid, art.text, ""))


def _twin(art: Article, keys: list[str], by_band) -> tuple[str, str, str] | None:
    checked: set[str] = set()
    for key in keys:
        for cand in by_band.get(key, ()):
            if cand[0] in checked:
                continue
            checked.add(cand[0])
            if cand[0] == art.id or cand[1] == art.text or near_duplicate(cand[1], art.text):
                return cand
    return None
