"""Stage 2, indexing and search: ``store`` (Chroma, kept in sync with the corpus files),
``embed`` (offline embedders), ``tokenize`` + ``bm25`` (keyword search), ``retrieve``
(hybrid fusion of both).
"""
