"""Names and terms learned from the indexed corpus (rag/index/learn.py), by general patterns of
news text, never by a list of names: they become entities for the answer checks, are saved
with the BM25 segments, and each ingest adds its own.

The names are invented; a common word stands for a company named after one (jieba's
dictionary tags it as a common noun, so only the corpus can say it is a name).
"""

from __future__ import annotations

import json

from rag.answer.terms import question_entities
from rag.index import tokenize as tok
from rag.index.learn import learn_terms, quoted_terms
from rag.index.segments import DELTA, open_segments
from rag.records import Passage
from tests.archive_data import neutral_text


def test_a_word_before_a_job_title_and_a_person_is_a_name():
    assert question_entities("鹈鹕的营收是多少?") == []  # jieba: a bird, a common noun
    assert learn_terms(["近期,鹈鹕董事长王一鸣表示,今年会加大投入。"]) == ["鹈鹕 nz"]
    assert question_entities("鹈鹕的营收是多少?") == ["鹈鹕"]


def test_a_word_before_a_title_inside_a_longer_phrase_is_not_a_name():
    # "部门" runs on from "研发": the phrase, not the word, is what the title belongs to
    assert learn_terms(["公司研发部门总经理李想说,样机已完成。"]) == []


def test_the_other_items_of_a_list_of_names_are_names():
    assert learn_terms(["杭州、宁波、蜂鸟和温州都在名单上。"]) == ["蜂鸟 nz"]
    assert question_entities("蜂鸟去年的销量是多少?") == ["蜂鸟"]
    assert learn_terms(["苹果、香蕉、橙子和西瓜都降价了。"]) == []  # no names: fruit


def test_a_word_before_a_latin_name_in_brackets_is_a_name_but_not_before_an_acronym():
    learned = learn_terms(["灯塔(Lighthouse Labs)发布了新报告,每股收益(EPS)上升。"])
    assert learned == ["灯塔 nz"]


def test_a_new_word_before_an_organisation_word_is_a_name():
    assert question_entities("途岚集团的营收是多少?") == []  # jieba cuts it in two
    assert learn_terms(["据悉,途岚集团昨天签约。"]) == ["途岚 nz"]
    assert question_entities("途岚集团的营收是多少?") == ["途岚"]
    assert learn_terms(["这家科技公司昨天签约。"]) == []  # a kind of company, not one


def test_a_name_the_hmm_finds_in_two_articles_is_kept_with_its_tag():
    learned = learn_terms(["记者采访了柯岚淇。", "柯岚淇说,项目已完工。"])
    assert learned == ["柯岚淇 nr"]
    assert question_entities("柯岚淇说了什么?") == ["柯岚淇"]


def test_two_words_found_mostly_together_become_one_search_token():
    assert "航运开支" not in tok.tokenize("航运开支")
    learned = learn_terms(["港口的航运开支增加,航运开支创新高。", "今年航运开支下降。"])
    assert learned == ["航运开支"]  # a term, not a name
    assert "航运开支" in tok.tokenize("今年的航运开支是多少?")
    assert question_entities("今年的航运开支是多少?") == []


def test_quoted_phrases_are_one_token_but_no_names_by_that_alone():
    learned = quoted_terms(["启用“松涛二号”泵站,称“港口的未来”已来,“服务”到家。"])
    assert learned == ["松涛二号", "港口的未来"]  # "服务": a word jieba knows, in quotes
    learn_terms(["启用“松涛二号”泵站。"])
    assert "松涛二号" in tok.tokenize("松涛二号泵站何时启用?")
    assert question_entities("松涛二号泵站何时启用?") == []


def test_job_titles_are_one_token():
    assert "首席战略官" in tok.tokenize("首席战略官是谁?")  # a general word of news (data)
    assert "首席战略官" in tok.titles()


def test_names_are_saved_with_the_index_and_each_upload_adds_its_own(tmp_path):
    def article(i: int, text: str) -> Passage:
        return Passage(f"a{i}-000", f"s{i}.txt", f"标题{i}", text, article_id=f"a{i}")

    first = [article(i, neutral_text(i)) for i in range(20)]
    first.append(article(20, "近期,喜鹊董事长刘建华表示,新厂年底投产。"))
    pool = {p.id: p for p in first}
    get = lambda ids: [pool[i] for i in ids]  # noqa: E731
    seg, _ = open_segments(tmp_path, set(pool), get)
    assert "喜鹊 nz" in seg.main.terms
    saved = json.loads((tmp_path / "rag.json").read_text())
    assert "喜鹊 nz" in saved["terms"]

    later = article(21, "据悉,松鼠董事长陈志明昨天到访。")
    pool[later.id] = later
    seg, _ = open_segments(tmp_path, set(pool), get, previous=seg)
    assert "松鼠 nz" in seg.terms  # learned from the upload, in the delta
    assert "松鼠 nz" in json.loads((tmp_path / DELTA).read_text())["terms"]
    assert question_entities("松鼠和喜鹊的产量是多少?") == ["松鼠", "喜鹊"]


def test_a_block_cut_before_a_lesson_is_cut_again_after_it():
    import jieba

    text = "蓝湾港启用翠鸟湾码头。市民说翠鸟湾码头很方便。"
    assert tok.cut(text) == jieba.lcut(text)  # the cache cuts as jieba does
    tok.teach_terms(["翠鸟湾码头"])
    assert "翠鸟湾码头" in tok.cut(text)  # the cached blocks that hold it were dropped
    assert tok.cut(text) == jieba.lcut(text)


def test_a_lesson_changes_only_the_blocks_that_hold_its_words():
    import jieba

    text = "湖区的游客中心今天开放。"
    before = tok.cut(text)  # cached now
    total = jieba.dt.total
    tok.teach_terms([f"青枫{i}号站" for i in range(300)])  # a large lesson, none in the text
    # the dictionary's total is what every word's probability is divided by: had the lesson
    # raised it, a block cut now could differ from the same block cut (and cached) before
    assert jieba.dt.total == total
    tok.forget_cuts()
    assert tok.cut(text) == before
