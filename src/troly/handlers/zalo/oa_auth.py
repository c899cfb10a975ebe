"""Connecting the Zalo OA: the first authorisation (OAuth v4 with PKCE), without a pasted token.

The operator runs ``troly zalo authorize``, opens the link it prints as the OA's admin and
grants the app; Zalo sends the browser back to ``/zalo/oa/callback`` with a single-use code
(10 minutes), which is traded here, with the PKCE verifier, for the first token pair.

Nothing is stored between the two steps: the ``state`` carries when it was issued and a MAC,
and the verifier is derived from the state with a key only this deployment knows (from the
app's secrets), so any worker can finish an authorisation any other started, and a state
that was tampered with or is older than the code's lifetime is refused.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import logging
import secrets
from datetime import datetime, timedelta
from urllib.parse import urlencode

from troly.bot.settings import Settings

logger = logging.getLogger(__name__)

CALLBACK_PATH = "/zalo/oa/callback"
PERMISSION_PATH = "/v4/oa/permission"
STATE_LIFETIME = timedelta(minutes=10)  # an authorisation code lives 10 minutes


def _key(settings: Settings) -> bytes:
    assert settings.zalo_oa_app_secret is not None and settings.zalo_oa_secret is not None
    material = ":".join(
        (
            "troly-oa-auth",
            settings.zalo_oa_app_secret.get_secret_value(),
            settings.zalo_oa_secret.get_secret_value(),
        )
    )
    return hashlib.sha256(material.encode()).digest()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _mac(key: bytes, purpose: str, text: str) -> bytes:
    return hmac.new(key, f"{purpose}:{text}".encode(), hashlib.sha256).digest()


def verifier_for(state: str, settings: Settings) -> str:
    """The PKCE code verifier of a state: 43 characters of [A-Za-z0-9_-] (RFC 7636)."""
    return _b64(_mac(_key(settings), "verifier", state))


def challenge_of(verifier: str) -> str:
    """The S256 code challenge of a verifier."""
    return _b64(hashlib.sha256(verifier.encode("ascii")).digest())


def callback_url(settings: Settings) -> str:
    """Where Zalo sends the operator back (to register as the app's callback URL)."""
    if not settings.public_url:
        raise ValueError("TROLY_PUBLIC_URL is needed: Zalo sends the browser back to it")
    return settings.public_url.rstrip("/") + CALLBACK_PATH


def new_state(settings: Settings, now: datetime) -> str:
    """A fresh state: when it was issued, a nonce, and a MAC over both."""
    body = f"{int(now.timestamp())}.{secrets.token_urlsafe(12)}"
    return f"{body}.{_b64(_mac(_key(settings), 'state', body)[:16])}"


def authorization_url(settings: Settings, now: datetime) -> str:
    """The permission page to open as the OA's admin (valid for ``STATE_LIFETIME``)."""
    assert settings.zalo_oa_app_id is not None
    state = new_state(settings, now)
    query = urlencode(
        {
            "app_id": settings.zalo_oa_app_id,
            "redirect_uri": callback_url(settings),
            "code_challenge": challenge_of(verifier_for(state, settings)),
            "state": state,
        }
    )
    return f"{settings.zalo_oa_oauth_url.rstrip('/')}{PERMISSION_PATH}?{query}"


def verifier_of_state(state: str, settings: Settings, now: datetime) -> str | None:
    """The verifier for a state this deployment issued less than 10 minutes ago, else None."""
    try:
        issued, nonce, mac = state.split(".")
        issued_at = int(issued)
    except ValueError:
        return None
    expected = _b64(_mac(_key(settings), "state", f"{issued}.{nonce}")[:16])
    if not hmac.compare_digest(expected, mac):
        return None
    age = now.timestamp() - issued_at
    if not 0 <= age <= STATE_LIFETIME.total_seconds():
        return None
    return verifier_for(state, settings)


def page(title: str, message: str, *, ok: bool) -> str:
    """The small page the operator sees in the browser after Zalo sends them back."""
    colour = "#1b7f3b" if ok else "#a61b1b"
    return (
        "<!doctype html><html lang='vi'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{html.escape(title)}</title></head>"
        "<body style='font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;"
        "padding:0 1rem'>"
        f"<h1 style='color:{colour};font-size:1.4rem'>{html.escape(title)}</h1>"
        f"<p>{html.escape(message)}</p></body></html>"
    )
