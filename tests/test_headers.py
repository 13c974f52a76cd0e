"""Real archive formats: a leading date, source or "正文:" header is metadata (the article's
date), never its title or first words; without a title line the title comes from the first
sentence, without its dateline. Invented text in the shapes the archives have."""

from __future__ import annotations

import pytest

from rag.ingest.load import articles_from_text
from rag.ingest.read import FileReport
from rag.ingest.split import extract_date, extract_title, strip_header

BODY = "城东公园新增的两条健身步道今天正式开放。步道全长四公里,沿途设有饮水点和休息亭。"
TITLE = "城东公园新增的两条健身步道今天正式开放"


def one(text: str):
    (article,) = articles_from_text(text, "x", FileReport("x"), split=False)
    return article


@pytest.mark.parametrize(
    "header, date",
    [
        ("[ 2023-07-28 16：40 ] ，正文：", "2023-07-28"),
        ("2023-08-16 18:24:57，正文：", "2023-08-16"),
        ("，正文：", ""),
        (
            "http://news.example.com\xa0\xa0\xa0\xa02023年07月31日 23:40\xa0\xa0\xa0\xa0来源：晚报，正文：",
            "2023-07-31",
        ),
        ("来源：城市日报  |  2023年08月05日 11:42:46，正文：" + " " * 40, "2023-08-05"),
        (
            "2023-08-01 11:06 \xa0来源：" + " " * 60 + "城市新闻网" + " " * 80 + "，正文：",
            "2023-08-01",
        ),
        ("时间：2023-08-09 07:15:00，正文：", "2023-08-09"),
        ("[" + "\t" * 18 + "07/19" + "\t" * 16 + "]，正文：", ""),  # no year: no date
        ("7-20 11:28，正文：", ""),
        ("23-08-10 12:34，正文：", "2023-08-10"),  # two-digit year before a time of day
        ("202308/03 20:29:35，正文：", "2023-08-03"),
        ("城市网 > 新闻 > 社会      2023-08-02 08:32:25  ，正文：", "2023-08-02"),
        ("记者：张三，正文：", ""),
    ],
)
def test_a_crud_header_is_the_date_not_the_title_or_text(header, date):
    article = one(header + BODY)
    assert (article.title, article.date) == (TITLE, date)
    assert article.text.startswith("城东公园") and "正文" not in article.text
    assert article.repairs[0].kind == "header" and article.original.startswith(header.strip()[:3])


@pytest.mark.parametrize(
    "snippet, date",
    [
        ("Feb 5, 2022 ... ", "2022-02-05"),
        ("September 12, 2023 — ", "2023-09-12"),
        ("5 Feb 2022 · ", "2022-02-05"),
        ("2022年2月5日 — ", "2022-02-05"),
        ("2022-02-05 ... ", "2022-02-05"),
    ],
)
def test_a_search_snippet_date_is_metadata(snippet, date):
    article = one(snippet + BODY)
    assert (article.title, article.date) == (TITLE, date)
    assert article.text.startswith("城东公园")


def test_a_sentence_that_starts_with_a_date_keeps_it():
    text = "2024年5月6日,城东公园新增的两条健身步道正式开放,市民可免费使用。"
    assert strip_header(text) == (text, "", [])
    assert one(text).text.startswith("2024年5月6日")


def test_a_plain_line_before_the_body_label_is_the_heading():
    article = one("城东公园新增两条步道，正文：" + BODY)
    assert article.title == "城东公园新增两条步道"
    assert "正文" not in article.text and article.date == ""


def test_a_date_line_of_its_own_is_the_date_and_the_title_line_stays():
    article = one("2024年05月06日 09:30\n城东公园新增两条步道\n\n" + BODY)
    assert (article.title, article.date) == ("城东公园新增两条步道", "2024-05-06")


@pytest.mark.parametrize(
    "text, title",
    [
        # a dateline is not the title: "<outlet><place>5月6日电（记者…）", "<outlet> 5 月 6 日消息"
        ("新华社北京5月6日电（记者 张三）" + BODY, TITLE),
        ("城市网 5 月 6 日消息，" + BODY, TITLE),
        ("本报讯（记者 张三）" + BODY, TITLE),
        ("城市晚报6日讯 (记者 李四) " + BODY, TITLE),
        ("据城市电视台5月6日报道，" + BODY, TITLE),
        # nor is when it happened, which the date says
        ("5月6日上午，" + BODY, TITLE),
        ("近日，" + BODY, TITLE),
        # "原标题：" names the title, up to where the body starts
        ("原标题：城东公园两条步道开放 本报记者 张三 " + BODY, "城东公园两条步道开放"),
        ("原标题：城东公园两条步道开放城市网5月6日电 " + BODY, "城东公园两条步道开放城市网"),
        ("（原标题：步道开放，市民点赞）" + BODY, "步道开放，市民点赞"),
        ("原标题：城东公园两条步道开放城东公园两条步道开放 " + BODY, "城东公园两条步道开放"),
        ("原标题：好险！" + BODY, TITLE),  # a title of a word: the first sentence says more
        # a first "sentence" too short to say anything: the next one
        ("5月6日，城东。" + BODY, TITLE),
    ],
)
def test_without_a_title_line_the_title_is_the_first_sentence_without_its_dateline(text, title):
    assert extract_title(text) == title
    assert one("2024-05-06 09:30，正文：" + text).title == title


def test_a_long_first_sentence_is_cut_at_a_clause_or_marked():
    clauses = "城东公园管理处今天宣布,新建的两条健身步道正式开放,沿途设有饮水点、休息亭和健身器材,方便市民。"
    assert (
        extract_title(clauses) == "城东公园管理处今天宣布,新建的两条健身步道正式开放,沿途设有饮水点"
    )
    one_clause = "城东公园管理处今天宣布新建的两条健身步道连同沿途的饮水点休息亭和健身器材一起正式向市民开放。"
    assert extract_title(one_clause) == one_clause[:40] + "…"
    assert extract_title(
        "金额为36,000,000元的城东公园步道改造工程今天由区政府正式批准并将在下月开工建设。"
    ).endswith("…")


def test_dates_in_every_form_the_headers_use():
    assert extract_date("Dec. 31, 2021 ... ") == "2021-12-31"
    assert extract_date("第2024-13-40期") == ""  # not a calendar date
    assert extract_date("23-08-10 12:34") == ""  # a two-digit year only inside a header
