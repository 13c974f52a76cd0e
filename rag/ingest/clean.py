"""Pure text repairs for dirty scraped Chinese web text.

Each function takes text and returns ``(text, repairs)`` or plain text, never touching files.
``clean_text`` runs them in the order that matters (e.g. pinyin must go before OpenCC, page
breaks must be joined before chunking). Washed-text repair lives in ``rag.washed``.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from rag.ingest.injection import cut_injected_instructions
from rag.ingest.repeat import collapse_repetition
from rag.ingest.washed import repair_washed_text
from rag.records import Repair

_ZERO_WIDTH = re.compile("[\u200b\u200c\u200e\u200f\u2060\ufeff\u00ad]")


def normalize_unicode(text: str) -> str:
    """NFC, full-width ASCII to half-width, odd spaces to plain spaces, CRLF to LF.

    Not NFKC: that would also rewrite legitimate symbols (①, ㎡) that readers expect.

    >>> normalize_unicode("ＡＩ　２０２５年\\r\\n")
    'AI 2025年\\n'
    """
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = _ZERO_WIDTH.sub("", text)
    out = []
    for ch in text:
        code = ord(ch)
        if 0xFF01 <= code <= 0xFF5E:  # full-width ASCII block
            # keep Chinese punctuation that has its own meaning in running text
            out.append(ch if ch in "，；：！？（）" else chr(code - 0xFEE0))
        elif ch in "\u3000\u00a0\u2002\u2003\u2009":
            out.append(" ")
        else:
            out.append(ch)
    return "".join(out)


_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ"


_PINYIN = f"[a-zü{_TONED}]{{1,6}}"


# "數(shù)" : a pinyin syllable in brackets right after a character, with at least one tone mark
_PINYIN_NOTE = re.compile(rf"\((?=[a-zü]*[{_TONED}]){_PINYIN}\)")


# "?dāng)" : the annotated character and its "(" were lost to a mis-decoding
_PINYIN_LOST = re.compile(rf"\?(?=[a-zü]*[{_TONED}]){_PINYIN}\)")


def remove_pinyin_annotations(text: str) -> tuple[str, list[Repair]]:
    """Drop pinyin readings inserted after characters; keep real parentheses.

    >>> remove_pinyin_annotations("軌(guǐ)道交通(2024—2030年)")[0]
    '軌道交通(2024—2030年)'
    >>> remove_pinyin_annotations("文创I(xiàn)P (Palace Museum)")[0]
    '文创IP (Palace Museum)'
    """
    repairs: list[Repair] = []
    text, lost = _PINYIN_LOST.subn("", text)
    text, n = _PINYIN_NOTE.subn("", text)
    if n:
        repairs.append(Repair("pinyin", "(pīn)", "", n))
    if lost:
        repairs.append(Repair("pinyin-lost-char", "?pīn)", "", lost))
    return text, repairs


@lru_cache(maxsize=1)
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Traditional → simplified with OpenCC (phrase-aware, not char-by-char).

    >>> to_simplified("中國鐵路的發展")
    '中国铁路的发展'
    """
    return _t2s().convert(text)


def traditional_ratio(text: str) -> float:
    """Share of CJK characters that OpenCC changes; ~0 for simplified, >0.1 for traditional."""
    cjk = [c for c in text if "\u4e00" <= c <= "\u9fff"]
    if not cjk:
        return 0.0
    sample = "".join(cjk[:5000])
    changed = sum(a != b for a, b in zip(sample, to_simplified(sample)))
    return changed / len(sample)


_EMOJI = re.compile(
    "[\U0001f000-\U0001faff\U00002600-\U000027bf\U0001f1e6-\U0001f1ff\ufe0e\ufe0f\u200d\u20e3]"
)


_KEYWORD_BRACKETS = re.compile(r"『([^『』\n。，,！？]{1,20})』")


_HTML_TAG = re.compile(r"</?(strong|b|em|i|span|a|font|br|p)(\s[^>]*)?/?>", re.I)


_BULLET_LINE = re.compile(r"^\s*[►▶■□◆◇●○★☆▲△▼▽◀◢◣→]+\s*\S{0,12}\s*$", re.M)


def strip_decorations(text: str) -> tuple[str, list[Repair]]:
    """Remove emoji, keyword brackets 『』, stray inline HTML and bullet-only column labels.

    >>> strip_decorations("追加20亿元💵投入『城市绿道』\\n► 城市生活\\n")[0]
    '追加20亿元投入城市绿道\\n'
    """
    repairs: list[Repair] = []
    for kind, pattern, repl in (
        ("emoji", _EMOJI, ""),
        ("keyword-brackets", _KEYWORD_BRACKETS, r"\1"),
        ("html-tag", _HTML_TAG, ""),
        ("column-label", _BULLET_LINE, ""),
    ):
        found = pattern.findall(text)
        if found:
            sample = found[0] if isinstance(found[0], str) else "".join(found[0])
            repairs.append(Repair(kind, sample.strip()[:20], "", len(found)))
            text = pattern.sub(repl, text)
    return text, repairs


_SENTENCE_END = tuple('。！？!?…”’"』」)）:：;；》】')


_SOFT_BREAK = tuple(",，、(（“《")


def join_broken_lines(text: str) -> tuple[str, list[Repair]]:
    """Re-join sentences that a page break cut across blank lines; keep headings separate.

    A line is a fragment when it does not end a sentence and is either long (a heading is
    short) or ends on a comma-like mark.

    >>> t = "市交通局列出了新建地铁线路的四个目标:第一个目标是缩短通勤时间以方便市民出行;第二"
    >>> join_broken_lines(t + "\\n\\n个目标是减少拥堵。\\n\\n杭州地铁加速建设\\n\\n正文。")[0][-32:]
    '便市民出行;第二个目标是减少拥堵。\\n\\n杭州地铁加速建设\\n\\n正文。'
    """
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n|\n", text)]
    paragraphs = [p for p in paragraphs if p]
    out: list[str] = []
    joins = 0
    for para in paragraphs:
        if out and _is_fragment(out[-1]):
            out[-1] = out[-1] + para
            joins += 1
        else:
            out.append(para)
    repairs = [Repair("page-break", "…\\n\\n…", "joined", joins)] if joins else []
    return "\n\n".join(out), repairs


def _is_fragment(line: str) -> bool:
    if line.endswith(_SENTENCE_END):
        return False
    return len(line) > 40 or line.endswith(_SOFT_BREAK)


def drop_repeated_lines(text: str) -> tuple[str, list[Repair]]:
    """Drop a paragraph that repeats the one right before it (titles printed twice).

    >>> drop_repeated_lines("标题\\n\\n标题\\n\\n正文")[0]
    '标题\\n\\n正文'
    """
    out: list[str] = []
    dropped = 0
    for para in text.split("\n\n"):
        if out and para.strip() and para.strip() == out[-1].strip():
            dropped += 1
            continue
        out.append(para)
    return "\n\n".join(out), (
        [Repair("repeated-line", out[0][:20], "", dropped)] if dropped else []
    )


# Site chrome: navigation and counters that scrapers keep around the article body.
_CHROME_LINE = re.compile(
    r"^\s*(发布日期|发布时间|点击次数|阅读次数|浏览次数|上一篇|下一篇|返回列表|责任编辑|分享到|打印本页|关闭窗口)"
    r"\s*[:：].*$",
    re.M,
)


# A line that starts the recommendation / disclaimer tail of a page: everything after it is not
# the article.
_SPAM_START = re.compile(
    r"^\s*[\[【]?(猜你喜欢|相关推荐|推荐阅读|热门推荐|热门文章|相关阅读|相关文章|延伸阅读|精彩推荐|"
    r"特别声明|免责声明|版权声明|声明[:：]|本文来源于网络)",
    re.M,
)


# Advertising phrases that content farms inject into the body text of copied articles.
_INJECTED_SPAM = re.compile(r"场外配资|股票配资|配资平台|配资公司|加微信|扫码关注")


def cut_site_chrome(text: str) -> tuple[str, list[Repair]]:
    """Remove navigation/counter lines (发布日期, 上一篇, 下一篇 …).

    >>> cut_site_chrome("发布日期:2025-03-04 点击次数:149\\n正文。\\n上一篇:别的文章")[0]
    '\\n正文。\\n'
    """
    found = _CHROME_LINE.findall(text)
    if not found:
        return text, []
    return _CHROME_LINE.sub("", text), [Repair("site-chrome", found[0], "", len(found))]


def cut_spam_tail(text: str) -> tuple[str, list[Repair]]:
    """Cut recommendation spam and disclaimers after the article body, and injected ad phrases.

    Only a marker in the second half of the text (or opening a page that is nothing but a
    recommendation list) counts, so an article that *discusses* disclaimers is not truncated.

    >>> cut_spam_tail("正文很长。" * 10 + "\\n特别声明:本文仅代表作者\\n猜你喜欢\\n夏季养生小窍门")[0]
    '正文很长。正文很长。正文很长。正文很长。正文很长。正文很长。正文很长。正文很长。正文很长。正文很长。'
    """
    repairs: list[Repair] = []
    for m in _SPAM_START.finditer(text):
        if m.start() >= len(text) * 0.5 or not text[: m.start()].strip():
            tail = text[m.start() :]
            repairs.append(Repair("spam-tail", tail.strip()[:40], "", len(tail)))
            text = text[: m.start()].rstrip()
            break
    found = _INJECTED_SPAM.findall(text)
    if found:
        text = _INJECTED_SPAM.sub("", text)
        repairs.append(Repair("injected-spam", found[0], "", len(found)))
    return text, repairs


def clean_text(text: str) -> tuple[str, list[Repair]]:
    """All repairs in order; returns clean simplified text and what was changed.

    >>> clean_text("發布日期:2025\\n鐵(tiě)路\\n\\n節(jié)能。")[0]
    '铁路\\n\\n节能。'
    """
    repairs: list[Repair] = []
    text = normalize_unicode(text)
    # repetition first: a sentence pasted 20,000 times is one sentence for every later step
    for step in (collapse_repetition, remove_pinyin_annotations, strip_decorations):
        text, r = step(text)
        repairs += r
    # pinyin goes first: OpenCC would otherwise see "數(shù)據(jù)" as two separate words
    if traditional_ratio(text) > 0.02:
        text = to_simplified(text)
        repairs.append(Repair("traditional", "繁體", "简体"))
    steps = (
        cut_injected_instructions,
        cut_site_chrome,
        repair_washed_text,
        cut_spam_tail,
        join_broken_lines,
        drop_repeated_lines,
    )
    for step in steps:
        text, r = step(text)
        repairs += r
    return text.strip(), repairs
