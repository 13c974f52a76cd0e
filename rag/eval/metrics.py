"""Evaluation metrics, each a small pure function with its formula.

LLM-judged metrics (citation recall/precision, faithfulness) take a ``judge(claim, premise)
-> bool`` callable, so they are tested with a fake judge and run with the local model.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence

from rag.eval.claims import claims, numbers_in, strip_markers, ungrounded, value_in
from rag.eval.reference import reference_forms
from rag.ingest.clean import normalize_unicode, to_simplified

Judge = Callable[[str, str], bool]

K = 5  # recall@K

# per-item metrics aggregated by ``rag.eval.run`` and shown by ``rag.eval.report``
METRICS = (
    f"recall@{K}",
    "mrr",
    "evidence_recall",
    "correct",
    "exact",
    "citation_hit",
    "citation_recall",
    "citation_precision",
    "faithfulness",
    "ungrounded_numbers",
    "abstention_acc",
    "over_refusal",
)


def normalize_for_match(text: str) -> str:
    """Lower-case, simplified, half-width, no spaces or thousands separators.

    >>> normalize_for_match("1,280 萬人次 ＧＤＰ")
    '1280万人次gdp'
    """
    text = to_simplified(normalize_unicode(text)).lower()
    text = re.sub(r"(?<=\d),(?=\d{3})", "", text)
    return re.sub(r"\s+", "", text)


def fact_present(fact: str, answer: str, scaled: bool = False, exact: bool = False) -> bool:
    """Is a required fact in the answer, in one of its forms (``reference_forms``; ``exact``:
    only as written)? Numbers may be rescaled for English answers.

    >>> fact_present("320万人次", "北京站为 320 万人次[1]")
    True
    >>> fact_present("320", "about 3.2 million passengers", scaled=True)
    True
    >>> fact_present("王一鸣教授", "王一鸣[1]"), fact_present("王一鸣教授", "王一鸣[1]", exact=True)
    (True, False)
    """
    body = strip_markers(answer)
    norm = normalize_for_match(body)
    forms = [[fact]] if exact else reference_forms(fact)  # each: the pieces to find, all
    if any(all(normalize_for_match(p) in norm for p in form) for form in forms):
        return True
    if scaled:
        nums = numbers_in(fact)
        words = re.sub(r"[\d.,%]+", "", fact).strip()
        return (
            bool(nums)
            and all(value_in(n, body, scaled=True) for n in nums)
            and (
                not words
                or normalize_for_match(words) in norm
                or not re.search(r"[\u4e00-\u9fff]", words)
            )
        )
    return False


def answer_correct(
    must_include: Sequence[str], answer: str, scaled: bool = False, exact: bool = False
) -> float:
    """Share of required facts present: correct = |facts found| / |facts| (1.0 when none required).

    >>> answer_correct(["1200毫米", "1250毫米"], "一篇说1200毫米[1],另一篇说1250毫米[2]")
    1.0
    """
    if not must_include:
        return 1.0
    found = sum(fact_present(f, answer, scaled, exact) for f in must_include)
    return found / len(must_include)


def recall_at_k(passages: Sequence[str], evidence: Sequence[str], k: int) -> float:
    """Share of gold evidence strings contained in one of the top-k passages.

    recall@k = |{e ∈ evidence : ∃ p ∈ top_k, e ⊆ p}| / |evidence|

    >>> recall_at_k(["杭州1580毫米", "深圳1930毫米"], ["1930毫米"], 1), recall_at_k(["杭州1580毫米", "深圳1930毫米"], ["1930毫米"], 2)
    (0.0, 1.0)
    """
    if not evidence:
        return math.nan
    top = [normalize_for_match(p) for p in passages[:k]]
    return sum(any(_evidence_in(e, p) for p in top) for e in evidence) / len(evidence)


def _evidence_in(evidence: str, passage_norm: str) -> bool:
    e = normalize_for_match(evidence)
    # a gold snippet may straddle two overlapping passages: accept its longer half
    return e in passage_norm or (
        len(e) >= 16 and (e[: len(e) * 2 // 3] in passage_norm or e[len(e) // 3 :] in passage_norm)
    )


def reciprocal_rank(passages: Sequence[str], evidence: Sequence[str]) -> float:
    """1 / rank of the first passage containing any gold evidence (0 if none).

    >>> reciprocal_rank(["无关", "深圳1930毫米"], ["1930毫米"])
    0.5
    """
    if not evidence:
        return math.nan
    for i, p in enumerate(passages, 1):
        norm = normalize_for_match(p)
        if any(_evidence_in(e, norm) for e in evidence):
            return 1.0 / i
    return 0.0


def evidence_recall(
    facts: Sequence[str], shown: Sequence[tuple[str, str]], sources: Sequence[str] = ()
) -> float:
    """Share of gold answer spans inside a snippet the model was shown, not merely retrieved.

    ``shown`` holds (source file, snippet text) pairs; a snippet counts only when it comes from
    a gold source (any source when the item names none):
    evidence recall = |{f ∈ facts : ∃ (src, s) ∈ shown, f ⊆ s ∧ (sources = ∅ ∨ src ∈ sources)}|
    / |facts|  — NaN without facts, 0 when nothing was shown.

    >>> shown = [("a.txt", "北区新建学校3所"), ("b.txt", "南区新建学校5所")]
    >>> evidence_recall(["3所"], shown, ["a.txt"]), evidence_recall(["5所"], shown, ["a.txt"])
    (1.0, 0.0)
    >>> evidence_recall(["3所", "共8所"], shown), evidence_recall(["3所"], [])
    (0.5, 0.0)
    """
    if not facts:
        return math.nan
    texts = [normalize_for_match(s) for src, s in shown if not sources or src in sources]
    return sum(any(normalize_for_match(f) in t for t in texts) for f in facts) / len(facts)


def citation_hit(cited_sources: Sequence[str], gold_sources: Sequence[str]) -> float:
    """1 if any cited passage comes from a gold source file.

    >>> citation_hit(["000_a.txt"], ["000_a.txt", "001_b.txt"]), citation_hit([], ["000_a.txt"])
    (1.0, 0.0)
    """
    return float(any(s in gold_sources for s in cited_sources))


def statements(answer: str) -> list[str]:
    """Answer split into checkable statements (sentences, markers removed, abstain text dropped).

    >>> statements("北京站发送旅客320万人次[1]。上海站发送旅客410.5万人次[2]。")
    ['北京站发送旅客320万人次。', '上海站发送旅客410.5万人次。']
    """
    return [c.text for c in claims(answer)]


def citation_recall(answer: str, cited: dict[int, str], judge: Judge) -> float:
    """ALCE citation recall: share of sentences entailed by the passages they cite.

    recall = |{s : markers(s) ≠ ∅ ∧ judge(s, ⋃ cited(s))}| / |sentences|

    >>> yes = lambda claim, premise: claim.rstrip("。") in premise
    >>> citation_recall("甲[1]。乙[2]。丙。", {1: "甲", 2: "丁"}, yes)
    0.3333333333333333
    """
    sents = claims(answer)
    if not sents:
        return math.nan
    ok = 0
    for s in sents:
        marks = [m for m in s.cites if m in cited]
        if marks and judge(s.text, "\n".join(cited[m] for m in marks)):
            ok += 1
    return ok / len(sents)


def citation_precision(answer: str, cited: dict[int, str], judge: Judge) -> float:
    """ALCE citation precision: share of citations that are needed.

    A citation c of sentence s is precise when s is entailed by all its citations and either c
    alone entails s, or s is no longer entailed without c.
    precision = |precise citations| / |citations|

    >>> yes = lambda claim, premise: claim.rstrip("。") in premise
    >>> citation_precision("甲[1][2]。", {1: "甲", 2: "丁"}, yes)
    0.5
    """
    total = precise = 0
    for s in claims(answer):
        claim = s.text
        marks = [m for m in s.cites if m in cited]
        if not marks:
            continue
        total += len(marks)
        if not judge(claim, "\n".join(cited[m] for m in marks)):
            continue
        if len(marks) == 1:
            precise += 1
            continue
        for m in marks:
            rest = [x for x in marks if x != m]
            if judge(claim, cited[m]) or not judge(claim, "\n".join(cited[x] for x in rest)):
                precise += 1
    return precise / total if total else math.nan


def faithfulness(answer: str, context: str, judge: Judge) -> float:
    """RAGAS faithfulness: supported statements / statements (NaN without statements).

    >>> yes = lambda claim, premise: claim.rstrip("。") in premise
    >>> faithfulness("甲[1]。乙[2]。", "甲和丙", yes)
    0.5
    """
    stmts = statements(answer)
    if not stmts:
        return math.nan
    return sum(judge(s, context) for s in stmts) / len(stmts)


def ungrounded_numbers(
    answer: str, cited: dict[int, str], question: str = "", scaled: bool = False
) -> int:
    """Deterministic check: numbers in the answer absent from the passages cited for them.

    Counted by the eval's own checker (``rag.eval.claims``), not by the guard it grades.

    >>> ungrounded_numbers("上半年降雨215毫米[1]。下半年降雨190毫米[1]。", {1: "上半年降雨215毫米"})
    1
    """
    return len(ungrounded(answer, cited, question, scaled))


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of the finite values.

    >>> percentile([1, 2, 3, 4, 10], 50), percentile([1, 2, 3, 4, 10], 95)
    (3, 10)
    """
    vals = sorted(v for v in values if v is not None and not math.isnan(v))
    if not vals:
        return math.nan
    rank = max(1, math.ceil(q / 100 * len(vals)))
    return vals[rank - 1]


def mean(values: Sequence[float]) -> float:
    vals = [v for v in values if v is not None and not math.isnan(v)]
    return sum(vals) / len(vals) if vals else math.nan
