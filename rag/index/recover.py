"""Recovery at open: the units a killed ingest left half-indexed are completed or removed.

A unit (a file, or one line of an archive) is marked pending before any of its passages
change, so what a kill leaves is found with one metadata query: the pending manifests. Only
then is every passage read (``remove_partial_articles``: articles with missing passages or
without a catalog record). A pending unit is indexed again from disk when it is still
there — an archive line by re-syncing its archive, whose unchanged lines are skipped by their
hash — else its articles are removed; the manifest keeps which, for the Articles tab. Files in
the page's upload folder without a manifest, or with another content hash, were killed
between the copy and the commit, and are indexed too.

An index written before manifests existed has none at all: its files are adopted (synced
once, which completes anything missing) without being called interrupted; one written
before the catalog existed gets catalog records rebuilt from its passages.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from pathlib import Path

from rag.index.manifest import COMPLETE, REDONE, REMOVED, Manifest, file_sha256
from rag.index.sync import sync_files
from rag.ingest.archive import unit_archive
from rag.records import Article

log = logging.getLogger(__name__)

UPLOADS = "uploads"  # the page's upload folder (rag.ui.corpus): every file in it is meant indexed


def recover_index(store) -> None:
    """Repair what a killed writer left; call with the writer lock held."""
    if store.count() and not store.catalog.count():
        adopt_catalog(store)
    unmanaged = store.manifests.count() == 0  # a new index, or one from before manifests
    legacy = unmanaged and store.count() > 0
    pending = store.manifests.pending()
    if legacy or pending:
        store.repaired = remove_partial_articles(store)
    lines: dict[str, list[str]] = defaultdict(list)
    for path, is_legacy in interrupted_files(store, unmanaged, set(pending)).items():
        if unit_archive(path):
            lines[unit_archive(path)].append(path)
        else:
            recover_file(store, path, is_legacy)
    for archive, keys in lines.items():
        recover_lines(store, archive, keys)


def remove_partial_articles(store) -> int:
    """Delete passages of articles that were not completely written, or that have no
    catalog record, and catalog records without passages; return the passages removed."""
    seen: dict[str, list[str]] = defaultdict(list)
    expected: dict[str, int] = {}
    for pid, meta in store.passage_metadatas():
        aid = meta.get("article_id", "")
        seen[aid].append(pid)
        expected[aid] = int(meta.get("n_passages", 0))
    listed = {aid for aid, _ in store.catalog.rows()}
    broken = [
        pid
        for aid, ids in seen.items()
        if len(ids) != expected[aid] or aid not in listed
        for pid in ids
    ]
    if broken:
        store.collection.delete(ids=broken)
        store.changes += 1
    orphans = sorted(listed - set(seen))
    if orphans:
        store.catalog.delete(orphans)
        store.changes += 1
    return len(broken)


def adopt_catalog(store) -> None:
    """Catalog records for an index built before the catalog, from its passages (once)."""
    records = store.articles()
    articles = []
    for aid, rec in records.items():
        art = Article(rec["source"], rec["title"], rec["text"], "", rec["outlet"], "", rec["date"])
        art.path = rec["path"]
        if art.id == aid:  # the rebuilt text is the indexed one (else: removed as partial)
            articles.append(art)
    passages = [records[a.id]["passages"] for a in articles]
    store.catalog.put(articles, passages, store.uploads, recorded=False)
    store.changes += 1
    log.warning("the index predates its article catalog: %d records rebuilt", len(articles))


def interrupted_files(store, unmanaged: bool, pending: set[str]) -> dict[str, bool]:
    """Units to recover: key -> True when the index predates manifests (adopt)."""
    out: dict[str, bool] = {p: False for p in sorted(pending)}
    if unmanaged:  # without any manifest there is no commit to miss in the upload folder; an
        # empty index gets the seeds and the uploads from the runtime's zero-setup sync
        for path in sorted(store.indexed_files()) if store.count() else []:
            out.setdefault(path, True)
        return out
    uploads = store.settings.home / UPLOADS
    files = [
        f
        for f in (sorted(uploads.iterdir()) if uploads.is_dir() else [])
        if f.is_file() and not f.name.startswith(".") and str(f.resolve()) not in out
    ]
    manifests = store.manifests.get([str(f.resolve()) for f in files])
    for f in files:
        m = manifests.get(str(f.resolve()))
        limit = store.settings.max_file_bytes
        if m is None or m.state != COMPLETE or m.sha256 != file_sha256(f, limit):
            out[str(f.resolve())] = False
    return out


def recover_file(store, path: str, legacy: bool) -> None:
    """Index the file ``path`` again from disk, or remove its articles when it is gone; the
    new state goes into ``store.recovered`` (unless the file is only being adopted)."""
    if Path(path).is_file():
        note = "" if legacy else REDONE
        try:
            report = sync_files(store, [Path(path)], prune_missing=False, progress=False, note=note)
        except Exception as exc:  # left pending: tried again at the next open
            log.warning("could not re-index %s after an interrupted ingest: %s", path, exc)
            return
        if not legacy:
            kept = sum(r.passages for r in report.files)
            store.recovered[path] = REDONE if kept else "removed"
            log.warning("the ingest of %s had been interrupted: %s", path, store.recovered[path])
        return
    ids = store.catalog.by_path([path]).get(path, {})
    if legacy:  # indexed before manifests and deleted since: kept, as the index always did
        store.manifests.put(Manifest(path, COMPLETE, "", tuple(ids), sum(ids.values())))
        return
    remove_unit(store, path, ids)


def recover_lines(store, archive: str, keys: list[str]) -> None:
    """Pending lines of one archive: these lines are synced again from the archive (the
    lines an interrupted ingest had not reached yet are left to the next ``rag ingest``),
    and a line that is gone from it loses its articles."""
    if Path(archive).is_file():
        try:
            sync_files(
                store,
                [Path(archive)],
                prune_missing=False,
                progress=False,
                note=REDONE,
                only=set(keys),
            )
        except Exception as exc:  # left pending: tried again at the next open
            log.warning("could not re-index %s after an interrupted ingest: %s", archive, exc)
            return
    done = store.manifests.get(keys)
    for key in keys:
        if key in done and done[key].state == COMPLETE:
            store.recovered[key] = REDONE if done[key].articles else "removed"
        else:
            remove_unit(store, key, store.catalog.by_path([key]).get(key, {}))
    log.warning("the ingest of %s had been interrupted: %d lines completed", archive, len(keys))


def remove_unit(store, path: str, ids: dict[str, int]) -> None:
    """An interrupted unit that is gone: its articles removed, the manifest says so."""
    store.delete_articles(sorted(ids))
    store.manifests.put(Manifest(path, REMOVED))
    store.changes += 1
    store.recovered[path] = "removed"
    log.warning("the ingest of %s had been interrupted and the file is gone: removed", path)
