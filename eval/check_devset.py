"""Validate the evaluation dev set (eval/dev.jsonl) against the clean corpus.

Usage:  .venv/bin/python eval/check_devset.py [path/to/dev.jsonl] [--seeds DIR]

Checks keys and types, unique ids, minimum counts per category, that every evidence string is
an exact substring of the clean text of its source file(s), that the must_include facts of
non-English items occur in the clean text of the article(s) holding the evidence, and a few
category-specific rules. Prints a per-category table; exits 1 on any problem.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import rag  # noqa: E402

KEYS = (
    "id",
    "category",
    "question",
    "history",
    "answerable",
    "answer",
    "must_include",
    "sources",
    "evidence",
)

MIN_COUNTS = {
    "single_fact": 10,
    "multi_fact": 4,
    "list": 4,
    "number": 6,
    "cross_article": 3,
    "conflict": 2,
    "washed": 6,
    "traditional": 6,
    "english": 6,
    "traditional_question": 4,
    "followup": 5,
    "unanswerable": 12,
}
MIN_TOTAL = 64

# Files whose answers must come from one particular source.
ONLY_SOURCE = {"washed": "001_", "traditional": "003_"}
# Words that occur only in the recommendation spam that cleaning removes from 002_….
SPAM_TERMS = ("富邦科技", "喜人奇妙夜", "发电机组", "药谷", "可靠性测试")
MIN_SPAM_UNANSWERABLE = 3

CJK = re.compile(r"[\u3400-\u9fff]")


def load_items(path: Path, problems: list[str]) -> list[dict]:
    items = []
    with path.open(encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                problems.append(f"line {n}: blank line")
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as e:
                problems.append(f"line {n}: invalid JSON ({e})")
                continue
            if not isinstance(obj, dict):
                problems.append(f"line {n}: not a JSON object")
                continue
            obj["_line"] = n
            items.append(obj)
    return items


def is_str_list(v) -> bool:
    return isinstance(v, list) and all(isinstance(s, str) and s.strip() for s in v)


def check_types(it: dict, where: str, problems: list[str]) -> bool:
    keys = set(it) - {"_line"}
    if keys != set(KEYS):
        missing, extra = set(KEYS) - keys, keys - set(KEYS)
        problems.append(f"{where}: keys wrong (missing {sorted(missing)}, extra {sorted(extra)})")
        return False
    ok = True
    for k in ("id", "category", "question"):
        if not isinstance(it[k], str) or not it[k].strip():
            problems.append(f"{where}: {k} must be a non-empty string")
            ok = False
    if not isinstance(it["answer"], str):
        problems.append(f"{where}: answer must be a string")
        ok = False
    if not isinstance(it["answerable"], bool):
        problems.append(f"{where}: answerable must be true/false")
        ok = False
    for k in ("must_include", "sources", "evidence"):
        if not is_str_list(it[k]):
            problems.append(f"{where}: {k} must be a list of non-empty strings")
            ok = False
    h = it["history"]
    if not isinstance(h, list) or not all(
        isinstance(t, dict)
        and set(t) == {"role", "content"}
        and t["role"] in ("user", "assistant")
        and isinstance(t["content"], str)
        and t["content"].strip()
        for t in h
    ):
        problems.append(f"{where}: history must be a list of {{role: user|assistant, content}}")
        ok = False
    if ok and it["category"] not in MIN_COUNTS:
        problems.append(f"{where}: unknown category {it['category']!r}")
        ok = False
    return ok


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("path", nargs="?", default=str(ROOT / "eval" / "dev.jsonl"))
    ap.add_argument("--seeds", default=str(ROOT / "seeds"))
    args = ap.parse_args()

    problems: list[str] = []
    articles = rag.load_articles(args.seeds)
    by_source: dict[str, list] = {}
    for a in articles:
        by_source.setdefault(a.source, []).append(a)
    all_clean = "\n".join(a.text for a in articles)

    for term in SPAM_TERMS:
        if term in all_clean:
            problems.append(
                f"spam term {term!r} survives cleaning; spam questions are not unanswerable"
            )

    items = load_items(Path(args.path), problems)
    ids = Counter(it.get("id") for it in items)
    for i, n in ids.items():
        if n > 1:
            problems.append(f"duplicate id {i!r} ({n} times)")

    counts: Counter = Counter()
    spam_unanswerable = 0
    for it in items:
        where = f"line {it['_line']} ({it.get('id', '?')})"
        if not check_types(it, where, problems):
            continue
        cat = it["category"]
        counts[cat] += 1
        q, hist = it["question"], it["history"]

        # --- category-specific shape rules
        if cat == "followup":
            if len(hist) < 2 or hist[0]["role"] != "user" or hist[-1]["role"] != "assistant":
                problems.append(
                    f"{where}: followup needs a history starting with user, ending with assistant"
                )
            if any(hist[k]["role"] == hist[k + 1]["role"] for k in range(len(hist) - 1)):
                problems.append(f"{where}: history roles must alternate")
        elif hist:
            problems.append(f"{where}: only followup items may carry history")
        if cat == "english":
            if CJK.search(q) or CJK.search(it["answer"]):
                problems.append(f"{where}: english question/answer contains CJK characters")
        elif not CJK.search(q):
            problems.append(f"{where}: non-english question has no Chinese characters")
        if cat == "traditional_question":
            try:
                import opencc

                if opencc.OpenCC("t2s").convert(q) == q:
                    problems.append(f"{where}: question has no traditional characters")
            except ImportError:
                pass

        # --- unanswerable
        if cat == "unanswerable" or not it["answerable"]:
            if cat != "unanswerable" or it["answerable"]:
                problems.append(f"{where}: category unanswerable <=> answerable false")
            if it["answer"] or it["must_include"] or it["sources"] or it["evidence"]:
                problems.append(
                    f"{where}: unanswerable item must have empty answer/must_include/sources/evidence"
                )
            if any(t in q for t in SPAM_TERMS):
                spam_unanswerable += 1
            continue

        # --- answerable
        if not it["answer"].strip():
            problems.append(f"{where}: answer is empty")
        if not it["must_include"]:
            problems.append(f"{where}: must_include is empty")
        srcs, evs = it["sources"], it["evidence"]
        if not srcs or not evs:
            problems.append(f"{where}: sources and evidence must be non-empty")
            continue
        if len(set(srcs)) != len(srcs):
            problems.append(f"{where}: duplicate sources")
        unknown = [s for s in srcs if s not in by_source]
        if unknown:
            problems.append(f"{where}: unknown source file(s) {unknown}")
            continue
        if cat in ("conflict", "cross_article") and len(set(srcs)) < 2:
            problems.append(f"{where}: {cat} needs at least two source files")
        if cat in ONLY_SOURCE and any(not s.startswith(ONLY_SOURCE[cat]) for s in srcs):
            problems.append(f"{where}: {cat} items must be sourced from {ONLY_SOURCE[cat]}* only")
        if len(evs) != len(srcs):
            problems.append(
                f"{where}: need exactly one evidence string per source ({len(evs)} vs {len(srcs)})"
            )

        ev_articles = []
        covered = set()
        for e in evs:
            if not 8 <= len(e) <= 40:
                problems.append(f"{where}: evidence length {len(e)} not in 8..40: {e!r}")
            hits = [(s, a) for s in srcs for a in by_source[s] if e in a.text]
            if not hits:
                problems.append(f"{where}: evidence not found in clean text of {srcs}: {e!r}")
                continue
            covered.update(s for s, _ in hits)
            ev_articles.extend(a for _, a in hits)
        for k, (s, e) in enumerate(zip(srcs, evs)):
            if not any(e in a.text for a in by_source[s]):
                problems.append(f"{where}: evidence[{k}] is not in sources[{k}] {s}")
        missing_src = [s for s in srcs if s not in covered]
        if missing_src and ev_articles:
            problems.append(f"{where}: no evidence string supports source(s) {missing_src}")

        if cat != "english" and ev_articles:
            ev_text = "\n".join(a.text for a in ev_articles)
            # facts may sit in other articles of the listed files (e.g. two articles in 000_)
            src_text = "\n".join(a.text for s in srcs for a in by_source[s])
            for m in it["must_include"]:
                if m not in ev_text:
                    hint = (
                        "it is elsewhere in the source files"
                        if m in src_text
                        else "nor in the source files"
                    )
                    problems.append(
                        f"{where}: must_include {m!r} not in the evidence article(s); {hint}"
                    )
            if cat in ONLY_SOURCE:
                others = [
                    a
                    for s, arts in by_source.items()
                    if not s.startswith(ONLY_SOURCE[cat])
                    for a in arts
                ]
                for a in others:
                    if all(m in a.text for m in it["must_include"]):
                        problems.append(
                            f"{where}: answer is also fully in {a.source} ({a.title[:20]}), "
                            f"not only in {ONLY_SOURCE[cat]}*"
                        )

    if spam_unanswerable < MIN_SPAM_UNANSWERABLE:
        problems.append(
            f"only {spam_unanswerable} unanswerable questions about spam-only content "
            f"(need {MIN_SPAM_UNANSWERABLE})"
        )
    for cat, need in MIN_COUNTS.items():
        if counts[cat] < need:
            problems.append(f"category {cat}: {counts[cat]} items, need at least {need}")
    total = sum(counts.values())
    if total < MIN_TOTAL:
        problems.append(f"only {total} valid items, need at least {MIN_TOTAL}")

    src_counts = Counter(
        s for it in items if isinstance(it.get("sources"), list) for s in it["sources"]
    )
    print(f"{'category':<22}{'count':>6}{'min':>6}")
    for cat, need in MIN_COUNTS.items():
        flag = "" if counts[cat] >= need else "  <-- too few"
        print(f"{cat:<22}{counts[cat]:>6}{need:>6}{flag}")
    print(f"{'total':<22}{total:>6}{MIN_TOTAL:>6}")
    print(
        "items per source file: " + ", ".join(f"{s[:3]}={n}" for s, n in sorted(src_counts.items()))
    )
    print(f"unanswerable about removed spam: {spam_unanswerable}")

    if problems:
        print(f"\n{len(problems)} problem(s):", file=sys.stderr)
        for p in problems:
            print("  - " + p, file=sys.stderr)
        return 1
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
