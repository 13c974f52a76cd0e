"""Legacy Chinese encodings: Big5 and GB18030 bytes of real-looking news decode to the text
they were made from, and the report names the right encoding family."""

from __future__ import annotations

import pytest

from rag.ingest.load import load_file
from rag.ingest.read import decode_bytes, plausibility

# neutral local news: weather, sport, markets, district works (traditional, Hong Kong style)
TRADITIONAL = (
    "香港天文台表示，受東北季候風影響，本港今明兩日天氣轉涼，早上最低氣溫約十四度，"
    "新界部分地區氣溫會再低兩三度。天文台提醒市民注意保暖，長者及長期病患者應穿著足夠衣服。"
    "另外，受強烈季候風影響，沿岸地區吹強風，海面有大浪，市民應遠離岸邊，不要進行水上活動。"
    "天文台預測，本週後期季候風逐漸緩和，氣溫回升，週末天氣大致天晴，日間乾燥。"
    "在體育方面，香港足球代表隊昨晚在旺角大球場以二比一擊敗對手，賽後主教練稱讚球員表現出色，"
    "並感謝到場支持的球迷。恆生指數昨日收市上升一百二十點，成交額約九百億元。"
    "區議會亦通過撥款，在屯門及元朗增設單車徑和休憩處，預計明年年底前完工，方便居民使用。"
)
# "恒" (the Hang Seng spelling used in Hong Kong) exists in cp950 but not in strict Big5
TRADITIONAL_CP950 = TRADITIONAL.replace("恆生", "恒生")
TRADITIONAL_SHORT = "台北市今天午後有雷陣雨，氣象局提醒民眾外出攜帶雨具。"
SIMPLIFIED = (
    "中央气象台今天早上发布寒潮蓝色预警，受强冷空气影响，未来三天我国中东部地区将自北向南"
    "出现大风降温天气，气温普遍下降六到八度，局地降温超过十度。专家提醒公众及时添衣保暖，"
    "出行注意交通安全。在体育方面，本市马拉松比赛上周日举行，来自全国各地的两万多名选手参赛，"
    "男子组冠军以两小时十分的成绩冲过终点。市交通部门表示，比赛期间部分道路实行临时交通管制，"
    "公交线路也作了相应调整。社区卫生服务中心开展了免费体检活动，吸引了不少老年居民前来参加。"
    "此外，市园林局表示，今年春季全市将新增绿地二百公顷，并改造十座街心公园，方便市民休闲散步。"
)
SIMPLIFIED_SHORT = "本市明天多云转小雨，最高气温十八度，请市民出行带好雨具。"

FAMILY = {"big5": "big5", "cp950": "big5", "big5hkscs": "big5", "gb18030": "gb", "gbk": "gb"}


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        (TRADITIONAL, "big5"),
        (TRADITIONAL, "cp950"),
        (TRADITIONAL_CP950, "cp950"),
        (TRADITIONAL, "gb18030"),
        (TRADITIONAL_SHORT, "big5"),
        (TRADITIONAL_SHORT, "cp950"),
        (TRADITIONAL_SHORT, "gb18030"),
        (SIMPLIFIED, "gb18030"),
        (SIMPLIFIED, "gbk"),
        (SIMPLIFIED_SHORT, "gb18030"),
        (SIMPLIFIED_SHORT, "gbk"),
        (SIMPLIFIED, "utf-8"),
    ],
)
def test_legacy_bytes_decode_to_the_original_text_and_family(text, encoding):
    decoded, found = decode_bytes(text.encode(encoding))
    assert decoded == text
    assert FAMILY.get(found, found) == FAMILY.get(encoding, encoding)


@pytest.mark.parametrize("width", [10, 30, 60])
def test_every_window_of_a_paragraph_decodes_right(width):
    # Big5 bytes are always valid GB18030 too; short windows are the hard case
    cases = [(TRADITIONAL, "big5"), (TRADITIONAL_CP950, "cp950"), (SIMPLIFIED, "gbk")]
    for text, encoding in cases:
        for i in range(0, len(text) - width, 2):
            window = text[i : i + width]
            decoded, found = decode_bytes(window.encode(encoding))
            assert (decoded, FAMILY[found]) == (window, FAMILY[encoding]), window


def test_wrong_decodings_score_low():
    assert plausibility(TRADITIONAL) == plausibility(SIMPLIFIED) == 1.0
    assert plausibility(TRADITIONAL.encode("big5").decode("gb18030")) < 0.4
    assert plausibility(SIMPLIFIED_SHORT.encode("gbk").decode("big5")) < 0.6
    assert plausibility("plain ASCII only") == 1.0


def test_a_big5_file_is_reported_as_big5_with_a_readable_title(tmp_path):
    path = tmp_path / "天氣.txt"
    path.write_bytes(("本港天氣轉涼\n\n" + TRADITIONAL).encode("big5"))
    articles, report = load_file(path)
    assert report.status == "ok" and FAMILY[report.encoding] == "big5"
    assert articles[0].title == "本港天气转凉"  # cleaned to simplified, not garbled
    assert "恒生指数" in articles[0].text and "天文台" in articles[0].text
