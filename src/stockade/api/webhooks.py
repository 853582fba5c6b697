"""The outbound side of compliance webhooks: a JSON POST with a short timeout, no redirects
followed, and errors that never quote the URL (it may carry a token)."""

from __future__ import annotations

import http.client
import ssl
import urllib.error
import urllib.request
from typing import Any, NoReturn

from stockade import __version__
from stockade.crypto import webhook_signature
from stockade.services.compliance.webhooks import WebhookDeliveryError

_TIMEOUT_S = 5.0


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise WebhookDeliveryError("the receiver answered with a redirect; not followed")


class UrllibPoster:
    def __init__(self, timeout_s: float = _TIMEOUT_S) -> None:
        self._opener = urllib.request.build_opener(
            _NoRedirects, urllib.request.HTTPSHandler(context=ssl.create_default_context())
        )
        self._timeout_s = timeout_s

    def post(self, url: str, body: bytes, signature: str) -> None:
        request = urllib.request.Request(  # noqa: S310 - http(s) only, checked when configured
            url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "User-Agent": f"stockade/{__version__}",
                webhook_signature.HEADER: signature,
            },
        )
        try:
            with self._opener.open(request, timeout=self._timeout_s) as response:
                response.read()
        except urllib.error.HTTPError as exc:
            raise WebhookDeliveryError(f"HTTP {exc.code}") from None
        except urllib.error.URLError as exc:
            raise WebhookDeliveryError(_reason(exc.reason)) from None
        except (OSError, http.client.HTTPException) as exc:
            raise WebhookDeliveryError(type(exc).__name__) from None


def _reason(reason: object) -> str:
    if isinstance(reason, OSError):
        return f"{type(reason).__name__}: {reason.strerror or 'unreachable'}"
    return type(reason).__name__
