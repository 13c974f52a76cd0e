"""Small typed records passed between pipeline stages (clean → ingest → index → retrieve → answer)."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from enum import StrEnum


@dataclass(frozen=True)
class Repair:
    """One change cleaning made to a text, so nothing is rewritten silently.

    ``kind`` is a repair class ("pinyin", "washed", "spam", "emoji", …); ``before``/``after`` is
    the change (or a sample of it) and ``count`` how often it happened.
    """

    kind: str
    before: str
    after: str = ""
    count: int = 1


@dataclass
class Article:
    """One news article after cleaning; ``text`` is clean simplified Chinese, ``original`` as read."""

    source: str  # corpus file name, e.g. 000_3f9a1c2b7d4e5a60.txt
    title: str
    text: str
    original: str
    outlet: str = ""
    author: str = ""
    date: str = ""
    repairs: list[Repair] = field(default_factory=list)
    index: int = 0  # position of the article inside its file
    path: str = ""  # resolved file path, so a deleted file's passages can be found

    @property
    def id(self) -> str:
        return article_id(self)


@dataclass
class Passage:
    """A chunk of an article: what is indexed, retrieved and cited."""

    id: str
    source: str
    title: str
    text: str
    score: float = 0.0
    article_id: str = ""
    start: int = 0  # character offsets into the cleaned article text
    end: int = 0
    outlet: str = ""
    date: str = ""
    # the article's sentences just before this passage (chunks may start with "期内,…" or
    # split a sentence at ";"): context for reading the passage, never quoted or cited
    lead: str = ""

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Citation:
    """A marker [n] in an answer and the passage it points to."""

    n: int
    source: str
    title: str
    text: str  # the cited passage
    quote: str = ""  # the sentence(s) of the passage shown to the model (the supporting evidence)
    passage_id: str = ""
    outlet: str = ""
    date: str = ""

    def to_dict(self) -> dict:
        return asdict(self)


class VerdictKind(StrEnum):
    """Why a check rejected a claim of an answer (``rag.answer.checks``)."""

    UNGROUNDED_NUMBER = "ungrounded_number"  # a figure absent from the passages it cites
    OTHER_ENTITY = "other_entity"  # the cited passage says it of someone else
    WRONG_SCALE = "wrong_scale"  # an English amount at another scale than the passage's
    MISSING_UNIT = "missing_unit"  # not counted in the unit the question asks for
    OTHER_PERIOD = "other_period"  # the passage states it for another year or period
    INSTRUCTION = "instruction"  # a link or an order to the reader, not a fact about the subject
    KEY_SPAN = "key_span"  # a name, place, date or title not stated of the asked subject
    UNSUPPORTED_WORDS = "unsupported_words"  # adds nothing, or words the passage never uses


@dataclass(frozen=True)
class Verdict:
    """A check's finding about one claim: the span judged and the passage [n] it cites."""

    kind: VerdictKind
    claim: str  # the answer span judged (a figure, or the whole sentence)
    passage: int | None  # the marker number of the cited passage, None when uncited
    reason: str

    def __str__(self) -> str:
        where = f" [{self.passage}]" if self.passage else ""
        return f"{self.kind}: {self.claim}{where}: {self.reason}"


@dataclass
class Answer:
    """What ``rag.ask`` returns: text with inline [n] markers and exactly the cited passages."""

    text: str
    citations: list[Citation] = field(default_factory=list)
    abstained: bool = False
    question: str = ""
    standalone_question: str = ""  # the follow-up rewritten for retrieval
    passages: list[Passage] = field(default_factory=list)  # what retrieval returned
    notes: list[str] = field(default_factory=list)  # what the pipeline did, for eval and debugging
    verdicts: list[Verdict] = field(default_factory=list)  # claims the checks rejected on the way
    prompt_tokens: int = 0
    completion_tokens: int = 0
    timings: dict[str, float] = field(default_factory=dict)
    # the numbered snippets of the answer prompt ([n] → ``quote``), cited or not: what the
    # model read, for evidence recall (empty when it abstained without asking the model)
    shown: list[Citation] = field(default_factory=list)

    def __str__(self) -> str:
        lines = [self.text]
        for c in self.citations:
            lines.append(f"[{c.n}] {c.source} · {c.title}: {c.quote or c.text[:80]}")
        return "\n".join(lines)

    def to_dict(self) -> dict:
        d = asdict(self)
        d.pop("passages")
        d.pop("shown")  # like passages: for the eval and debugging, not for the page
        return d


def article_id(article: Article) -> str:
    """Stable id from the cleaned content (same text → same id, whatever the file name)."""
    return hashlib.sha1(article.text.encode("utf-8")).hexdigest()[:16]
