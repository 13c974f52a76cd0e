"""JSON Lines archives: one article per line, each line indexed as a unit of its own.

An archive (``.jsonl``, ``.jsonl.gz``, ``.jsonl.xz``) holds one JSON object per line with
``text`` and ``id`` and, optionally, ``title``, ``date`` and ``source``. A line's article is
cited as its ``source`` field or ``<archive name>#<id>``; its unit key (the "path" the index
records for it) is ``<resolved archive path>#<id>``. So re-ingesting an archive works as
re-ingesting a folder does: unchanged lines are skipped by the hash of their bytes, changed
lines re-indexed, lines that are gone removed.

>>> lines = parse_lines(['{"id": "n1", "text": "图书馆延长开放时间。"}', "oops"], Path("/d/a.jsonl"))
>>> [(x.key, x.source, x.error) for x in lines]
[('/d/a.jsonl#n1', 'a.jsonl#n1', ''), ('/d/a.jsonl#L2', 'a.jsonl#L2', 'line 2: not a JSON object')]
"""

from __future__ import annotations

import gzip
import hashlib
import json
import lzma
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from rag.ingest.load import articles_from_text
from rag.ingest.read import FileReport, IngestError, human_size
from rag.ingest.split import extract_date
from rag.records import Article

ARCHIVE_SUFFIXES = (".jsonl", ".jsonl.gz", ".jsonl.xz")
# Bumped when a line's reading changes (fields, cleaning of archive text): an unchanged line is
# skipped by the hash of its bytes *and* this, so a new reading re-indexes every line once.
ARCHIVE_VERSION = "1"


def is_archive(path: Path) -> bool:
    """Whether ``path`` names a JSON Lines archive.

    >>> is_archive(Path("news.jsonl.xz")), is_archive(Path("news.json"))
    (True, False)
    """
    return path.name.lower().endswith(ARCHIVE_SUFFIXES)


def unit_archive(key: str) -> str:
    """The archive path of a line's unit key, or "" for a file's key.

    >>> unit_archive("/d/a.jsonl.gz#n1"), unit_archive("/d/b.txt")
    ('/d/a.jsonl.gz', '')
    """
    base, sep, _ = key.partition("#")
    return base if sep and is_archive(Path(base)) else ""


@dataclass
class ArchiveLine:
    """One line of an archive, parsed but not yet cleaned."""

    key: str  # "<resolved archive path>#<id>"
    source: str  # what citations show
    sha256: str  # of the line's bytes and ARCHIVE_VERSION
    number: int  # 1-based line number, for messages
    fields: dict = field(default_factory=dict)
    error: str = ""  # why the line cannot be read ("" when it can)


def _open(path: Path):
    name = path.name.lower()
    if name.endswith(".gz"):
        return gzip.open(path, "rt", encoding="utf-8")
    if name.endswith(".xz"):
        return lzma.open(path, "rt", encoding="utf-8")
    return path.open(encoding="utf-8")


def read_archive(path: Path) -> list[ArchiveLine]:
    """All lines of an archive; IngestError when the file itself cannot be read (then nothing
    of it is changed in the index: a truncated download must not remove the lines it lost)."""
    if not path.is_file():
        raise IngestError(f"{path}: no such file")
    try:
        with _open(path) as f:
            return parse_lines(f, path)
    except (OSError, EOFError, lzma.LZMAError, UnicodeDecodeError) as exc:
        raise IngestError(f"cannot read the archive: {type(exc).__name__}: {exc}") from exc


def parse_lines(raw_lines: Iterable[str], path: Path) -> list[ArchiveLine]:
    """Parse JSON lines; a bad line gets an ``error``, a repeated id a second one's error."""
    base = str(path.resolve()) if path.exists() else str(path)
    lines: list[ArchiveLine] = []
    seen: set[str] = set()
    for n, raw in enumerate(raw_lines, 1):
        if not raw.strip():
            continue
        digest = hashlib.sha256(f"{ARCHIVE_VERSION}\n{raw.strip()}".encode()).hexdigest()
        try:
            fields = json.loads(raw)
        except ValueError:
            fields = None
        if not isinstance(fields, dict):
            lines.append(_line(base, path, f"L{n}", "", digest, n, {}, "not a JSON object"))
            continue
        uid = str(fields.get("id") or fields.get("source") or f"L{n}").strip()
        error = ""
        if not isinstance(fields.get("text"), str) or not fields["text"].strip():
            error = 'no "text" field'
        elif uid in seen:
            error, uid = f"id {uid!r} repeats an earlier line", f"L{n}"
        seen.add(uid)
        source = str(fields.get("source") or "").strip()
        lines.append(_line(base, path, uid, source, digest, n, fields, error))
    return lines


def _line(base, path, uid, source, digest, n, fields, error) -> ArchiveLine:
    return ArchiveLine(
        key=f"{base}#{uid}",
        source=source or f"{path.name}#{uid}",
        sha256=digest,
        number=n,
        fields=fields,
        error=f"line {n}: {error}" if error else "",
    )


def load_line(line: ArchiveLine, max_bytes: int = 2_000_000) -> tuple[list[Article], FileReport]:
    """The article of one line, cleaned as a file's would be (one article: never split)."""
    report = FileReport(path=line.key, encoding="utf-8")
    text = str(line.fields.get("text") or "")
    if line.error or len(text.encode()) > max_bytes:
        report.status = "error"
        report.message = line.error or (
            f"line {line.number}: text is {human_size(len(text.encode()))}; the limit is "
            f"{human_size(max_bytes)} per article (RAG_MAX_FILE_BYTES)"
        )
        return [], report
    date = str(line.fields.get("date") or "")
    articles = articles_from_text(
        text,
        line.source,
        report,
        title=str(line.fields.get("title") or "").strip(),
        date=extract_date(date) or date.strip()[:10],
        split=False,
    )
    return articles, report


def merge_reports(path: Path, reports: list[FileReport]) -> FileReport:
    """One report for a whole archive, summing its lines' reports."""
    out = FileReport(path=str(path), encoding="utf-8")
    errors = [r.message for r in reports if r.status == "error"]
    for r in reports:
        out.articles += r.articles
        out.added += r.added
        out.unchanged += r.unchanged
        out.removed += r.removed
        out.duplicates += r.duplicates
        out.repairs += r.repairs
    if errors:
        more = f" … {len(errors) - 3} more" if len(errors) > 3 else ""
        out.message = f"{len(errors)} lines rejected: " + "; ".join(errors[:3]) + more
    if not any(r.status == "ok" for r in reports) and reports:
        out.status = "error" if errors else "skipped"
    return out
