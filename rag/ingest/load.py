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
    strip_header,
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
    if len(articles := articles_from_text(raw, source or path.name, report)) > 1:
        report.repairs.insert(0, Repair("split", path.name, f"{len(articles)} articles"))
    return articles, report


def articles_from_text(
    raw: str, source: str, report: FileReport, *, title: str = "", date: str = "", split=True
) -> list[Article]:
    """Split (unless ``split`` is False: one article), strip the date header, clean; the
    articles' repairs, count and any notice go into ``report``. ``title`` and ``date``, when
    given (an archive's fields), win over what is read from the text."""
    raw = normalize_unicode(raw)
    file_date = date or extract_date(to_simplified(raw))
    parts = split_articles(raw) if split else [(raw.strip(), "", "")]
    articles: list[Article] = []
    for i, (original, outlet, author) in enumerate(parts):
        body, header_date, repairs = strip_header(original)
        text, cleaned = clean_text(body)
        if len(text) < 20:  # a stray line between source lines, not an article
            continue
        repairs += cleaned
        guessed_outlet, guessed_author = guess_outlet_author(text)
        articles.append(
            Article(
                source=source,
                title=to_simplified(title) or extract_title(text),
                text=text,
                original=original,
                outlet=to_simplified(outlet) or guessed_outlet,
                author=to_simplified(author) or guessed_author,
                date=date or header_date or file_date,
                repairs=repairs,
                index=i,
            )
        )
        report.repairs += repairs
    report.articles = len(articles)
    report.message = repetition_notice(report.repairs, len(raw))
    if not articles:
        report.status, report.message = "skipped", "no article text left after cleaning"
    return articles


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
