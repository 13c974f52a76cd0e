"""Adverts and spam inside news text: links, orders to the reader, ad markers.

A scraped page carries ads between paragraphs ("广告 …扫码领取"); no answer may quote or
cite them, and the evidence search skips them.
"""

from __future__ import annotations

import re

URL = re.compile(
    r"(?i)\b(?:https?://|www\.)[^\s，。、）)”\]]+|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|cn|net|org|io|info|top|xyz|example)\b(?:/[^\s，。、）)”\]]*)?"
)
# an order to the reader ("请访问…登录查看"): news states facts, an answer never instructs
IMPERATIVE = re.compile(
    r"请(?:访问|登录|点击|扫码|扫描|添加|联系|拨打|回复|关注|下载|前往|转账|汇款)"
)


# what marks an advert in a news page: the word itself, a phone number, a sales pitch
# ("广告" alone is a label; "广告业务" is news)
_AD = re.compile(
    r"(?:^|\s)广告(?:\s|[:：]|$)|(?<!\d)1[3-9]\d{9}(?!\d)|\d{3,4}-\d{7,8}|加微信|扫码|配资"
)


def is_promotional(sentence: str) -> bool:
    """Whether a sentence is an advert or spam rather than news: a link, an order to the
    reader, an ad marker, or a question (an ad headline; news states, it does not ask).

    >>> is_promotional("广告 如何写一份年终总结?"), is_promotional("新馆将于周二开放。")
    (True, False)
    """
    return bool(
        URL.search(sentence)
        or IMPERATIVE.search(sentence)
        or _AD.search(sentence)
        or re.search(r"[?？]", sentence)
    )
