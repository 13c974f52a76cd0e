"""Evidence recall without the model: which dev questions get their answer span in the snippets
the model would be shown (``Answerer.choose_evidence``), per set.

    python bench/evidence.py [--set all] [--show]

The same retrieval, question analysis and snippet choice as ``rag eval`` (the answer's
re-reads aside), in seconds instead of minutes: a change to snippet choice is judged here on
both sets first, then by ``rag eval``. Reads each set's data dir as ``rag eval`` left it.
"""

from __future__ import annotations

import argparse
import math

from rag import runtime
from rag.answer.pipeline import Answerer
from rag.config import get_settings
from rag.eval import metrics as M
from rag.eval.claims import is_latin
from rag.eval.sets import load_items, resolve_sets, set_settings
from rag.index.retrieve import normalize_query


def shown_snippets(answerer: Answerer, question: str):
    """The evidence the model reads first for ``question`` (a first turn, in Chinese)."""
    return answerer.find_evidence(normalize_query(question), "zh")[2]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--set", default="all")
    ap.add_argument("--show", action="store_true", help="print the questions whose span is missed")
    args = ap.parse_args()
    settings = get_settings()
    for evalset in resolve_sets(args.set):
        ss = set_settings(settings, evalset)
        answerer = Answerer(ss, runtime.get_retriever(ss), model=None)
        scores, firsts, snippets, missed = [], [], 0, []
        for item in load_items(evalset.questions):
            if not item["answerable"] or item["history"] or is_latin(item["question"]):
                continue
            evidence = shown_snippets(answerer, item["question"])
            shown = [(e.passage.source, e.quote) for e in evidence]
            score = M.evidence_recall(item["must_include"], shown, item["sources"])
            if math.isnan(score):
                continue
            scores.append(score)
            firsts.append(M.evidence_recall(item["must_include"], shown[:1], item["sources"]))
            snippets += len(evidence)
            if score < 1:
                missed.append(item["id"])
        n = len(scores)
        print(
            f"{evalset.name}: evidence recall {sum(scores) / n:.3f} (in [1]: {sum(firsts) / n:.3f}) "
            f"over {n} first-turn Chinese questions, {snippets / n:.2f} snippets each; "
            f"missed {len(missed)}"
        )
        if args.show:
            print("  " + " ".join(missed))


if __name__ == "__main__":
    main()
