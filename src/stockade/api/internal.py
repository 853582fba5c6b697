"""Stockade's own routes under /_stockade/: liveness, and package downloads by signed link."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable

from stockade import __version__
from stockade.api.http import HttpRequest, HttpResponse
from stockade.errors import ApiError

PREFIX = "/_stockade/"
_CODE = "/_stockade/code/"


class InternalRoutes:
    def __init__(self, download: Callable[[str], bytes]) -> None:
        self._download = download

    def handles(self, raw_path: str) -> bool:
        return raw_path.startswith(PREFIX)

    async def respond(self, request: HttpRequest, request_id: str) -> HttpResponse:
        path = request.raw_path
        headers = [("x-amzn-RequestId", request_id)]
        if path == "/_stockade/health" and request.method == "GET":
            body = json.dumps({"status": "ok", "version": __version__}).encode()
            return HttpResponse(200, [*headers, ("Content-Type", "application/json")], body)
        if path.startswith(_CODE) and request.method == "GET":
            token = path[len(_CODE) :]
            try:
                data = await asyncio.to_thread(self._download, token)
            except ApiError as error:
                body = json.dumps({"Code": error.code, "Message": error.message}).encode()
                return HttpResponse(403, [*headers, ("Content-Type", "application/json")], body)
            return HttpResponse(200, [*headers, ("Content-Type", "application/zip")], data)
        return HttpResponse(404, headers, b'{"message":"Not found"}')
