"""Command line: ``rag ingest``, ``rag ask``, ``rag serve``, ``rag eval``.

Settings come from ``RAG_*`` variables; ``-c name=value`` (``--config``) overrides any of them.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from rag.config import Settings, get_settings
from rag.logs import setup_logging


def _apply_overrides(pairs: list[str]) -> None:
    # CLI overrides become RAG_* variables so every module (and subprocess) sees one config
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep:
            raise SystemExit(f"--config expects name=value, got {pair!r}")
        Settings.from_env(**{name.strip(): value})  # validates name and type now
        os.environ[f"RAG_{name.strip().upper()}"] = value


def cmd_ingest(args: argparse.Namespace) -> int:
    from rag.index.store import wipe_index
    from rag.runtime import ingest

    settings = get_settings()
    if not args.paths and settings.seeds is None:
        print("error: nothing to ingest: give files or folders (RAG_SEEDS is off)", file=sys.stderr)
        return 2
    if args.rebuild:
        wipe_index(settings)
    paths = [Path(p) for p in (args.paths or [settings.seeds])]
    # exactly what it is given: the demo articles a first use indexed are removed first
    report = ingest(paths, settings, progress=not args.quiet)
    for notice in report.notices:
        print(notice)
    if report.repaired:
        print(f"removed {report.repaired} passages of a half-written article (interrupted ingest)")
    for path, state in report.recovered.items():  # found when the store opened
        done = "its articles removed" if state == "removed" else "indexed again, whole"
        print(f"interrupted ingest of {Path(path).name}: {done}")
    if args.report:
        print_report(report)
    print(report.summary())
    return 1 if any(f.status == "error" for f in report.files) and not args.report else 0


def print_report(report) -> None:
    for f in report.files:
        name = Path(f.path).name
        head = f"{name}: {f.status}"
        if f.message:
            head += f" — {f.message}"
        if f.status != "error":
            head += (
                f" · {f.articles} article(s) · {f.added} passages embedded · {f.unchanged} unchanged"
                f" · {f.removed} removed · encoding {f.encoding}"
            )
        print(head)
        merged: dict[str, list] = {}
        for r in f.repairs:
            merged.setdefault(r.kind, []).append(r)
        for kind, items in merged.items():
            total = sum(r.count for r in items)
            sample = ", ".join(
                f"{r.before}→{r.after}" if r.after else r.before for r in items[:6] if r.before
            )
            print(
                f"    {kind}: {total}"
                + (f" ({sample}{' …' if len(items) > 6 else ''})" if sample else "")
            )
        for d in f.duplicates:
            print(f"    duplicate skipped: {d}")


def cmd_ask(args: argparse.Namespace) -> int:
    from rag.answer.question import QuestionError
    from rag.models.modelfile import ModelError
    from rag.runtime import get_answerer

    question = " ".join(args.question)
    try:
        answerer = get_answerer()
        final = None
        for item in answerer.stream(question):
            if isinstance(item, str):
                if args.stream:
                    print(item, end="", flush=True)
            else:
                final = item
    except (QuestionError, ModelError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.stream:
        print("\n---")
    if args.json:
        print(json.dumps(final.to_dict(), ensure_ascii=False, indent=2))
        return 0
    print(final.text)
    if final.citations:
        print("\n来源 / Sources:")
        for c in final.citations:
            print(f"[{c.n}] {c.source} · {c.title}")
            print(f"    {c.quote}")
    elif final.abstained and final.passages:
        print("\n最接近的段落 / Closest passages:")
        for p in final.passages[:3]:
            print(f"- {p.source} · {p.title}: {p.text[:60]}…")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from rag.ui.exposure import check_exposure

    settings = get_settings()
    if not args.no_auth:  # refused before Gradio is imported and the page built: at once
        check_exposure(settings, args.host or settings.host)
    from rag.ui.app import launch

    launch(settings, host=args.host, port=args.port, no_auth=args.no_auth)
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from tqdm.contrib.logging import logging_redirect_tqdm

    from rag.eval.run import main as eval_main

    with logging_redirect_tqdm():  # per-answer log lines above the progress bar, not through it
        return eval_main(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rag", description="Cited answers over Chinese news")
    parser.add_argument(
        "-c",
        "--config",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override a setting, e.g. -c top_k=3 (same names as RAG_* variables)",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", help="add or update articles from files or folders")
    p.add_argument("paths", nargs="*", help="files or folders (default: the demo, seeds/)")
    p.add_argument(
        "--report", action="store_true", help="print what was found and repaired per file"
    )
    p.add_argument("--rebuild", action="store_true", help="delete the index and rebuild it")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("ask", help="answer a question with citations")
    p.add_argument("question", nargs="+")
    p.add_argument("--json", action="store_true", help="print the Answer as JSON")
    p.add_argument("--stream", action="store_true", help="print tokens as they are generated")
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("serve", help="start the chat page")
    p.add_argument(
        "--host",
        default=None,
        help="bind address (default 127.0.0.1); any other needs RAG_AUTH=user:password or --no-auth",
    )
    p.add_argument("--port", type=int, default=None)
    p.add_argument(
        "--no-auth",
        action="store_true",
        help="serve a non-loopback address without a login anyway (prints a warning)",
    )
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("eval", help="run eval sets, each over its own corpus, and write reports")
    p.add_argument(
        "--set",
        dest="set_path",
        default="all",
        help="seeds (eval/dev.jsonl over seeds/), crud (eval/crud/), all (both, side by side; "
        "the default) or a question file (.jsonl)",
    )
    p.add_argument(
        "--corpus",
        default=None,
        help="with a question file: the set name or folder it is asked over (default: seeds)",
    )
    p.add_argument("--limit", type=int, default=None, help="only the first N items of each set")
    p.add_argument("--retrieval-only", action="store_true")
    p.add_argument("--out", default="eval/reports")
    p.add_argument(
        "--baseline", action="store_true", help="also run the tutorial baseline pipeline"
    )
    p.add_argument(
        "--baseline-n",
        type=int,
        default=0,
        help="baseline on a stratified subset of N items (0 = all)",
    )
    p.add_argument(
        "--no-judge", action="store_true", help="skip the LLM judge (citation/faithfulness)"
    )
    p.add_argument(
        "--compare", nargs=2, metavar=("A.json", "B.json"), help="print metric differences"
    )
    p.set_defaults(func=cmd_eval)
    return parser


def main(argv: list[str] | None = None) -> int:
    from rag.index.store import StoreError
    from rag.ingest.read import IngestError
    from rag.models.modelfile import ModelError

    args = build_parser().parse_args(argv)
    try:
        _apply_overrides(args.config)
        setup_logging(get_settings())
        return args.func(args)
    except (StoreError, ModelError, IngestError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
