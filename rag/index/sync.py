"""Sync: bring the index in line with files and archives, committing whole units in batches.

- an article's id is a hash of its clean text, so an unchanged article is skipped;
- a near-duplicate of an article already kept is reported, not indexed (``rag.index.plan``);
- articles of changed units, and of units gone from a synced folder or archive, are removed;
- new articles are embedded and written in batches of whole articles across units, of 8
  passages first, then twice as many each time up to ``RAG_INGEST_BATCH`` (one embedder
  call, one Chroma write and one catalog write per batch); a batch is written, tokenized for
  BM25 and committed on a writer thread while the next one is embedded (``rag.index.apply``);
- each unit is marked pending before its passages change and gets its complete manifest
  (``rag.index.manifest``) only after all of them are written: a kill in between leaves a
  unit that the next open recognises and completes or removes, never a silent half. A kill
  therefore loses at most the batch in flight, and a re-run resumes after the last commit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from rag.index.apply import Applier
from rag.index.encoder_pool import PoolStarter
from rag.index.plan import FilePlan, Plan, plan_files
from rag.ingest.archive import merge_reports
from rag.ingest.read import FileReport

__all__ = ["FilePlan", "SyncReport", "plan_files", "sync_files"]


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
    articles: int = 0  # articles embedded in this run
    # seconds per stage; embedding overlaps with writing, tokenizing and committing
    timings: dict[str, float] = field(default_factory=dict)
    # BM25 tokens of the passages written and the corpus terms learned, for the segments
    tokens: dict[str, list[str]] = field(default_factory=dict, repr=False)
    terms: set[str] = field(default_factory=set, repr=False)

    def summary(self) -> str:
        return (
            f"{len(self.files)} files · {self.added} passages embedded · "
            f"{self.unchanged} unchanged · {self.removed} removed"
        )


def sync_files(
    store,
    paths: list[Path],
    *,
    prune_missing: bool,
    progress: bool,
    note: str = "",
    only: set[str] | None = None,
) -> SyncReport:
    """Plan, then apply in batches; ``note`` goes on the manifests of the units this sync
    changed or completed, ``only`` limits an archive to these lines (both for recovery)."""
    starter = PoolStarter(store.settings.embedder, store.settings.ingest_workers)
    bar = None
    try:
        plan = plan_files(
            store, paths, prune_missing, progress=progress, only=only, found=starter.want
        )
        total = sum(len(u.new) for u in plan.units)
        bar = tqdm(total=total, desc="indexing", unit="article", disable=not progress or not total)
        applier = Applier(store, plan, note, bar, starter)
        applier.run()
    finally:
        if bar is not None:
            bar.close()
        starter.close()  # the workers stop, also when the plan failed
    reports = _reports(plan)
    return SyncReport(
        files=reports,
        added=applier.added,
        removed=applier.removed,
        unchanged=sum(r.unchanged for r in reports),
        articles=applier.articles,
        timings={**plan.timings, **applier.timings},
        tokens=applier.tokens,
        terms=applier.terms,
    )


def _reports(plan: Plan) -> list[FileReport]:
    """One report per file, and one per archive (its lines' reports merged)."""
    lines: dict[str, list[FileReport]] = {g: [] for g in plan.groups}
    reports: list[FileReport] = []
    for unit in plan.units:
        if unit.report is None:
            continue
        unit.report.passages = unit.report.added + unit.report.unchanged
        if unit.group:
            lines[unit.group].append(unit.report)
        else:
            reports.append(unit.report)
    for group, got in lines.items():
        merged = merge_reports(Path(group), got)
        if plan.groups[group].status == "error":  # the archive itself could not be read
            merged.status, merged.message = "error", plan.groups[group].message
        reports.append(merged)
    for r in reports:
        r.passages = r.added + r.unchanged
    return reports
