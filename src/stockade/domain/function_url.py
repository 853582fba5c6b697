"""A function URL's configuration: one per function (`$LATEST`) or alias, never a version.

The URL's id is 32 lowercase alphanumerics, as AWS's ids are; `function_url` is the one place
the URL is built from it (AWS's form, `https://<url-id>.lambda-url.<region>.on.aws/`), so the
listener that serves function URLs can change what the API answers in one place.
"""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass
from datetime import datetime

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


def new_url_id() -> str:
    return "".join(secrets.choice(URL_ID_ALPHABET) for _ in range(URL_ID_LENGTH))


def function_url(url_id: str, region: str) -> str:
    """The URL a function URL answers on (AWS's form; Stockade's listener may change it)."""
    return f"https://{url_id}.lambda-url.{region}.on.aws/"
