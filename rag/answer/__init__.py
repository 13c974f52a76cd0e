"""Stage 3, answering: a question → a cited, checked ``Answer``.

Read in this order: ``question`` (check and analyse the question once), ``followup``
(standalone questions from conversations), ``snippets`` / ``evidence`` / ``likelihood`` (the
few short numbered snippets the model reads), ``prompting``, ``pipeline`` (orchestration),
``verify`` (citations repaired, ``checks`` run, re-read or abstain), ``conflicts``.
"""
