"""Time-limited, signed links to download a deployment package (GetFunction's Code.Location).

The token binds account, artifact and expiry with an HMAC under a server secret, so a link
works for anyone who holds it until it expires, like an S3 presigned URL, and for nothing else.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from stockade.types import AccountId, Sha256Hex

LINK_LIFETIME = timedelta(minutes=10)
DOWNLOAD_PATH = "/_stockade/code/"


@dataclass(frozen=True)
class CodeUrlSigner:
    key: bytes = field(repr=False)

    def url(self, base_url: str, account: AccountId, sha256: Sha256Hex, now: datetime) -> str:
        expires = int((now + LINK_LIFETIME).timestamp())
        claim = json.dumps({"a": account, "s": sha256, "e": expires}, separators=(",", ":"))
        body = base64.urlsafe_b64encode(claim.encode()).decode().rstrip("=")
        return f"{base_url}{DOWNLOAD_PATH}{body}.{self._mac(body)}"

    def verify(self, token: str, now: datetime) -> tuple[AccountId, Sha256Hex] | None:
        """The (account, artifact) a token grants, or None if forged, malformed or expired."""
        body, _, mac = token.partition(".")
        if not hmac.compare_digest(mac.encode(), self._mac(body).encode()):
            return None
        try:
            claim = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
            account, sha256, expires = str(claim["a"]), str(claim["s"]), int(claim["e"])
        except (ValueError, KeyError, TypeError):
            return None
        if now.timestamp() > expires:
            return None
        return AccountId(account), Sha256Hex(sha256)

    def _mac(self, body: str) -> str:
        digest = hmac.new(self.key, body.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")
