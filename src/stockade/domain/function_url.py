"""A function URL's configuration: one per function (`$LATEST`) or alias, never a version.

The URL's id is 32 lowercase alphanumerics, as AWS's ids are; `UrlNaming.url` is the one place
the URL is built from it, from how the server's URL listener is reached.
"""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass
from datetime import datetime

from stockade.types import AccountId

URL_ID_ALPHABET = string.ascii_lowercase + string.digits
URL_ID_LENGTH = 32
INVOKE_MODE_DEFAULT = "BUFFERED"


@dataclass(frozen=True)
class UrlCors:
    """Cross-origin settings, as given (Lambda answers them back unchanged)."""

    allow_credentials: bool | None = None
    allow_headers: tuple[str, ...] | None = None
    allow_methods: tuple[str, ...] | None = None
    allow_origins: tuple[str, ...] | None = None
    expose_headers: tuple[str, ...] | None = None
    max_age: int | None = None


@dataclass(frozen=True)
class FunctionUrlConfig:
    qualifier: str  # "$LATEST" for the function itself, else an alias name
    url_id: str
    auth_type: str  # "NONE" or "AWS_IAM"
    created: datetime
    last_modified: datetime
    cors: UrlCors | None = None
    invoke_mode: str = INVOKE_MODE_DEFAULT  # "BUFFERED" or "RESPONSE_STREAM"


@dataclass(frozen=True)
class FunctionUrlOwner:
    """Whose a function URL id is: the listener's lookup, before anything else is read."""

    account_id: AccountId
    function_name: str
    qualifier: str


def new_url_id() -> str:
    return "".join(secrets.choice(URL_ID_ALPHABET) for _ in range(URL_ID_LENGTH))


@dataclass(frozen=True)
class UrlNaming:
    """How this server's function URL listener is reached, so that the URL the API answers is
    the one that works: by host name, `<url-id>.lambda-url.<region>.<domain>` (wildcard DNS
    and a certificate for it), or by a path prefix under `base`, `<base>/<url-id>/`.
    With neither (a server that serves no URLs, as in-process tests), AWS's own form."""

    domain: str | None = None
    base: str | None = None  # scheme://host[:port], no trailing slash
    port: int | None = None  # the listener's port, written into host-name URLs unless 443
    scheme: str = "https"

    def url(self, url_id: str, region: str) -> str:
        if self.domain is not None:
            port = "" if self.port in (None, 443) else f":{self.port}"
            return f"{self.scheme}://{url_id}.lambda-url.{region}.{self.domain}{port}/"
        if self.base is not None:
            return f"{self.base}/{url_id}/"
        return f"https://{url_id}.lambda-url.{region}.on.aws/"
