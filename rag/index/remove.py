"""Taking whole files out of the index: their articles, catalog records and manifests.

``rag.runtime`` uses it to remove the demo articles it indexed on first use before a user's
own corpus comes in, so a user's index never mixes the two.
"""

from __future__ import annotations


def remove_files(store, paths: list[str]) -> tuple[int, int]:
    """Remove every article of these files (resolved paths, as their manifests name them)
    and their manifests, as one committed change; returns (articles, passages) removed.
    BM25 is brought in line and other processes see the change at their next question."""
    with store.lock.hold():
        store.refresh_if_stale()
        found = store.catalog.by_path(paths)
        ids = sorted({aid for arts in found.values() for aid in arts})
        passages = sum(n for arts in found.values() for n in arts.values())
        before = store.changes
        store.delete_articles(ids)
        store.manifests.drop_many(paths)
        if store.changes != before:
            store.update_keywords()
            store._committed()  # the store's own commit: generation bumped, readers reload
    return len(ids), passages
