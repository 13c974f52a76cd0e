"""Reading, splitting, metadata and chunking — on the seeds and on small hand-made files."""

import re

import pytest

import rag
from rag.ingest.chunk import chunk_article, split_sentences
from rag.ingest.load import load_file
from rag.ingest.split import dedupe_articles, split_articles
from tests.conftest import SEEDS

SPAM_WORDS = ("猜你喜欢", "上一篇", "下一篇", "特别声明", "富邦科技", "喜人奇妙夜", "发电机组")
EMOJI = re.compile("[\U0001f000-\U0001faff\u2600-\u27bf\ufe0f]")


@pytest.fixture(scope="module")
def seeds():
    return {a.title: a for a in rag.load_articles(SEEDS)}


def test_000_yields_four_articles_with_titles_and_outlets(seeds):
    arts = [a for a in seeds.values() if a.source.startswith("000_")]
    assert [(a.title, a.outlet) for a in arts] == [
        ("科技巨头打响“AI军备竞赛”", "21世纪经济报道"),
        ("大模型为科学研究装上“加速器”", "科技日报"),
        ("科研人员研制出硬币大小生物电池", "深圳商报"),
        ("Meta发布开源人工智能软件", "第一财经日报"),
    ]
    assert arts[0].author == "白杨"


def test_no_article_keeps_dirt(seeds):
    for a in seeds.values():
        assert not re.search(r"\([a-zü\u0100-\u01dc]{1,6}\)", a.text), a.title
        assert "『" not in a.text and "』" not in a.text
        assert not EMOJI.search(a.text), a.title
        for word in SPAM_WORDS:
            assert word not in a.text, (a.title, word)


def test_washed_article_reads_normal_words(seeds):
    washed = next(a for a in seeds.values() if a.source.startswith("001_"))
    assert "美元" in washed.text and "基础设施" in washed.text
    assert "好意思元" not in washed.text and "基础步伐" not in washed.text
    assert washed.date == "2025-03-04"
    assert washed.original.count("好意思元") > 0  # the original stays available
    assert any(r.kind == "washed" and r.before == "好意思元" for r in washed.repairs)


def test_traditional_article_is_simplified(seeds):
    trad = next(a for a in seeds.values() if a.source.startswith("003_"))
    assert "数据" in trad.text and "數據" not in trad.text
    assert "(2024—2027年)" in trad.text and "(DeepSeek)" in trad.text
    assert "數(shù)據(jù)" in trad.original


def test_page_broken_sentence_is_one_sentence(seeds):
    arms = seeds["科技巨头打响“AI军备竞赛”"]
    assert "第二个用途" in arms.text
    sentence = next(
        arms.text[s:e] for s, e in split_sentences(arms.text) if "第二" in arms.text[s:e]
    )
    assert sentence == "第二个用途是使用GPU进行大语言模型训练;"


def test_split_articles_on_source_lines():
    parts = split_articles(
        "甲文第一段。\n\n供稿:《21世纪经济报道》作者:白杨\n\n乙文。\n\n据《科技日报》作者:崔爽"
    )
    assert [(o, a) for _, o, a in parts] == [("21世纪经济报道", "白杨"), ("科技日报", "崔爽")]


def test_gbk_and_bom_files_are_decoded(tmp_path):
    text = "星河云宣布投资42亿元建设数据中心。这是一个测试用的新闻段落,内容足够长。"
    (tmp_path / "gbk.txt").write_bytes(text.encode("gbk"))
    (tmp_path / "bom.txt").write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    for name, enc in (("gbk.txt", "gb18030"), ("bom.txt", "utf-8-sig")):
        arts, report = load_file(tmp_path / name)
        assert report.status == "ok" and report.encoding == enc
        assert "42亿元" in arts[0].text


@pytest.mark.parametrize(
    "name, data, message",
    [
        ("empty.txt", b"", "empty file"),
        ("blank.txt", b"   \n\n", "empty file"),
        ("binary.txt", bytes(range(256)) * 8, "binary"),
        ("image.png", b"\x89PNG\r\n", "unsupported file type"),
    ],
)
def test_bad_files_get_a_clear_per_file_result(tmp_path, name, data, message):
    (tmp_path / name).write_bytes(data)
    arts, report = load_file(tmp_path / name)
    assert arts == [] and report.status == "error" and message in report.message


def test_spam_only_file_is_skipped(tmp_path):
    (tmp_path / "spam.txt").write_text("猜你喜欢\n\n富邦科技示范田\n\n喜人奇妙夜", encoding="utf-8")
    arts, report = load_file(tmp_path / "spam.txt")
    assert arts == [] and report.status == "skipped"


def test_html_and_markdown_inputs(tmp_path):
    (tmp_path / "a.html").write_text(
        "<html><head><title>星河云投资</title><script>x=1</script></head><body>"
        "<p>星河云宣布投资42亿元建设数据中心,预计明年投产。</p><p>该项目位于贵州。</p></body></html>",
        encoding="utf-8",
    )
    (tmp_path / "b.md").write_text(
        "# 月光科技融资\n\n**月光科技**完成了[新一轮](http://x)融资,金额为3亿元。", encoding="utf-8"
    )
    html, _ = load_file(tmp_path / "a.html")
    md, _ = load_file(tmp_path / "b.md")
    assert html[0].title == "星河云投资" and "42亿元" in html[0].text and "x=1" not in html[0].text
    assert md[0].title == "月光科技融资" and "月光科技完成了新一轮融资" in md[0].text


def test_exact_and_near_duplicates_dropped(seeds):
    arts = list(seeds.values())
    near = type(arts[0])(
        **{
            **arts[0].__dict__,
            "source": "copy.txt",
            "text": arts[0].text.replace("史无前例", "前所未有"),
        }
    )
    kept, dropped = dedupe_articles(arts + [arts[1], near])
    assert len(kept) == len(arts) and len(dropped) == 2


def test_chunks_keep_offsets_source_and_title(seeds):
    arms = seeds["科技巨头打响“AI军备竞赛”"]
    passages = chunk_article(arms, size=220, overlap=1)
    assert len(passages) > 5
    for p in passages:
        assert arms.text[p.start : p.end] == p.text
        assert p.source == arms.source and p.title == arms.title
        assert len(p.text) <= 220 or len(split_sentences(p.text)) == 1
    # neighbours overlap by one sentence
    assert passages[0].end > passages[1].start


def test_oversized_file_gets_a_clear_result_without_being_read(tmp_path):
    big = tmp_path / "big.txt"
    big.write_bytes(("数据中心。" * 400_000).encode("utf-8"))  # 6 MB
    arts, report = load_file(big)
    assert arts == [] and report.status == "error" and "limit is 2.0 MB" in report.message
