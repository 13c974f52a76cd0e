"""Soak test of the chat page: M concurrent clients asking through the ``/ask`` API.

    python bench/soak.py [--clients 4] [--questions 3] [--max-seconds 600] [--url URL]

Without ``--url`` it starts the page (``rag.ui.app``) as a subprocess on a free 127.0.0.1 port,
on a temporary data dir with the default model linked from the cache and the seeds indexed
on first use (``--home`` to use another data dir), and stops it at the end. One warm-up
question (not counted) loads the model and the index first.

Each client asks its own ``--questions`` answerable single-turn items of ``eval/dev.jsonl``
(no two clients share one) through ``gradio_client`` against ``/ask``. Outcomes:

- **error**: an exception, a timeout, or an empty answer;
- **wrong**: an answer none of whose citations is one of the item's gold ``sources``
  (an abstention cites nothing, so it is wrong too);
- **ok**: otherwise.

Prints a Markdown report (summary, latency p50/p95/max, throughput, one row per request)
and exits 1 when there were errors. The whole run is bounded by ``--max-seconds``: questions
not started by then are reported as skipped, ones still running count as timeout errors.
Only 127.0.0.1 / localhost is ever contacted.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlparse

# bench/soak_report.py, next to this script (its folder is sys.path[0])
from soak_report import Result, judge, report

# gradio_client sends telemetry unless this is set before a Client is built
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
os.environ.setdefault("HF_HUB_OFFLINE", "1")

REPO = Path(__file__).resolve().parent.parent
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


def load_items(path: Path) -> list[dict]:
    """Answerable, single-turn items that name their gold sources."""
    items = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        it = json.loads(line)
        if it.get("answerable") and not it.get("history") and it.get("sources"):
            items.append(it)
    return items


def assign(items: list[dict], clients: int, per_client: int, seed: int) -> list[list[dict]]:
    """``per_client`` distinct items for each client; no item is given to two clients."""
    need = clients * per_client
    if need > len(items):
        raise SystemExit(f"only {len(items)} usable items for {clients} x {per_client} questions")
    pool = list(items)
    random.Random(seed).shuffle(pool)
    return [pool[c * per_client : (c + 1) * per_client] for c in range(clients)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def check_local(url: str) -> str:
    host = urlparse(url).hostname or ""
    if host not in LOCAL_HOSTS:
        raise SystemExit(f"refusing to contact {host!r}: only 127.0.0.1/localhost is allowed")
    return url.rstrip("/") + "/"


def prepare_home(home: Path) -> None:
    """Link the default model from the user's cache into a fresh data dir (no 1.1 GB copy)."""
    from rag.config import _default_home

    cache = _default_home() / "models"
    (home / "models").mkdir(parents=True, exist_ok=True)
    if cache.is_dir():
        for f in cache.iterdir():
            target = home / "models" / f.name
            if f.is_file() and not target.exists():
                target.symlink_to(f.resolve())


def start_server(home: Path, port: int, log: Path) -> subprocess.Popen:
    env = dict(os.environ, RAG_HOME=str(home), PYTHONUNBUFFERED="1")
    code = "import sys; from rag.ui.app import main; sys.exit(main(sys.argv[1:]))"
    with open(log, "wb") as out:
        return subprocess.Popen(
            [sys.executable, "-c", code, "--host", "127.0.0.1", "--port", str(port)],
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def wait_up(url: str, proc: subprocess.Popen | None, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise SystemExit(f"the page exited with code {proc.returncode} before it came up")
        try:
            with urllib.request.urlopen(url, timeout=5) as r:  # noqa: S310 - local only
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(1)
    raise SystemExit(f"the page did not come up at {url} within {timeout:.0f} s")


def run_client(
    idx: int, url: str, results: list[Result], deadline: float, start: threading.Barrier
) -> None:
    from gradio_client import Client

    try:
        client = Client(url, verbose=False, analytics_enabled=False, download_files=False)
    except Exception as exc:  # the page is unreachable: every question of this client fails
        start.wait()
        for r in results:
            r.outcome, r.detail = "error", f"connect: {type(exc).__name__}: {exc}"
        return
    start.wait()
    for r in results:
        left = deadline - time.monotonic()
        if left <= 1:
            return  # stays "skipped"
        t0 = time.perf_counter()
        job = client.submit(r.question, "[]", api_name="/ask")
        try:
            reply = job.result(timeout=left)
        except TimeoutError:
            job.cancel()
            r.outcome, r.detail = "error", f"timeout (run bound reached after {left:.0f} s)"
            r.latency_s = time.perf_counter() - t0
            return
        except Exception as exc:
            r.outcome, r.detail = "error", f"{type(exc).__name__}: {exc}"[:200]
        else:
            judge(r, reply)
        r.latency_s = time.perf_counter() - t0
    with contextlib.suppress(Exception):
        client.close()


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--clients", type=int, default=4, help="concurrent clients (default 4)")
    p.add_argument("--questions", type=int, default=3, help="questions per client (default 3)")
    p.add_argument(
        "--max-seconds",
        type=float,
        default=600,
        help="bound on the whole run, warm-up included (default 600)",
    )
    p.add_argument("--url", default=None, help="a running page on 127.0.0.1 (default: start one)")
    p.add_argument("--home", default=None, help="RAG_HOME for the started page (default: temp)")
    p.add_argument("--set", dest="set_path", default=str(REPO / "eval" / "dev.jsonl"))
    p.add_argument("--seed", type=int, default=0, help="shuffle seed for picking questions")
    p.add_argument("--no-warmup", action="store_true", help="skip the uncounted warm-up question")
    args = p.parse_args(argv)
    if args.clients < 1 or args.questions < 1:
        p.error("--clients and --questions must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = datetime.now(UTC)
    t_start = time.monotonic()
    bound = t_start + args.max_seconds
    plan = assign(load_items(Path(args.set_path)), args.clients, args.questions, args.seed)

    proc = None
    tmp = None
    try:
        if args.url:
            url = check_local(args.url)
            wait_up(url, None, 30)
        else:
            tmp = tempfile.TemporaryDirectory(prefix="rag-soak-")
            home = Path(args.home) if args.home else Path(tmp.name) / "home"
            if not args.home:
                prepare_home(home)
            url = f"http://127.0.0.1:{free_port()}/"
            log = Path(tmp.name) / "server.log"
            proc = start_server(home, int(urlparse(url).port or 0), log)
            try:
                wait_up(url, proc, min(180, args.max_seconds))
            except SystemExit:
                sys.stderr.write(log.read_text(errors="replace")[-3000:])
                raise

        warm = None
        if not args.no_warmup:
            from gradio_client import Client

            warm_q = "2024年亚马逊的资本支出是多少?"
            t0 = time.perf_counter()
            client = Client(url, verbose=False, analytics_enabled=False, download_files=False)
            job = client.submit(warm_q, "[]", api_name="/ask")
            try:
                job.result(timeout=max(1, bound - time.monotonic()))
            except TimeoutError:
                job.cancel()
            warm = time.perf_counter() - t0
            client.close()

        results = [
            [Result(c, it["id"], it["question"], list(it["sources"])) for it in plan[c]]
            for c in range(args.clients)
        ]
        barrier = threading.Barrier(args.clients)
        threads = [
            threading.Thread(
                target=run_client, args=(c, url, results[c], bound, barrier), daemon=True
            )
            for c in range(args.clients)
        ]
        t0 = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=max(0.1, bound - time.monotonic() + 15))
        wall = time.monotonic() - t0
        flat = [r for rs in results for r in rs]
        print(f"# Soak: {platform.node()} · started {started:%Y-%m-%d %H:%M} UTC · {url}\n")
        print(report(flat, wall, args, warm))
        return 1 if any(r.outcome == "error" for r in flat) else 0
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if tmp is not None:
            tmp.cleanup()


if __name__ == "__main__":
    sys.exit(main())
