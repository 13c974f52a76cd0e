"""Who may reach the page: a non-loopback address needs a login (``RAG_AUTH``) or ``--no-auth``.

The page answers questions and accepts uploads that are written to disk and indexed; bound
to 0.0.0.0 without a login, anyone on the network can do both. So ``rag serve`` and
``python app.py`` refuse such an address unless ``RAG_AUTH=user:password`` is set (Gradio's
login page then guards it) or ``--no-auth`` says the exposure is meant (a warning is
printed). Loopback addresses (127.0.0.0/8, ``localhost``, ``::1``) start as before.
No Gradio import here: the refusal comes before the page is built.
"""

from __future__ import annotations

import ipaddress
import sys

from rag.config import Settings


class ExposureError(ValueError):
    """The page would be reachable from other machines without a login."""


def is_loopback(host: str) -> bool:
    """Whether ``host`` is only reachable from this machine.

    >>> [is_loopback(h) for h in ("127.0.0.1", "127.8.0.1", "localhost", "::1", "[::1]")]
    [True, True, True, True, True]
    >>> [is_loopback(h) for h in ("0.0.0.0", "", "::", "192.168.1.5", "example.com")]
    [False, False, False, False, False]
    """
    name = host.strip().strip("[]").lower()
    if name == "localhost":
        return True
    try:
        address = ipaddress.ip_address(name)
    except ValueError:  # another host name: it may resolve anywhere
        return False
    mapped = getattr(address, "ipv4_mapped", None)  # ::ffff:127.0.0.1
    return (mapped or address).is_loopback


def parse_auth(value: str) -> tuple[str, str] | None:
    """``user:password`` → ``(user, password)``; "" → None (the password may hold ``:``).

    >>> parse_auth("ann:s3:cret"), parse_auth("")
    (('ann', 's3:cret'), None)
    """
    if not value:
        return None
    user, sep, password = value.partition(":")
    if not (sep and user.strip() and password):
        raise ExposureError("RAG_AUTH must be user:password (both non-empty)")
    return user.strip(), password


def check_exposure(
    settings: Settings, host: str, *, share: bool = False, no_auth: bool = False
) -> tuple[str, str] | None:
    """The login to require for serving on ``host`` (None: none).

    Raises ``ExposureError`` for a non-loopback address (or a public ``share`` link) with
    neither ``RAG_AUTH`` nor ``no_auth``; with ``no_auth`` it prints a warning instead.
    """
    auth = parse_auth(settings.auth)
    exposed = share or not is_loopback(host)
    where = "a public gradio.live link" if share else host or "all addresses"
    if not exposed or auth:
        return auth
    if not no_auth:
        raise ExposureError(
            f"refusing to serve on {where} without a login: anyone who can reach it could ask "
            "questions and upload files. Set RAG_AUTH=user:password to require a login, or "
            "pass --no-auth to serve without one anyway (or bind 127.0.0.1)."
        )
    print(
        f"warning: serving on {where} with no login (--no-auth): anyone who can reach it "
        "can ask questions and upload files",
        file=sys.stderr,
    )
    return None
