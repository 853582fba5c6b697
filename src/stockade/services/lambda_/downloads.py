"""Serving the package behind a Code.Location link (no SigV4: the link is the credential)."""

from __future__ import annotations

from stockade.services.lambda_.deps import LambdaDeps
from stockade.services.lambda_.errors import AccessDeniedError


class CodeDownloads:
    def __init__(self, deps: LambdaDeps) -> None:
        self._deps = deps

    def download(self, token: str) -> bytes:
        grant = self._deps.code_urls.verify(token, self._deps.clock.now())
        if grant is None:
            raise AccessDeniedError("Request has expired or its signature is not valid.")
        _, sha256 = grant
        return self._deps.artifacts.get(sha256)
