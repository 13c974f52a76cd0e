"""Stage 2, indexing and search: ``store`` (Chroma, kept in sync with the corpus files by
``sync``, one file committed at a time by its ``manifest``, half-indexed files repaired by
``recover``), ``client`` (opening and wiping Chroma), ``generation`` (the writer lock and the
counter that makes other processes reload), ``embed`` (offline embedders), ``tokenize`` +
``bm25`` (keyword search), ``retrieve`` (hybrid fusion of both).
"""
