"""Several articles in one file split at their source lines; title, outlet, author and date
read from an article's text; near-duplicate articles found by shingles.
"""

from __future__ import annotations

import re

from rag.records import Article, Repair

# "供稿:《21世纪经济报道》作者:白杨", "据《科技日报》作者:崔爽", "来源:新华社" …
_SOURCE_LINE = re.compile(
    r"^\s*(?:据|供稿[:：]|来源[:：]|稿源[:：]|文章来源[:：]|本文来源[:：])?\s*《([^》]{2,20})》"
    r"\s*(?:作者[:：]\s*(\S.{0,30}))?\s*$"
)


def split_articles(text: str) -> list[tuple[str, str, str]]:
    """Split text at source lines that close an article; return (body, outlet, author) each.

    >>> [(b[:2], o, a) for b, o, a in split_articles("甲文。\\n\\n据《科技日报》作者:崔爽\\n\\n乙文。")]
    [('甲文', '科技日报', '崔爽'), ('乙文', '', '')]
    """
    parts: list[tuple[str, str, str]] = []
    current: list[str] = []
    for line in text.split("\n"):
        m = _SOURCE_LINE.match(line) if len(line) < 60 else None
        if m and "".join(current).strip():
            parts.append(("\n".join(current).strip(), m.group(1), (m.group(2) or "").strip()))
            current = []
        elif not m:
            current.append(line)
    rest = "\n".join(current).strip()
    if rest:
        parts.append((rest, "", ""))
    return parts


_DATE = re.compile(r"(20\d{2})[-/.年](\d{1,2})[-/.月](\d{1,2})")


_BYLINE_REPORTER = re.compile(r"记者\s*([\u4e00-\u9fff]{2,3})(?=\s|[\u4e00-\u9fff]{2}报道|$)")


_OUTLET_MENTION = re.compile(r"《([^》]{2,10}(?:报|时报|日报|周刊|财经|新闻|社))》")


_LABEL = re.compile(r"^[\u4e00-\u9fff]{2,5}[:：]$")  # "编者按:" is a label, not a title


def extract_date(text: str) -> str:
    """First full date in the page header, ISO formatted.

    >>> extract_date("发布日期:2025-03-04 15:16 点击次数:149")
    '2025-03-04'
    """
    m = _DATE.search(text[:400])
    return f"{m.group(1)}-{int(m.group(2)):02d}-{int(m.group(3)):02d}" if m else ""


# A leading metadata header: "2023-08-16 18:24:57，正文：", "[2023/07/28 16:40]，正文：", "，正文："
# ("正文" labels where the body starts: whatever comes before it is a date stamp or a place)
_BODY_LABEL = re.compile(r"^\s*([^。！？!?\n]{0,40}?)\s*[，,]?\s*正文\s*[:：]\s*")
# … or a bare date stamp: in brackets, with a time of day, or on a line of its own — never
# a date that starts a sentence ("2024年5月6日,市政府召开…" keeps it)
_DAY = r"20\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?"
_TIME = r"\d{1,2}\s*[:：]\s*\d{2}(?:\s*[:：]\s*\d{2})?"
_DATE_STAMP = re.compile(
    rf"^\s*(?:[\[【]\s*{_DAY}(?:\s*{_TIME})?\s*[\]】]\s*[，,]?|{_DAY}\s*{_TIME}\s*[，,]"
    rf"|{_DAY}(?:\s*{_TIME})?[ \t]*\n)\s*"
)


def strip_header(body: str) -> tuple[str, str, list[Repair]]:
    """A leading date stamp or "正文:" label cut off the body: it is metadata (the date), not
    the first words of the article or its title. Returns (body, date or "", repairs).

    >>> strip_header("2024-05-06 10:20:30，正文：市图书馆今天延长开放时间。")[:2]
    ('市图书馆今天延长开放时间。', '2024-05-06')
    >>> strip_header("[ 2024-05-06 10：20 ] ，正文：公园新增两条步道。")[:2]
    ('公园新增两条步道。', '2024-05-06')
    >>> strip_header("2024年5月6日\\n公园新增两条步道。")[:2]
    ('公园新增两条步道。', '2024-05-06')
    >>> strip_header("2024年5月6日,公园新增两条步道。")[:2]
    ('2024年5月6日,公园新增两条步道。', '')
    """
    m = _BODY_LABEL.match(body) or _DATE_STAMP.match(body)
    if not m or not m.group(0).strip():
        return body, "", []
    header = m.group(0)
    return body[m.end() :], extract_date(header), [Repair("header", header.strip(), "")]


def extract_title(body: str, limit: int = 40) -> str:
    """The first paragraph when it reads like a heading, else the start of the first sentence.

    >>> extract_title("科技巨头打响“AI军备竞赛”\\n\\n随着财报出炉,竞赛打响。")
    '科技巨头打响“AI军备竞赛”'
    >>> extract_title("全球科技巨头正在疯狂投资AI基建。\\n正文")
    '全球科技巨头正在疯狂投资AI基建'
    """
    for para in (p.strip() for p in body.split("\n")):
        if not para or _LABEL.match(para):
            continue
        if len(para) <= limit and not para.endswith(("。", "!", "?", "！", "？")):
            return para
        first = re.split(r"[。！？!?]", para)[0]
        return first[:limit] + ("…" if len(first) > limit else "")
    return ""


def guess_outlet_author(body: str) -> tuple[str, str]:
    """Outlet and reporter named in the byline or text ("《华夏时报》记者", "记者卢晓 杭州报道")."""
    author = ""
    m = _BYLINE_REPORTER.search(body[:300])
    if m:
        author = m.group(1)
    outlets = _OUTLET_MENTION.findall(body)
    outlet = max(set(outlets), key=outlets.count) if outlets else ""
    return outlet, author


def _shingles(text: str, n: int = 5) -> set[str]:
    text = re.sub(r"\s+", "", text)
    return {text[i : i + n] for i in range(max(1, len(text) - n + 1))}


def near_duplicate(a: str, b: str, threshold: float = 0.85) -> bool:
    """Jaccard similarity of character 5-gram sets above ``threshold``.

    >>> a = "阿里巴巴宣布未来三年将投入3800亿元建设云和AI硬件基础设施,超过去十年总和。" * 3
    >>> near_duplicate(a, a.replace("宣布", "表示", 1)), near_duplicate(a, "腾讯营收6602.57亿元。" * 9)
    (True, False)
    """
    sa, sb = _shingles(a), _shingles(b)
    return len(sa & sb) / max(1, len(sa | sb)) >= threshold


def dedupe_articles(articles: list[Article]) -> tuple[list[Article], list[tuple[Article, Article]]]:
    """Drop exact and near duplicates, keeping the first seen; return (kept, [(dropped, kept_twin)])."""
    kept: list[Article] = []
    dropped: list[tuple[Article, Article]] = []
    for art in articles:
        twin = next(
            (k for k in kept if k.text == art.text or near_duplicate(k.text, art.text)), None
        )
        if twin is None:
            kept.append(art)
        else:
            dropped.append((art, twin))
    return kept, dropped
