"""The chat page: streaming answers that show where every claim comes from.

``build_app()`` returns the Gradio Blocks; ``launch()`` serves it (127.0.0.1 by default; any
other address needs a login, ``RAG_AUTH=user:password``, or an explicit ``--no-auth``:
``rag.ui.exposure``).

- **Chat**: answers stream in as the model writes them; when generation ends the streamed
  text is replaced by the final, verified answer, whose every ``[n]`` marker is a link that
  opens its passage in the sources panel below the answer (title, outlet, date, file, and the
  passage with the supporting sentence ``<mark>``-ed). An abstention is shown as a grey
  "not found in the articles" box. Follow-ups see the earlier turns (text only). The
  example questions come from what is indexed (``rag.ui.examples``): the demo's own while
  the demo articles are indexed, else questions made from the titles of recent articles.
- **Articles**: upload .txt/.md/.html files (validated, copied under ``RAG_HOME/uploads``
  with a sanitized name, indexed at once), the per-file ingest report, and the list of
  indexed articles with the repairs ingestion made to each: searched by title or source,
  50 a page (``rag.ui.articles``).
- **API**: ``/ask`` (``gradio_client``: ``client.predict(question, history_json,
  api_name="/ask")``) returns ``{"text", "abstained", "citations": [...], ...}``.

One request at a time reaches the model (one concurrency group with limit 1, a queue of
``settings.queue_size``); when the queue is full the page says so in plain words.
"""

from __future__ import annotations

import argparse
import json
import sys

import gradio as gr

from rag.config import Settings, get_settings
from rag.ingest.read import SUPPORTED
from rag.logs import setup_logging
from rag.ui.articles import show_articles
from rag.ui.chat import ask_api, respond
from rag.ui.corpus import _human, add_files
from rag.ui.examples import examples_update
from rag.ui.exposure import ExposureError, check_exposure, parse_auth
from rag.ui.style import CSS, JS, theme

MODEL_GROUP = "model"  # every event that touches the model or the index shares this slot


def busy_message(settings: Settings) -> str:
    n = settings.queue_size
    return (
        f"模型正忙:排队已满({n} 个请求在等待),本次提问未被接收,请稍后再试。 "
        f"The model is busy: the queue is full ({n} waiting; questions are answered one at a "
        "time). Your question was not sent; please try again in a minute."
    )


def page_js(settings: Settings) -> str:
    return JS.replace("__CSS__", json.dumps(CSS)).replace(
        "__BUSY__", json.dumps(busy_message(settings))
    )


def build_app(settings: Settings | None = None) -> gr.Blocks:
    """The page. The answering pipeline reads its own settings (``RAG_*``) when it runs."""
    settings = settings or get_settings()
    exts = sorted(SUPPORTED)
    with gr.Blocks(title="中文新闻问答 · Cited answers", analytics_enabled=False) as demo:
        gr.Markdown(
            "## 中文新闻问答 · Cited answers over Chinese news\n"
            "Answers come only from the indexed articles; every claim carries a marker such as "
            "**[1]** that opens the passage it comes from, with the supporting sentence highlighted. "
            "One question is answered at a time by a local model on the CPU (10–60 s; the first one also loads it)."
        )
        turns = gr.State([])
        with gr.Tabs():
            with gr.Tab("问答 · Chat", id="chat"):
                chatbot = gr.Chatbot(
                    elem_id="rag-chat",
                    label="Conversation",
                    height=560,
                    latex_delimiters=[],
                    sanitize_html=True,
                    buttons=["copy"],
                    placeholder="问一个关于新闻的问题 · Ask a question about the news articles",
                )
                with gr.Row():
                    box = gr.Textbox(
                        elem_id="rag-question",
                        show_label=False,
                        placeholder="输入问题,按 Enter 发送 · Type a question (Enter to send)",
                        scale=8,
                        lines=1,
                        max_lines=4,
                        autofocus=True,
                    )
                    send = gr.Button(
                        "发送 · Ask", variant="primary", scale=0, min_width=120, elem_id="rag-send"
                    )
                    new = gr.Button("新对话 · New chat", scale=0, min_width=200, elem_id="rag-new")
                # filled per page load from what is indexed (rag.ui.examples)
                examples = gr.Dataset(
                    components=[box],
                    samples=[],
                    label="示例问题 · Example questions",
                    visible=False,
                    elem_id="rag-examples",
                )
            with gr.Tab("资料库 · Articles", id="corpus") as corpus_tab:
                gr.Markdown(
                    f"**Add articles** ({', '.join(exts)}; up to {_human(settings.max_upload_bytes)} each). "
                    "They are cleaned, indexed and can be asked about at once."
                )
                upload = gr.File(
                    label="Upload .txt / .md / .html",
                    file_count="multiple",
                    file_types=exts,
                    elem_id="rag-upload",
                    height=120,
                )
                report = gr.HTML(elem_id="rag-report")
                with gr.Row():
                    gr.Markdown("**Indexed articles** and the repairs ingestion made to each")
                    refresh = gr.Button("刷新 · Refresh", size="sm", scale=0)
                with gr.Row():
                    search = gr.Textbox(
                        elem_id="rag-article-search",
                        show_label=False,
                        placeholder="搜索标题或来源 · Search title or source (Enter)",
                        scale=6,
                    )
                    prev = gr.Button("◀", size="sm", scale=0, min_width=48, elem_id="rag-prev")
                    page = gr.Number(
                        value=1, precision=0, minimum=1, show_label=False, scale=0,
                        min_width=80, elem_id="rag-page",
                    )  # fmt: skip
                    nxt = gr.Button("▶", size="sm", scale=0, min_width=48, elem_id="rag-next")
                corpus = gr.HTML(elem_id="rag-corpus")

        chat_io = dict(inputs=[box, chatbot, turns], outputs=[chatbot, box, turns])
        for trigger in (box.submit, send.click):
            trigger(
                respond,
                **chat_io,
                concurrency_id=MODEL_GROUP,
                concurrency_limit=1,
                api_visibility="private",
                show_progress="minimal",
            )
        new.click(
            lambda: ([], "", []), None, [chatbot, box, turns], queue=False, api_visibility="private"
        )
        chatbot.clear(lambda: [], None, turns, queue=False, api_visibility="private")
        upload.upload(
            add_files,
            inputs=[upload],
            outputs=[report, corpus],
            concurrency_id=MODEL_GROUP,
            concurrency_limit=1,
            api_visibility="private",
        ).then(lambda: ("", 1), None, [search, page], queue=False, api_visibility="private").then(
            examples_update, None, examples, api_visibility="private", show_progress="hidden"
        )
        examples.click(
            lambda sample: sample[0] if sample else "", examples, box, queue=False,
            api_visibility="private",
        )  # fmt: skip
        # the article list: one page of the (searched) catalog, never the whole of it
        listing = dict(outputs=[corpus, page], api_visibility="private", show_progress="minimal")
        for trigger in (corpus_tab.select, refresh.click, page.submit):
            trigger(show_articles, [search, page], **listing)
        search.submit(lambda q: show_articles(q, 1), [search], **listing)
        prev.click(lambda q, n: show_articles(q, (n or 1) - 1), [search, page], **listing)
        nxt.click(lambda q, n: show_articles(q, (n or 1) + 1), [search, page], **listing)
        gr.api(ask_api, api_name="ask", concurrency_id=MODEL_GROUP, concurrency_limit=1)
        demo.load(None, None, None, js=page_js(settings))
        demo.load(examples_update, None, examples, api_visibility="private", show_progress="hidden")
    demo.queue(default_concurrency_limit=1, max_size=settings.queue_size)
    return demo


def launch_options(
    settings: Settings, host: str | None = None, port: int | None = None, share: bool = False
) -> dict:
    """Keyword arguments for ``Blocks.launch``; ``auth`` is the ``RAG_AUTH`` login or None."""
    return {
        "server_name": host or settings.host,
        "server_port": port or settings.port,
        "share": share,
        "auth": parse_auth(settings.auth),
        "max_file_size": settings.max_upload_bytes,
        "theme": theme(),
        "show_error": True,
    }


def launch(
    settings: Settings | None = None,
    host: str | None = None,
    port: int | None = None,
    share: bool = False,
    no_auth: bool = False,
    **kwargs,
):
    """Serve the page (127.0.0.1:7860 unless told otherwise); extra kwargs go to ``Blocks.launch``.

    A non-loopback ``host`` (or ``share``) needs ``RAG_AUTH=user:password`` or ``no_auth``;
    without either it raises ``ExposureError`` before anything is built or bound.
    """
    settings = settings or get_settings()
    check_exposure(settings, host or settings.host, share=share, no_auth=no_auth)
    demo = build_app(settings)
    return demo.launch(**launch_options(settings, host, port, share), **kwargs)


def main(argv: list[str] | None = None) -> int:
    settings = get_settings()
    parser = argparse.ArgumentParser(
        description="Serve the chat page over the indexed news articles."
    )
    parser.add_argument(
        "--host",
        default=settings.host,
        help=f"address to bind (default {settings.host}; 0.0.0.0 = all, needs RAG_AUTH or --no-auth)",
    )
    parser.add_argument(
        "--port", type=int, default=settings.port, help=f"port (default {settings.port})"
    )
    parser.add_argument("--share", action="store_true", help="also open a public gradio.live link")
    parser.add_argument(
        "--no-auth",
        action="store_true",
        help="serve a non-loopback address without a login (RAG_AUTH unset) anyway",
    )
    args = parser.parse_args(argv)
    setup_logging(settings)
    try:
        launch(settings, host=args.host, port=args.port, share=args.share, no_auth=args.no_auth)
    except ExposureError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0
