"""Batch evaluation: ``run`` (sets through pipelines), ``metrics`` (formulas), ``claims`` (the
eval's own claim checker, sharing no code with the guard it grades), ``judge`` (the local model
as NLI judge), ``baseline`` (the LlamaIndex tutorial pipeline), ``report`` (JSON, Markdown, PNG).
"""
