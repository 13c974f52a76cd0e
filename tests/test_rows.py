"""Passages read back from Chroma (rag/index/rows.py): the text is metadata since 2026-12
(no full-text index to pay for); an index written before, with the text as the document,
still reads the same."""

from __future__ import annotations

from rag.index.rows import passage_from_row, rebuild_articles

META = {"source": "a.txt", "title": "公园新闻", "article_id": "a", "start": 0, "end": 9}


def test_the_text_comes_from_the_metadata_or_from_an_older_document():
    new = passage_from_row("a-000", None, {**META, "text": "公园新建步道。"})
    old = passage_from_row("a-000", "公园新建步道。", META)
    assert new == old and new.text == "公园新建步道。"


def test_an_article_is_rebuilt_from_passages_of_either_kind():
    rows = [
        ("a-000", None, {**META, "text": "公园新建步道。", "end": 7}),
        ("a-001", "步道周末开放。", {**META, "start": 7, "end": 14}),
    ]
    assert rebuild_articles(rows)["a"]["text"] == "公园新建步道。步道周末开放。"
