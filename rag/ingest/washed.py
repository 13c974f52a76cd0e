"""Detect and undo synonym-spun ("洗稿") text.

Content farms copy news through a spinning tool that swaps words for near-synonyms or
look-alikes by a fixed dictionary: 美元→好意思元, 人→东说念主, 都→王人, 基础设施→基础步伐 …
The result defeats keyword search and confuses small models. The dictionary is the tool's,
not the article's, so one reviewed table undoes it for every article spun by it.

Many spun forms are real words too (干预, 熟悉, 技能), so the table is applied only to documents
the detector flags, using *marker* forms that ordinary Chinese never contains.
"""

from __future__ import annotations

import re
from functools import lru_cache

from rag.records import Repair

# Forms that essentially never occur in normal text: their density identifies a spun document.
MARKERS = (
    "好意思元",
    "好意思国",
    "东说念主",
    "王人在",
    "基础步伐",
    "阛阓",
    "居品",
    "大模子",
    "咫尺",
    "异日",
    "作念",
    "一经",
    "抓续",
    "熟悉成本",
    "老本开支",
    "畛域",
    "智商",
    "莫得",
    "咱们",
)


# spun form -> original form. Longest forms win (one regex alternation, one pass), so
# 结伙东说念主 is handled before 东说念主 and a replacement is never re-replaced.
SUBSTITUTIONS: dict[str, str] = {
    # people, money, places
    "好意思元": "美元",
    "好意思国": "美国",
    "东说念主民币": "人民币",
    "东说念主": "人",
    "结伙东说念主": "合伙人",
    "中国转移": "中国移动",
    "转移云": "移动云",
    "外洋": "海外",
    # economy and business
    "老本开支": "资本开支",
    "老本开销": "资本开销",
    "老本": "资本",
    "阛阓": "市场",
    "居品": "产品",
    "解放现款流": "自由现金流",
    "现款流": "现金流",
    "商量利润率": "经营利润率",
    "贸易化": "商业化",
    "酬金": "回报",
    "情势": "模式",
    "鸠合": "集团",
    "总司理": "总经理",
    "作事群": "事业群",
    "职工": "员工",
    "要道": "关键",
    "圭臬": "环节",
    "管束决议": "解决方案",
    "管束": "管理",
    # technology
    "基础步伐": "基础设施",
    "配套步伐": "配套设施",
    "技能": "技术",
    "智商": "能力",
    "筹画": "计算",
    "熟悉": "训练",
    "大模子": "大模型",
    "模子": "模型",
    "运用": "应用",
    "漫衍式": "分布式",
    "理智城市": "智慧城市",
    "加快卡": "加速卡",
    "收罗": "网络",
    "通讯": "通信",
    "缔造": "建设",
    "开采": "研发",
    "遐想": "设计",
    "立异": "创新",
    "终局": "终端",
    "边际": "边缘",
    "妙技": "技能",
    "高档": "高级",
    "询查": "研究",
    # verbs
    "干预": "投入",
    "示意": "表示",
    "文告": "宣布",
    "开动": "开始",
    "涌现": "显示",
    "瞻望": "预计",
    "抓续": "持续",
    "罢了": "实现",
    "冲破": "突破",
    "鼓动": "推进",
    "领有": "拥有",
    "败露": "披露",
    "对消": "抵消",
    "加多": "增加",
    "下落": "下降",
    "镌汰": "降低",
    "伙同": "结合",
    "支援": "支持",
    "霸占": "抢占",
    "劫夺": "争夺",
    "惦记": "担心",
    "凭证": "根据",
    "调处": "联合",
    "阐明作用": "发挥作用",
    "阐扬": "表现",
    "稳健": "巩固",
    "均衡": "平衡",
    "浸透": "渗透",
    "豪恣": "疯狂",
    "高出": "超过",
    "得胜": "成功",
    "延续": "继续",
    "跟着": "随着",
    "随入辖下": "随着",
    "以为": "认为",
    "安宁想考": "冷静思考",
    "直禁受益": "直接受益",
    # function words and adverbs
    "王人": "都",
    "一经": "已经",
    "咫尺": "目前",
    "异日": "未来",
    "昔时": "过去",
    "本年头": "今年初",
    "本年": "今年",
    "昨年": "去年",
    "同期": "同时",
    "作念": "做",
    "不外": "不过",
    "咱们": "我们",
    "莫得": "没有",
    "由至今天": "由于今天",
    "这么": "这样",
    "不错": "可以",
    "系数": "所有",
    "诚然": "虽然",
    "如故": "仍然",
    "显着": "显然",
    "彰着": "明显",
    "极端": "非常",
    "径直": "直接",
    "肖似": "类似",
    "通盘": "整个",
    "相通地": "同样地",
    "畅达": "连续",
    "历久": "长期",
    "踏实": "稳定",
    "显耀": "显著",
    "热烈": "强烈",
    "苍劲": "强劲",
    "崇敬": "正式",
    "正常认同": "广泛认同",
    # nouns
    "畛域": "规模",
    "干系": "相关",
    "配景": "背景",
    "真谛": "意义",
    "技俩": "项目",
    "谜底": "答案",
    "本质": "事实",
    "实质": "本质",
    "契机": "机会",
    "身分": "要素",
    "旅途": "路径",
    "讲演": "报告",
    "波澜": "浪潮",
    "武备竞赛": "军备竞赛",
    "重迭": "重复",
    "过炎": "过热",
    "细巧化": "精细化",
    "空泛": "匮乏",
    "全体": "整体",
    "子民化": "平民化",
    "闹热": "热闹",
    "手脚": "作为",
    "越过": "进步",
    "盘算": "计划",
    "统共": "总共",
    "亦然": "也是",
    "但愿": "希望",
    "念书": "读书",
    "当今": "现在",
    "中枢": "核心",
    "干事": "服务",
    "阿谁": "那个",
    "公共": "大家",
    "如斯": "如此",
    "甚而": "甚至",
    "面孔": "方式",
    "保抓": "保持",
    "出产率": "生产率",
    "就绪": "便捷",
}


# A spun "对" (→ 双) is only safe to undo in front of the person being addressed.
_CONTEXT_RULES = ((re.compile(r"双(?=[^,，。]{0,8}记者)"), "对"),)


# Real phrases that contain a spun form and must survive.
_PROTECTED = ("不好意思", "好意思问")


def washed_score(text: str) -> float:
    """Spin markers per 1,000 characters; normal news scores 0, a spun article well above 2.

    >>> washed_score("好意思国城市王人在加码基础步伐") > 2
    True
    >>> washed_score("美国城市都在加码基础设施")
    0.0
    """
    if not text:
        return 0.0
    hits = sum(text.count(m) for m in MARKERS)
    distinct = sum(1 for m in MARKERS if m in text)
    if distinct < 3:  # one odd word is a typo, not a spinning tool
        return 0.0
    return 1000 * hits / len(text)


def is_washed(text: str, threshold: float = 2.0) -> bool:
    return washed_score(text) >= threshold


@lru_cache(maxsize=1)
def _pattern() -> re.Pattern:
    keys = sorted(SUBSTITUTIONS, key=len, reverse=True)
    return re.compile("|".join(map(re.escape, keys)))


def undo_substitutions(text: str) -> tuple[str, dict[tuple[str, str], int]]:
    """Apply the table in one pass and count each substitution.

    >>> undo_substitutions("东说念主民币8亿元投向阛阓与配套步伐")[0]
    '人民币8亿元投向市场与配套设施'
    """
    counts: dict[tuple[str, str], int] = {}
    protected = {p: f"\x00{i}\x00" for i, p in enumerate(_PROTECTED)}
    for phrase, token in protected.items():
        text = text.replace(phrase, token)

    def swap(m: re.Match) -> str:
        new = SUBSTITUTIONS[m.group(0)]
        counts[(m.group(0), new)] = counts.get((m.group(0), new), 0) + 1
        return new

    text = _pattern().sub(swap, text)
    for rule, new in _CONTEXT_RULES:
        text, n = rule.subn(new, text)
        if n:
            counts[(rule.pattern[:1], new)] = n
    for phrase, token in protected.items():
        text = text.replace(token, phrase)
    return text, counts


def repair_washed_text(text: str) -> tuple[str, list[Repair]]:
    """Undo spinning only when the detector flags the document; record every substitution.

    >>> repair_washed_text("好意思国城市王人在缔造基础步伐,东说念主民币8亿元")[0]
    '美国城市都在建设基础设施,人民币8亿元'
    >>> repair_washed_text("美国城市都在建设基础设施,干预市场")[0]
    '美国城市都在建设基础设施,干预市场'
    """
    if not is_washed(text):
        return text, []
    fixed, counts = undo_substitutions(text)
    repairs = [Repair("washed", old, new, n) for (old, new), n in sorted(counts.items())]
    return fixed, repairs
