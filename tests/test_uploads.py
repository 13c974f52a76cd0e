"""Uploads through the Articles tab: bounded safe names, one outcome per file, nothing kept
that was refused, same-named files both kept, no server path in any message, and
repetitive files indexed as a handful of passages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import rag
import rag.ui.corpus as ui_corpus
from rag.config import Settings
from rag.index.store import SyncReport
from rag.ingest.chunk import chunk_article
from rag.ingest.clean import clean_text
from rag.ingest.load import load_file
from rag.ingest.repeat import collapse_repetition
from rag.ui.uploads import MAX_NAME_BYTES, numbered_name, safe_filename, save_upload, scrub

NEWS = (
    "本市周末天气晴好\n\n"
    "市气象台今天表示，受高压系统控制，本周末本市以晴到多云天气为主，最高气温二十四度。"
    "市体育局同日公布，城市马拉松将于下月举行，报名人数已超过三万人。"
)
SENTENCE = "今天本市天气晴朗，午后气温升至二十五度，市民纷纷外出踏青。"


def fake_index(calls: list, fail: set[str] = frozenset()):
    """rag.index_paths without a model: reports from the real ``load_file`` and chunking;
    raises (with a server path in the message, as OSError does) for names in ``fail``."""

    def index(paths, progress=True):
        calls.append([Path(p).name for p in paths])
        reports = []
        for p in map(Path, paths):
            if p.name in fail:
                raise OSError(36, "File name too long", str(p))
            articles, report = load_file(p)
            report.added = sum(len(chunk_article(a)) for a in articles)
            reports.append(report)
        return SyncReport(files=reports, added=sum(r.added for r in reports))

    return index


@pytest.fixture
def page(monkeypatch):
    """add_files with a fake index; returns the list of toasts shown."""
    toasts: list[str] = []
    monkeypatch.setattr(ui_corpus, "render_corpus", lambda: "<corpus>")
    monkeypatch.setattr(ui_corpus.gr, "Info", toasts.append)
    return toasts


def rows(report_html: str) -> list[str]:
    return re.findall(r"<tr><td>.*?</tr>", report_html)


def assert_no_server_path(text: str, *roots: Path) -> None:
    for root in roots:
        assert str(root) not in text and str(root.resolve()) not in text
    assert "/tmp" not in text and "uploads/" not in text and ".part" not in text


def uploads_of(home: Path) -> list[str]:
    return sorted(p.name for p in (home / "uploads").iterdir())


# ----------------------------------------------------------------------------- names


def test_safe_names_are_bounded_in_bytes_after_nfkc(tmp_path):
    name = safe_filename("㍿" * 60 + ".txt")  # NFKC: 株式会社 ×60, 720 bytes
    assert len(name.encode()) <= MAX_NAME_BYTES and name.endswith(".txt")
    assert name.startswith("株式会社")
    emoji = safe_filename("天气" * 200 + "\U0001f600" * 10 + ".markdown")
    assert len(emoji.encode()) <= MAX_NAME_BYTES and emoji.endswith(".markdown")
    long_ext = safe_filename("本市新闻." + "长" * 40)
    assert len(long_ext.encode()) <= MAX_NAME_BYTES
    second = numbered_name(name, 12)
    assert len(second.encode()) <= MAX_NAME_BYTES and second.endswith(" (12).txt")
    # and it can be written
    src = tmp_path / "src.txt"
    src.write_text(NEWS, encoding="utf-8")
    settings = Settings(home=tmp_path / "home")
    assert save_upload(src, settings, name).name == name


def test_scrub_cuts_absolute_paths_only():
    assert scrub("cannot open '/srv/rag/uploads/a.txt': denied") == "cannot open 'a.txt': denied"
    assert scrub("2024/2025赛季 and/or http://127.0.0.1:8000/v1") == (
        "2024/2025赛季 and/or http://127.0.0.1:8000/v1"
    )


# ----------------------------------------------------------------------------- add_files


def test_each_file_gets_its_own_outcome_and_refused_files_are_not_kept(
    tmp_path, rag_home, monkeypatch, page
):
    calls: list = []
    monkeypatch.setattr(rag, "index_paths", fake_index(calls))
    monkeypatch.setenv("RAG_MAX_FILE_BYTES", "5000")
    inbox = tmp_path / "in"
    (inbox / "a").mkdir(parents=True)
    (inbox / "b").mkdir()
    files = {
        "long": inbox / ("㍿" * 60 + ".txt"),
        "same1": inbox / "a" / "天气.txt",
        "same2": inbox / "b" / "天气.txt",
        "binary": inbox / "photo.txt",
        "big": inbox / "big.md",
        "undecodable": inbox / "garbled.txt",
        "type": inbox / "slides.pptx",
        "empty": inbox / "empty.txt",
        "short": inbox / "short.txt",
    }
    files["long"].write_text(NEWS, encoding="utf-8")
    files["same1"].write_text(NEWS, encoding="utf-8")
    files["same2"].write_text(NEWS.replace("二十四度", "二十六度") + "另讯。", encoding="utf-8")
    files["binary"].write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 20)
    files["big"].write_text(NEWS * 40, encoding="utf-8")
    files["undecodable"].write_bytes(bytes(range(0x80, 0x100)) * 8)
    files["type"].write_bytes(b"PK\x03\x04")
    files["empty"].write_bytes(b"")
    files["short"].write_text("好。", encoding="utf-8")

    report, corpus = ui_corpus.add_files([str(p) for p in files.values()])

    found = rows(report)
    assert len(found) == len(files)  # one row each, in upload order
    ok = [r for r in found if "rag-status-ok" in r]
    assert len(ok) == 3
    assert "天气.txt" in found[1] and "天气 (2).txt" in found[2] and "renamed" in found[2]
    assert "binary" in found[3] and "the limit is 5 kB per file" in found[4]
    assert "unsupported file type" in found[6] and "empty" in found[7]
    assert "no article text" in found[8]
    for r in found[3:]:
        assert "rag-status-ok" not in r
    # both same-named files are kept, each with its own text; nothing refused is kept
    stored = uploads_of(rag_home)
    assert stored == sorted([safe_filename(files["long"].name), "天气.txt", "天气 (2).txt"])
    assert "二十六度" in (rag_home / "uploads" / "天气 (2).txt").read_text(encoding="utf-8")
    assert calls == [[safe_filename(files["long"].name), "天气.txt", "天气 (2).txt"]]
    assert page and "天气 (2).txt" in page[0]
    for text in [report, *page]:
        assert_no_server_path(text, tmp_path, rag_home)


def test_one_file_that_fails_to_index_does_not_lose_the_others(
    tmp_path, rag_home, monkeypatch, page
):
    calls: list = []
    long_name = safe_filename("㍿" * 60 + ".txt")
    monkeypatch.setattr(rag, "index_paths", fake_index(calls, fail={long_name}))
    inbox = tmp_path / "in"
    inbox.mkdir()
    bad = inbox / ("㍿" * 60 + ".txt")
    good = inbox / "本市新闻.txt"
    for p in (bad, good):
        p.write_text(NEWS, encoding="utf-8")
    report, _ = ui_corpus.add_files([str(bad), str(good)])
    first, second = rows(report)
    assert "rag-status-error" in first and "File name too long" in first and "not kept" in first
    assert "rag-status-ok" in second and "本市新闻.txt" in second
    assert uploads_of(rag_home) == ["本市新闻.txt"]  # the failed one taken out again
    assert calls[0] == [long_name, "本市新闻.txt"] and [long_name] in calls[1:]
    for text in [report, *page]:
        assert_no_server_path(text, tmp_path, rag_home)


def test_a_refused_reupload_keeps_the_previous_version(tmp_path, rag_home, monkeypatch, page):
    monkeypatch.setattr(rag, "index_paths", fake_index([]))
    inbox = tmp_path / "in"
    inbox.mkdir()
    src = inbox / "天气.txt"
    src.write_text(NEWS, encoding="utf-8")
    ui_corpus.add_files([str(src)])
    src.write_bytes(b"\x00\x01\x02binary" * 100)
    report, _ = ui_corpus.add_files([str(src)])
    assert "rag-status-error" in report and "not kept" in report
    assert uploads_of(rag_home) == ["天气.txt"]
    assert (rag_home / "uploads" / "天气.txt").read_text(encoding="utf-8") == NEWS


def test_a_store_error_message_shows_no_server_path(tmp_path, rag_home, monkeypatch, page):
    def broken(paths, progress=True):
        raise RuntimeError(f"cannot write {rag_home / 'chroma' / 'chroma.sqlite3'}: disk full")

    monkeypatch.setattr(rag, "index_paths", broken)
    src = tmp_path / "本市新闻.txt"
    src.write_text(NEWS, encoding="utf-8")
    report, _ = ui_corpus.add_files([str(src)])
    assert "not indexed: RuntimeError: cannot write chroma.sqlite3: disk full" in report
    assert uploads_of(rag_home) == []
    assert_no_server_path(report, tmp_path, rag_home)


# ----------------------------------------------------------------------------- repetition


def repetitive_file(folder: Path, size: int = 1_990_000) -> Path:
    path = folder / "repeat.txt"
    head = "本市周末天气晴好\n\n"
    copies = (size - len(head.encode())) // len(SENTENCE.encode())
    path.write_text(head + SENTENCE * copies, encoding="utf-8")
    return path


def test_a_2mb_repetitive_file_becomes_a_few_passages_with_a_notice(tmp_path):
    path = repetitive_file(tmp_path)
    assert 1_900_000 < path.stat().st_size <= 2_000_000
    articles, report = load_file(path)
    passages = [p for a in articles for p in chunk_article(a)]
    assert report.status == "ok" and 1 <= len(passages) < 10
    assert "% of this file repeats the same sentences; kept 1 copy" in report.message
    share = int(report.message.split("%")[0])
    assert share >= 95
    assert any(r.kind == "repetition" and r.before == SENTENCE for r in report.repairs)


def test_repeated_blocks_collapse_and_chunks_never_repeat():
    text, repairs = collapse_repetition(
        "开头。" + "甲队先得一分。乙队随即追平。" * 50 + "比赛结束。"
    )
    assert text == "开头。甲队先得一分。乙队随即追平。比赛结束。"
    assert repairs[0].kind == "repetition" and repairs[0].count == 49
    # a cycle too long to collapse (12 sentences) still gives each passage text only once
    cycle = "".join(f"第{i}号公告:本市{i}区今日停水。" for i in range(12))
    from rag.records import Article

    art = Article(source="x.txt", title="停水", text=cycle * 200, original="")
    passages = chunk_article(art)
    assert len({p.text for p in passages}) == len(passages) < 40


def test_ordinary_news_is_not_touched_by_repetition_repair():
    text, repairs = clean_text("本市天气晴好\n\n本市天气晴好\n\n球迷高喊:加油!加油!比赛很精彩。")
    assert "加油!加油!" in text
    kinds = {r.kind for r in repairs}
    assert "repeated-line" in kinds and "repetition" not in kinds
