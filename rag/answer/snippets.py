"""Choose and format the evidence the model reads: few, short, numbered snippets.

A 1.5B model reads one short clean passage reliably and juggles many long ones badly, and
here every prompt token costs ~12 ms before the first word. So from the retrieved passages we
keep the best ``k`` (at most two per article, so disagreeing sources both get a voice) and from
each only the sentences around the one that best matches the question.
"""

from __future__ import annotations

from rag.answer.evidence import Evidence, best_anchored, term_coverage
from rag.answer.likelihood import answer_likelihood, answer_sentences
from rag.answer.question import QuestionAnalysis, analyse_question  # noqa: F401 (doctests)
from rag.answer.respectively import expand_respectively
from rag.ingest.chunk import split_sentences
from rag.records import Passage


def best_window(q: QuestionAnalysis, text: str, limit: int, scorer=None, lead: str = "") -> str:
    """The run of sentences (at most ``limit`` chars) around the best-matching sentence.

    Windows are ranked by their best sentence, then by whether they hold a figure stated
    for the asked period (when a figure is asked for: "期内,上海站为980万人次" after a sentence
    naming 第四季度 beats the full-year sentence), then by all key terms they cover.
    ``scorer(sentences) -> scores`` replaces key-term overlap (e.g. embedding similarity for
    an English question over Chinese text, where no key term can match).

    >>> best_window(analyse_question("深圳降雨"), "杭州说了很多话。深圳降雨1930毫米。其他。", 12)
    '深圳降雨1930毫米。'
    >>> best_window(analyse_question("2024年第四季度北京站的客流量是多少?"),
    ...     "2024年,北京站的客流量为3000万人次。第四季度北京站客流增加。期内北京站为800万人次。", 30)
    '第四季度北京站客流增加。期内北京站为800万人次。'
    """
    if len(text) <= limit:
        return text
    spans = split_sentences(text)
    if not spans:
        return text[:limit]
    sentences = [text[s:e] for s, e in spans]
    terms = q.terms
    if scorer is not None:
        scores = [float(x) for x in scorer(sentences)]
    else:
        # key terms, and the terms beside the question word a second time
        counted = (*terms, *q.anchors)
        scores = [float(sum(1 for t in counted if t in x.lower())) for x in sentences]
    answers = answer_sentences(q, sentences, lead)

    def rank(window: tuple[int, int]) -> tuple:
        lo, hi = window
        covered = {t for t in terms if any(t in x.lower() for x in sentences[lo : hi + 1])}
        return (
            max(scores[lo : hi + 1]),
            any(answers[lo : hi + 1]),
            len(covered) + sum(scores[lo : hi + 1]) * (scorer is not None),
            hi - lo,
            -lo,
        )

    windows = [
        (lo, hi)
        for lo in range(len(spans))
        for hi in range(lo, len(spans))
        if spans[hi][1] - spans[lo][0] <= limit
    ]
    if not windows:  # one sentence longer than the limit
        best = max(range(len(spans)), key=lambda i: (scores[i], -i))
        return sentences[best][:limit] + "…"
    lo, hi = max(windows, key=rank)
    return text[spans[lo][0] : spans[hi][1]]


def select_evidence(
    q: QuestionAnalysis,
    passages: list[Passage],
    k: int,
    limit: int,
    scorer=None,
    later_limit: int | None = None,
) -> list[Evidence]:
    """Best ``k`` passages (overlapping chunks skipped), each cut to a window, most likely
    answer first: a small model leans on [1], so the snippet whose sentence holds the asked
    entity and a figure goes there (retrieval order breaks ties).

    A window never repeats a sentence an earlier snippet shows: neighbouring chunks share a
    sentence, and both windows often centre on it (every repeated sentence is ~1 s of prefill).
    Snippets after [1] are cut again to ``later_limit`` characters: they are the fallback or
    hold one more part of the question, rarely more than a sentence or two of it.
    """
    chosen: list[Evidence] = []
    shown: set[str] = set()
    for p in anchored_first(q, passages):
        if any(_mostly_overlapping(p, e.passage) for e in chosen):
            continue  # the same text again (neighbouring chunks share only one sentence)
        quote = drop_shown_sentences(best_window(q, p.text, limit, scorer, p.lead), shown)
        if not quote:
            continue  # all of it is already in an earlier snippet
        shown.update(_sentence_texts(quote))
        chosen.append(Evidence(0, p, quote))
        if len(chosen) == k:
            break
    if scorer is None:
        chosen.sort(key=lambda e: -answer_rank(q, e))
    if later_limit is not None:
        chosen[1:] = [
            Evidence(0, e.passage, best_window(q, e.quote, later_limit, scorer, e.lead))
            for e in chosen[1:]
        ]
    return [Evidence(i + 1, e.passage, e.quote) for i, e in enumerate(chosen)]


def answer_rank(q: QuestionAnalysis, e: Evidence) -> float:
    """How likely snippet ``e`` answers: ``answer_likelihood``, plus the share of the terms
    beside the question word that its best sentence holds (the answer is stated with them).

    >>> q = analyse_question("该市应坚持什么原则?")
    >>> def snippet(text): return Evidence(1, Passage("a", "s.txt", "", text), text)
    >>> answer_rank(q, snippet("该市坚持平等原则。")) > answer_rank(q, snippet("该市发展很快。"))
    True
    """
    return answer_likelihood(q, e.quote, e.lead) + best_anchored(q, e.quote)


def anchored_first(q: QuestionAnalysis, passages: list[Passage], top: int = 5) -> list[Passage]:
    """The passages, each article's among the ``top`` reordered by how well one of their
    sentences holds the terms beside the question word, plus the share of the question's names
    they hold; articles keep their places. Retrieval finds the article, but often by a chunk
    that names the subject, not the one that answers (and a chunk of the right words that
    lacks the name asked about is no better than one that has it).

    >>> q = analyse_question("该市应坚持什么原则?")
    >>> ps = [Passage(f"a{i}", "a.txt", "", t, article_id="a") for i, t in enumerate(
    ...     ["该市发展很快。", "该市坚持平等原则。"])] + [Passage("b", "b.txt", "", "他市。", article_id="b")]
    >>> [p.id for p in anchored_first(q, [ps[0], ps[2], ps[1]])]
    ['a1', 'b', 'a0']
    """
    head = passages[:top]
    names = [e.lower() for e in q.entities]
    score = {
        p.id: best_anchored(q, p.text) + (term_coverage(names, p.text) if names else 0.0)
        for p in head
    }
    slots: dict[str, list[Passage]] = {}
    for p in head:
        slots.setdefault(p.article_id, []).append(p)
    queues = {a: sorted(ps, key=lambda p: -score[p.id]) for a, ps in slots.items()}
    return [queues[p.article_id].pop(0) for p in head] + passages[top:]


def _sentence_texts(text: str) -> list[str]:
    return [text[s:e] for s, e in split_sentences(text)]


def drop_shown_sentences(quote: str, shown: set[str]) -> str:
    """The quote without the sentences at its start or end that were already shown.

    >>> drop_shown_sentences("甲说了。乙说了。丙说了。", {"甲说了。"})
    '乙说了。丙说了。'
    >>> drop_shown_sentences("甲说了。", {"甲说了。"})
    ''
    """
    spans = split_sentences(quote)
    while spans and quote[spans[0][0] : spans[0][1]] in shown:
        spans.pop(0)
    while spans and quote[spans[-1][0] : spans[-1][1]] in shown:
        spans.pop()
    return quote[spans[0][0] : spans[-1][1]] if spans else ""


def _mostly_overlapping(a: Passage, b: Passage) -> bool:
    if a.article_id != b.article_id:
        return False
    shared = min(a.end, b.end) - max(a.start, b.start)
    return shared > 0.5 * max(1, min(a.end - a.start, b.end - b.start))


def format_evidence(evidence: list[Evidence]) -> str:
    """Numbered snippets, the first from each article with a short title ("分别" lists spelled
    out), the form the prompts show.

    >>> from rag.records import Passage
    >>> format_evidence([Evidence(1, Passage("a", "s.txt", "标题", "正文"), "正文")])
    '[1]《标题》正文'
    """
    lines = []
    titled: set[str] = set()
    for e in evidence:
        # a title says which story a snippet is from; said once per article (~10 tokens each)
        title = "" if e.passage.article_id in titled else e.passage.title[:16]
        titled.add(e.passage.article_id)
        quote = expand_respectively(e.quote)
        lines.append(f"[{e.n}]《{title}》{quote}" if title else f"[{e.n}] {quote}")
    return "\n".join(lines)
