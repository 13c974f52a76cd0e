"""Every defect class of dirty scraped text, on small fixtures."""

from rag.ingest.clean import (
    clean_text,
    cut_site_chrome,
    cut_spam_tail,
    drop_repeated_lines,
    join_broken_lines,
    normalize_unicode,
    remove_pinyin_annotations,
    strip_decorations,
    to_simplified,
    traditional_ratio,
)
from rag.ingest.washed import is_washed, repair_washed_text, washed_score


def test_pinyin_annotations_removed_real_parentheses_kept():
    text = "北京發(fā)布了《算力基礎(chǔ)設(shè)施實(shí)施方案(2024—2027年)》,深度求索(DeepSeek)的特色I(xiàn)P"
    out, repairs = remove_pinyin_annotations(text)
    assert out == "北京發布了《算力基礎設施實施方案(2024—2027年)》,深度求索(DeepSeek)的特色IP"
    assert repairs[0].kind == "pinyin" and repairs[0].count == 5


def test_pinyin_with_lost_character_leaves_no_annotation():
    out, repairs = remove_pinyin_annotations("寧夏的沙漠?shù)據(jù)中心")
    assert "shù" not in out and "jù" not in out and "?" not in out
    assert {r.kind for r in repairs} == {"pinyin", "pinyin-lost-char"}


def test_traditional_to_simplified():
    assert to_simplified("數據中心節能,產業發展") == "数据中心节能,产业发展"
    assert traditional_ratio("數據中心節能產業發展") > 0.5
    assert traditional_ratio("数据中心节能产业发展") == 0.0


def test_unicode_normalisation():
    assert normalize_unicode("ＡＩ　算力\u200b２０２５") == "AI 算力2025"


def test_keyword_brackets_emoji_and_variation_selector_stripped():
    out, repairs = strip_decorations("以『机器人』\ufe0f为例,追加300亿美元💵投入『数据中心』")
    assert out == "以机器人为例,追加300亿美元投入数据中心"
    assert {r.kind for r in repairs} == {"emoji", "keyword-brackets"}


def test_page_break_inside_sentence_is_joined_but_heading_is_not():
    text = (
        "腾讯表示,2025年会进一步增加资本支出,预计占收入的低两位数百分比(通常为10%至\n\n"
        "20%)。\n\n如何支配超千亿元资金\n\n中金公司在一份研报中指出。"
    )
    out, repairs = join_broken_lines(text)
    assert "10%至20%" in out
    assert "\n\n如何支配超千亿元资金\n\n" in out
    assert repairs[0].count == 1


def test_site_chrome_removed():
    out, repairs = cut_site_chrome(
        "发布日期:2025-03-04 15:16 点击次数:149\n正文。\n上一篇:清水器\n下一篇:没有了"
    )
    assert out.strip() == "正文。"
    assert repairs[0].count == 3


def test_recommendation_spam_after_article_cut():
    body = "阿里云还将构建超级AI云。" * 20
    spam = "\n\n特别声明:该文观点仅代表作者本人\n\n猜你喜欢\n\n富邦科技与老乡农场共筑示范田,百亩水稻与毛豆"
    out, repairs = cut_spam_tail(body + spam)
    assert out == body
    assert "富邦" not in out and repairs[0].kind == "spam-tail"


def test_spam_marker_early_in_text_does_not_truncate():
    text = "本文讨论免责声明的写法。\n免责声明:示例。\n" + "正文内容。" * 30
    out, _ = cut_spam_tail(text)
    assert out.endswith("正文内容。")


def test_injected_ad_phrase_removed():
    out, repairs = cut_spam_tail("为此,场外配资需要使用更多的算力。" + "正文。" * 10)
    assert out.startswith("为此,需要使用更多的算力。")
    assert repairs[-1].kind == "injected-spam"


def test_repeated_title_dropped():
    out, _ = drop_repeated_lines("大模型厂商竞相布局\n\n大模型厂商竞相布局\n\n正文。")
    assert out == "大模型厂商竞相布局\n\n正文。"


WASHED = (
    "全球科技巨头正在豪恣投资AI基建。百度文告将16亿好意思元(约合东说念主民币110亿元)托管资金转投云筹画与AI基础步伐。"
    "好意思国科技巨头王人在加码,咱们瞻望异日的老本开支抓续增长,大模子熟悉成本下落。"
)


def test_washed_detector_flags_spun_text_only():
    assert is_washed(WASHED)
    assert washed_score("美国科技巨头都在加码基础设施建设,我们预计未来的资本开支持续增长。") == 0.0


def test_washed_repair_restores_words_and_records_each_substitution():
    out, repairs = repair_washed_text(WASHED)
    for word in (
        "美元",
        "人民币",
        "基础设施",
        "计算",
        "美国",
        "都在",
        "我们",
        "未来",
        "资本开支",
        "大模型",
        "训练成本",
    ):
        assert word in out, word
    for spun in ("好意思", "东说念主", "基础步伐", "王人", "咱们", "老本"):
        assert spun not in out, spun
    kinds = {(r.before, r.after) for r in repairs}
    assert ("好意思元", "美元") in kinds and ("基础步伐", "基础设施") in kinds
    assert all(r.kind == "washed" and r.count >= 1 for r in repairs)


def test_washed_table_not_applied_to_normal_text():
    normal = "政府干预市场,技能培训很重要,熟悉业务的人示意大家安静。"
    assert repair_washed_text(normal) == (normal, [])


def test_clean_text_pipeline_order():
    raw = "發布日期:2025-01-01\n數(shù)據(jù)中心\n\n節(jié)能『降耗』💵"
    out, repairs = clean_text(raw)
    assert out == "数据中心\n\n节能降耗"
    assert {"pinyin", "traditional", "site-chrome", "emoji", "keyword-brackets"} <= {
        r.kind for r in repairs
    }
