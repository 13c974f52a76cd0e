"""One file or folder → clean, de-duplicated ``Article`` records (read, split, clean, dedupe)."""

from __future__ import annotations

from pathlib import Path

from rag.ingest.clean import clean_text, normalize_unicode, to_simplified
from rag.ingest.read import FileReport, IngestError, read_text_file
from rag.ingest.repeat import repetition_notice
from rag.ingest.split import (
    dedupe_articles,
    extract_date,
    extract_title,
    guess_outlet_author,
    split_articles,
)
from rag.records import Article, Repair


def load_file(
    path: Path, source: str | None = None, max_bytes: int = 2_000_000
) -> tuple[list[Article], FileReport]:
    """Read, split and clean one file. Errors become a report, never an exception."""
    report = FileReport(path=str(path))
    try:
        raw, report.encoding = read_text_file(path, max_bytes)
    except IngestError as exc:
        report.status, report.message = "error", str(exc)
        return [], report
    source = source or path.name
    raw = normalize_unicode(raw)
    date = extract_date(to_simplified(raw))
    articles: list[Article] = []
    for i, (body, outlet, author) in enumerate(split_articles(raw)):
        text, repairs = clean_text(body)
        if len(text) < 20:  # a stray line between source lines, not an article
            continue
        title = extract_title(text)
        guessed_outlet, guessed_author = guess_outlet_author(text)
        articles.append(
            Article(
                source=source,
                title=title,
                text=text,
                original=body,
                outlet=to_simplified(outlet) or guessed_outlet,
                author=to_simplified(author) or guessed_author,
                date=date,
                repairs=repairs,
                index=i,
            )
        )
        report.repairs += repairs
    report.articles = len(articles)
    report.message = repetition_notice(report.repairs, len(raw))
    if len(articles) > 1:
        report.repairs.insert(0, Repair("split", path.name, f"{len(articles)} articles"))
    if not articles:
        report.status, report.message = "skipped", "no article text left after cleaning"
    return articles, report


def iter_files(paths: list[Path]) -> list[Path]:
    """Supported files under the given files/folders, sorted, hidden files skipped."""
    files: list[Path] = []
    for p in paths:
        if p.is_dir():
            files += sorted(f for f in p.rglob("*") if f.is_file() and not f.name.startswith("."))
        elif p.exists():
            files.append(p)
        else:
            raise IngestError(f"{p}: no such file or folder")
    return files


def load_articles(path: str | Path) -> list[Article]:
    """Public API: clean articles from a file or folder, duplicates dropped.

    >>> # rag.load_articles("seeds") -> [Article(source='000_….txt', title='科技巨头打响…'), …]
    """
    articles: list[Article] = []
    for f in iter_files([Path(path)]):
        found, _ = load_file(f)
        articles += found
    return dedupe_articles(articles)[0]
