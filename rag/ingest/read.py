"""Reading a file as text: size and type checks, encoding detection (UTF-8/BOM/GB18030/Big5),
HTML and Markdown to plain text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
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


# Legacy Chinese encodings tried after UTF-8. Big5 bytes always decode as GB18030 too (as
# garbage), so every candidate that decodes is scored and the most plausible text wins.
LEGACY = ("gb18030", "big5", "cp950", "big5hkscs")


def decode_bytes(data: bytes) -> tuple[str, str]:
    """Decode bytes as UTF-8 (with or without BOM) or a Chinese legacy encoding.

    >>> decode_bytes("今天天气晴朗".encode("gbk"))
    ('今天天气晴朗', 'gb18030')
    >>> decode_bytes("今天天氣晴朗".encode("big5"))
    ('今天天氣晴朗', 'big5')
    """
    if not data.strip():
        raise IngestError("empty file")
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise IngestError("binary file (contains NUL bytes), not text")
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    decoded: list[tuple[float, str, str]] = []
    for enc in LEGACY:
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        decoded.append((plausibility(text), enc, text))
    if decoded:  # the best score wins; on a tie the earlier candidate (max keeps the first)
        best = max(decoded, key=lambda d: d[0])
        return best[2], best[1]
    from charset_normalizer import from_bytes

    match = from_bytes(data).best()
    if match is None:
        raise IngestError("unreadable: no text encoding fits these bytes")
    return str(match), match.encoding


@lru_cache(maxsize=1)
def _common_chars() -> frozenset[str]:
    """The everyday Chinese characters: GB2312 level 1 (3,755 simplified) and Big5's "常用字"
    (5,401 traditional, A440–C67E). Garbage from a wrong legacy decoding is mostly outside."""
    pairs = [(lead, t, "gb2312") for lead in range(0xB0, 0xD8) for t in range(0xA1, 0xFF)]
    pairs += [
        (lead, t, "big5")
        for lead in range(0xA4, 0xC7)
        for t in [*range(0x40, 0x7F), *range(0xA1, 0xFF)]
        if lead << 8 | t <= 0xC67E
    ]
    chars = {bytes([lead, t]).decode(enc, errors="ignore") for lead, t, enc in pairs}
    chars.discard("")
    return frozenset(chars)


def plausibility(text: str, sample: int = 20_000) -> float:
    """Share of the non-ASCII letters (CJK, private use) in ``text`` that are everyday Chinese
    characters: about 1.0 for real text in either script, ~0.2–0.4 for a wrong decoding.

    >>> garbled = "今天天氣晴朗".encode("big5").decode("gb18030")  # kana, private use, rare
    >>> plausibility("今天天氣晴朗"), round(plausibility(garbled), 2)
    (1.0, 0.17)
    """
    common = _common_chars()
    letters = [c for c in text[:sample] if ord(c) > 0x7F and (c.isalpha() or _private(c))]
    if not letters:
        return 1.0
    return sum(c in common for c in letters) / len(letters)


def _private(ch: str) -> bool:
    return 0xE000 <= ord(ch) <= 0xF8FF


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


def human_size(n: int) -> str:
    """A size for people.

    >>> human_size(1_990_000), human_size(2048), human_size(5)
    ('2.0 MB', '2 kB', '5 bytes')
    """
    if n >= 1_000_000:
        return f"{n / 1_000_000:.1f} MB"
    return f"{n / 1000:.0f} kB" if n >= 1000 else f"{n} bytes"


def read_text_file(path: Path, max_bytes: int = 2_000_000) -> tuple[str, str]:
    """Return (text, encoding) of a supported file; raise IngestError with a clear reason."""
    if path.suffix.lower() not in SUPPORTED:
        raise IngestError(f"unsupported file type {path.suffix!r} (use .txt, .md or .html)")
    size = path.stat().st_size if path.exists() else 0
    if size > max_bytes:
        raise IngestError(
            f"file is {human_size(size)}; the limit is {human_size(max_bytes)} per file "
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
