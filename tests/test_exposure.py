"""The page is not served to the network without a login: a non-loopback address needs
``RAG_AUTH=user:password`` (passed to Gradio as ``auth``) or an explicit ``--no-auth``."""

from __future__ import annotations

import time

import pytest

import rag.ui.app as ui
from rag import cli
from rag.config import Settings
from rag.ui.exposure import ExposureError, check_exposure, is_loopback, parse_auth
from tests.conftest import run_rag


class FakePage:
    """Stands in for the Blocks: records the launch instead of binding a port."""

    def __init__(self):
        self.launched: dict | None = None

    def launch(self, **options):
        self.launched = options


@pytest.fixture
def page(monkeypatch) -> FakePage:
    fake = FakePage()
    monkeypatch.setattr(ui, "build_app", lambda settings=None: fake)
    monkeypatch.delenv("RAG_AUTH", raising=False)
    monkeypatch.delenv("RAG_HOST", raising=False)
    return fake


@pytest.mark.parametrize(
    "host", ["127.0.0.1", "127.0.0.2", "localhost", "LOCALHOST", "::1", "[::1]"]
)
def test_loopback_addresses(host):
    assert is_loopback(host)
    assert check_exposure(Settings.from_env({}), host) is None  # starts as before


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "", "192.168.1.20", "10.0.0.5", "myhost"])
def test_other_addresses_are_refused_without_a_login(host):
    assert not is_loopback(host)
    with pytest.raises(ExposureError, match="RAG_AUTH=user:password.*--no-auth"):
        check_exposure(Settings.from_env({}), host)


def test_a_public_share_link_is_exposure_too():
    with pytest.raises(ExposureError, match="gradio.live"):
        check_exposure(Settings.from_env({}), "127.0.0.1", share=True)


def test_rag_auth_becomes_gradios_login(page, monkeypatch):
    monkeypatch.setenv("RAG_AUTH", "ann:s3:cret")
    settings = Settings.from_env()
    assert check_exposure(settings, "0.0.0.0") == ("ann", "s3:cret")
    assert ui.launch_options(settings, host="0.0.0.0")["auth"] == ("ann", "s3:cret")
    assert settings.public()["auth"] == "***" and "s3:cret" not in repr(settings)

    assert ui.main(["--host", "0.0.0.0", "--port", "7999"]) == 0
    assert page.launched["server_name"] == "0.0.0.0" and page.launched["server_port"] == 7999
    assert page.launched["auth"] == ("ann", "s3:cret")


def test_malformed_rag_auth_is_a_clear_error():
    for bad in ("ann", "ann:", ":pw"):
        with pytest.raises(ExposureError, match="user:password"):
            parse_auth(bad)


def test_loopback_launch_has_no_login_unless_asked(page):
    assert ui.launch_options(Settings.from_env({}))["auth"] is None
    assert ui.main([]) == 0
    assert page.launched["server_name"] == "127.0.0.1" and page.launched["auth"] is None


def test_app_main_refuses_a_public_address_before_building_the_page(page, capsys):
    assert ui.main(["--host", "0.0.0.0"]) == 2
    assert page.launched is None
    err = capsys.readouterr().err
    assert "refusing to serve on 0.0.0.0" in err and "RAG_AUTH" in err and "--no-auth" in err


def test_no_auth_serves_with_a_warning(page, capsys):
    assert ui.main(["--host", "0.0.0.0", "--no-auth"]) == 0
    assert page.launched["server_name"] == "0.0.0.0" and page.launched["auth"] is None
    assert "warning: serving on 0.0.0.0 with no login" in capsys.readouterr().err

    page.launched = None
    assert cli.main(["serve", "--host", "0.0.0.0", "--no-auth", "--port", "7998"]) == 0
    assert page.launched["server_port"] == 7998
    err = capsys.readouterr().err
    assert err.count("warning: serving on 0.0.0.0 with no login") == 1


def test_rag_serve_on_all_addresses_exits_at_once_without_rag_auth(rag_home, monkeypatch):
    monkeypatch.delenv("RAG_AUTH", raising=False)
    t0 = time.monotonic()
    proc = run_rag("serve", "--host", "0.0.0.0", home=rag_home, timeout=120)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "refusing to serve on 0.0.0.0 without a login" in proc.stderr
    assert "RAG_AUTH=user:password" in proc.stderr and "--no-auth" in proc.stderr
    assert time.monotonic() - t0 < 60  # refused before the page (or the index) is built
    assert not rag_home.exists()  # nothing was indexed or written
