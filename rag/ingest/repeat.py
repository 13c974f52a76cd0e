"""Repetition: runs of the same sentence (or the same few sentences) collapsed to one copy.

A file that is one sentence pasted thousands of times would otherwise become thousands of
identical passages: slow to embed, and ranked first for unrelated questions.
``collapse_repetition`` keeps one copy of each run and records a ``Repair`` of kind
"repetition" (``before`` is the repeated block, ``count`` the copies removed);
``repetition_notice`` turns those repairs into the line shown in the ingest report.
"""

from __future__ import annotations

from rag.ingest.chunk import split_sentences
from rag.records import Repair

MAX_PERIOD = 8  # a repeated block of up to this many sentences
MAX_BLOCK_CHARS = 300  # … and up to this many characters
LONG_BLOCK_CHARS = 50  # a block this long is collapsed from two copies; shorter ones from three


def collapse_repetition(text: str) -> tuple[str, list[Repair]]:
    """Keep one copy of a sentence (or block of sentences) repeated back to back.

    Two copies of a short line (a title printed twice) are left to ``drop_repeated_lines``;
    three or more copies, or two of a block of 50+ characters, are collapsed.

    >>> collapse_repetition("今天晴。" * 5 + "明天有雨。")
    ('今天晴。明天有雨。', [Repair(kind='repetition', before='今天晴。', after='', count=4)])
    >>> collapse_repetition("甲队得分。乙队追平。" * 3)[0]
    '甲队得分。乙队追平。'
    >>> collapse_repetition("加油!加油!")[0]  # two short copies: left alone
    '加油!加油!'
    """
    spans = split_sentences(text)
    keys = [text[s:e] for s, e in spans]
    kept = list(range(len(spans)))
    removed: dict[str, int] = {}
    for _ in range(3):  # "A A B A A B" → "A B A B" → "A B"
        kept, changed = _collapse_pass(kept, keys, removed)
        if not changed:
            break
    if not removed:
        return text, []
    keep = set(kept)
    out, pos = [], 0
    for j, (_, end) in enumerate(spans):  # a dropped sentence goes with the space before it
        if j not in keep:
            out.append(text[pos : spans[j - 1][1]])
            pos = end
    out.append(text[pos:])
    repairs = [Repair("repetition", block, "", n) for block, n in removed.items()]
    return "".join(out), repairs


def _collapse_pass(
    kept: list[int], keys: list[str], removed: dict[str, int]
) -> tuple[list[int], bool]:
    seq = [keys[j] for j in kept]
    out: list[int] = []
    changed = False
    i = 0
    while i < len(seq):
        for k in range(1, MAX_PERIOD + 1):
            if i + 2 * k > len(seq) or seq[i : i + k] != seq[i + k : i + 2 * k]:
                continue
            block = "".join(seq[i : i + k])
            if len(block) > MAX_BLOCK_CHARS:
                break
            copies = 2
            while seq[i + copies * k : i + (copies + 1) * k] == seq[i : i + k]:
                copies += 1
            if copies < 3 and len(block) < LONG_BLOCK_CHARS:
                continue
            out += kept[i : i + k]
            removed[block] = removed.get(block, 0) + copies - 1
            i += copies * k
            changed = True
            break
        else:
            out.append(kept[i])
            i += 1
    return out, changed


def repeated_chars(repairs: list[Repair]) -> int:
    """Characters removed as repetition (the block's length times the copies removed)."""
    return sum(len(r.before) * r.count for r in repairs if r.kind == "repetition")


def repetition_notice(repairs: list[Repair], total_chars: int, threshold: float = 0.5) -> str:
    """The report line for a file that is mostly repetition, else "".

    >>> repetition_notice([Repair("repetition", "今天晴。", "", 46)], total_chars=200)
    '92% of this file repeats the same sentences; kept 1 copy of each (46 copies removed)'
    """
    share = repeated_chars(repairs) / total_chars if total_chars else 0.0
    if share < threshold:
        return ""
    copies = sum(r.count for r in repairs if r.kind == "repetition")
    return (
        f"{int(share * 100)}% of this file repeats the same sentences; kept 1 copy of each "
        f"({copies} copies removed)"
    )
