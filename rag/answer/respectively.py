""" "分别" lists spelled out: "A、B的X分别为a、b" → "(A a、B b)", which small models misread."""

from __future__ import annotations

import re

_VALUE = r"[约超逾近]?\d[\d.,]*\s*(?:%|万亿|亿|万)?(?:(?![和与及的])[\u4e00-\u9fffA-Za-z]){0,3}"


_VALUES = re.compile(rf"({_VALUE})((?:\s*(?:、|和|与|及|以及)\s*{_VALUE})+)")


def expand_respectively(text: str) -> str:
    """Spell out "A、B的X分别为a、b" pairs, which small models misread, as "(A a、B b)".

    >>> expand_respectively("2024年,北京站和上海站的客流量分别为1.2亿人次、9800万人次,同比分别增长12.5%和8.3%。")
    '2024年,北京站和上海站的客流量分别为1.2亿人次、9800万人次(北京站1.2亿人次、上海站9800万人次),同比分别增长12.5%和8.3%(北京站12.5%、上海站8.3%)。'
    """
    out = []
    last = 0
    subjects: list[str] = []
    for m in re.finditer(r"分别", text):
        clause_start = max(text.rfind(ch, 0, m.start()) for ch in ",，。;；:：") + 1
        clause = text[clause_start : m.start()]
        head = re.split(r"等|的", clause, maxsplit=1)[0]
        items = [x.strip() for x in re.split(r"、|和|与|及", head) if x.strip()]
        if items:  # "上海站仍分别…": the adverb is not part of the name
            items[-1] = re.sub(r"(仍|也|都|均|将|则|已|还)+$", "", items[-1])
        if len(items) >= 2 and all(len(x) <= 12 for x in items):
            subjects = items
        if clause_start and text[clause_start - 1] in "。;；":
            subjects = subjects if len(items) >= 2 else []
        tail = text[m.end() : m.end() + 120]
        v = re.match(r"(?:为|是|达到|达|增长|下降|占|约为|以)?\s*", tail)
        vm = _VALUES.match(tail, v.end())
        if not subjects or not vm:
            continue
        values = [
            x.strip() for x in re.split(r"\s*(?:、|和|与|及|以及)\s*", vm.group(0)) if x.strip()
        ]
        if len(values) != len(subjects):
            continue
        end = m.end() + vm.end()
        out.append(text[last:end])
        out.append("(" + "、".join(f"{s}{val}" for s, val in zip(subjects, values)) + ")")
        last = end
    out.append(text[last:])
    return "".join(out)
