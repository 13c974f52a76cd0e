"""Sync: bring the index in line with files, committing one whole file at a time.

- an article's id is a hash of its clean text, so an unchanged article is skipped;
- a near-duplicate of an article already kept is reported, not indexed;
- articles of changed files, and of files gone from a synced folder, are removed;
- each file is marked pending before its passages change and gets its complete manifest
  (``rag.index.manifest``) only after all of them are written: a kill in between leaves a
  file that the next open recognises and completes or removes, never a silent half.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from rag.index.manifest import COMPLETE, PENDING, Manifest, file_sha256
from rag.ingest.chunk import chunk_article
from rag.ingest.load import iter_files, load_file
from rag.ingest.read import FileReport
from rag.ingest.split import near_duplicate
from rag.records import Article


@dataclass
class SyncReport:
    files: list[FileReport]
    added: int = 0
    removed: int = 0
    unchanged: int = 0
    repaired: int = 0  # passages of half-written articles removed before syncing
    # files an interrupted ingest had left half-indexed, found when the store opened:
    # resolved path -> "interrupted — redone" | "removed"
    recovered: dict[str, str] = field(default_factory=dict)

    def summary(self) -> str:
        return (
            f"{len(self.files)} files · {self.added} passages embedded · "
            f"{self.unchanged} unchanged · {self.removed} removed"
        )


@dataclass
class FilePlan:
    """What one sync does to one file."""

    path: str  # resolved
    report: FileReport | None  # None: the file is gone from a synced folder
    sha256: str = ""
    keep: set[str] = field(default_factory=set)  # its article ids after the sync
    new: list[Article] = field(default_factory=list)  # … of which these are embedded now


def plan_files(
    store, paths: list[Path], prune_missing: bool
) -> tuple[list[FilePlan], dict[str, dict], dict[str, set[str]]]:
    """Read the files and decide, per file, what stays, what is added, what goes; also
    returns the indexed articles and their ids per file before the sync."""
    indexed = store.articles()
    by_path: dict[str, set[str]] = defaultdict(set)
    for aid, rec in indexed.items():
        by_path[rec["path"]].add(aid)
    kept_texts = {aid: rec["text"] for aid, rec in indexed.items()}
    plans: list[FilePlan] = []
    for f in iter_files(paths):
        articles, report = load_file(f, max_bytes=store.settings.max_file_bytes)
        key = str(f.resolve())
        plan = FilePlan(key, report, file_sha256(f, store.settings.max_file_bytes))
        plans.append(plan)
        for art in articles:
            art.path = key
            aid = art.id
            if aid in by_path.get(key, set()):
                plan.keep.add(aid)
                report.unchanged += indexed[aid]["passages"]
                continue
            twin = next(
                (
                    t
                    for t, text in kept_texts.items()
                    if text == art.text or near_duplicate(text, art.text)
                ),
                None,
            )
            if twin is not None and twin not in by_path.get(key, set()):
                owner = indexed.get(twin, {}).get("source") or "another article in this batch"
                report.duplicates.append(f"{art.title} (duplicate of {owner})")
                continue
            plan.keep.add(aid)
            plan.new.append(art)
            kept_texts[aid] = art.text
    if prune_missing:  # files gone from a synced folder lose their articles and manifest
        folders = [str(p.resolve()) for p in paths if p.is_dir()]
        seen = {p.path for p in plans}
        gone = (set(by_path) | set(store.manifests.all())) - seen
        plans += [
            FilePlan(path, None)
            for path in sorted(gone)
            if any(path.startswith(d + "/") for d in folders)
        ]
    return plans, indexed, by_path


def sync_files(
    store, paths: list[Path], *, prune_missing: bool, progress: bool, note: str = ""
) -> SyncReport:
    """Plan, then apply file by file; ``note`` goes on each manifest written (recovery)."""
    plans, indexed, by_path = plan_files(store, paths, prune_missing)
    manifests = store.manifests.all()
    total = sum(len(p.new) for p in plans)
    bar = tqdm(total=total, desc="indexing", unit="article", disable=not progress or not total)
    added = removed = 0
    try:
        for plan in plans:
            stale = by_path.get(plan.path, set()) - plan.keep
            old = manifests.get(plan.path)
            if stale or plan.new:
                store.manifests.put(Manifest(plan.path, PENDING, plan.sha256))
                store.changes += 1
            for aid in sorted(stale):
                store.delete_article(aid)
                removed += indexed[aid]["passages"]
                if plan.report:
                    plan.report.removed += indexed[aid]["passages"]
            for art in plan.new:
                passages = chunk_article(
                    art, store.settings.chunk_chars, store.settings.chunk_overlap
                )
                store.add_article(art, passages)
                plan.report.added += len(passages)
                added += len(passages)
                bar.update(1)
            if plan.report is None:
                store.manifests.drop(plan.path)
                continue
            done = Manifest(
                plan.path,
                COMPLETE,
                plan.sha256,
                tuple(sorted(plan.keep)),
                plan.report.added + plan.report.unchanged,
                note if (stale or plan.new or note) else (old.note if old else ""),
            )
            if done != old:  # the commit: written last, after every passage of the file
                store.manifests.put(done)
    finally:
        bar.close()
    reports = [p.report for p in plans if p.report is not None]
    for rep in reports:
        rep.passages = rep.added + rep.unchanged
    return SyncReport(
        files=reports,
        added=added,
        removed=removed,
        unchanged=sum(r.unchanged for r in reports),
    )
