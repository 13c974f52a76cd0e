"""Stage 1, ingestion: files → clean ``Article`` records → ``Passage`` chunks.

``read`` (decode bytes, HTML/Markdown to text), ``clean`` + ``washed`` (repair dirty scraped
text), ``split`` (several articles in one file, date headers, title/outlet/date,
near-duplicates), ``chunk`` (sentence-bounded passages), ``load`` (all of it for one file or
folder), ``archive`` (JSON Lines archives: one article per line).
"""
