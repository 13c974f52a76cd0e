"""Scale: what ingesting and serving cost as one index grows to 10k news articles.

    python bench/scale.py [--sizes 1000,2000,5000,10000] [--work DIR] [--skip-server]
                          [--skip-quality] [--report-only]

Data: CRUD-RAG (Lyu et al., "CRUD-RAG: A Comprehensive Chinese Benchmark for Retrieval-Augmented
Generation of Large Language Models", arXiv 2401.17043; IAAR-Shanghai/CRUD_RAG, Apache-2.0):
the 10,000-article archive and the 505-article crud-news set with its 60 questions
(``../shared/corpora``).

1. **growth**: one index, grown through SIZES. Each step writes the archive's first N lines
   as one growing ``archive.jsonl.xz`` and ingests it in a fresh process (``scale_child.py
   ingest``: lines already indexed are skipped by their hash, so each step embeds only the
   new lines); per step: articles/s and passages/s against the embedder alone on the same
   passages (the floor), seconds per stage, disk, peak RSS.
2. **serving** at each size (``scale_child.py serve``, a page's process): load, retrieval
   p50/p95, RSS, the Articles tab, one article added in-process (an upload) and one by
   ``rag ingest`` in another process, each timed until a search returns it.
3. the same at the largest size against a **Chroma server** (``chroma run`` on a copy).
4. **quality**: hit@5 of the crud questions on crud-news alone, and with the archive added.

Every result is saved to WORK/results.json as it comes (a rerun resumes after the last one;
WORK holds the indexes, ~1 GB at 10k, outside the repository), copied to
bench/results/scale.json and written up as bench/SCALE.md and bench/scale.png
(``scale_report.py``).
"""

from __future__ import annotations

import argparse
import json
import lzma
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CORPORA = REPO.parent / "shared" / "corpora"
ARCHIVE = CORPORA / "crud-archive" / "archive.jsonl.xz"
NEWS = CORPORA / "crud-news"


def child(task: str, args: list[str], home: Path, **env: str) -> dict:
    """Run ``scale_child.py TASK ARGS`` on data dir ``home``; its last stdout line (JSON)."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
    environ.update(RAG_HOME=str(home), RAG_SEEDS=str(home / "no-seeds"), **env)
    (home / "no-seeds").mkdir(parents=True, exist_ok=True)  # an empty index stays empty
    t = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, str(REPO / "bench" / "scale_child.py"), task, *args],
        env=environ,
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        raise SystemExit(f"scale_child {task} failed:\n{proc.stderr[-3000:]}")
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    out["wall_s"] = time.perf_counter() - t
    return out


def disk(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) if path.exists() else 0


def write_prefix(n: int, dest: Path) -> Path:
    """The archive's first ``n`` lines as ``dest`` (.jsonl.xz, fast preset)."""
    with lzma.open(ARCHIVE, "rt", encoding="utf-8") as src:
        lines = [line for _, line in zip(range(n), src)]
    dest.parent.mkdir(parents=True, exist_ok=True)
    with lzma.open(dest, "wt", encoding="utf-8", preset=1) as out:
        out.writelines(lines)
    return dest


def load_avg() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def grow(results: dict, sizes: list[int], work: Path, questions: Path, save) -> None:
    home = work / "home"
    for n in sizes:
        step = next((s for s in results["steps"] if s["size"] == n), None)
        if step is None:
            archive = write_prefix(n, work / "archive.jsonl.xz")
            step = {"size": n, "load_before": load_avg()}
            step["ingest"] = child("ingest", [str(archive)], home)
            step["load_after"] = load_avg()
            step["disk"] = {"chroma": disk(home / "chroma"), "bm25": disk(home / "bm25")}
            results["steps"].append(step)
            save()
            ing = step["ingest"]
            print(f"{n}: {ing['articles']} articles in {ing['elapsed_s']:.0f} s", flush=True)
        if "serve" not in step:  # a page's process at this size
            step["serve"] = child("serve", [str(questions)], home)
            save()


def chroma_server(data: Path, port: int):
    """``chroma run`` on ``data`` (its own process group), up once its heartbeat answers."""
    cli = Path(sys.executable).with_name("chroma")
    log = open(data.parent / "chroma-server.log", "wb")  # noqa: SIM115 - closed with the process
    proc = subprocess.Popen(
        [str(cli), "run", "--path", str(data), "--host", "127.0.0.1", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(120):
        try:
            urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=2)
            return proc, url
        except OSError:
            time.sleep(1)
    os.killpg(proc.pid, signal.SIGTERM)
    raise SystemExit("the Chroma server did not start")


def server_mode(results: dict, work: Path, questions: Path) -> dict:
    """Serving against a Chroma server that holds a copy of the grown index."""
    sys.path.insert(0, str(REPO))
    from tests.conftest import free_port

    data, home = work / "server-db", work / "server-home"
    shutil.rmtree(data, ignore_errors=True)
    shutil.rmtree(home, ignore_errors=True)
    shutil.copytree(work / "home" / "chroma", data)
    shutil.copytree(work / "home" / "bm25", home / "bm25")  # the page's own BM25 cache
    shutil.copy(work / "home" / "generation", home / "generation")
    proc, url = chroma_server(data, free_port())
    try:
        out = child("serve", [str(questions)], home, RAG_CHROMA_URL=url)
        import psutil

        out["server_rss_mb"] = psutil.Process(proc.pid).memory_info().rss / 2**20
        return out
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,2000,5000,10000")
    parser.add_argument("--work", default=str(Path.home() / ".cache" / "rag-zh-news-scale"))
    parser.add_argument("--skip-server", action="store_true")
    parser.add_argument("--skip-quality", action="store_true")
    parser.add_argument("--report-only", action="store_true")
    args = parser.parse_args(argv)
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    path = work / "results.json"
    results = json.loads(path.read_text()) if path.exists() else {"steps": []}
    results.setdefault("machine", {"cpus": os.cpu_count()})

    def save() -> None:
        path.write_text(json.dumps(results, indent=1))

    questions = NEWS / "questions.jsonl"
    if not args.report_only:
        grow(results, [int(s) for s in args.sizes.split(",")], work, questions, save)
        if not args.skip_server and "server" not in results:
            results["server"] = server_mode(results, work, questions)
            save()
        if not args.skip_quality and "quality" not in results:
            small = child("ingest", [str(NEWS / "articles")], work / "news-home")
            q_small = child("serve", [str(questions), "--quality"], work / "news-home")
            large = child("ingest", [str(NEWS / "articles")], work / "home")
            q_large = child("serve", [str(questions), "--quality"], work / "home")
            results["quality"] = {"small": q_small, "large": q_large}
            results["quality"].update(small_ingest=small, large_ingest=large)
            save()
    from scale_report import write_report

    (REPO / "bench" / "results" / "scale.json").write_text(json.dumps(results, indent=1))
    write_report(results, REPO / "bench" / "SCALE.md", REPO / "bench" / "scale.png")
    print(f"wrote bench/SCALE.md and bench/scale.png from {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
