"""The chat page: streaming answers that show where every claim comes from.

``build_app()`` returns the Gradio Blocks; ``launch()`` serves it (127.0.0.1 by default).

- **Chat**: answers stream in as the model writes them; when generation ends the streamed
  text is replaced by the final, verified answer, whose every ``[n]`` marker is a link that
  opens its passage in the sources panel below the answer (title, outlet, date, file, and the
  passage with the supporting sentence ``<mark>``-ed). An abstention is shown as a grey
  "not found in the articles" box. Follow-ups see the earlier turns (text only).
- **Articles**: upload .txt/.md/.html files (validated, copied under ``RAG_HOME/uploads``
  with a sanitized name, indexed at once), the per-file ingest report, and the list of
  indexed articles with the repairs ingestion made to each.
- **API**: ``/ask`` (``gradio_client``: ``client.predict(question, history_json,
  api_name="/ask")``) returns ``{"text", "abstained", "citations": [...], ...}``.

One request at a time reaches the model (one concurrency group with limit 1, a queue of
``settings.queue_size``); when the queue is full the page says so in plain words.
"""

from __future__ import annotations

import argparse
import json

import gradio as gr

from rag.config import Settings, get_settings
from rag.ingest.read import SUPPORTED
from rag.logs import setup_logging
from rag.ui.chat import ask_api, respond
from rag.ui.corpus import (
    _human,
    add_files,
    render_corpus,
)

EXAMPLES = [
    "2024年亚马逊的资本支出是多少?",
    "腾讯2024年的资本开支是多少?",
    "What did Tencent say its capital expenditure would be used for?",
    "阿里巴巴计划未来三年在AI基础设施上投入多少?",
]


MODEL_GROUP = "model"  # every event that touches the model or the index shares this slot


CSS = """
.gradio-container, .gradio-container * { font-family: system-ui, -apple-system, "Segoe UI", "Noto Sans CJK SC",
  "Noto Sans SC", "PingFang SC", "Microsoft YaHei", "WenQuanYi Micro Hei", sans-serif; }
.gradio-container code { font-family: ui-monospace, "DejaVu Sans Mono", monospace; }
.rag-answer { line-height: 1.65; }
.rag-text { font-size: 1.02em; }
a.rag-cite { display: inline-block; font-size: .8em; font-weight: 600; padding: 0 .25em; margin: 0 .05em;
  border-radius: 4px; background: var(--color-accent-soft, #e0ecff); color: var(--color-accent, #1d4ed8);
  text-decoration: none; vertical-align: super; line-height: 1.2; cursor: pointer; }
a.rag-cite:hover { background: var(--color-accent, #1d4ed8); color: #fff; }
.rag-meta { font-size: .8em; color: var(--body-text-color-subdued, #6b7280); margin: .35em 0 .2em; }
.rag-sources { margin-top: .5em; border-top: 1px solid var(--border-color-primary, #e5e7eb); padding-top: .4em; }
.rag-sources-title { font-size: .8em; font-weight: 600; letter-spacing: .03em;
  color: var(--body-text-color-subdued, #6b7280); margin-bottom: .25em; }
details.rag-source { border: 1px solid var(--border-color-primary, #e5e7eb); border-radius: 8px;
  padding: .3em .6em; margin: .3em 0; background: var(--background-fill-secondary, #fafafa); }
details.rag-source > summary { cursor: pointer; font-size: .9em; }
details.rag-source[open] > summary { margin-bottom: .3em; }
.rag-n { font-weight: 700; color: var(--color-accent, #1d4ed8); }
.rag-title { font-weight: 600; }
.rag-by { color: var(--body-text-color-subdued, #6b7280); font-size: .9em; margin-left: .3em; }
.rag-passage { font-size: .92em; line-height: 1.7; border-left: 3px solid var(--color-accent, #1d4ed8);
  padding: .2em .7em; white-space: normal; }
.rag-passage mark { background: #fde68a; color: #111; padding: 0 .1em; border-radius: 2px; }
details.rag-flash { animation: rag-flash 1.6s ease-out; }
@keyframes rag-flash { 0% { box-shadow: 0 0 0 3px #f59e0b; } 100% { box-shadow: 0 0 0 0 transparent; } }
.rag-abstained { background: #f3f4f6; color: #4b5563; border: 1px dashed #9ca3af; border-radius: 8px;
  padding: .5em .8em; }
.dark .rag-abstained { background: #374151; color: #d1d5db; }
.rag-abstain-label { font-size: .8em; font-weight: 700; text-transform: uppercase; letter-spacing: .04em;
  color: #6b7280; margin-bottom: .2em; }
.rag-error { background: #fef2f2; color: #991b1b; border: 1px solid #fecaca; border-radius: 8px; padding: .5em .8em; }
.rag-pending { color: var(--body-text-color-subdued, #6b7280); font-style: italic; }
.rag-caret { animation: rag-blink 1s steps(2) infinite; color: var(--color-accent, #1d4ed8); }
@keyframes rag-blink { 50% { opacity: 0; } }
.rag-table { width: 100%; border-collapse: collapse; font-size: .9em; }
.rag-table th, .rag-table td { border-bottom: 1px solid var(--border-color-primary, #e5e7eb); padding: .35em .5em;
  text-align: left; vertical-align: top; }
.rag-table th { font-weight: 600; background: var(--background-fill-secondary, #f9fafb); }
.rag-num { text-align: right; }
.rag-dim { color: var(--body-text-color-subdued, #6b7280); }
.rag-status { font-weight: 600; border-radius: 4px; padding: 0 .35em; white-space: nowrap; }
.rag-status-ok { background: #dcfce7; color: #166534; }
.rag-status-skipped { background: #fef3c7; color: #92400e; }
.rag-status-error { background: #fee2e2; color: #991b1b; }
.rag-date { white-space: nowrap; }
.rag-tag { font-size: .75em; background: #dcfce7; color: #166534; border-radius: 4px; padding: 0 .3em; }
.rag-repairs { margin: .2em 0 .2em 1.2em; font-size: .9em; }
#rag-busy { position: fixed; bottom: 16px; left: 50%; transform: translateX(-50%); z-index: 1000; max-width: 90vw;
  background: #fff7ed; color: #9a3412; border: 1px solid #fdba74; border-radius: 8px; padding: .6em 1em;
  box-shadow: 0 4px 14px rgba(0,0,0,.12); font-size: .95em; }
"""


_JS = """
() => {
  if (window.__ragUi) return;
  window.__ragUi = true;
  const style = document.createElement('style');
  style.textContent = __CSS__;
  document.head.appendChild(style);
  // [n] markers: open the cited passage in this answer's sources panel and bring it into view
  document.addEventListener('click', (ev) => {
    const a = ev.target && ev.target.closest ? ev.target.closest('a.rag-cite') : null;
    if (!a) return;
    ev.preventDefault();
    ev.stopPropagation();
    const el = document.getElementById((a.getAttribute('href') || '').slice(1));
    if (!el) return;
    el.open = true;
    el.scrollIntoView({behavior: 'smooth', block: 'nearest'});
    el.classList.remove('rag-flash'); void el.offsetWidth; el.classList.add('rag-flash');
  }, true);
  // a full queue: Gradio answers 503; say in plain words what that means here
  const origFetch = window.fetch.bind(window);
  window.fetch = async (...args) => {
    const res = await origFetch(...args);
    try {
      const url = String((args[0] && args[0].url) || args[0]);
      if (res.status === 503 && url.includes('queue/join')) {
        let box = document.getElementById('rag-busy');
        if (!box) { box = document.createElement('div'); box.id = 'rag-busy'; document.body.appendChild(box); }
        box.textContent = __BUSY__;
        clearTimeout(window.__ragBusyTimer);
        window.__ragBusyTimer = setTimeout(() => box.remove(), 12000);
      }
    } catch (e) {}
    return res;
  };
}
"""


def busy_message(settings: Settings) -> str:
    n = settings.queue_size
    return (
        f"模型正忙:排队已满({n} 个请求在等待),本次提问未被接收,请稍后再试。 "
        f"The model is busy: the queue is full ({n} waiting; questions are answered one at a "
        "time). Your question was not sent; please try again in a minute."
    )


def page_js(settings: Settings) -> str:
    return _JS.replace("__CSS__", json.dumps(CSS)).replace(
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
                        placeholder="例如:2024年亚马逊的资本支出是多少? (Enter to send)",
                        scale=8,
                        lines=1,
                        max_lines=4,
                        autofocus=True,
                    )
                    send = gr.Button(
                        "发送 · Ask", variant="primary", scale=0, min_width=120, elem_id="rag-send"
                    )
                    new = gr.Button("新对话 · New chat", scale=0, min_width=200, elem_id="rag-new")
                gr.Examples(EXAMPLES, inputs=[box], label="示例问题 · Example questions")
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
        )
        for trigger in (corpus_tab.select, refresh.click):
            trigger(render_corpus, None, corpus, api_visibility="private", show_progress="minimal")
        gr.api(ask_api, api_name="ask", concurrency_id=MODEL_GROUP, concurrency_limit=1)
        demo.load(None, None, None, js=page_js(settings))
    demo.queue(default_concurrency_limit=1, max_size=settings.queue_size)
    return demo


def theme() -> gr.themes.Base:
    """The default theme with local fonts only (no request to Google Fonts; CJK fonts listed)."""
    fonts = [
        "system-ui",
        "Noto Sans CJK SC",
        "PingFang SC",
        "Microsoft YaHei",
        "WenQuanYi Micro Hei",
        "sans-serif",
    ]
    return gr.themes.Default(
        font=fonts, font_mono=["ui-monospace", "DejaVu Sans Mono", "monospace"]
    )


def launch_options(
    settings: Settings, host: str | None = None, port: int | None = None, share: bool = False
) -> dict:
    return {
        "server_name": host or settings.host,
        "server_port": port or settings.port,
        "share": share,
        "max_file_size": settings.max_upload_bytes,
        "theme": theme(),
        "show_error": True,
    }


def launch(
    settings: Settings | None = None,
    host: str | None = None,
    port: int | None = None,
    share: bool = False,
    **kwargs,
):
    """Serve the page (127.0.0.1:7860 unless told otherwise); extra kwargs go to ``Blocks.launch``."""
    settings = settings or get_settings()
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
        help=f"address to bind (default {settings.host}; 0.0.0.0 = all)",
    )
    parser.add_argument(
        "--port", type=int, default=settings.port, help=f"port (default {settings.port})"
    )
    parser.add_argument("--share", action="store_true", help="also open a public gradio.live link")
    args = parser.parse_args(argv)
    setup_logging(settings)
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print(
            f"warning: serving on {args.host}: anyone who can reach this machine can use the page (no login)"
        )
    launch(settings, host=args.host, port=args.port, share=args.share)
    return 0
