"""Named eval sets (selection, data dirs, the crud files), evidence recall and the side-by-side
report, with fakes: no index, no model."""

import json
import math
from argparse import Namespace
from pathlib import Path

import pytest

import rag.eval.metrics as M
from rag import runtime
from rag.cli import build_parser
from rag.config import Settings
from rag.eval.run import ItemResult, aggregate
from rag.eval.sets import EvalSet, load_items, named_sets, resolve_sets, set_settings
from rag.eval.sidebyside import render_side_by_side, side_by_side_table, write_side_by_side
from rag.models.base import MockModel
from rag.records import Answer, Citation, Passage
from tests.helpers import FakeRetriever, answerer

REPO = Path(__file__).resolve().parent.parent
CRUD = REPO / "eval" / "crud"

# ---------------------------------------------------------------------------- set selection


def test_all_names_and_files_resolve_to_their_corpus_and_data_dir():
    seeds = Path("/x/seeds")
    assert [(s.name, s.index) for s in resolve_sets("all", seeds=seeds)] == [
        ("seeds", "seeds"),
        ("crud", "crud"),
    ]
    (crud,) = resolve_sets("crud", seeds=seeds)
    assert crud.questions == Path("eval/crud/questions.jsonl")
    assert crud.corpus == Path("eval/crud/articles")
    # a question file runs over the seeds unless told otherwise, in the seeds' data dir
    (hard,) = resolve_sets("eval/hard32.jsonl", seeds=seeds)
    assert (hard.name, hard.corpus, hard.index) == ("hard32", seeds, "seeds")
    (mine,) = resolve_sets("eval/crud/mine.jsonl", "crud", seeds=seeds)
    assert (mine.name, mine.corpus, mine.index) == ("mine", crud.corpus, "crud")
    (other,) = resolve_sets("q.jsonl", "/data/my news", seeds=seeds)
    assert other.index == "my_news"


@pytest.mark.parametrize(
    "spec, corpus", [("crud", "seeds"), ("all", "crud"), ("nonsense", None), ("dev.json", None)]
)
def test_contradictory_or_unknown_sets_are_refused(spec, corpus):
    with pytest.raises(ValueError):
        resolve_sets(spec, corpus, seeds=Path("/x/seeds"))


def test_cli_runs_every_set_by_default():
    args = build_parser().parse_args(["eval"])
    assert (args.set_path, args.corpus, args.limit) == ("all", None, None)
    args = build_parser().parse_args(["eval", "--set", "crud", "--limit", "3"])
    assert (args.set_path, args.limit) == ("crud", 3)


def test_set_settings_keep_the_model_and_separate_the_index(tmp_path, monkeypatch):
    import rag.models.modelfile as modelfile

    gguf = tmp_path / "models" / "m.gguf"
    monkeypatch.setattr(modelfile, "assemble_default_model", lambda folder: folder / "m.gguf")
    base = Settings.from_env({}, home=tmp_path)
    s = set_settings(base, EvalSet("crud", Path("q.jsonl"), Path("arts"), "crud"))
    assert (s.home, s.seeds, s.llm) == (tmp_path / "eval" / "crud", Path("arts"), str(gguf))
    assert s.collection == base.collection  # its own data dir already keeps it apart
    shared = base.replace(chroma_url="http://127.0.0.1:8000", llm="/m/x.gguf")
    s2 = set_settings(shared, EvalSet("seeds", Path("d.jsonl"), Path("seeds"), "seeds"))
    assert s2.collection == "passages-eval-seeds" and s2.llm == "/m/x.gguf"


# -------------------------------------------------------------------------- the crud files


def test_crud_questions_are_the_fixed_reference_set():
    items = load_items(CRUD / "questions.jsonl")
    articles = {p.name for p in (CRUD / "articles").glob("*.txt")}
    assert len(items) == 60 and len(articles) == 505
    unanswerable = [it for it in items if not it["answerable"]]
    assert len(unanswerable) == 15
    assert all(it["category"] == "unanswerable" and not it["sources"] for it in unanswerable)
    for it in items:
        if not it["answerable"]:
            continue
        assert it["must_include"] == [it["answer"]] and it["category"] in ("1doc", "2docs", "3docs")
        assert it["sources"] and set(it["sources"]) <= articles, it["id"]
        texts = [(CRUD / "articles" / s).read_text(encoding="utf-8") for s in it["sources"]]
        # verbatim in a source, up to spacing ("40辆" is written "40 辆" there)
        span = M.normalize_for_match(it["answer"])
        assert any(span in M.normalize_for_match(t) for t in texts), it["id"]
    assert named_sets(REPO / "eval")["crud"].questions.is_file()


def test_seed_items_keep_their_own_fields():
    item = load_items(REPO / "eval" / "dev.jsonl", limit=1)[0]
    assert item["category"] == "single_fact" and item["evidence"] != item["must_include"]


# ------------------------------------------------------------------------- evidence recall


def test_evidence_recall_counts_only_what_the_model_was_shown():
    shown = [("a.txt", "北区新建学校3所,投资1.2亿元"), ("b.txt", "南区新建学校5所")]
    assert M.evidence_recall(["3所"], shown, ["a.txt"]) == 1.0
    assert M.evidence_recall(["5所"], shown, ["a.txt"]) == 0.0  # shown, but from another article
    assert M.evidence_recall(["3所", "1.2亿元", "9所"], shown, ["a.txt"]) == pytest.approx(2 / 3)
    assert M.evidence_recall(["1.2 億元"], shown) == 1.0  # normalised like correctness
    assert M.evidence_recall(["3所"], []) == 0.0
    assert math.isnan(M.evidence_recall([], shown))


def test_the_pipeline_records_the_snippets_of_its_prompt():
    a, model = answerer(["亚马逊2024年的资本支出为777亿美元[1]。"])
    ans = a.ask("2024年亚马逊的资本支出是多少?")
    prompt = model.prompts[0][-1]["content"]
    # the prompt spells "分别" lists out after the quote, so its start is compared
    assert ans.shown and all(f"[{c.n}]" in prompt and c.quote[:20] in prompt for c in ans.shown)
    assert [c.n for c in ans.shown] == list(range(1, len(ans.shown) + 1))
    assert any("777亿美元" in c.quote for c in ans.shown)
    assert "shown" not in ans.to_dict()


def test_nothing_is_shown_when_no_passage_mentions_the_question():
    a, model = answerer([], passages=[Passage("p", "z.txt", "天气", "今日晴,气温十五度。")])
    ans = a.ask("2024年亚马逊的资本支出是多少?")
    assert ans.abstained and ans.shown == [] and model.prompts == []


# ---------------------------------------------------------------- side by side, end to end


def _summary(correct: float, evidence: float) -> dict:
    results = [
        ItemResult("a", "x", "q", True, scores={"correct": correct, "evidence_recall": evidence}),
        ItemResult("b", "u", "q", False, scores={"abstention_acc": 1.0, "ttft_s": 2.0}),
    ]
    return aggregate(results)


def _report(name: str, correct: float, evidence: float) -> dict:
    return {
        "date": "2026-01-01",
        "sha": "abc",
        "set": f"{name}.jsonl",
        "set_name": name,
        "corpus": f"{name}/",
        "n_items": 2,
        "runs": {"ours": {"summary": _summary(correct, evidence), "items": []}},
    }


def test_side_by_side_table_has_metrics_as_rows_and_sets_as_columns(tmp_path):
    reports = {"seeds": _report("seeds", 1.0, 0.5), "crud": _report("crud", 0.0, 0.25)}
    rows = side_by_side_table(reports)
    assert rows[0] == "| metric | seeds | crud |"
    assert "| correct | 1 | 0 |" in rows and "| evidence_recall | 0.50 | 0.25 |" in rows
    assert "| abstention_acc | 1 | 1 |" in rows and "| TTFT p50 (s) | 2 | 2 |" in rows
    md = render_side_by_side(reports)
    assert "`crud.jsonl` over `crud/`" in md and "2026-01-01-abc-crud.md" in md
    md_path, png = write_side_by_side(reports, tmp_path)
    assert md_path.name == "2026-01-01-abc-sets.md" and png.read_bytes()[:4] == b"\x89PNG"


def _write_jsonl(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")


def test_eval_all_asks_each_set_in_its_own_data_dir(tmp_path, monkeypatch):
    import rag.eval.sets as sets
    from rag.eval.run import main

    monkeypatch.chdir(tmp_path)
    seed_q = {"id": "s1", "category": "fact", "question": "甲城人口?", "history": [],
              "answerable": True, "must_include": ["120万"], "sources": ["s.txt"],
              "evidence": ["甲城人口120万"]}  # fmt: skip
    _write_jsonl(Path("eval/dev.jsonl"), [seed_q])
    _write_jsonl(
        Path("eval/crud/questions.jsonl"),
        [
            {"id": "c1", "kind": "1doc", "answerable": True, "question": "乙河多长?",
             "answer": "300公里", "sources": ["n1.txt"]},
            {"id": "c2", "kind": "1doc", "answerable": False, "question": "丙山多高?",
             "answer": "", "sources": []},
        ],
    )  # fmt: skip
    home = tmp_path / "home"
    monkeypatch.setenv("RAG_HOME", str(home))
    monkeypatch.setenv("RAG_LLM", "/m/x.gguf")
    texts = {"seeds": ("s.txt", "甲城人口120万。"), "crud": ("n1.txt", "乙河全长300公里。")}
    indexed = []
    monkeypatch.setattr(sets, "index_corpus", lambda s, corpus: indexed.append(s.home) or "ok")

    def retriever(s):
        source, text = texts[s.home.name]
        return FakeRetriever([Passage("p", source, "标题", text)])

    class Asker:  # answers only from its own data dir's passage: a mixed-up dir shows as wrong
        def __init__(self, s):
            self.p = retriever(s).search("", 1)[0]

        def ask(self, question, history):
            found = [w for w in ("120万", "300公里") if w in self.p.text and "丙山" not in question]
            cite = Citation(1, self.p.source, self.p.title, self.p.text, self.p.text)
            if not found:
                return Answer("资料中没有找到答案。", abstained=True, shown=[cite])
            return Answer(f"{found[0]}[1]。", [cite], passages=[self.p], shown=[cite])

    model = MockModel()
    installed = []
    monkeypatch.setattr(runtime, "get_retriever", retriever)
    monkeypatch.setattr(runtime, "get_model", lambda s: model)
    monkeypatch.setattr(runtime, "use_model", lambda m, s: installed.append((m, s.home.name)))
    monkeypatch.setattr(runtime, "get_answerer", Asker)
    args = Namespace(compare=None, set_path="all", corpus=None, limit=None, out="out",
                     retrieval_only=False, no_judge=True, baseline=False, baseline_n=0)  # fmt: skip
    assert main(args) == 0
    assert indexed == [home / "eval" / "seeds", home / "eval" / "crud"]
    assert installed == [(model, "crud")]  # loaded once, handed to the second set
    out = sorted(p.name.split("-", 4)[-1] for p in Path("out").iterdir())
    assert out == ["crud.json", "crud.md", "crud.png", "seeds.json", "seeds.md", "seeds.png",
                   "sets.md", "sets.png"]  # fmt: skip
    crud = json.loads(next(Path("out").glob("*-crud.json")).read_text("utf-8"))
    overall = crud["runs"]["ours"]["summary"]["overall"]
    assert (overall["correct"], overall["evidence_recall"], overall["abstention_acc"]) == (1, 1, 1)
    assert crud["runs"]["ours"]["items"][0]["shown"][0]["source"] == "n1.txt"
    side = next(Path("out").glob("*-sets.md")).read_text("utf-8")
    assert "| metric | seeds | crud |" in side and "| correct | 1 | 1 |" in side
