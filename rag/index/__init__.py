"""Stage 2, indexing and search: ``store`` (Chroma, kept in sync with the corpus by ``plan``
and ``sync``, whole units — a file or an archive line — committed in batches by their
``manifest``, half-indexed units repaired by ``recover``), ``catalog`` (one record per article:
what the Articles tab lists and what an ingest needs to know), ``rows`` (reading passages back,
page by page), ``client`` (opening and wiping Chroma), ``generation`` (the writer lock and the
counter that makes other processes reload), ``embed`` (offline embedders), ``tokenize`` +
``bm25`` + ``segments`` (keyword search: a main segment and a delta), ``retrieve`` (hybrid
fusion of both).
"""
