"""Coordination of the processes that share one data dir: the writer lock and the generation.

- ``IndexLock``: one writer at a time (``rag ingest``, the page's uploads, the repair of an
  interrupted ingest), across threads and processes, by ``flock`` on ``RAG_HOME/index.lock``.
  The kernel drops the lock of a killed process, so a held lock means a writer is alive.
- the **generation**: a counter in ``RAG_HOME/generation``, bumped after every committed
  change to the index. A reader compares it with the value it loaded its passages and BM25
  at (one small file read) and reloads when it moved: a file removed by ``rag ingest`` in
  another process is gone from the page's next answer, without a restart.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows: threads of one process are still serialised
    fcntl = None  # type: ignore[assignment]

GENERATION_FILE = "generation"
LOCK_FILE = "index.lock"


def read_generation(home: Path) -> int:
    """The data dir's index generation (0 before the first committed change)."""
    try:
        return int((home / GENERATION_FILE).read_text().strip() or 0)
    except (OSError, ValueError):
        return 0


def bump_generation(home: Path) -> int:
    """Count one committed change and return the new generation; call with ``IndexLock`` held.

    The new value is written to a temporary file and renamed over the old one, so a reader
    sees the old number or the new one, never a half-written file.
    """
    new = read_generation(home) + 1
    try:
        home.mkdir(parents=True, exist_ok=True)
        tmp = home / f".{GENERATION_FILE}.{os.getpid()}"
        tmp.write_text(f"{new}\n")
        tmp.replace(home / GENERATION_FILE)
    except OSError:  # a read-only data dir: nothing was written to it either
        return new - 1
    return new


class IndexLock:
    """Exclusive writer lock of one data dir; re-entrant in the thread that holds it.

    One instance per data dir and process (``for_home``): two ``flock``s of one process on
    separately opened files would exclude each other, so the stores of a process share it.
    """

    _instances: dict[Path, IndexLock] = {}
    _guard = threading.Lock()

    def __init__(self, path: Path):
        self.path = path
        self._thread = threading.RLock()
        self._depth = 0
        self._fd: int | None = None

    @classmethod
    def for_home(cls, home: Path) -> IndexLock:
        key = Path(home).expanduser().resolve()
        with cls._guard:
            if key not in cls._instances:
                cls._instances[key] = cls(key / LOCK_FILE)
            return cls._instances[key]

    @contextlib.contextmanager
    def hold(self, wait: bool = True) -> Iterator[bool]:
        """Hold the lock for the block; yields False (and holds nothing) when ``wait`` is
        False and another thread or process holds it."""
        if not self._thread.acquire(blocking=wait):
            yield False
            return
        try:
            if self._depth == 0 and not self._lock_file(wait):
                yield False
                return
            self._depth += 1
            try:
                yield True
            finally:
                self._depth -= 1
                if self._depth == 0 and self._fd is not None:
                    os.close(self._fd)  # closing the file releases the flock
                    self._fd = None
        finally:
            self._thread.release()

    def _lock_file(self, wait: bool) -> bool:
        if fcntl is None:
            return True
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError:  # a read-only data dir: nobody can write to it, nothing to exclude
            return True
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def held_elsewhere(self) -> bool:
        """Whether another process (or thread) is writing right now."""
        with self.hold(wait=False) as held:
            return not held
