"""Sentence boundaries and passage chunks: an article cut into overlapping passages that never
split a sentence, each with its character offsets and the text just before it (its lead).
"""

from __future__ import annotations

import re

from rag.records import Article, Passage, article_id

_SENTENCE = re.compile(r"[^。！？!?；;\n]+(?:[。！？!?；;]+[”’」』)]?|\n|$)")


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Character spans of sentences, cut after 。！？；(and newlines), quotes kept with them.

    >>> t = "大桥通车。市长说:“欢迎!”然后"
    >>> [t[s:e] for s, e in split_sentences(t)]
    ['大桥通车。', '市长说:“欢迎!”', '然后']
    """
    spans = []
    for m in _SENTENCE.finditer(text):
        s, e = m.start(), m.end()
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            spans.append((s, e))
    return spans


def chunk_article(article: Article, size: int = 220, overlap: int = 1) -> list[Passage]:
    """Group sentences into passages of about ``size`` characters sharing ``overlap`` sentences.

    Passages never cross paragraph-less article boundaries, and each records its offsets into
    ``article.text`` so a citation can point at the exact span. A passage whose text equals an
    earlier one of the same article is skipped (repeated text is indexed once).

    >>> art = Article(source="a.txt", title="天气", text="今天晴。明天雨。" * 40, original="")
    >>> [p.text for p in chunk_article(art, size=20, overlap=0)]
    ['今天晴。明天雨。今天晴。明天雨。今天晴。', '明天雨。今天晴。明天雨。今天晴。明天雨。']
    """
    spans = split_sentences(article.text)
    aid = article_id(article)
    passages: list[Passage] = []
    seen: set[str] = set()
    i = 0
    while i < len(spans):
        j = i
        while j + 1 < len(spans) and spans[j + 1][1] - spans[i][0] <= size:
            j += 1
        start, end = spans[i][0], spans[j][1]
        if article.text[start:end] not in seen:
            seen.add(article.text[start:end])
            passages.append(_passage(article, aid, len(passages), start, end))
        if j + 1 >= len(spans):
            break
        i = max(i + 1, j + 1 - overlap)
    return passages


def _passage(article: Article, aid: str, n: int, start: int, end: int) -> Passage:
    return Passage(
        id=f"{aid}-{n:03d}",
        source=article.source,
        title=article.title,
        text=article.text[start:end],
        article_id=aid,
        start=start,
        end=end,
        outlet=article.outlet,
        date=article.date,
    )
