"""Run the ASGI app on uvicorn (the only module that knows the server library)."""

from __future__ import annotations

import uvicorn

from stockade.api.app import StockadeApp


def serve(app: StockadeApp, host: str, port: int) -> None:
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        lifespan="on",
        # Our own access log redacts bearer tokens in paths; uvicorn's would print them.
        access_log=False,
        server_header=False,
        log_config=None,
        timeout_graceful_shutdown=10,
    )
    uvicorn.Server(config).run()
