"""How the page looks: its CSS, the script that makes [n] markers clickable, the theme."""

from __future__ import annotations

import gradio as gr

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


JS = """
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
