"""Recovery at open: the files a killed ingest left half-indexed are completed or removed.

A file needs recovery when its manifest (``rag.index.manifest``) is pending, when the
articles Chroma holds for it are not those its complete manifest lists (or it has none),
or, for the page's upload folder, when a file there has no manifest or another content hash
(killed between the copy and the commit). It is indexed again from disk when it is there,
else its articles are removed; the manifest keeps which, for the Articles tab.

An index written before manifests existed has none at all: its files are adopted (synced
once, which completes anything missing) without being called interrupted.
"""

from __future__ import annotations

import logging
from pathlib import Path

from rag.index.manifest import COMPLETE, PENDING, REDONE, REMOVED, Manifest, file_sha256
from rag.index.sync import sync_files

log = logging.getLogger(__name__)

UPLOADS = "uploads"  # the page's upload folder (rag.ui.corpus): every file in it is meant indexed


def interrupted_files(store) -> dict[str, bool]:
    """Files to recover: resolved path -> True when the index predates manifests (adopt)."""
    manifests = store.manifests.all()
    legacy = not manifests
    out: dict[str, bool] = {}
    for path, ids in store.indexed_files().items():
        m = manifests.get(path)
        if m is None or m.state != COMPLETE or set(m.articles) != set(ids):
            out[path] = legacy and m is None
    out.update({p: False for p, m in manifests.items() if m.state == PENDING})
    uploads = store.settings.home / UPLOADS
    # without any manifest (a new or pre-manifest index) there is no commit to miss; an empty
    # index gets the seeds and the uploads from the runtime's zero-setup sync
    for f in sorted(uploads.iterdir()) if uploads.is_dir() and not legacy else []:
        key = str(f.resolve())
        if not f.is_file() or f.name.startswith(".") or key in out:
            continue
        m = manifests.get(key)
        if m is None or m.sha256 != file_sha256(f, store.settings.max_file_bytes):
            out[key] = False
    return out


def recover_file(store, path: str, legacy: bool) -> None:
    """Index ``path`` again from disk, or remove its articles when it is gone; the new state
    goes into ``store.recovered`` (unless the file is only being adopted)."""
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
    ids = store.indexed_files().get(path, {})
    if legacy:  # indexed before manifests and deleted since: kept, as the index always did
        store.manifests.put(Manifest(path, COMPLETE, "", tuple(ids), sum(ids.values())))
        return
    for aid in ids:
        store.delete_article(aid)
    store.manifests.put(Manifest(path, REMOVED))
    store.changes += 1
    store.recovered[path] = "removed"
    log.warning("the ingest of %s had been interrupted and the file is gone: removed", path)
