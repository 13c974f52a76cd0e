"""Files → clean ``Article`` records → ``Passage`` chunks.

Reads .txt/.md/.html (UTF-8, UTF-8 with BOM, GB18030/GBK/Big5, detected), splits files that
hold several articles, extracts title/outlet/author/date, cleans the text (``rag.clean``) and
cuts it into overlapping passages on Chinese sentence boundaries.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from rag.clean import clean_text, normalize_unicode, to_simplified
from rag.records import Article, Passage, Repair

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


# ----------------------------------------------------------------------------- reading


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


# ----------------------------------------------------------------------------- splitting

# "供稿:《21世纪经济报道》作者:白杨", "据《科技日报》作者:崔爽", "来源:新华社" …
_SOURCE_LINE = re.compile(
    r"^\s*(?:据|供稿[:：]|来源[:：]|稿源[:：]|文章来源[:：]|本文来源[:：])?\s*《([^》]{2,20})》"
    r"\s*(?:作者[:：]\s*(\S.{0,30}))?\s*$"
)


def split_articles(text: str) -> list[tuple[str, str, str]]:
    """Split text at source lines that close an article; return (body, outlet, author) each.

    >>> [(b[:2], o, a) for b, o, a in split_articles("甲文。\\n\\n据《科技日报》作者:崔爽\\n\\n乙文。")]
    [('甲文', '科技日报', '崔爽'), ('乙文', '', '')]
    """
    parts: list[tuple[str, str, str]] = []
    current: list[str] = []
    for line in text.split("\n"):
        m = _SOURCE_LINE.match(line) if len(line) < 60 else None
        if m and "".join(current).strip():
            parts.append(("\n".join(current).strip(), m.group(1), (m.group(2) or "").strip()))
            current = []
        elif not m:
            current.append(line)
    rest = "\n".join(current).strip()
    if rest:
        parts.append((rest, "", ""))
    return parts


# ----------------------------------------------------------------------------- metadata

_DATE = re.compile(r"(20\d{2})[-/.年](\d{1,2})[-/.月](\d{1,2})")
_BYLINE_REPORTER = re.compile(r"记者\s*([\u4e00-\u9fff]{2,3})(?=\s|[\u4e00-\u9fff]{2}报道|$)")
_OUTLET_MENTION = re.compile(r"《([^》]{2,10}(?:报|时报|日报|周刊|财经|新闻|社))》")
_LABEL = re.compile(r"^[\u4e00-\u9fff]{2,5}[:：]$")  # "编者按:" is a label, not a title


def extract_date(text: str) -> str:
    """First full date in the page header, ISO formatted.

    >>> extract_date("发布日期:2025-03-04 15:16 点击次数:149")
    '2025-03-04'
    """
    m = _DATE.search(text[:400])
    return f"{m.group(1)}-{int(m.group(2)):02d}-{int(m.group(3)):02d}" if m else ""


def extract_title(body: str, limit: int = 40) -> str:
    """The first paragraph when it reads like a heading, else the start of the first sentence.

    >>> extract_title("科技巨头打响“AI军备竞赛”\\n\\n随着财报出炉,竞赛打响。")
    '科技巨头打响“AI军备竞赛”'
    >>> extract_title("全球科技巨头正在疯狂投资AI基建。\\n正文")
    '全球科技巨头正在疯狂投资AI基建'
    """
    for para in (p.strip() for p in body.split("\n")):
        if not para or _LABEL.match(para):
            continue
        if len(para) <= limit and not para.endswith(("。", "!", "?", "！", "？")):
            return para
        first = re.split(r"[。！？!?]", para)[0]
        return first[:limit] + ("…" if len(first) > limit else "")
    return ""


def guess_outlet_author(body: str) -> tuple[str, str]:
    """Outlet and reporter named in the byline or text ("《华夏时报》记者", "记者卢晓 杭州报道")."""
    author = ""
    m = _BYLINE_REPORTER.search(body[:300])
    if m:
        author = m.group(1)
    outlets = _OUTLET_MENTION.findall(body)
    outlet = max(set(outlets), key=outlets.count) if outlets else ""
    return outlet, author


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


# ----------------------------------------------------------------------------- ids, dedupe


def article_id(article: Article) -> str:
    """Stable id from the cleaned content (same text → same id, whatever the file name)."""
    return hashlib.sha1(article.text.encode("utf-8")).hexdigest()[:16]


def _shingles(text: str, n: int = 5) -> set[str]:
    text = re.sub(r"\s+", "", text)
    return {text[i : i + n] for i in range(max(1, len(text) - n + 1))}


def near_duplicate(a: str, b: str, threshold: float = 0.85) -> bool:
    """Jaccard similarity of character 5-gram sets above ``threshold``.

    >>> a = "阿里巴巴宣布未来三年将投入3800亿元建设云和AI硬件基础设施,超过去十年总和。" * 3
    >>> near_duplicate(a, a.replace("宣布", "表示", 1)), near_duplicate(a, "腾讯营收6602.57亿元。" * 9)
    (True, False)
    """
    sa, sb = _shingles(a), _shingles(b)
    return len(sa & sb) / max(1, len(sa | sb)) >= threshold


def dedupe_articles(articles: list[Article]) -> tuple[list[Article], list[tuple[Article, Article]]]:
    """Drop exact and near duplicates, keeping the first seen; return (kept, [(dropped, kept_twin)])."""
    kept: list[Article] = []
    dropped: list[tuple[Article, Article]] = []
    for art in articles:
        twin = next(
            (k for k in kept if k.text == art.text or near_duplicate(k.text, art.text)), None
        )
        if twin is None:
            kept.append(art)
        else:
            dropped.append((art, twin))
    return kept, dropped


# ----------------------------------------------------------------------------- chunking

_SENTENCE = re.compile(r"[^。！？!?；;\n]+(?:[。！？!?；;]+[”’」』)]?|\n|$)")


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Character spans of sentences, cut after 。！？；(and newlines), quotes kept with them.

    >>> t = "阿里投入。腾讯说:“加码!”然后"
    >>> [t[s:e] for s, e in split_sentences(t)]
    ['阿里投入。', '腾讯说:“加码!”', '然后']
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
    ``article.text`` so a citation can point at the exact span.
    """
    spans = split_sentences(article.text)
    aid = article_id(article)
    passages: list[Passage] = []
    i = 0
    while i < len(spans):
        j = i
        while j + 1 < len(spans) and spans[j + 1][1] - spans[i][0] <= size:
            j += 1
        start, end = spans[i][0], spans[j][1]
        passages.append(
            Passage(
                id=f"{aid}-{len(passages):03d}",
                source=article.source,
                title=article.title,
                text=article.text[start:end],
                article_id=aid,
                start=start,
                end=end,
                outlet=article.outlet,
                date=article.date,
            )
        )
        if j + 1 >= len(spans):
            break
        i = max(i + 1, j + 1 - overlap)
    return passages
