"""Small generated JSON Lines archives of neutral text, for the archive and scale tests."""

from __future__ import annotations

import gzip
import json
import lzma
import random
from pathlib import Path

WORDS = [
    "城市",
    "公园",
    "道路",
    "学校",
    "图书",
    "居民",
    "周末",
    "活动",
    "天气",
    "晴朗",
    "河流",
    "桥梁",
    "花园",
    "社区",
    "志愿者",
    "早晨",
    "傍晚",
    "广场",
    "书店",
    "课程",
    "展览",
    "音乐",
    "比赛",
    "自行车",
    "绿地",
    "树木",
    "季节",
    "雨水",
    "阳光",
    "车站",
    "列车",
    "报告",
    "会议",
    "计划",
    "读者",
    "老师",
    "学生",
    "家庭",
    "邻居",
    "菜园",
    "市场",
    "商店",
    "咖啡",
    "面包",
    "午餐",
    "晚餐",
    "散步",
    "跑步",
    "游泳",
    "篮球",
    "足球",
    "讲座",
    "剧场",
    "电影",
    "工厂",
    "农田",
    "山坡",
    "湖泊",
    "码头",
    "灯塔",
    "街道",
    "路灯",
    "广播",
    "报纸",
    "照片",
    "地图",
    "窗户",
    "屋顶",
]


def neutral_text(i: int, sentences: int = 4) -> str:
    """An article of ``sentences`` sentences of everyday words, different for each ``i``."""
    rng = random.Random(i)
    return "".join(
        "，".join("".join(rng.sample(WORDS, 3)) for _ in range(4)) + "。" for _ in range(sentences)
    )


def records(n: int, start: int = 0) -> list[dict]:
    """``n`` records with ids a0000…, a date header before the body as some archives have."""
    return [
        {"id": f"a{i:04d}", "text": f"2024-05-{1 + i % 28:02d} 09:30:00，正文：{neutral_text(i)}"}
        for i in range(start, start + n)
    ]


def write_archive(path: Path, rows: list[dict]) -> Path:
    """Write ``rows`` as JSON Lines, compressed by the suffix (.jsonl, .jsonl.gz, .jsonl.xz)."""
    data = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode()
    if path.name.endswith(".gz"):
        data = gzip.compress(data)
    elif path.name.endswith(".xz"):
        data = lzma.compress(data)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path
