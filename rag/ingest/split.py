"""Several articles in one file split at their source lines; title, outlet, author and date
read from an article's text; near-duplicate articles found by shingles.
"""

from __future__ import annotations

import re

from rag.records import Article, Repair

# "供稿:《城市晚报》作者:张三", "据《科技周刊》作者:李四", "来源:新华社" …
_SOURCE_LINE = re.compile(
    r"^\s*(?:据|供稿[:：]|来源[:：]|稿源[:：]|文章来源[:：]|本文来源[:：])?\s*《([^》]{2,20})》"
    r"\s*(?:作者[:：]\s*(\S.{0,30}))?\s*$"
)


def split_articles(text: str) -> list[tuple[str, str, str]]:
    """Split text at source lines that close an article; return (body, outlet, author) each.

    >>> [(b[:2], o, a) for b, o, a in split_articles("甲文。\\n\\n据《城市晚报》作者:张三\\n\\n乙文。")]
    [('甲文', '城市晚报', '张三'), ('乙文', '', '')]
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


_DATE = re.compile(r"(20\d{2})(?:\s*[-/.年]\s*(\d{1,2})|(\d{2}))\s*[-/.月]\s*(\d{1,2})(?!\d)")
_MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
_MONTH = "(" + "|".join(m.capitalize() for m in _MONTHS) + r")[a-z]{0,6}\.?"  # "Feb", "February"
_EN_DATE = re.compile(
    rf"\b(?:{_MONTH}\s+(\d{{1,2}}),?\s+((?:19|20)\d{{2}})|(\d{{1,2}})\s+{_MONTH},?\s+((?:19|20)\d{{2}}))\b"
)
# "23-08-10 12:34": a two-digit year, trusted only in a header, before a time of day
_SHORT_YEAR = re.compile(r"(?<!\d)(\d{2})-(\d{1,2})-(\d{1,2})\s+\d{1,2}:\d{2}")


_BYLINE_REPORTER = re.compile(r"记者\s*([\u4e00-\u9fff]{2,3})(?=\s|[\u4e00-\u9fff]{2}报道|$)")


_OUTLET_MENTION = re.compile(r"《([^》]{2,10}(?:报|时报|日报|周刊|财经|新闻|社))》")


_LABEL = re.compile(r"^[\u4e00-\u9fff]{2,5}[:：]$")  # "编者按:" is a label, not a title


def _iso(year: str, month: str, day: str) -> str:
    if not (1 <= int(month) <= 12 and 1 <= int(day) <= 31):
        return ""
    return f"{int(year):04d}-{int(month):02d}-{int(day):02d}"


def extract_date(text: str, header: bool = False) -> str:
    """First full date in the page header, ISO formatted (``header``: ``text`` is only a
    header, where a two-digit year before a time of day is trusted too).

    >>> extract_date("发布日期:2025-03-04 15:16 点击次数:149")
    '2025-03-04'
    >>> extract_date("Feb 5, 2022 ... 公园新增两条步道"), extract_date("202403/18 07:45")
    ('2022-02-05', '2024-03-18')
    >>> extract_date("24-03-18 07:45，", header=True), extract_date("3-18 07:45，", header=True)
    ('2024-03-18', '')
    """
    head = text[:400]
    found = []
    if m := _DATE.search(head):
        found.append((m.start(), _iso(m.group(1), m.group(2) or m.group(3), m.group(4))))
    if m := _EN_DATE.search(head):
        month = _MONTHS.index((m.group(1) or m.group(5)).lower())
        year, day = (m.group(3), m.group(2)) if m.group(1) else (m.group(6), m.group(4))
        found.append((m.start(), _iso(year, str(month + 1), day)))
    if header and (m := _SHORT_YEAR.search(head)):
        found.append((m.start(), _iso("20" + m.group(1), m.group(2), m.group(3))))
    return min(found)[1] if found else ""


# A leading metadata header that ends where "正文:" labels the body: a date stamp, a source,
# a link, a place ("2023-08-16 18:24:57，正文：", "来源：日报 | 2023年08月05日，正文：", "，正文：")
_BODY_LABEL = re.compile(r"^\s*([^。！？!?]{0,300}?)\s*[，,]?\s*正文\s*[:：]\s*")
# metadata, not a heading: a digit (date, time), a link, a "label:" or a "|"/">" separator
_METADATA = re.compile(r"\d|https?:|www\.|[:：|>丨]")
# … or a bare date stamp: in brackets, with a time of day, on a line of its own, or before
# the "..." of a search snippet ("Feb 5, 2022 ... ") — never a date that starts a sentence
# ("2024年5月6日,市政府召开…" keeps it)
_DAY = r"20\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?"
_TIME = r"\d{1,2}\s*[:：]\s*\d{2}(?:\s*[:：]\s*\d{2})?"
_SNIPPET = r"\s*(?:\.{2,}|…+|—|–|·|\|)"
_DATE_STAMP = re.compile(
    rf"^\s*(?:[\[【]\s*{_DAY}(?:\s*{_TIME})?\s*[\]】]\s*[，,]?|{_DAY}\s*{_TIME}\s*[，,]"
    rf"|{_DAY}(?:\s*{_TIME})?[ \t]*\n|(?:{_DAY}|{_EN_DATE.pattern}){_SNIPPET})\s*"
)


def strip_header(body: str) -> tuple[str, str, list[Repair]]:
    """A leading date stamp or "正文:" label cut off the body: it is metadata (the date), not
    the first words of the article or its title. Returns (body, date or "", repairs). A
    short plain line before "正文:" is the heading: it stays, as the first paragraph.

    >>> strip_header("2024-05-06 10:20:30，正文：市图书馆今天延长开放时间。")[:2]
    ('市图书馆今天延长开放时间。', '2024-05-06')
    >>> strip_header("[ 2024-05-06 10：20 ] ，正文：公园新增两条步道。")[:2]
    ('公园新增两条步道。', '2024-05-06')
    >>> strip_header("http://news.example.com  2024年05月06日 10:20  来源：晚报，正文：步道开放。")[:2]
    ('步道开放。', '2024-05-06')
    >>> strip_header("Feb 5, 2022 ... 公园新增两条步道。")[:2]
    ('公园新增两条步道。', '2022-02-05')
    >>> strip_header("2024年5月6日\\n公园新增两条步道。")[:2]
    ('公园新增两条步道。', '2024-05-06')
    >>> strip_header("公园新增两条步道，正文：两条步道今天开放。")[:2]
    ('公园新增两条步道\\n两条步道今天开放。', '')
    >>> strip_header("2024年5月6日,公园新增两条步道。")[:2]
    ('2024年5月6日,公园新增两条步道。', '')
    """
    m = _BODY_LABEL.match(body)
    if m and not _METADATA.search(m.group(1)) and len(m.group(1).strip(" ，,")) <= 40:
        heading = m.group(1).strip(" ，,")
        if heading:  # "标题，正文：…": the heading is no metadata, only its label is
            return f"{heading}\n{body[m.end() :]}", "", [Repair("header", "正文：", "")]
    m = m or _DATE_STAMP.match(body)
    if not m or not m.group(0).strip():
        return body, "", []
    header = m.group(0)
    date = extract_date(header, header=True)
    return body[m.end() :], date, [Repair("header", header.strip(), "")]


# "原标题：…" / "（原标题：…）": the text names its own title
_ORIGINAL_TITLE = re.compile(r"^[（(]?\s*原标题\s*[:：]\s*")
# where a title glued to the body ends: a sentence end, a gap, a bracket, or the byline
_TITLE_END = re.compile(
    r"[。！？!?【□\t]|\s{2,}|[（(](?=记者|通讯员|编辑|实习|作者)|本报(?=讯|记者|通讯员|\d)"
    r"|记者|通讯员|\d{1,2}\s*月\s*\d{1,2}\s*日\s*(?:电|讯)"
)
# a dateline before the news: "新华社北京5月6日电（记者 张三）", "本报讯", "…5月6日消息，"
_DATELINE = re.compile(
    r"^(?:[^，。！？\n]{0,20}?\d{1,2}\s*月\s*\d{1,2}\s*日\s*(?:电|讯|消息|报道)"
    r"|[^，。！？\s(（]{1,10}?(?:\d{1,2}日)?讯(?=[\s(（，,:：]))\s*[，,:：]?\s*"
    r"(?:[（(][^）)\n]{0,30}[）)])?\s*"
)
# when it happened, which the article's date already says: "5月6日上午，", "近日，"
_WHEN = re.compile(
    r"^(?:\d{1,2}\s*月\s*\d{1,2}\s*日|近日|日前|今天|昨天|今日|昨日)"
    r"(?:上午|下午|晚间|晚上|晚|早间|早上|凌晨|中午|傍晚)?\s*[，,]\s*"
)
_CLAUSE = re.compile(r"[，；：、;:\s【\[]|,(?!\d)")


def _shorten(text: str, limit: int) -> str:
    """``text`` within ``limit`` characters: cut at the last clause boundary when that keeps
    three quarters of it, else at the limit, marked "…"."""
    if len(text) <= limit:
        return text
    cuts = [m.start() for m in _CLAUSE.finditer(text[: limit + 1]) if m.start() >= limit * 3 // 4]
    return text[: cuts[-1]].rstrip() if cuts else text[:limit] + "…"


def _original_title(para: str, limit: int) -> str:
    """The title a "原标题：" label names, up to where the body starts (or it repeats)."""
    rest = para[_ORIGINAL_TITLE.match(para).end() :]
    if para[0] in "（(":  # "（原标题：…）": up to its closing bracket
        depth = 1
        for i, ch in enumerate(rest):
            depth += (ch in "（(") - (ch in "）)")
            if depth == 0:
                rest = rest[:i]
                break
    end = _TITLE_END.search(rest)
    title = rest[: end.start() if end else len(rest)].strip(" ，,:：")
    again = title.find(title[:8], 8) if len(title) >= 16 else -1  # "标题标题…": said twice
    return _shorten(title[:again] if again > 0 else title, limit)


def extract_title(body: str, limit: int = 40) -> str:
    """The first paragraph when it reads like a heading; the title a "原标题:" label names;
    else the first sentence, without its dateline ("…5月6日电", "本报讯") or a leading "when".

    >>> extract_title("城东公园新增两条步道\\n\\n公园管理处今天宣布,步道已开放。")
    '城东公园新增两条步道'
    >>> extract_title("原标题：城东公园新增步道 本报记者 张三 公园管理处今天宣布步道开放。")
    '城东公园新增步道'
    >>> extract_title("（原标题：新店(A12)开业，市民排队购买）记者从现场获悉，新店今天开业。")
    '新店(A12)开业，市民排队购买'
    >>> extract_title("本报讯（记者 张三）5月6日上午，城东公园新增的两条步道正式开放。")
    '城东公园新增的两条步道正式开放'
    >>> extract_title("市图书馆宣布延长周末开放时间，并将在二楼新增两个自习室和一个少儿阅览区，方便附近读者。")
    '市图书馆宣布延长周末开放时间，并将在二楼新增两个自习室和一个少儿阅览区'
    """
    for para in (p.strip() for p in body.split("\n")):
        if not para or _LABEL.match(para):
            continue
        if label := _ORIGINAL_TITLE.match(para):
            title = _original_title(para, limit)
            if len(title) >= 4:
                return title
            para = para[label.end() :]  # a title of a word or two ("原标题：好险！"): read on
        if len(para) <= limit and not para.endswith(("。", "!", "?", "！", "？")):
            return para
        news = para[_DATELINE.match(para).end() :] if _DATELINE.match(para) else para
        news = news[_WHEN.match(news).end() :] if _WHEN.match(news) else news
        sentences = [s.strip() for s in re.split(r"[。！？!?]", news) if s.strip()] or [para]
        first = sentences[0]
        if len(first) < 6 and len(sentences) > 1:  # "5月6日，某地。": the news is next
            first = sentences[1]
        return _shorten(first, limit)
    return ""


def guess_outlet_author(body: str) -> tuple[str, str]:
    """Outlet and reporter named in the byline or text ("《城市晚报》记者", "记者张三 杭州报道")."""
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

    >>> a = "市交通局宣布未来三年将投入120亿元改造地铁站和公交枢纽,超过去十年总和。" * 3
    >>> near_duplicate(a, a.replace("宣布", "表示", 1)), near_duplicate(a, "城东公园新增两条步道。" * 9)
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
