"""Canned inputs that several test files share.

- a scripted answer step: three fixed passages, a retriever that returns them and an
  ``Answerer`` on a ``MockModel`` (test_checks, test_answer_pipeline, test_logs);
- a cited answer and the questions the page tests ask (test_ui_render, test_ui_chat,
  test_ui_page);
- the chat the backend tests send (test_backend_hf, test_backend_openai).
"""

from __future__ import annotations

from rag.answer.pipeline import Answerer
from rag.config import Settings
from rag.models.base import MockModel
from rag.records import Answer, Citation, Passage

# ----------------------------------------------------------------------------- answer step

P_AMAZON = Passage(
    "a-000",
    "000_x.txt",
    "科技巨头打响AI军备竞赛",
    "2024年,微软、亚马逊的资本支出分别达到756亿美元、777亿美元。",
    article_id="a",
)
P_TENCENT = Passage(
    "a-001",
    "000_x.txt",
    "科技巨头打响AI军备竞赛",
    "2024年,阿里和腾讯的资本开支分别为725.13亿元、767.6亿元。",
    article_id="a",
    start=100,
    end=140,
)
P_AMAZON_2025 = Passage(
    "b-000",
    "001_y.txt",
    "全球科技巨头投资AI基建",
    "亚马逊的资本开支增长超35%,达到1050亿美元。",
    article_id="b",
)


class FakeRetriever:
    """Returns fixed passages: the retriever surface the answer step uses (search, neighbours,
    passages), without an index or embedder."""

    def __init__(self, passages):
        self._passages = passages
        self.passages = {p.id: p for p in passages}
        self.store = None

    def search(self, question, k=5, mode="hybrid"):
        return self._passages[:k]

    def neighbours(self, passage):
        return []


def answerer(replies, passages=(P_AMAZON, P_TENCENT, P_AMAZON_2025)):
    model = MockModel(replies)
    settings = Settings.from_env({}, top_k=3, top_k_single=3, snippet_chars=200)
    return Answerer(settings, FakeRetriever(list(passages)), model), model


# ----------------------------------------------------------------------------- the page

AMAZON = "2024年亚马逊的资本支出是多少?"
AMAZON_SOURCE = "000_7ed9c2d50966efa1.txt"  # holds the 2024 capex of all four giants
MICROSOFT = "2024年微软的资本支出是多少?"
PASSAGE = (
    "四家科技巨头2024年的资本支出合计超过2000亿美元。其中,亚马逊2024年的资本支出为777亿美元,"
    "同比增长57%。微软则为557亿美元。"
)


def amazon_answer() -> Answer:
    return Answer(
        text="2024年亚马逊的资本支出为777亿美元[1]。微软为557亿美元[2]。",
        citations=[
            Citation(
                1,
                AMAZON_SOURCE,
                "科技巨头打响“AI军备竞赛”",
                PASSAGE,
                quote=PASSAGE[24:],
                outlet="21世纪经济报道",
            ),
            Citation(
                2, "001.txt", "全球科技巨头<疯狂>投资", PASSAGE, quote=PASSAGE, date="2025-03-04"
            ),
        ],
        timings={"total_s": 12.5},
    )


# ----------------------------------------------------------------------------- chat backends

MESSAGES = [
    {"role": "system", "content": "只用资料回答"},
    {"role": "user", "content": "2024年亚马逊的资本支出是多少？"},
]
