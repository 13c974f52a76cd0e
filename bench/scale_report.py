"""bench/SCALE.md and bench/scale.png from bench/scale.py's results: the measured tables, the
acceptance targets checked, and what the measured curve says about 80k and 1M articles."""

from __future__ import annotations

from pathlib import Path

from scale_notes import INGEST_NOTES
from scale_outlook import outlook

MB = 2**20


def _f(x, fmt: str = ".0f", none: str = "–") -> str:
    return none if x is None else format(x, fmt)


def growth_table(steps: list[dict]) -> list[str]:
    stages = [
        "decode_s",
        "clean_s",
        "dedupe_s",
        "chunk_s",
        "embed_s",
        "write_s",
        "tokenize_s",
        "commit_s",
        "bm25_s",
    ]
    rows = [
        "| articles | new articles | new passages | ingest s | articles/s | passages/s "
        "| floor passages/s | ratio | sample floor | "
        + " | ".join(s[:-2] for s in stages)
        + " | Chroma MB | BM25 MB | ingest peak RSS MB | load avg |",
        "|" + "---|" * (13 + len(stages)),
    ]
    for s in steps:
        i = s["ingest"]
        sample = i["floor"].get("passages_per_s")
        floor = (i.get("floor_all") or i["floor"]).get("passages_per_s")
        rate = i["passages"] / i["elapsed_s"] if i["elapsed_s"] else 0
        t = i["timings"]
        rows.append(
            f"| {s['size']} | {i['articles']} | {i['passages']} | {i['elapsed_s']:.0f} "
            f"| {i['articles'] / i['elapsed_s']:.2f} | {rate:.1f} | {_f(floor, '.1f')} "
            f"| {_f(rate / floor if floor else None, '.0%')} | {_f(sample, '.1f')} | "
            + " | ".join(f"{t.get(k, 0):.1f}" for k in stages)
            + f" | {s['disk']['chroma'] / MB:.0f} | {s['disk']['bm25'] / MB:.1f} "
            f"| {i['peak_rss_mb']:.0f} | {s['load_before']} |"
        )
    return rows


SERVE_COLUMNS = [
    ("passages", "passages", "d"),
    ("load_s", "load s", ".1f"),
    ("rss_loaded_mb", "RSS loaded MB", ".0f"),
    ("peak_rss_mb", "peak RSS MB", ".0f"),
    ("p50_ms", "p50 ms", ".0f"),
    ("p95_ms", "p95 ms", ".0f"),
    ("index_p50_ms", "index p50 ms", ".0f"),
    ("index_p95_ms", "index p95 ms", ".0f"),
    ("load_avg", "load avg", ".1f"),
    ("articles_tab_s", "Articles tab s", ".2f"),
    ("articles_search_s", "tab search s", ".2f"),
    ("add_inproc_s", "add (upload) s", ".2f"),
    ("add_inproc_searchable_s", "… searchable s", ".2f"),
    ("add_inproc_rank", "rank", "d"),
    ("add_cli_s", "add (rag ingest) s", ".1f"),
    ("add_cli_searchable_s", "… searchable s", ".1f"),
    ("add_cli_rank", "rank", "d"),
]


def serve_table(rows: list[tuple[str, dict]]) -> list[str]:
    out = [
        "| index | " + " | ".join(c[1] for c in SERVE_COLUMNS) + " |",
        "|" + "---|" * (1 + len(SERVE_COLUMNS)),
    ]
    for label, s in rows:
        out.append(
            f"| {label} | " + " | ".join(_f(s.get(k), f) for k, _, f in SERVE_COLUMNS) + " |"
        )
    return out


def ratios(steps: list[dict]) -> tuple[float, float, float | None]:
    """Ingest against the embedder alone over all steps: (ingest passages/s, floor passages/s,
    the same ratio in CPU seconds — which other load on the machine inflates far less)."""
    total_p = sum(x["ingest"]["passages"] for x in steps)
    total_t = sum(x["ingest"]["elapsed_s"] for x in steps)
    floors = [x["ingest"]["floor"] for x in steps if x["ingest"]["floor"]]
    if all(x["ingest"].get("floor_all") for x in steps):  # every passage, not a sample
        floors = [x["ingest"]["floor_all"] for x in steps]
    floor = sum(f["passages"] for f in floors) / sum(f["seconds"] for f in floors)
    cpu = None
    if all("cpu_s" in x["ingest"] for x in steps) and all("cpu_s" in f for f in floors):
        ingest_cpu = total_p / sum(x["ingest"]["cpu_s"] for x in steps)
        cpu = ingest_cpu / (sum(f["passages"] for f in floors) / sum(f["cpu_s"] for f in floors))
    return total_p / total_t, floor, cpu


def targets(results: dict) -> list[str]:
    last = results["steps"][-1]
    i, s = last["ingest"], last["serve"]
    rate, floor, cpu = ratios(results["steps"])
    total_p = sum(x["ingest"]["passages"] for x in results["steps"])
    add = s["add_inproc_searchable_s"]
    q = results.get("quality", {})
    small, large = (q.get("small") or {}).get("hit_at_5"), (q.get("large") or {}).get("hit_at_5")
    server = results.get("server")

    def mark(ok: bool | None) -> str:
        return "not measured" if ok is None else ("**met**" if ok else "**missed**")

    gap = None if small is None or large is None else (small - large) * 100
    index_p50 = s.get("index_p50_ms")
    return [
        "| target | measured | |",
        "|---|---|---|",
        f"| ingest end to end ≥ 70% of the embedder alone (all steps, {total_p} passages) "
        f"| wall: {rate:.1f} vs {floor:.1f} passages/s = {rate / floor:.0%}; CPU time: "
        f"{_f(cpu, '.0%')} (judged on wall time: the throughput a user waits for) "
        f"| {mark(rate / floor >= 0.7)} |",
        f"| add one article to the {last['size']}-article index ≤ 3 s, searchable at once "
        f"| {add:.2f} s to searchable (rank {s['add_inproc_rank']}) | "
        f"{mark(add <= 3 and s['add_inproc_rank'] is not None)} |",
        f"| retrieval p50 ≤ 50 ms at {last['size']} | {s['p50_ms']:.0f} ms with the question "
        f"encoded (p95 {s['p95_ms']:.0f}); {_f(index_p50)} ms for the index alone | "
        f"{mark(s['p50_ms'] <= 50)} |",
        f"| serving RSS ≤ 3 GB | peak {s['peak_rss_mb']:.0f} MB | {mark(s['peak_rss_mb'] <= 3072)} |",
        f"| hit@5 with {last['size']} distractors within 5 points of crud-news alone "
        f"| {_f(large, '.1%')} vs {_f(small, '.1%')} | {mark(None if gap is None else gap <= 5)} |",
        f"| server mode measured at {last['size']} | "
        + (
            f"p50 {server['p50_ms']:.0f} ms, add {server['add_inproc_searchable_s']:.2f} s"
            if server
            else "–"
        )
        + f" | {mark(None if not server else True)} |",
        "",
        f"The last step alone: {i['passages'] / i['elapsed_s']:.1f} passages/s against a floor of "
        f"{_f((i.get('floor_all') or i['floor']).get('passages_per_s'), '.1f')} (wall; the "
        f"sample floor {_f(i['floor'].get('passages_per_s'), '.1f')}).",
    ]


def chart(results: dict, png: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    steps = results["steps"]
    n = [s["size"] for s in steps]
    fig, ax = plt.subplots(2, 2, figsize=(11, 8))
    rate = [s["ingest"]["passages"] / s["ingest"]["elapsed_s"] for s in steps]
    floor = [
        (s["ingest"].get("floor_all") or s["ingest"]["floor"]).get("passages_per_s", 0)
        for s in steps
    ]
    ax[0][0].plot(n, rate, "o-", label="ingest, end to end")
    ax[0][0].plot(n, floor, "s--", label="embedder alone (floor)")
    ax[0][0].set(title="Ingest throughput", xlabel="articles in the index", ylabel="passages/s")
    ax[0][0].set_ylim(bottom=0)
    ax[0][0].legend()
    stages = ["embed_s", "write_s", "tokenize_s", "bm25_s", "clean_s", "dedupe_s", "commit_s"]
    bottom = [0.0] * len(steps)
    for st in stages:
        per_k = [
            s["ingest"]["timings"].get(st, 0) / max(1, s["ingest"]["articles"]) * 1000
            for s in steps
        ]
        ax[0][1].bar([str(x) for x in n], per_k, bottom=bottom, label=st[:-2])
        bottom = [b + v for b, v in zip(bottom, per_k)]
    ax[0][1].set(title="Ingest time per 1,000 new articles", xlabel="articles", ylabel="seconds")
    ax[0][1].legend(fontsize=8)
    ax[1][0].plot(n, [s["serve"]["peak_rss_mb"] for s in steps], "o-", label="serving peak RSS")
    ax[1][0].plot(n, [s["ingest"]["peak_rss_mb"] for s in steps], "s-", label="ingest peak RSS")
    ax[1][0].plot(
        n, [sum(s["disk"].values()) / MB for s in steps], "^-", label="disk (Chroma + BM25)"
    )
    ax[1][0].set(title="Memory and disk", xlabel="articles", ylabel="MB")
    ax[1][0].legend()
    ax[1][1].plot(n, [s["serve"]["p50_ms"] for s in steps], "o-", label="retrieval p50")
    ax[1][1].plot(n, [s["serve"]["p95_ms"] for s in steps], "s-", label="retrieval p95")
    index = [s["serve"].get("index_p50_ms") for s in steps]
    if all(x is not None for x in index):
        ax[1][1].plot(n, index, "d:", label="p50, index only (question vector cached)")
    ax[1][1].plot(
        n,
        [s["serve"]["add_inproc_searchable_s"] * 1000 for s in steps],
        "^-",
        label="add one → searchable",
    )
    ax[1][1].set(title="Serving", xlabel="articles", ylabel="ms")
    ax[1][1].legend()
    fig.tight_layout()
    fig.savefig(png, dpi=110)


def write_report(results: dict, md: Path, png: Path) -> None:
    chart(results, png)
    steps = results["steps"]
    serve_rows = [(f"{s['size']} (embedded)", s["serve"]) for s in steps]
    if results.get("server"):
        serve_rows.append((f"{steps[-1]['size']} (Chroma server)", results["server"]))
    q = results.get("quality", {})
    lines = [
        "# Scale: 1k → 10k articles",
        "",
        "`make scale` (`bench/scale.py`; raw numbers in `bench/results/scale.json`). Data: the",
        "CRUD-RAG benchmark (Lyu et al., arXiv 2401.17043; IAAR-Shanghai/CRUD_RAG, Apache-2.0):",
        "its 10,000-article archive grown into one index, and crud-news (505 articles, 60",
        f"questions). Machine: {results['machine']['cpus']} cores, shared (the load average at",
        "each step is in the table): compare rows of one run only.",
        "",
        "![cost against size](scale.png)",
        "",
        "## Acceptance targets",
        "",
        *targets(results),
        "",
        "## Ingest, one index grown step by step",
        "",
        "Each step ingests the archive's first N lines; the lines indexed before are skipped by",
        "their hash, so a step embeds only the new ones. *floor*: the embedder alone on every",
        "passage the step added, in the same batches and workers, all queued at once, one run;",
        "*sample floor*: on 1,024 passages of the same lines, best of three short runs (until",
        "2026-12-03 the floor: it caught the box's quiet moments, 323 to 391 passages/s",
        "across runs of the same day, where the ingest runs for minutes). Stages in",
        "seconds (*embed*: the encoder's own time; the other stages overlap with it); *ratio*",
        "in wall time, which other load on the box moves between runs.",
        "",
        *growth_table(steps),
        "",
        *INGEST_NOTES,
        "## Serving (a page's process)",
        "",
        "Load: open the store, read the passages, load BM25. p50/p95 over the 60 crud questions,",
        "each encoded fresh. *add (upload)*: `rag.index_paths` in the serving process, as the",
        "page's upload does; *add (rag ingest)*: another process (includes its start, ~imports),",
        "then this process's next search. *searchable*: until `rag.retrieve` returns it.",
        "",
        *serve_table(serve_rows),
        "",
    ]
    if q:
        lines += [
            "## Quality at scale (retrieval only)",
            "",
            "hit@5: an answerable crud question whose source file is among the 5 passages",
            "`rag.retrieve` returns.",
            "",
            "| index | passages | hit@5 | hit@5 by file name | answer@5 | answerable questions "
            "| p50 ms |",
            "|---|---|---|---|---|---|---|",
            *(
                f"| {label} | {x['passages']} | {x['hit_at_5']:.1%} "
                f"| {_f(x.get('hit_at_5_by_name'), '.1%')} | {_f(x.get('answer_at_5'), '.1%')} "
                f"| {x['answerable']} | {x['p50_ms']:.0f} |"
                for label, x in (
                    ("crud-news alone", q["small"]),
                    (f"crud-news + {steps[-1]['size']} archive articles", q["large"]),
                )
            ),
            "",
            "*by file name*: only a passage cited under the source's own file name counts. A",
            "crud-news article that is a near-duplicate of an archive article indexed before it",
            f"is reported and skipped ({q['large_ingest'].get('duplicates', '?')} of the 505 here):",
            "its text is then retrieved under the archive line's name, which *hit@5* counts.",
            "*answer@5*: the answer span is in one of the 5 passages, whatever article they come",
            "from (the archive reports some of the same events). Questions missed (hit@5): "
            + "; ".join(
                f"{label}: {', '.join(x.get('misses') or []) or 'none'}"
                for label, x in (("alone", q["small"]), ("with the archive", q["large"]))
            )
            + ".",
            "",
        ]
    lines += outlook(results)
    md.write_text("\n".join(lines) + "\n", encoding="utf-8")
