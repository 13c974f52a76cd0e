"""Detect and undo synonym-spun ("洗稿") text.

Content farms copy news through a spinning tool that swaps words for near-synonyms or
look-alikes by a fixed dictionary: 美元→好意思元, 人→东说念主, 都→王人, 基础设施→基础步伐 …
The result defeats keyword search and confuses small models. The dictionary is the tool's,
not the article's, so one reviewed table (``rag/data/spin_substitutions.tsv``, word swaps
only: no phrase of one article) undoes it for every article spun by it.

Many spun forms are real words too (干预, 熟悉, 技能), so the table is applied only to documents
the detector flags, using *marker* forms that ordinary Chinese never contains
(``rag/data/spin_markers.tsv``).
"""

from __future__ import annotations

import re
from functools import lru_cache

from rag.data import column, read_table
from rag.records import Repair


@lru_cache(maxsize=1)
def markers() -> tuple[str, ...]:
    """Forms the tool writes that ordinary text never contains (``rag/data/spin_markers.tsv``):
    their density identifies a spun document."""
    return column("spin_markers.tsv", "form")


@lru_cache(maxsize=1)
def substitutions() -> dict[str, str]:
    """Spun form -> original form, the tool's word swaps (``rag/data/spin_substitutions.tsv``)."""
    return {row["spun"]: row["original"] for row in read_table("spin_substitutions.tsv")}


def washed_score(text: str) -> float:
    """Spin markers per 1,000 characters; normal news scores 0, a spun article well above 2.

    >>> washed_score("好意思国城市王人在加码基础步伐") > 2
    True
    >>> washed_score("美国城市都在加码基础设施")
    0.0
    """
    if not text:
        return 0.0
    hits = sum(text.count(m) for m in markers())
    distinct = sum(1 for m in markers() if m in text)
    if distinct < 3:  # one odd word is a typo, not a spinning tool
        return 0.0
    return 1000 * hits / len(text)


def is_washed(text: str, threshold: float = 2.0) -> bool:
    return washed_score(text) >= threshold


@lru_cache(maxsize=1)
def _pattern() -> re.Pattern:
    # longest forms first (one alternation, one pass): a longer form is handled before a form
    # it contains, and a replacement is never re-replaced
    keys = sorted(substitutions(), key=len, reverse=True)
    return re.compile("|".join(map(re.escape, keys)))


def undo_substitutions(text: str) -> tuple[str, dict[tuple[str, str], int]]:
    """Apply the table in one pass and count each substitution.

    >>> undo_substitutions("东说念主民币8亿元投向阛阓与配套步伐")[0]
    '人民币8亿元投向市场与配套设施'
    """
    counts: dict[tuple[str, str], int] = {}
    table = substitutions()

    def swap(m: re.Match) -> str:
        new = table[m.group(0)]
        counts[(m.group(0), new)] = counts.get((m.group(0), new), 0) + 1
        return new

    return _pattern().sub(swap, text), counts


def repair_washed_text(text: str) -> tuple[str, list[Repair]]:
    """Undo spinning only when the detector flags the document; record every substitution.

    >>> repair_washed_text("好意思国城市王人在缔造基础步伐,东说念主民币8亿元")[0]
    '美国城市都在建设基础设施,人民币8亿元'
    >>> repair_washed_text("美国城市都在建设基础设施,干预市场")[0]
    '美国城市都在建设基础设施,干预市场'
    """
    if not is_washed(text):
        return text, []
    fixed, counts = undo_substitutions(text)
    repairs = [Repair("washed", old, new, n) for (old, new), n in sorted(counts.items())]
    return fixed, repairs
