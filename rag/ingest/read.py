"""Reading a file as text: size and type checks, encoding detection (UTF-8/BOM/GB18030/Big5),
HTML and Markdown to plain text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from rag.records import Repair

SUPPORTED = (".txt", ".md", ".markdown", ".html", ".htm")


class IngestError(ValueError):
    """A file that cannot be ingested; the message says why, in one line."""


@dataclass
class FileReport:
    """What ingestion found in one file (shown by ``rag ingest --report``)."""

    path: str
    status: str = "ok"  # ok | skipped | error
    message: str = ""
    encoding: str = ""
    articles: int = 0
    passages: int = 0
    added: int = 0  # passages embedded in this run
    unchanged: int = 0
    removed: int = 0
    duplicates: list[str] = field(default_factory=list)
    repairs: list[Repair] = field(default_factory=list)


def decode_bytes(data: bytes) -> tuple[str, str]:
    """Decode bytes as UTF-8 (with or without BOM) or a Chinese legacy encoding.

    >>> decode_bytes("数据中心".encode("gbk"))
    ('数据中心', 'gb18030')
    """
    if not data.strip():
        raise IngestError("empty file")
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise IngestError("binary file (contains NUL bytes), not text")
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    for enc in ("utf-8", "gb18030", "big5"):
        try:
            return data.decode(enc), enc
        except UnicodeDecodeError:
            continue
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise IngestError("unreadable: no text encoding fits these bytes")
    return str(best), best.encoding


def html_to_text(html: str) -> str:
    """Visible text of an HTML page, one block element per paragraph."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    for tag in soup(["script", "style", "nav", "footer", "header", "aside", "noscript"]):
        tag.decompose()
    title = soup.title.get_text(strip=True) if soup.title else ""
    body = soup.body or soup
    blocks = [b.get_text(" ", strip=True) for b in body.find_all(["h1", "h2", "h3", "p", "li"])]
    text = "\n\n".join(b for b in blocks if b) or body.get_text("\n", strip=True)
    if title and not text.startswith(title):
        text = title + "\n\n" + text
    return text


def markdown_to_text(md: str) -> str:
    """Drop markdown markup that would otherwise end up in passages."""
    md = re.sub(r"^#{1,6}\s*", "", md, flags=re.M)
    md = re.sub(r"!\[[^\]]*\]\([^)]*\)", "", md)
    md = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", md)
    return re.sub(r"(\*\*|__|`)", "", md)


def read_text_file(path: Path, max_bytes: int = 2_000_000) -> tuple[str, str]:
    """Return (text, encoding) of a supported file; raise IngestError with a clear reason."""
    if path.suffix.lower() not in SUPPORTED:
        raise IngestError(f"unsupported file type {path.suffix!r} (use .txt, .md or .html)")
    size = path.stat().st_size if path.exists() else 0
    if size > max_bytes:
        raise IngestError(
            f"file is {size / 1e6:.1f} MB; the limit is {max_bytes / 1e6:.1f} MB per file "
            "(RAG_MAX_FILE_BYTES): split it into articles"
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise IngestError(f"cannot read: {exc.strerror or exc}") from exc
    text, encoding = decode_bytes(data)
    if path.suffix.lower() in (".html", ".htm"):
        text = html_to_text(text)
    elif path.suffix.lower() in (".md", ".markdown"):
        text = markdown_to_text(text)
    if _looks_binary(text):
        raise IngestError("binary or garbled content, not text")
    return text, encoding


def _looks_binary(text: str) -> bool:
    sample = text[:4000]
    bad = sum(1 for c in sample if (ord(c) < 32 and c not in "\n\r\t") or c == "\ufffd")
    return bool(sample) and bad / len(sample) > 0.05
