"""What a check reads and returns: a ``Draft`` answer and the ``Check`` interface."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass, field

from rag.answer.checks.spans import sentences_of
from rag.answer.citations import markers_in, split_answer_sentences
from rag.answer.question import QuestionAnalysis, analyse_question
from rag.records import Verdict, VerdictKind


@dataclass
class Draft:
    """An answer about to be shown, and what its markers point to.

    ``cited[n]`` is passage [n] with its title in front (the title names who "该公司" is);
    ``texts[n]`` the passage alone and ``leads[n]`` the article text just before it, so a
    sentence is read in article order ("…第四季度…。期内…").
    """

    text: str
    question: QuestionAnalysis
    cited: dict[int, str]
    texts: dict[int, str] = field(default_factory=dict)
    leads: dict[int, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.texts = self.texts or dict(self.cited)

    def read(self, n: int) -> list[tuple[str, str]]:
        """Passage [n] as (sentence, the one before) pairs, its title line first: the title
        and the article text before the passage may name whom "该剧"/"他" refers to."""
        cited, text = self.cited.get(n, ""), self.texts.get(n, "")
        title = cited[: -len(text)].strip() if text and cited.endswith(text) else ""
        lead = self.leads.get(n, "")
        return sentences_of(title, lead) + sentences_of(text or cited, lead, title)

    def sentences(self) -> Iterator[tuple[str, list[int]]]:
        """Each answer sentence with the markers it carries."""
        for sentence in split_answer_sentences(self.text):
            yield sentence, markers_in(sentence)


def draft(text: str, question: str, cited: dict[int, str], **kw) -> Draft:
    """A ``Draft`` from plain values (doctests and unit tests).

    >>> draft("全市有12个站点[1]。", "全市有多少个站点?", {1: "全市有12个站点。"}).question.unit
    '个'
    """
    return Draft(text, analyse_question(question), cited, **kw)


class Check(ABC):
    """One rule about an answer's claims; ``__call__`` returns the claims it rejects."""

    kind: VerdictKind

    @abstractmethod
    def __call__(self, d: Draft) -> list[Verdict]: ...

    def verdict(self, claim: str, passage: int | None, reason: str) -> Verdict:
        return Verdict(self.kind, claim, passage, reason)
