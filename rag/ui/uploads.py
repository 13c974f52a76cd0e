"""Uploaded files, one at a time and all-or-nothing: safe names, staging, validation, commit.

- ``safe_filename`` — a harmless basename, at most ``MAX_NAME_BYTES`` bytes of UTF-8;
  ``numbered_name`` — ``name (2).txt`` for a second file of the same name in one upload.
- ``stage_upload`` — type and size checks, then a copy to a hidden temp file in
  ``RAG_HOME/uploads`` (invisible to ingestion); ``validate`` reads it as ingestion will;
  ``commit`` moves it into place, keeping the version it replaces until indexing succeeded
  (``rollback`` puts that back). ``save_upload`` is stage + commit.
- ``scrub`` — every message shown on the page goes through it: no server path ever shows.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import unicodedata
import uuid
from pathlib import Path

from rag.config import Settings
from rag.ingest.load import load_file
from rag.ingest.read import SUPPORTED, FileReport, human_size

UPLOAD_DIR = "uploads"
MAX_NAME_BYTES = 200  # file systems allow 255; room for the hidden temp and backup names


def safe_filename(name: str, max_bytes: int = MAX_NAME_BYTES) -> str:
    """A harmless file name: the basename only, odd characters replaced, no leading dots, at
    most ``max_bytes`` bytes of UTF-8 after NFKC (which can make a name longer), extension kept.

    >>> safe_filename("../../etc/passwd.txt"), safe_filename("C:\\\\x\\\\本市 天气?.TXT")
    ('passwd.txt', '本市_天气.txt')
    >>> name = safe_filename("㍿" * 60 + ".txt")  # NFKC: each ㍿ becomes 株式会社
    >>> len(name.encode()), name[:4], name[-4:]
    (199, '株式会社', '.txt')
    """
    base = re.split(r"[\\/]", unicodedata.normalize("NFKC", name or ""))[-1]
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C")  # controls, bidi
    stem, dot, ext = base.rpartition(".")
    if not dot:
        stem, ext = base, ""
    stem = re.sub(r"\.{2,}", ".", re.sub(r"[^\w.\-]+", "_", stem)).strip("._-")[:100]
    ext = re.sub(r"[^\w]+", "", ext).lower()[:10]
    return _fit(stem, "", ext, max_bytes)


def numbered_name(name: str, n: int, max_bytes: int = MAX_NAME_BYTES) -> str:
    """The ``n``-th file called ``name`` in one upload.

    >>> numbered_name("天气.txt", 2), numbered_name("upload", 3)
    ('天气 (2).txt', 'upload (3)')
    """
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    return _fit(stem, f" ({n})", ext, max_bytes)


def _fit(stem: str, suffix: str, ext: str, max_bytes: int) -> str:
    """``stem + suffix + .ext`` cut (in the stem, on a character boundary) to ``max_bytes``."""
    tail = suffix + (f".{ext}" if ext else "")
    room = max(max_bytes - len(tail.encode()), 8)
    stem = stem.encode()[:room].decode("utf-8", errors="ignore").rstrip("._-") or "upload"
    return stem + tail


# An absolute path (POSIX or Windows) not inside a URL or a word ("and/or", "1/2", "http://").
_ABS_PATH = re.compile(
    r"(?<![\w.:/\\])(?:/|[A-Za-z]:\\)(?=[^\s'\"<>/\\])(?:[^\s'\"<>/\\]+[/\\])*([^\s'\"<>/\\]*)"
)


def scrub(message: str) -> str:
    """The message with every absolute path cut to its last part (no server paths shown).

    >>> scrub("[Errno 36] File name too long: '/srv/rag/uploads/.1a2b.part.txt'")
    "[Errno 36] File name too long: '.1a2b.part.txt'"
    >>> scrub("see http://127.0.0.1:8000/api, 1/2 and/or C:\\\\Temp\\\\x.txt")
    'see http://127.0.0.1:8000/api, 1/2 and/or x.txt'
    """
    return _ABS_PATH.sub(lambda m: m.group(1) or "…", message)


def why(exc: BaseException) -> str:
    """A one-line reason for an exception, without the file names OSError appends."""
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return scrub(str(exc)) or type(exc).__name__


def upload_folder(settings: Settings) -> Path:
    folder = (settings.home / UPLOAD_DIR).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def stage_upload(src: Path, settings: Settings, name: str | None = None) -> tuple[Path, Path]:
    """Check type and size, copy to a hidden temp file; returns (staged, destination).

    ValueError says why a file is refused; nothing is left behind then.
    """
    name = name or safe_filename(src.name)
    ext = Path(name).suffix.lower()
    if ext not in SUPPORTED:
        raise ValueError(f"unsupported file type {ext or '(none)'!r}: upload .txt, .md or .html")
    try:
        size = src.stat().st_size
    except OSError as exc:
        raise ValueError(f"the upload cannot be read ({why(exc)})") from exc
    if size > settings.max_upload_bytes:
        limit = human_size(settings.max_upload_bytes)
        raise ValueError(f"file is {human_size(size)}; the limit is {limit}")
    if size == 0:
        raise ValueError("file is empty")
    folder = upload_folder(settings)
    dest = (folder / name).resolve()
    if dest.parent != folder:  # cannot happen after safe_filename; belt and braces
        raise ValueError("bad file name")
    staged = folder / f".{uuid.uuid4().hex[:12]}.part{ext}"  # hidden: ingestion skips it
    try:
        shutil.copyfile(src, staged)
    except OSError as exc:
        staged.unlink(missing_ok=True)
        raise ValueError(f"the upload cannot be saved ({why(exc)})") from exc
    return staged, dest


def validate(staged: Path, settings: Settings) -> FileReport:
    """Read the staged file as ingestion will (encoding, binary, size, article text)."""
    _, report = load_file(staged, max_bytes=settings.max_file_bytes)
    return report


def commit(staged: Path, dest: Path) -> Path | None:
    """Move ``staged`` to ``dest``; returns the hidden backup of the version it replaced."""
    backup = None
    if dest.exists():
        backup = dest.with_name(f".{uuid.uuid4().hex[:12]}.bak{dest.suffix}")
        dest.replace(backup)
    try:
        staged.replace(dest)
    except OSError:
        if backup:
            backup.replace(dest)
        raise
    return backup


def rollback(dest: Path, backup: Path | None) -> None:
    """Undo ``commit``: the previous version back in place, or no file at all."""
    with contextlib.suppress(OSError):
        if backup is not None:
            backup.replace(dest)
        else:
            dest.unlink(missing_ok=True)


def save_upload(src: Path, settings: Settings, name: str | None = None) -> Path:
    """Validate an uploaded file and copy it under ``home/uploads``; ValueError says why not.

    A re-upload under the same name replaces (updates) the file.
    """
    staged, dest = stage_upload(src, settings, name)
    try:
        backup = commit(staged, dest)
    except OSError as exc:
        staged.unlink(missing_ok=True)
        raise ValueError(f"the upload cannot be saved ({why(exc)})") from exc
    if backup is not None:
        backup.unlink(missing_ok=True)
    return dest
