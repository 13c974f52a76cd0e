"""Citation markers: parse the shapes small models write, map them to passages, renumber.

Accepted shapes: [1], [1][2], [1,2], [1、2], 【1】, [编号1], [资料1], (1), （1）, [^1].
Output shape: [n], numbered by first use, pointing only at passages that exist.
"""

from __future__ import annotations

import re

# One marker: an opening bracket, an optional label, numbers separated by , 、 or -, a closing one.
_MARKER = re.compile(
    r"(?:\[|【|〔|\(|（)\s*\^?\s*(?:编号|資料|资料|来源|passage|source|ref)?\s*"
    r"(\d{1,2}(?:\s*[,，、\-–]\s*\d{1,2})*)\s*(?:\]|】|〕|\)|）)",
    re.I,
)


def find_markers(text: str) -> list[tuple[int, int, list[int]]]:
    """(start, end, numbers) of each marker.

    >>> [m[2] for m in find_markers("甲[1][2],乙【3】,丙[编号4],丁[1,2],戊(5)")]
    [[1], [2], [3], [4], [1, 2], [5]]
    """
    out = []
    for m in _MARKER.finditer(text):
        body = m.group(1)
        if m.group(0).startswith(("(", "（")) and not _looks_like_paren_citation(text, m):
            continue
        nums: list[int] = []
        for part in re.split(r"\s*[,，、]\s*", body):
            if re.fullmatch(r"\d+\s*[\-–]\s*\d+", part):
                a, b = (int(x) for x in re.split(r"\s*[\-–]\s*", part))
                nums += list(range(a, b + 1)) if 0 < b - a < 10 else [a, b]
            else:
                nums.append(int(part))
        out.append((m.start(), m.end(), nums))
    return out


def _looks_like_paren_citation(text: str, m: re.Match) -> bool:
    # "(1)" is a citation at a clause end, but "(2024年)" or "(1)列表项" is not
    after = text[m.end() : m.end() + 1]
    return (
        after in ("", "。", ".", ",", "，", ";", "；", "\n", " ", "!", "！")
        and len(m.group(1)) <= 5
    )


def normalize_markers(text: str, n_passages: int) -> str:
    """Rewrite every marker shape as [n] (same numbers); drop numbers that point nowhere.

    >>> normalize_markers("甲[编号2]。乙[1,3]。丙【9】", 3)
    '甲[2]。乙[1][3]。丙'
    """
    pieces: list[str] = []
    last = 0
    for start, end, nums in find_markers(text):
        pieces.append(text[last:start])
        seen: list[int] = []
        for n in nums:
            if 1 <= n <= n_passages and n not in seen:
                seen.append(n)
        pieces.append("".join(f"[{n}]" for n in seen))
        last = end
    pieces.append(text[last:])
    out = "".join(pieces)
    return re.sub(r"(\[\d+\])\s+(?=[。.,，;；!！?？])", r"\1", out).strip()


def renumber(text: str) -> tuple[str, list[int]]:
    """Renumber [n] markers by first use; return the text and the old number of each new one.

    >>> renumber("甲[3]。乙[1][3]。")
    ('甲[1]。乙[2][1]。', [3, 1])
    """
    order: list[int] = []

    def swap(m: re.Match) -> str:
        old = int(m.group(1))
        if old not in order:
            order.append(old)
        return f"[{order.index(old) + 1}]"

    return re.sub(r"\[(\d+)\]", swap, text), order


def parse_citations(text: str, n_passages: int) -> tuple[str, list[int]]:
    """Normalise marker shapes, drop those pointing nowhere, renumber by first use.

    Returns the new text and, for each new number in order, the 0-based passage index.

    >>> parse_citations("北京站发送320万人次[编号3]。上海站[1,3]。无效[9]", 3)
    ('北京站发送320万人次[1]。上海站[2][1]。无效', [2, 0])
    """
    text, order = renumber(normalize_markers(text, n_passages))
    return text, [n - 1 for n in order]


def strip_markers(text: str) -> str:
    """Answer text without any citation marker (for statement checks)."""
    return re.sub(r"\[\d+\]", "", text)


_SENT = re.compile(r"[^。！？!?\n]+(?:[。！？!?]+|$)|(?<=[.])\s+")


def split_answer_sentences(text: str) -> list[str]:
    """Sentences of an answer, markers kept with the sentence they close.

    A quotation “…” stays whole: a quoted passage is one claim with the marker after it.

    >>> split_answer_sentences("北京站发送320万人次[1]。上海站也增加[2]。")
    ['北京站发送320万人次[1]。', '上海站也增加[2]。']
    >>> split_answer_sentences("原文：“甲为1亿元。乙称“丙”为2亿元。”[1]")
    ['原文：“甲为1亿元。乙称“丙”为2亿元。”[1]']
    """
    # a marker written after the full stop belongs to the sentence before it
    text = re.sub(r"([。！？!?])((?:\[\d+\])+)", r"\2\1", text)
    # greedy within a line: a quoted passage may itself hold quotes (“超级大脑”)
    text = re.sub(r"“[^\n]*”", lambda m: m.group(0).translate(_HIDE), text)
    parts = re.split(r"(?<=[。！？!?])|(?<=[.!?])\s+|\n+", text)
    parts = [p.translate(_SHOW) for p in parts]
    return [p.strip() for p in parts if p and p.strip() and strip_markers(p).strip(" 。.")]


# sentence ends inside quotations, swapped for private-use characters while splitting
_HIDE = str.maketrans({c: chr(0xE000 + i) for i, c in enumerate("。！？!?.\n")})


_SHOW = {ord(v): chr(k) for k, v in _HIDE.items()}


def markers_in(sentence: str) -> list[int]:
    return [int(n) for n in re.findall(r"\[(\d+)\]", sentence)]


def join_sentences(sentences: list[str]) -> str:
    """Inverse of ``split_answer_sentences``: Chinese joins tight, English with a space.

    >>> join_sentences(["甲[1]。", "乙。"]), join_sentences(["It rose [1].", "Then fell."])
    ('甲[1]。乙。', 'It rose [1]. Then fell.')
    """
    out = ""
    for s in sentences:
        if out and re.search(r"[.!?\]]$", out) and re.match(r"[A-Za-z0-9\"'(]", s):
            out += " "
        out += s
    return out
