"""Where operator commands meet the server: the socket's name in the data dir and the operator
API's JSON target prefix (the `targetPrefix` of stockade/services/operator/model.json). Kept
free of imports, so that the `stockade` command can name them without loading the server."""

from __future__ import annotations

SOCKET_NAME = "operator.sock"
TARGET_PREFIX = "StockadeOperator_20261207"
