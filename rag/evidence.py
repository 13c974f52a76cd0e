"""Choose and format the evidence the model reads: few, short, numbered snippets.

A 1.5B model reads one short clean passage reliably and juggles many long ones badly, and
here every prompt token costs ~12 ms before the first word. So from the retrieved passages we
keep the best ``k`` (at most two per article, so disagreeing sources both get a voice) and from
each only the sentences around the one that best matches the question.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag.clean import normalize_unicode
from rag.ingest import split_sentences
from rag.questions import key_terms, question_entities
from rag.records import Passage


@dataclass
class Evidence:
    """Snippet ``quote`` of ``passage``, shown to the model as ``[n]``."""

    n: int
    passage: Passage
    quote: str

    @property
    def lead(self) -> str:
        """The article text just before the quote (its context, e.g. the quarter "期内" means)."""
        at = self.passage.text.find(self.quote.rstrip("…"))
        return (self.passage.lead + self.passage.text[: max(0, at)])[-200:]


SENTENCE_PARTS = re.compile(r"[^。！？!?；;\n]+")  # sentences and their ";" parts


def with_context(
    sentences: list[str], lead: str = "", split: re.Pattern = SENTENCE_PARTS
) -> list[str]:
    """Each sentence after the two before it, the first ones reaching into ``lead`` (the text
    before them, cut by ``split``): where "期内" gets its quarter from.

    >>> with_context(["期内腾讯为365亿元", "同比增长"], "尤其是2024年第四季度。阿里加大投入。")
    ['尤其是2024年第四季度 阿里加大投入 期内腾讯为365亿元', '阿里加大投入 期内腾讯为365亿元 同比增长']
    """
    before = split.findall(normalize_unicode(lead))[-2:]
    return [" ".join((before + sentences[:i])[-2:] + [s]) for i, s in enumerate(sentences)]


def coverage(question: str, text: str) -> float:
    """Share of the question's key terms that ``text`` contains (1.0 when it has none).

    >>> coverage("2024年亚马逊的资本支出", "2024年亚马逊的资本支出达777亿美元")
    1.0
    """
    terms = key_terms(question)
    if not terms:
        return 1.0
    low = text.lower()
    return sum(1 for t in terms if t in low) / len(terms)


def best_window(question: str, text: str, limit: int, scorer=None, lead: str = "") -> str:
    """The run of sentences (at most ``limit`` chars) around the best-matching sentence.

    Windows are ranked by their best sentence, then by whether they hold a figure stated
    for the asked period (when a figure is asked for: "期内,阿里为317.75亿元" after a sentence
    naming 第四季度 beats the full-year sentence), then by all key terms they cover.
    ``scorer(sentences) -> scores`` replaces key-term overlap (e.g. embedding similarity for
    an English question over Chinese text, where no key term can match).

    >>> best_window("腾讯营收", "阿里说了很多话。腾讯营收6602亿元。其他。", 12)
    '腾讯营收6602亿元。'
    >>> best_window("2024年第四季度阿里的资本开支是多少?",
    ...     "2024年,阿里的资本开支为725亿元。第四季度阿里投资加大。期内阿里为317亿元。", 30)
    '第四季度阿里投资加大。期内阿里为317亿元。'
    """
    if len(text) <= limit:
        return text
    spans = split_sentences(text)
    if not spans:
        return text[:limit]
    sentences = [text[s:e] for s, e in spans]
    terms = key_terms(question)
    if scorer is not None:
        scores = [float(x) for x in scorer(sentences)]
    else:
        scores = [float(sum(1 for t in terms if t in x.lower())) for x in sentences]
    answers = _answer_sentences(question, sentences, lead)

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


def _answer_sentences(question: str, sentences: list[str], lead: str = "") -> list[bool]:
    """Which sentences state a new figure for the asked year or period (all False when the
    question asks for no figure); a sentence's context includes the two before it ("…第四
    季度…。期内,阿里为…;腾讯为…"), ``lead`` being the text before the first one."""
    from rag.guard import asked_period, extract_numbers, fits_period

    if not _WANTS_NUMBER.search(question):
        return [False] * len(sentences)
    asked = set(extract_numbers(question))
    years, periods = asked_period(question)
    out = []
    for sentence, context in zip(sentences, with_context(sentences, lead)):
        stated = set(re.findall(r"(\d{4})年", sentence))
        new = any(n not in asked and n not in stated for n in extract_numbers(sentence))
        out.append(new and fits_period(context, years, periods))
    return out


def select_evidence(
    question: str,
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
    for p in passages:
        if any(_mostly_overlapping(p, e.passage) for e in chosen):
            continue  # the same text again (neighbouring chunks share only one sentence)
        quote = drop_shown_sentences(best_window(question, p.text, limit, scorer, p.lead), shown)
        if not quote:
            continue  # all of it is already in an earlier snippet
        shown.update(_sentence_texts(quote))
        chosen.append(Evidence(0, p, quote))
        if len(chosen) == k:
            break
    if scorer is None:
        chosen.sort(key=lambda e: -answer_likelihood(question, e.quote, e.lead))
    if later_limit is not None:
        chosen[1:] = [
            Evidence(0, e.passage, best_window(question, e.quote, later_limit, scorer, e.lead))
            for e in chosen[1:]
        ]
    return [Evidence(i + 1, e.passage, e.quote) for i, e in enumerate(chosen)]


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


_WANTS_NUMBER = re.compile(
    r"多少|几|多大|多高|多长|how (?:much|many)|what (?:share|percentage)", re.I
)


def answer_likelihood(question: str, quote: str, lead: str = "") -> float:
    """Best sentence's key-term coverage, +1 if it names the question's entity, +0.5 if it
    has a new figure and a figure is asked for.

    >>> q = "腾讯2024年的资本开支是多少?"
    >>> answer_likelihood(q, "阿里的资本开支将超过1200亿元。") < answer_likelihood(q, "2024年,阿里和腾讯的资本开支分别为725.13亿元、767.6亿元。")
    True
    """

    entities = question_entities(question)
    sentences = SENTENCE_PARTS.findall(expand_respectively(quote))
    answers = _answer_sentences(question, sentences, lead)
    best = 0.0
    for sentence, answers_it in zip(sentences, answers):
        named = any(e.lower() in sentence.lower() for e in entities)
        best = max(best, coverage(question, sentence) + 0.5 * answers_it + 1.0 * named)
    return best


def answers_alone(question: str, e: Evidence) -> bool:
    """Whether one snippet is enough: a sentence of it names the question's entity, covers
    most of its key terms and, when a figure is asked for, states one for the asked period
    (``answer_likelihood`` ≥ 2). On the dev set the second snippet never held the answer
    when the first one passed this.

    >>> q = "腾讯2024年的资本开支是多少?"
    >>> def snippet(text): return Evidence(1, Passage("a", "s.txt", "", text), text)
    >>> answers_alone(q, snippet("2024年,腾讯的资本开支为767.6亿元。"))
    True
    >>> answers_alone(q, snippet("阿里的资本开支将超过1200亿元。"))
    False
    """
    return answer_likelihood(question, e.quote, e.lead) >= 2.0


def covering_prefix(question: str, evidence: list[Evidence]) -> list[Evidence]:
    """The fewest leading snippets that together hold every key term of a question of several
    parts and name each asked entity in a sentence that answers it (states a figure for the
    asked period, when a figure is asked for); all of them when no prefix does.

    >>> q = "2024年阿里和腾讯的资本开支分别是多少?"
    >>> def snippet(text): return Evidence(1, Passage("a", "s.txt", "", text), text)
    >>> both = snippet("2024年,阿里和腾讯的资本开支分别为725.13亿元、767.6亿元。")
    >>> len(covering_prefix(q, [both, snippet("阿里加大投入。"), snippet("腾讯也是。")]))
    1
    >>> len(covering_prefix(q, [snippet("2024年阿里的资本开支为725.13亿元。"), both]))
    2
    """
    entities = question_entities(question)
    terms = key_terms(question)
    wants_figure = bool(_WANTS_NUMBER.search(question))
    answered: set[str] = set()
    text = ""
    for j, e in enumerate(evidence[:-1], start=1):
        quote = expand_respectively(e.quote)
        text += quote.lower()
        sentences = SENTENCE_PARTS.findall(quote)
        for sentence, answers_it in zip(sentences, _answer_sentences(question, sentences, e.lead)):
            if answers_it or not wants_figure:
                answered.update(n for n in entities if n.lower() in sentence.lower())
        if entities and answered >= set(entities) and all(t in text for t in terms):
            return evidence[:j]
    return evidence


def missing_specifics(question: str, text: str) -> list[str]:
    """The question's names and years that ``text`` does not contain.

    Key-term coverage can be high for a passage about a neighbour ("百度2024年资本开支" vs a
    passage on 阿里's 2024 capex: 5 of 6 terms); the name and the year are what must match.

    >>> missing_specifics("百度2024年全年的资本开支是多少?", "2024年,阿里的资本开支为725.13亿元。")
    ['百度']
    >>> missing_specifics("阿里巴巴2023年的资本开支是多少?", "阿里巴巴2024年资本开支725.13亿元")
    ['2023']
    >>> missing_specifics("谷歌2024年的资本支出是多少?2025年呢?", "2025年谷歌将投入750亿美元")
    []
    """
    low = text.lower()
    entities = [e for e in question_entities(question) if re.search(r"[\u4e00-\u9fff]", e)]
    years = re.findall(r"(?<!\d)((?:19|20)\d{2})年", question)
    missing: list[str] = []
    for kind in (entities, years):  # one of each is enough: "阿里和腾讯…", "2024年…2025年…"
        if kind and not any(x.lower() in low for x in kind):
            missing += list(dict.fromkeys(kind))
    return missing


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


_VALUE = r"[约超逾近]?\d[\d.,]*\s*(?:%|万亿|亿|万)?(?:(?![和与及的])[\u4e00-\u9fffA-Za-z]){0,3}"
_VALUES = re.compile(rf"({_VALUE})((?:\s*(?:、|和|与|及|以及)\s*{_VALUE})+)")


def expand_respectively(text: str) -> str:
    """Spell out "A、B的X分别为a、b" pairs, which small models misread, as "(A a、B b)".

    >>> expand_respectively("2024年,阿里和腾讯的资本开支分别为725.13亿元、767.6亿元,同比分别增长197.04%和221.27%。")
    '2024年,阿里和腾讯的资本开支分别为725.13亿元、767.6亿元(阿里725.13亿元、腾讯767.6亿元),同比分别增长197.04%和221.27%(阿里197.04%、腾讯221.27%)。'
    """
    out = []
    last = 0
    subjects: list[str] = []
    for m in re.finditer(r"分别", text):
        clause_start = max(text.rfind(ch, 0, m.start()) for ch in ",，。;；:：") + 1
        clause = text[clause_start : m.start()]
        head = re.split(r"等|的", clause, maxsplit=1)[0]
        items = [x.strip() for x in re.split(r"、|和|与|及", head) if x.strip()]
        if items:  # "谷歌云仍分别…": the adverb is not part of the name
            items[-1] = re.sub(r"(仍|也|都|均|将|则|已|还)+$", "", items[-1])
        if len(items) >= 2 and all(len(x) <= 12 for x in items):
            subjects = items
        if clause_start and text[clause_start - 1] in "。;；":
            subjects = subjects if len(items) >= 2 else []
        tail = text[m.end() : m.end() + 120]
        v = re.match(r"(?:为|是|达到|达|增长|下降|占|约为|以)?\s*", tail)
        vm = _VALUES.match(tail, v.end())
        if not subjects or not vm:
            continue
        values = [
            x.strip() for x in re.split(r"\s*(?:、|和|与|及|以及)\s*", vm.group(0)) if x.strip()
        ]
        if len(values) != len(subjects):
            continue
        end = m.end() + vm.end()
        out.append(text[last:end])
        out.append("(" + "、".join(f"{s}{val}" for s, val in zip(subjects, values)) + ")")
        last = end
    out.append(text[last:])
    return "".join(out)
