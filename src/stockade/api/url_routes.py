"""Which function URL a request to the URL listener is for: by host name, or by path prefix.

    Host: <url-id>.lambda-url.<region>.<domain>   path as sent          (wildcard DNS)
    Host: anything                                 /<url-id>/<path>      (no wildcard DNS)

A URL id is 32 lowercase letters and digits (domain/function_url.py). The host name wins:
with one, the whole path is the function's. Without, the first path segment names the URL and
the function sees the rest, so an app is deployed unchanged under either form.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from stockade.domain.function_url import URL_ID_LENGTH

_URL_ID = f"[a-z0-9]{{{URL_ID_LENGTH}}}"
_PREFIX = re.compile(f"^/({_URL_ID})(/.*)?$", re.DOTALL)


@dataclass(frozen=True)
class UrlRoute:
    url_id: str
    raw_path: str  # the function's own path, still percent-encoded, starting with "/"
    domain_name: str  # the host the client used, without its port


class UrlRoutes:
    def __init__(self, region: str, domain: str | None) -> None:
        self._host = (
            None
            if domain is None
            else re.compile(
                f"^({_URL_ID})\\.lambda-url\\.{re.escape(region)}\\.{re.escape(domain)}$"
            )
        )

    def match(self, host: str, raw_path: str) -> UrlRoute | None:
        name = _without_port(host.strip().lower())
        if self._host is not None:
            by_host = self._host.match(name)
            if by_host is not None:
                return UrlRoute(by_host.group(1), raw_path or "/", name)
        by_prefix = _PREFIX.match(raw_path)
        if by_prefix is None:
            return None
        return UrlRoute(by_prefix.group(1), by_prefix.group(2) or "/", name)


def _without_port(host: str) -> str:
    if host.startswith("["):  # [v6]:port
        return host[: host.find("]") + 1] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host
