"""Data files with provenance: general lists (patterns, units, dictionaries) read by the pipeline."""

from __future__ import annotations

from functools import cache
from importlib import resources


@cache
def read_table(name: str) -> tuple[dict[str, str], ...]:
    """The rows of ``rag/data/<name>``, a TSV file: ``#`` comment lines, a header, then rows.

    Every table has a ``provenance`` column: "general" (knowledge of the language or of news
    in general) or "observed in <corpus>"; a text after ":" says more.

    >>> sorted(read_table("seed_examples.tsv")[0])
    ['provenance', 'question', 'seed_file']
    """
    text = resources.files("rag.data").joinpath(name).read_text("utf-8")
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    header = lines[0].split("\t")
    rows = []
    for number, line in enumerate(lines[1:], 2):
        cells = line.split("\t")
        if len(cells) != len(header):
            raise ValueError(f"{name}: row {number} has {len(cells)} cells, not {len(header)}")
        rows.append(dict(zip(header, cells)))
    return tuple(rows)


def column(name: str, field: str) -> tuple[str, ...]:
    """One column of a table, in file order.

    >>> all(column("seed_examples.tsv", "provenance"))
    True
    """
    return tuple(row[field] for row in read_table(name))
