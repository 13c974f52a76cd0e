"""Key spans: the name, place, date, title or figure that answers a question, and the sentences
of a text that state one of the asked type about the question's subject.

Spans come from jieba's part-of-speech tags (nr people, ns places, nt organisations, nz other
names, t times), merged where jieba cuts a name in two ("李" + "卫东"), plus regexes for dates,
titles (《…》) and figures. The subject is what the question names minus the asked part: its
titles and named entities, or, when it names none, its key terms.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag.answer.cloze import fills_gap
from rag.answer.evidence import SENTENCE_PARTS, Evidence, anchored, coverage, term_coverage
from rag.answer.likelihood import missing_specifics
from rag.answer.numbers import extract_numbers
from rag.answer.promotional import is_promotional
from rag.answer.question import QuestionAnalysis, analyse_question  # noqa: F401 (doctests)
from rag.answer.respectively import expand_respectively
from rag.ingest.clean import normalize_unicode

TITLE = re.compile(r"《([^《》\n]{1,40})》")
_DATE = re.compile(
    r"(?:(?:19|20)\d{2}年)?(?:[0-9一二三四五六七八九十]{1,3}月)"
    r"(?:[0-9一二三四五六七八九十]{1,3}[日号]|初|上旬|中旬|下旬|底|末)?"
    r"|(?:19|20)\d{2}年(?:初|底|末|上半年|下半年)?"
    r"|[0-9一二三四五六七八九十]{1,3}[日号](?=[，,、起前后至到])"
)
# jieba tag → entity group; a span of the asked type is in the asked type's groups
_GROUPS = {"nr": "person", "ns": "place", "nt": "org", "nz": "name", "t": "time"}
ASKED_GROUPS = {
    "person": ("person",),  # "谁" is often answered by an organisation: see ``key_spans``
    "place": ("place",),
    "time": ("time",),
    "list": ("person", "place", "org"),
    "other": (),  # "什么": only titles are checkable spans
}


def _group(flag: str) -> str:
    return next((g for tag, g in _GROUPS.items() if flag.startswith(tag)), "")


def tagged_spans(text: str) -> list[tuple[str, str]]:
    """Named spans of ``text`` with their group; a surname jieba cuts off is joined again and
    titles are left to ``TITLE``.

    >>> tagged_spans("电视剧《秋山》由李卫东主演,赵海峰在杭州出席。")
    [('李卫东', 'person'), ('赵海峰', 'person'), ('杭州', 'place')]
    """
    import jieba.posseg

    from rag.index.tokenize import _jieba, _jieba_lock

    _jieba()
    plain = TITLE.sub(lambda m: "，" * len(m.group(0)), text)  # titles are spans of their own
    with _jieba_lock:
        pairs = [(w.word, w.flag) for w in jieba.posseg.cut(plain)]
    out: list[tuple[str, str]] = []
    joinable = False  # the previous span is a person name that may continue ("李" + "卫东")
    for word, flag in pairs:
        group = _group(flag)
        cjk = re.fullmatch(r"[\u4e00-\u9fff]+", word) is not None
        if joinable and cjk and (group == "person" or len(out[-1][0]) == 1 and len(word) <= 2):
            out[-1] = (out[-1][0] + word, "person")
            joinable = False
            continue
        joinable = group == "person" and cjk and len(word) == 1
        if group and (len(word) >= 2 or joinable):
            out.append((word, group))
    return [(w, g) for w, g in out if len(w) >= 2]


def key_spans(text: str, asked_type: str) -> list[str]:
    """The spans of ``text`` of the asked type: people (else organisations) for 谁, names for
    哪些, places for 哪里, dates for 何时, and titles for any type (a title is always a
    checkable claim; the common nouns that answer 什么 are not).

    >>> key_spans("李卫东主演了《秋山》,2021年在杭州播出。", "person")
    ['《秋山》', '李卫东']
    >>> key_spans("该线路预计12月底开通。", "time")
    ['12月底']
    """
    spans = [m.group(0) for m in TITLE.finditer(text)]
    groups = ASKED_GROUPS.get(asked_type, ())
    if asked_type == "time":
        spans += [m.group(0) for m in _DATE.finditer(text)]
    if groups:
        tagged = [(w, g) for w, g in tagged_spans(text) if not _DATE.fullmatch(w)]
        spans += [w for w, g in tagged if g in groups]
        if asked_type == "person" and not any(g == "person" for _, g in tagged):
            spans += [w for w, g in tagged if g == "org"]  # no one named: who is an organisation
    spans = list(dict.fromkeys(s for s in spans if s))
    return [s for s in spans if not any(s != t and s in t for t in spans)]  # "月底" in "12月底"


def span_forms(span: str) -> list[str]:
    """How a passage may write ``span``: a date also without its year or month, as news
    writes "3日" when the dateline gives the month.

    >>> span_forms("2021年8月3日"), span_forms("李卫东")
    (['2021年8月3日', '8月3日', '3日'], ['李卫东'])
    """
    forms = [span]
    if _DATE.fullmatch(span):
        forms += [m.group(1) for m in re.finditer(r"(?=[年月](.+[日号月底末初旬]))", span)]
    return list(dict.fromkeys(forms))


@dataclass(frozen=True)
class Subject:
    """What a question is about: its titles and names, else its key terms."""

    names: tuple[str, ...]
    terms: tuple[str, ...]

    def named_in(self, text: str) -> bool:
        """Whether ``text`` names the subject: half of its names (at least one; one of
        several is often a place the story merely passes through), else three quarters of its
        key terms (without a name, generic words such as "支出" weigh as much as the rest)."""
        if self.names:
            return term_coverage([x.lower() for x in self.names], text.lower()) >= 0.5
        return term_coverage([x.lower() for x in self.terms], text.lower()) >= 0.75


# a sentence that fills the question's gap needs this share of its key terms (others: the subject)
GAP_COVERAGE = 0.5

_ASKING = r"(?:哪一?[个些家位部种类本项座条所]?|什么|多少|几)"


def subject_of(q: QuestionAnalysis, answer_spans: list[str] = ()) -> Subject:
    """The question's subject, minus the asked part: the answer's own spans and the word a
    question word asks for ("哪个城市" asks for a city; the city is no subject).

    >>> subject_of(analyse_question("谁主演了电视剧《秋山》?")).names
    ('秋山',)
    >>> subject_of(analyse_question("实验材料没有表现出什么现象?")).terms
    ('实验', '材料', '表现')
    """
    spans = [s.strip("《》") for s in answer_spans]

    def free(x: str) -> bool:
        asked = re.search(rf"{_ASKING}{re.escape(x)}", q.text)
        return not asked and not any(x in s or s in x for s in spans)

    names = [m.group(1) for m in TITLE.finditer(q.text)] + list(q.entities)
    names = [n for n in dict.fromkeys(names) if free(n)]
    terms = [t for t in q.terms if free(t) and not t.isdigit()]
    return Subject(tuple(names), tuple(terms))


def sentences_of(text: str, lead: str = "", title: str = "") -> list[tuple[str, str]]:
    """Each sentence of ``text`` with the one before it (for the first: the last of ``lead``,
    the article text before, after the ``title``), which may name the subject that
    "该剧"/"他" refers to.

    >>> sentences_of("乙主演。丙导演。", "《秋山》开播。")
    [('乙主演', '《秋山》开播'), ('丙导演', '乙主演')]
    >>> sentences_of("乙主演。", "剧组发布海报。", "《秋山》开播")[0]
    ('乙主演', '《秋山》开播。剧组发布海报')
    """
    before = SENTENCE_PARTS.findall(normalize_unicode(lead))[-1:]
    if title.strip():
        before = ["。".join([normalize_unicode(title.strip())] + before)]
    sentences = SENTENCE_PARTS.findall(normalize_unicode(expand_respectively(text)))
    sentences = [s.strip() for s in sentences if s.strip()]
    return [(s, ((before + sentences[:i])[-1:] or [""])[0]) for i, s in enumerate(sentences)]


def about_subject(sentence: str, previous: str, subject: Subject, span: str) -> bool:
    """Whether ``sentence`` states ``span`` of the subject: it names the subject, or does so
    together with the sentence before and names no other title or name of the subject's kind.

    >>> s = subject_of(analyse_question("谁主演了电视剧《秋山》?"))
    >>> about_subject("《秋山》由乙主演", "", s, "乙"), about_subject("该剧由乙主演", "《秋山》开播", s, "乙")
    (True, True)
    >>> about_subject("乙主演了《春江》", "《秋山》开播", s, "乙")
    False

    Within one sentence, a clause that names another title and not the subject's is about
    that title: "甲主演了《春江》,而《秋山》由乙主演" states 甲 of 《春江》 only.

    >>> [about_subject("甲主演了《春江》,而《秋山》由乙主演", "", s, x) for x in ("甲", "乙")]
    [False, True]
    """
    if subject.named_in(sentence):
        clause = next((c for c in re.split(r"[,，:：]", sentence) if span in c), sentence)
        other_title = any(t not in span for t in TITLE.findall(clause))
        return not other_title or subject.named_in(clause)
    if not previous or not subject.named_in(f"{previous}。{sentence}"):
        return False
    others = [t for t in TITLE.findall(sentence) if t not in span]
    if subject.names and not others:
        kinds = {g for n in subject.names for _, g in tagged_spans(n)}
        others = [w for w, g in tagged_spans(sentence) if g in kinds and w not in span]
    return not others


def typed_spans(q: QuestionAnalysis, sentence: str) -> list[str]:
    """Spans of the asked type in a passage sentence that the question does not itself name;
    figures for a "多少" question.

    >>> typed_spans(analyse_question("2023年全市降雨多少毫米?"), "2023年全市降雨1100毫米")
    ['1100']

    A date is no figure, and a "多少吨" question is answered by a figure in 吨:

    >>> typed_spans(analyse_question("声明要求放行多少吨化肥?"), "8月4日声明要求放行1.5万吨化肥和30船粮食")
    ['1.5']
    """
    if q.asked_type == "number":
        undated = normalize_unicode(_DATE.sub("，", sentence))
        if q.unit:  # only figures counted in the asked unit ("结婚18年", not "51岁" for 多久)
            counted = rf"[\d.,零一二两三四五六七八九十百千]+\s*(?:万|亿|余|多)*\s*(?:{q.unit})"
            undated = "，".join(m.group(0) for m in re.finditer(counted, undated))
        found = extract_numbers(undated)
    else:
        found = key_spans(sentence, q.asked_type)
    return [s for s in found if s not in q.numbers and s.strip("《》") not in q.text]


def evidence_sentences(q: QuestionAnalysis, text: str, lead: str = "") -> list[str]:
    """Sentences of ``text`` that hold a span of the asked type and name the question's
    subject (with the sentence before, when the subject is named there): where an answer is.

    >>> q = analyse_question("谁主演了电视剧《秋山》?")
    >>> evidence_sentences(q, "王建国主演了电视剧《春江》。电视剧《秋山》由李卫东主演。")
    ['电视剧《秋山》由李卫东主演']
    >>> evidence_sentences(q, "王建国主演了电视剧《春江》。")
    []
    """
    if q.asked_type not in ASKED_GROUPS and q.asked_type != "number":
        return []
    # a sentence may also fill the question's gap, naming the subject in other words
    # ("这类消息"): then half of the question's terms, with the sentence before, will do. Not
    # for a named subject: "谁主演了《秋山》" also fits "甲主演了《春江》"
    by_gap = not subject_of(q).names
    out = []
    for sentence, previous in sentences_of(text, lead):
        if is_promotional(sentence):
            continue  # an advert may name anything; it is never the answer
        spans = typed_spans(q, sentence)
        if any(about_subject(sentence, previous, subject_of(q, [s]), s) for s in spans) or (
            by_gap
            and any(fills_gap(q, sentence, s) for s in spans)
            and coverage(q, f"{previous}。{sentence}") >= GAP_COVERAGE
        ):
            # the sentence before joins it when it names the subject and is in this passage
            # (a quote holds only what its citation shows, not the article text before it)
            alone = subject_of(q, spans).named_in(sentence) or previous not in text
            out.append(sentence if alone else f"{previous}。{sentence}")
    return out


def find_stated(q: QuestionAnalysis, evidence: list[Evidence], passages=()) -> Evidence | None:
    """The sentence that states a span of the asked type about the subject, as a snippet of
    its passage: searched in the evidence's passages, then in ``passages`` (the top retrieved),
    skipping passages that lack the question's names or years; the best covered wins.

    >>> from rag.records import Passage
    >>> p = Passage("a", "s.txt", "影视", "王建国主演了电视剧《春江》。电视剧《秋山》由李卫东主演。")
    >>> find_stated(analyse_question("谁主演了电视剧《秋山》?"), [Evidence(1, p, p.text)]).quote
    '电视剧《秋山》由李卫东主演'
    """
    found: list[tuple[float, int, Evidence]] = []
    seen: set[str] = set()
    for p in [e.passage for e in evidence] + list(passages):
        if p.id in seen or missing_specifics(q, f"{p.title}\n{p.text}"):
            continue
        seen.add(p.id)
        for sentence in evidence_sentences(q, p.text, p.lead):
            # the subject's terms, and the ones beside the question word ("结婚多久": 结婚)
            score = coverage(q, sentence) + anchored(q, sentence)
            found.append((score, -len(found), Evidence(1, p, sentence)))
    return max(found, key=lambda f: f[:2])[2] if found else None
