"""Default logs: one line per answer, never a prompt, a passage or a secret."""


def test_default_logs_hold_no_prompt_passage_or_secret(caplog, monkeypatch):
    import logging

    from rag.config import Settings
    from rag.logs import setup_logging
    from tests.helpers import answerer

    secret = "sk-test-0123456789"
    monkeypatch.setenv("RAG_LLM_API_KEY", secret)
    settings = Settings.from_env()
    assert secret not in repr(settings) and secret not in str(settings.public())
    setup_logging(settings)  # the CLI's and the page's default: INFO

    a, model = answerer(["亚马逊的资本支出为777亿美元[1]。"])
    with caplog.at_level(logging.INFO):
        a.ask("2024年亚马逊的资本支出是多少?")
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "answered in" in logged  # the one line per answer is there
    prompt = "\n".join(m["content"] for m in model.prompts[0])
    system_line = model.prompts[0][0]["content"].splitlines()[0]
    assert system_line not in logged and "756亿美元" in prompt and "756亿美元" not in logged
    assert secret not in logged

    caplog.clear()
    a, model = answerer(["亚马逊的资本支出为777亿美元[1]。"])
    with caplog.at_level(logging.DEBUG, logger="rag"):
        a.ask("2024年亚马逊的资本支出是多少?")
    assert system_line in "\n".join(r.getMessage() for r in caplog.records)  # DEBUG shows it
