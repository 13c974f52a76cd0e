"""The Articles tab's uploads (rag/ui/corpus.py): safe file names, type and size checks, and
the handler that copies valid files into the data dir's uploads/ and indexes them.

Uploading through the real page is tested in test_ui_page.py.
"""

from __future__ import annotations

import pytest

import rag
import rag.ui.corpus as ui_corpus
from rag.config import Settings


def test_safe_filename_keeps_only_a_harmless_basename():
    assert ui_corpus.safe_filename("../../etc/passwd.txt") == "passwd.txt"
    assert ui_corpus.safe_filename("..\\..\\win.ini.md") == "win.ini.md"
    assert ui_corpus.safe_filename("星河云 数据中心?.TXT") == "星河云_数据中心.txt"
    assert ui_corpus.safe_filename(".hidden.html") == "hidden.html"
    assert ui_corpus.safe_filename("a\x00b<script>.txt") == "ab_script.txt"
    assert ui_corpus.safe_filename("...txt") == "upload.txt"
    assert ui_corpus.safe_filename("") == "upload"


def test_save_upload_validates_type_size_and_stays_in_uploads(tmp_path):
    settings = Settings(home=tmp_path / "home", max_upload_bytes=100)
    src = tmp_path / "in"
    src.mkdir()
    good = src / "星河 云.txt"
    good.write_text("星河云投资42亿元。", encoding="utf-8")
    dest = ui_corpus.save_upload(good, settings)
    assert dest == (tmp_path / "home" / "uploads" / "星河_云.txt").resolve()
    assert dest.read_text(encoding="utf-8") == "星河云投资42亿元。"

    pdf = src / "report.pdf"
    pdf.write_bytes(b"%PDF-1.4")
    with pytest.raises(ValueError, match="unsupported file type '.pdf'"):
        ui_corpus.save_upload(pdf, settings)
    big = src / "big.md"
    big.write_text("长" * 200, encoding="utf-8")
    with pytest.raises(ValueError, match="limit is 100 bytes"):
        ui_corpus.save_upload(big, settings)
    empty = src / "empty.html"
    empty.write_bytes(b"")
    with pytest.raises(ValueError, match="empty"):
        ui_corpus.save_upload(empty, settings)
    assert sorted(p.name for p in (tmp_path / "home" / "uploads").iterdir()) == ["星河_云.txt"]


def test_upload_handler_copies_valid_files_and_reports_rejected_ones(tmp_path, monkeypatch):
    from rag.index.store import SyncReport
    from rag.ingest.read import FileReport

    indexed = []

    def fake_index(paths, progress=True):
        indexed.extend(paths)
        return SyncReport(
            files=[FileReport(path=str(p), articles=1, added=3) for p in paths], added=3
        )

    monkeypatch.setattr(rag, "index_paths", fake_index)
    # add_files (rag.ui.corpus) looks render_corpus up in its own module
    monkeypatch.setattr(ui_corpus, "render_corpus", lambda: "<corpus>")
    inbox = tmp_path / "in"
    inbox.mkdir()
    good = inbox / "星河云 news.md"
    good.write_text("# 星河云\n\n星河云投资42亿元建设数据中心。", encoding="utf-8")
    bad = inbox / "slides.pptx"
    bad.write_bytes(b"PK")
    report, corpus = ui_corpus.add_files([str(good), str(bad)])
    assert indexed == [(tmp_path / "rag-home" / "uploads" / "星河云_news.md").resolve()]
    assert "rag-status-ok" in report and "星河云_news.md" in report and "3 passages added" in report
    assert "rag-status-error" in report and "unsupported file type &#x27;.pptx&#x27;" in report
    assert corpus == "<corpus>"


def test_the_articles_tab_lists_a_file_an_interrupted_upload_lost(monkeypatch, tmp_path):
    from types import SimpleNamespace

    import rag.runtime

    gone = str(tmp_path / "uploads" / "three.txt")
    state = SimpleNamespace(state="removed", detail="interrupted; the file is gone: nothing kept")
    catalog = SimpleNamespace(find=lambda q: [], records=lambda ids: {}, count=lambda: 0)
    store = SimpleNamespace(
        catalog=catalog, count=lambda: 0, uploads="", unusual_file_states=lambda: {gone: state}
    )
    monkeypatch.setattr(rag.runtime, "get_store", lambda *a: store)
    tab = ui_corpus.render_corpus()
    assert "three.txt" in tab and 'rag-state">interrupted; the file is gone' in tab
