"""Cost of the grounding guard: every check on real drafted answers, no model.

Replays the answers and cited passages of the latest eval reports of both dev sets
(``eval/reports/*.json``: the seeds and crud sets) through each check of
``rag.answer.checks.CHECKS`` and through ``find_stated`` (the evidence search that calibrates
refusals), and prints a table of milliseconds per answer.

    python bench/checks.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rag.answer.checks import CHECKS, Draft  # noqa: E402
from rag.answer.checks.spans import find_stated  # noqa: E402
from rag.answer.evidence import Evidence  # noqa: E402
from rag.answer.question import analyse_question  # noqa: E402
from rag.records import Passage  # noqa: E402


def latest_reports() -> list[Path]:
    """The newest report of each set (older seeds reports carry no set suffix)."""
    reports = sorted((ROOT / "eval" / "reports").glob("*.json"), key=lambda p: p.stat().st_mtime)
    crud = [p for p in reports if p.stem.endswith("-crud")]
    seeds = [p for p in reports if p.stem.endswith("-seeds") or p.stem.count("-") == 3]
    return [p for p in (seeds[-1:] + crud[-1:])]


def drafts(path: Path) -> list[tuple[Draft, list[Evidence]]]:
    out = []
    for item in json.loads(path.read_text())["runs"]["ours"]["items"]:
        q = analyse_question(item["question"])
        cited = {p["n"]: p["text"] for p in item["passages"]}
        shown = [
            Evidence(s["n"], Passage(f"p{s['n']}", s["source"], "", s["text"]), s["text"])
            for s in item.get("shown", [])
        ]
        out.append((Draft(item["answer"], q, cited), shown))
    return out


def timed(fn, cases, repeat: int) -> float:
    """Median over ``repeat`` runs of the mean milliseconds per case."""
    runs = []
    for _ in range(repeat):
        t = time.perf_counter()
        for case in cases:
            fn(case)
        runs.append((time.perf_counter() - t) * 1000 / max(1, len(cases)))
    return statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    cases = [c for path in latest_reports() for c in drafts(path)]
    for d, _ in cases[:3]:  # warm jieba's dictionary and caches
        for check in CHECKS:
            check(d)
    print(f"{len(cases)} answers from {', '.join(p.name for p in latest_reports())}\n")
    print("| step | ms per answer |\n|---|---|")
    total = 0.0
    for check in CHECKS:
        ms = timed(lambda c, ch=check: ch(c[0]), cases, args.repeat)
        total += ms
        print(f"| {type(check).__name__} | {ms:.2f} |")
    print(f"| all checks | {total:.2f} |")
    ms = timed(lambda c: find_stated(c[0].question, c[1]), cases, args.repeat)
    print(f"| find_stated (refusal calibration, on the shown snippets) | {ms:.2f} |")


if __name__ == "__main__":
    main()
