"""The Gradio chat page: ``app`` (layout and launch), ``chat`` (streaming chat and ``/ask``),
``corpus`` (uploads and the Articles tab), ``render`` (answers, markers and sources as HTML).
"""
