"""Tokens for keyword search: jieba, with stop words, domain terms and names learned from the
indexed corpus added to its dictionary (so a name is one token, not three characters).
"""

from __future__ import annotations

import logging
import re
import threading
from functools import lru_cache

_TOKEN_OK = re.compile(r"[\u4e00-\u9fff0-9a-z]")


STOPWORDS = set(
    [
        "的",
        "了",
        "是",
        "在",
        "和",
        "与",
        "及",
        "或",
        "也",
        "都",
        "就",
        "而",
        "并",
        "对",
        "等",
        "中",
        "上",
        "下",
        "为",
        "以",
        "把",
        "被",
        "将",
        "这",
        "那",
        "其",
        "之",
        "于",
        "从",
        "到",
        "谁",
        "吗",
        "呢",
        "吧",
        "啊",
        "么",
        "什么",
        "多少",
        "多久",
        "多长",
        "多长时间",
        "哪些",
        "哪个",
        "哪",
        "如何",
        "怎么",
        "怎样",
        "是否",
        "有",
        "没有",
        "一个",
        "这个",
        "那个",
        "他们",
        "我们",
        "the",
        "a",
        "an",
        "of",
        "in",
        "on",
        "for",
        "to",
        "and",
        "or",
        "is",
        "are",
        "was",
        "were",
        "what",
        "which",
        "who",
        "how",
        "much",
        "many",
        "did",
        "does",
        "do",
        "by",
        "with",
        "at",
        "as",
        "it",
        "its",
        "be",
    ]
)


# General vocabulary of the domain (not answers): terms jieba would otherwise cut in pieces.
DOMAIN_TERMS = [
    "云计算",
    "智算",
    "智算中心",
    "算力",
    "资本开支",
    "资本支出",
    "万卡集群",
    "大模型",
    "数据中心",
    "基础设施",
    "推理",
    "训练成本",
    "人工智能",
    "生成式",
    "智能体",
    "具身智能",
    "开源",
    "闭源",
    "芯片",
    "服务器",
    "液冷",
    "东数西算",
    "算力券",
    "训力券",
    "多模态",
    "通用人工智能",
    "超级人工智能",
    "操作系统",
    "国产替代",
    "英伟达",
    "昇腾",
    "升腾",
    "首席执行官",
    "首席技术官",
    "首席战略官",
    "首席财务官",
    "首席架构师",
    "董事长",
    "总裁",
    "秘书长",
]


# Query-side synonyms of financial news (both directions): a question saying 资本支出 must also
# match an article that says 资本开支.
SYNONYMS = {
    "资本支出": ("资本开支",),
    "资本开支": ("资本支出",),
    "资本开销": ("资本开支", "资本支出"),
    "营收": ("收入",),
    "收入": ("营收",),
    "投资": ("投入",),
    "投入": ("投资",),
}


# Organisations that Chinese tech news names all the time. jieba's dictionary tags several
# of them as common words (百度 'n', 微软 'a', 字节跳动 split in two), so the answer checks
# would not see them as the entity a question is about.
ORGANIZATIONS = [
    "百度",
    "百度智能云",
    "阿里巴巴",
    "阿里云",
    "腾讯",
    "腾讯云",
    "字节跳动",
    "火山引擎",
    "华为",
    "华为云",
    "微软",
    "谷歌",
    "谷歌云",
    "亚马逊",
    "英伟达",
    "英特尔",
    "超威半导体",
    "台积电",
    "三星",
    "苹果公司",
    "甲骨文",
    "高通",
    "小米",
    "京东",
    "美团",
    "快手",
    "网易",
    "深度求索",
    "月之暗面",
    "智谱",
    "商汤",
    "科大讯飞",
    "寒武纪",
    "海光信息",
    "摩尔线程",
    "中科曙光",
    "浪潮信息",
    "联想",
    "中国移动",
    "中国电信",
    "中国联通",
]


_jieba_lock = threading.Lock()


# Bump when tokenisation changes (dictionary, stopwords): a saved BM25 index is then rebuilt.
TOKENIZER_VERSION = "jieba-4"


@lru_cache(maxsize=1)
def _jieba():
    import jieba

    jieba.setLogLevel(logging.WARNING)
    for term in DOMAIN_TERMS:
        jieba.add_word(term, freq=20000)
    for name in ORGANIZATIONS:
        jieba.add_word(name, freq=20000, tag="nt")
    return jieba


def corpus_terms(texts: list[str], limit: int = 500) -> list[str]:
    """Names the corpus itself marks as terms: quoted or bracketed short phrases.

    News text puts product, project and programme names in quotes (“飞星二号”, “东数西算”) or
    title marks; those are the words a reader will ask about and jieba does not know.

    >>> corpus_terms(["科大讯飞调试“飞星二号”智算平台,推出“人工智能十条”政策。"])
    ['飞星二号', '人工智能十条']
    """
    terms: list[str] = []
    for text in texts:
        for m in re.finditer(r"[“\"「『《]([^”\"」』》\s,，。]{2,8})[”\"」』》]", text):
            term = m.group(1)
            if re.search(r"[\u4e00-\u9fff]", term) and term not in terms:
                terms.append(term)
    return terms[:limit]


def add_corpus_terms(texts: list[str]) -> list[str]:
    """Teach jieba the corpus's own terms (see ``corpus_terms``); returns them."""
    return teach_terms(corpus_terms(texts))


_taught: set[str] = set()  # terms this process's jieba knows already


def teach_terms(terms: list[str]) -> list[str]:
    """Teach jieba terms learned earlier (saved with a BM25 segment); returns them."""
    jieba = _jieba()
    with _jieba_lock:
        for t in terms:
            if t not in _taught:
                jieba.add_word(t, freq=2000)
                _taught.add(t)
    return terms


def tokenize(text: str) -> list[str]:
    """Search tokens: jieba's fine-grained cut, lower-cased, stopwords and punctuation dropped.

    >>> tokenize("2024年亚马逊的资本支出是多少?")
    ['2024', '年', '亚马', '亚马逊', '资本', '支出', '资本支出']
    """
    with _jieba_lock:
        words = _jieba().lcut_for_search(text.lower())
    return [
        w for w in (w.strip() for w in words) if w and _TOKEN_OK.search(w) and w not in STOPWORDS
    ]
