"""JSON Lines archives (``rag ingest news.jsonl.xz``): one article per line, each line a unit of
its own — incremental re-ingest, removed lines removed, bad lines reported, a kill resumed."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from rag.config import Settings
from rag.index.manifest import COMPLETE, PENDING, REDONE
from rag.index.store import PassageStore
from rag.ingest.archive import load_line, parse_lines, read_archive
from rag.ingest.load import articles_from_text
from rag.ingest.read import FileReport, IngestError
from tests.archive_data import neutral_text, records, write_archive
from tests.conftest import run_rag
from tests.test_crash import kill_during_indexing

pytestmark = pytest.mark.timeout(600)


def store_for(home, **overrides) -> PassageStore:
    return PassageStore(Settings.from_env({}, home=home, **overrides))


@pytest.mark.parametrize("suffix", [".jsonl", ".jsonl.gz", ".jsonl.xz"])
def test_each_format_reads_the_same_lines(tmp_path, suffix):
    path = write_archive(tmp_path / f"news{suffix}", records(3))
    lines = read_archive(path)
    assert [line.key.rsplit("#", 1)[1] for line in lines] == ["a0000", "a0001", "a0002"]
    assert lines[1].source == f"news{suffix}#a0001"
    articles, report = load_line(lines[1])
    assert report.status == "ok" and len(articles) == 1
    assert articles[0].text == neutral_text(1)  # the date header is metadata, not text
    assert articles[0].date == "2024-05-02"


@pytest.mark.parametrize(
    "text, title, date",
    [
        (
            "2023-08-16 18:24:57，正文：本市图书馆今天起延长开放时间。周末开放到晚上九点。",
            "本市图书馆今天起延长开放时间",
            "2023-08-16",
        ),
        (
            "[ 2023-07-28 16：40 ] ，正文：公园新增两条步道，方便附近的市民晨练和散步。",
            "公园新增两条步道，方便附近的市民晨练和散步",
            "2023-07-28",
        ),
        (
            "8-16 18:24，正文：市民可以在网上预约参观博物馆的新展览了。",
            "市民可以在网上预约参观博物馆的新展览了",
            "",
        ),
    ],
)
def test_a_date_header_is_the_date_not_the_title(text, title, date):
    (article,) = articles_from_text(text, "x", FileReport("x"), split=False)
    assert (article.title, article.date) == (title, date)
    assert not article.text.startswith(("20", "[", "8-")) and "正文" not in article.text
    assert article.repairs[0].kind == "header"
    assert article.original == text  # the original keeps it


def test_fields_title_date_and_source_win_over_the_text(tmp_path):
    row = {
        "id": 7,
        "title": "公园开放",
        "date": "2024/06/01",
        "source": "wire-7",
        "text": neutral_text(7),
    }
    (line,) = parse_lines([json.dumps(row, ensure_ascii=False)], tmp_path / "n.jsonl")
    (article,), _ = load_line(line)
    assert (article.title, article.date, article.source) == ("公园开放", "2024-06-01", "wire-7")
    assert line.key.endswith("n.jsonl#7")


def test_bad_lines_are_reported_and_the_good_ones_indexed(rag_home, tmp_path):
    path = tmp_path / "mixed.jsonl"
    good = records(2)
    path.write_text(
        "\n".join(
            [
                json.dumps(good[0], ensure_ascii=False),
                "{not json",
                json.dumps({"id": "b1", "title": "没有正文"}, ensure_ascii=False),
                json.dumps({**good[1], "id": "a0000"}, ensure_ascii=False),  # repeats an id
            ]
        ),
        encoding="utf-8",
    )
    report = store_for(rag_home).sync([path], progress=False)
    (r,) = report.files
    assert r.status == "ok" and r.articles == 1, r
    assert r.message.startswith("3 lines rejected") and "line 2: not a JSON object" in r.message
    assert 'line 3: no "text" field' in r.message and "repeats an earlier line" in r.message
    assert {p.source for p in store_for(rag_home).all_passages()} == {"mixed.jsonl#a0000"}


def test_reingest_is_incremental_per_line(rag_home, tmp_path):
    rows = records(6)
    path = write_archive(tmp_path / "news.jsonl.gz", rows)
    first = store_for(rag_home).sync([path], progress=False)
    assert first.articles == 6 and first.added == store_for(rag_home).count()

    again = store_for(rag_home).sync([path], progress=False)
    assert (again.added, again.removed, again.unchanged) == (0, 0, first.added)

    rows[2] = {**rows[2], "text": neutral_text(102)}  # edited
    del rows[4]  # removed
    rows.append(records(1, start=50)[0])  # added
    write_archive(path, rows)
    edited = store_for(rag_home).sync([path], progress=False)
    assert edited.articles == 2 and edited.removed == 2, edited
    store = store_for(rag_home)
    sources = Counter(p.source for p in store.all_passages())
    assert set(sources) == {f"news.jsonl.gz#{r['id']}" for r in rows}
    texts = {p.source: p.text for p in store.all_passages()}
    assert texts["news.jsonl.gz#a0002"] == neutral_text(102)
    assert len(store.manifests.all()) == 6


def test_a_near_duplicate_line_is_reported_not_indexed(rag_home, tmp_path):
    rows = records(3)
    rows.append({"id": "copy", "text": rows[1]["text"].replace("。", "!", 1)})
    path = write_archive(tmp_path / "news.jsonl", rows)
    report = store_for(rag_home).sync([path], progress=False)
    assert report.articles == 3
    assert report.files[0].duplicates == [
        f"{load_line(read_archive(path)[3])[0][0].title} (duplicate of another article in this batch)"
    ]


def test_an_unreadable_archive_removes_nothing(rag_home, tmp_path):
    path = write_archive(tmp_path / "news.jsonl.xz", records(3))
    store_for(rag_home).sync([path], progress=False)
    before = store_for(rag_home).count()
    path.write_bytes(path.read_bytes()[:40])  # truncated
    with pytest.raises(IngestError):
        read_archive(path)
    report = store_for(rag_home).sync([path], progress=False)
    assert (
        report.files[0].status == "error" and "cannot read the archive" in report.files[0].message
    )
    assert report.removed == 0 and store_for(rag_home).count() == before


def test_a_killed_archive_ingest_resumes_and_loses_at_most_one_batch(
    rag_home, tmp_path, monkeypatch
):
    monkeypatch.setenv("RAG_INGEST_BATCH", "3")  # one passage per line: batches of 3 lines
    path = write_archive(tmp_path / "news.jsonl.xz", records(24))
    done = kill_during_indexing(path, rag_home, when=lambda done, total: done >= 6)
    store = store_for(rag_home, ingest_batch=3)  # opening completes the pending batch
    manifests = store.manifests.all()
    assert all(m.state == COMPLETE for m in manifests.values())
    redone = [k for k, m in manifests.items() if m.note == REDONE]
    assert set(store.recovered) == set(redone) and len(redone) <= 3, (
        sorted(store.recovered),
        redone,
    )
    committed = len(manifests)
    assert done <= committed < 24

    rerun = run_rag("ingest", str(path), home=rag_home)  # resumes after the last commit
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    assert f"{24 - committed} passages embedded · {committed} unchanged" in rerun.stdout
    store = store_for(rag_home)
    assert Counter(p.source for p in store.all_passages()) == Counter(
        {f"news.jsonl.xz#a{i:04d}": 1 for i in range(24)}
    )
    assert store.catalog.count() == 24
    assert not any(m.state == PENDING for m in store.manifests.all().values())


def test_a_renamed_file_and_a_rekeyed_line_keep_their_articles(rag_home, tmp_path):
    folder = tmp_path / "news"
    (folder / "old.txt").parent.mkdir()
    (folder / "old.txt").write_text(f"公园通知\n\n{neutral_text(1)}", encoding="utf-8")
    rows = records(2, start=10)
    write_archive(folder / "lines.jsonl", rows)
    store_for(rag_home).sync([folder], progress=False)
    before = store_for(rag_home).count()

    (folder / "old.txt").rename(folder / "new.txt")
    rows[1]["id"] = "renamed"
    write_archive(folder / "lines.jsonl", rows)
    report = store_for(rag_home).sync([folder], progress=False)
    assert report.removed == 0 and not any(r.duplicates for r in report.files), report
    store = store_for(rag_home)
    assert store.count() == before
    assert {p.source for p in store.all_passages()} == {
        "new.txt",
        "lines.jsonl#a0010",
        "lines.jsonl#renamed",
    }
    assert sorted(Path(p).name for p in store.manifests.all()) == [
        "lines.jsonl#a0010",
        "lines.jsonl#renamed",
        "new.txt",
    ]
