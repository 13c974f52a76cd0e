"""General lists live in rag/data/ with their provenance; names come from jieba and the corpus.

No list of one corpus's names, terms or phrases lives in code: entities are jieba's
part-of-speech names plus the names learned from the indexed articles.
"""

from __future__ import annotations

import re
from importlib import resources

import pytest

from rag.data import column, read_table
from rag.index import tokenize as tok
from rag.index.learn import learn_terms, quoted_terms
from rag.ingest import washed

TABLES = sorted(p.name for p in resources.files("rag.data").iterdir() if p.name.endswith(".tsv"))
PROVENANCE = re.compile(r"general\b|observed in \S")


def test_the_lists_are_data_files():
    for name in (
        "stopwords.tsv",
        "generic_terms.tsv",
        "not_names.tsv",
        "units.tsv",
        "synonyms.tsv",
        "spin_substitutions.tsv",
        "spin_markers.tsv",
        "name_cues.tsv",
    ):
        assert name in TABLES, name


@pytest.mark.parametrize("name", TABLES)
def test_every_row_has_its_provenance(name):
    text = resources.files("rag.data").joinpath(name).read_text("utf-8")
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    if lines[0].endswith("\tprovenance"):
        header, rows = lines[0].split("\t"), lines[1:]
    else:  # a table of regexes keeps its header in a comment ("# pattern<TAB>provenance")
        commented = [line for line in text.splitlines() if line.endswith("\tprovenance")]
        assert commented, f"{name} has no header ending in provenance"
        header, rows = commented[0].lstrip("# ").split("\t"), lines
    assert header[-1] == "provenance", f"{name}: the last column must be provenance: {header}"
    assert rows, f"{name} has no rows"
    for number, line in enumerate(rows, 2):
        cells = line.split("\t")
        assert len(cells) == len(header), f"{name} row {number}: {cells}"
        assert all(c.strip() for c in cells), f"{name} row {number} has an empty cell"
        assert PROVENANCE.match(cells[-1]), f"{name} row {number}: provenance {cells[-1]!r}"


def test_read_table_rejects_a_row_of_the_wrong_width(tmp_path, monkeypatch):
    (tmp_path / "bad.tsv").write_text("# x\nword\tprovenance\n甲\n", encoding="utf-8")
    monkeypatch.setattr(resources, "files", lambda package: tmp_path)
    read_table.cache_clear()
    try:
        with pytest.raises(ValueError, match="row 2"):
            read_table("bad.tsv")
    finally:
        read_table.cache_clear()


def test_no_corpus_lists_left_in_code():
    from rag.answer import question, terms

    for module, names in (
        (tok, ("STOPWORDS", "DOMAIN_TERMS", "ORGANIZATIONS")),
        (terms, ("GENERIC", "_NOT_NAMES")),
        (washed, ("SUBSTITUTIONS", "MARKERS", "_CONTEXT_RULES", "_PROTECTED")),
    ):
        for name in names:
            assert not hasattr(module, name), f"{module.__name__}.{name}"
    # what the code still exports is read from the data files
    assert set(question.COUNTERS) == {
        r["unit"] for r in read_table("units.tsv") if r["kind"] == "counter"
    }
    assert tok.synonyms() == tok.SYNONYMS


def test_synonym_groups_are_symmetric():
    syn = tok.synonyms()
    for word, alternatives in syn.items():
        for alt in alternatives:
            assert word in syn[alt], (word, alt)


def test_units_longest_first_so_a_longer_unit_wins():
    from rag.answer.question import analyse_question

    assert analyse_question("这台机组一年发电多少千瓦时?").unit == "千瓦时"
    assert analyse_question("这条路有多少公里?").unit == "公里"


def test_stop_words_and_generic_words_come_from_the_data():
    assert "的" in tok.stopwords() and "的" not in tok.tokenize("湖边的灯塔")
    from rag.answer.terms import generic_words, key_terms

    assert "情况" in generic_words() and "情况" not in key_terms("湖区的降雨情况如何?")


def test_tokenizer_version_follows_the_stop_words_and_the_taught_titles():
    assert tok.TOKENIZER_VERSION.startswith("jieba-6-")
    assert len(tok.TOKENIZER_VERSION) == len("jieba-6-") + 16


def test_a_phrase_the_corpus_quotes_becomes_one_token_and_a_name_where_news_names_it():
    from rag.answer.terms import question_entities

    question = "青岚湾码头的吞吐量是多少?"  # invented: no dictionary knows this name
    learned = learn_terms(["“青岚湾码头”去年扩建,青岚湾码头吞吐量翻番。"])
    assert learned == ["青岚湾码头"]  # a term: quotes alone do not make a name
    assert "青岚湾码头" in tok.tokenize(question)
    assert "青岚湾码头" not in question_entities(question)
    # learned again from the next batch: still saved with it (a rebuilt index keeps it)
    assert quoted_terms(["“青岚湾码头”"]) == ["青岚湾码头"]
    # where news names it as an organisation, it is a name
    assert learn_terms(["青岚湾码头董事长王一鸣说,吞吐量翻番。"]) == ["青岚湾码头 nz"]
    assert "青岚湾码头" in question_entities(question)


def test_a_quoted_common_word_is_not_a_name():
    from rag.answer.terms import question_entities

    assert learn_terms(["他说“服务”要到家。"]) == []
    assert question_entities("服务到家的站点有多少?") == []


def test_spin_table_undoes_the_tools_words_and_keeps_real_phrases():
    spun = "好意思国的东说念主王人在说阛阓,咱们异日作念居品。实在不好意思,好意思问一句。"
    assert washed.is_washed(spun)
    fixed, repairs = washed.repair_washed_text(spun)
    assert fixed.startswith("美国的人都在说市场,我们未来做产品。")
    assert "不好意思" in fixed and "好意思问" in fixed  # no spun form inside them
    assert {(r.before, r.after) for r in repairs} >= {("好意思国", "美国"), ("东说念主", "人")}


def test_spin_table_has_no_phrase_patch_its_own_words_already_undo():
    table = washed.substitutions()
    for spun, original in table.items():
        rest = {k: v for k, v in table.items() if k != spun}
        keys = sorted(rest, key=len, reverse=True)
        pattern = re.compile("|".join(map(re.escape, keys)))
        assert pattern.sub(lambda m, r=rest: r[m.group(0)], spun) != original, spun


def test_spin_markers_are_data():
    assert "东说念主" in washed.markers()
    assert column("spin_markers.tsv", "form") == washed.markers()


def test_each_synonym_is_one_search_token():
    # bm25 expands a question's tokens: a synonym that jieba cuts in two would never fire
    for word in tok.synonyms():
        assert tok.tokenize(word) == [word], word
