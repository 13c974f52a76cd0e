"""The chat handler and the app around it (rag/ui/chat.py, rag/ui/app.py), on a fake pipeline:
history parsing, streaming into the chat, errors shown in place, the named ``/ask`` endpoint,
and a full queue refused with a clear message in the browser.
"""

from __future__ import annotations

import json
import time

import pytest

import rag
import rag.ui.app as ui
import rag.ui.chat as ui_chat
from rag.answer.question import QuestionError
from rag.config import Settings
from tests.conftest import free_port
from tests.helpers import AMAZON, MICROSOFT, amazon_answer


def test_parse_history_accepts_json_or_list_and_keeps_text_turns():
    turns = [{"role": "user", "content": "问"}, {"role": "assistant", "content": "答[1]"}]
    assert ui_chat.parse_history(json.dumps(turns)) == turns
    assert ui_chat.parse_history(turns + [{"role": "system", "content": "x"}, "junk"]) == turns
    assert ui_chat.parse_history("") == [] and ui_chat.parse_history(None) == []
    with pytest.raises(QuestionError, match="not valid JSON"):
        ui_chat.parse_history("[{")


def test_respond_streams_then_shows_the_final_answer(monkeypatch):
    seen_history = []

    def fake_stream(question, history=None):
        seen_history.append(list(history or []))
        yield "2024年亚马逊"
        yield "为777亿[1]"
        yield amazon_answer()

    monkeypatch.setattr(rag, "ask_stream", fake_stream)
    steps = list(ui_chat.respond(AMAZON, [], []))
    assert "rag-pending" in steps[0][0][-1]["content"]
    assert any(
        "rag-streaming" in s[0][-1]["content"] and "为777亿[1]" in s[0][-1]["content"]
        for s in steps
    )
    chat, box, turns = steps[-1]
    assert box == ""
    assert chat[0] == {"role": "user", "content": AMAZON}
    assert "rag-final" in chat[-1]["content"] and "rag-cite" in chat[-1]["content"]
    assert turns == [
        {"role": "user", "content": AMAZON},
        {"role": "assistant", "content": amazon_answer().text},
    ]
    # a follow-up passes the earlier turns (text only)
    list(ui_chat.respond("那微软呢?", chat, turns))
    assert seen_history[-1] == turns


def test_respond_rejects_an_empty_question_without_calling_the_model(monkeypatch):
    def boom(*a, **k):
        raise AssertionError("the model must not be called")

    monkeypatch.setattr(rag, "ask_stream", boom)
    with pytest.warns(UserWarning, match="empty"):
        steps = list(ui_chat.respond("   ", [], []))
    assert steps == [([], "   ", [])]


def test_respond_shows_pipeline_errors_in_the_chat(monkeypatch):
    def broken(question, history=None):
        raise RuntimeError("model file is damaged")

    monkeypatch.setattr(rag, "ask_stream", broken)
    chat, box, turns = list(ui_chat.respond(AMAZON, [], []))[-1]
    assert "rag-error" in chat[-1]["content"] and "model file is damaged" in chat[-1]["content"]
    assert box == AMAZON and turns == []  # the question stays for a retry


def test_build_app_has_the_named_endpoint_queue_and_local_host(tmp_path):
    settings = Settings(home=tmp_path, queue_size=3)
    demo = ui.build_app(settings)
    api_names = [d.get("api_name") for d in demo.config["dependencies"]]
    assert "ask" in api_names
    assert demo._queue.max_size == 3
    model_fns = [f for f in demo.fns.values() if f.concurrency_id == ui.MODEL_GROUP]
    assert len(model_fns) >= 4 and all(f.concurrency_limit == 1 for f in model_fns)
    assert ui.launch_options(settings)["server_name"] == "127.0.0.1"
    assert ui.launch_options(settings)["max_file_size"] == settings.max_upload_bytes
    assert "3 waiting" in ui.busy_message(settings)


@pytest.mark.browser
def test_a_full_queue_is_refused_with_a_clear_message(browser, monkeypatch, tmp_path):
    """One question at a time; with the queue full the page says so in plain words."""
    import threading

    from gradio_client import Client

    release = threading.Event()

    def slow_stream(question, history=None):
        yield "……"
        release.wait(60)
        yield amazon_answer()

    monkeypatch.setattr(rag, "ask_stream", slow_stream)
    settings = Settings(home=tmp_path, queue_size=1)
    port = free_port()
    demo = ui.build_app(settings)
    demo.launch(**ui.launch_options(settings, port=port), prevent_thread_lock=True, quiet=True)
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        client = Client(f"http://127.0.0.1:{port}/", verbose=False)
        running = client.submit(AMAZON, "[]", api_name="/ask")
        deadline = time.time() + 30
        while running.status().code.name != "PROCESSING" and time.time() < deadline:
            time.sleep(0.2)
        waiting = client.submit(MICROSOFT, "[]", api_name="/ask")  # fills the queue (size 1)
        time.sleep(1)
        refused = client.submit(MICROSOFT, "[]", api_name="/ask")
        with pytest.raises(Exception, match="[Qq]ueue is full"):
            refused.result(timeout=30)

        page = context.new_page()
        page.goto(f"http://127.0.0.1:{port}/", wait_until="load")
        box = page.locator("#rag-question textarea")
        box.fill(AMAZON)
        box.press("Enter")
        banner = page.locator("#rag-busy")
        banner.wait_for(timeout=30_000)
        assert "queue is full" in banner.inner_text() and "模型正忙" in banner.inner_text()
        assert box.input_value() == AMAZON  # nothing was lost: the question can be sent again
        release.set()
        assert running.result(timeout=60)["citations"] and waiting.result(timeout=60)["text"]
    finally:
        release.set()
        context.close()
        demo.close()
