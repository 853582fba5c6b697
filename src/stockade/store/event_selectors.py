"""Accounts' event selectors in one small JSON file (`audit/event-selectors.json`), replaced
atomically and fsync'd on every change, and read from memory (the edge asks on every
invocation). Selectors are configuration, not secrets; the file is 0600 like the rest."""

from __future__ import annotations

import copy
import json
import os
import threading
from pathlib import Path
from typing import Any

from stockade.private_files import open_for_write


class FileEventSelectorStore:
    def __init__(self, path: Path) -> None:
        self._path = path
        self._lock = threading.Lock()
        self._all: dict[str, list[dict[str, Any]]] = (
            json.loads(path.read_text()) if path.exists() else {}
        )

    def __repr__(self) -> str:
        return f"FileEventSelectorStore({self._path.name!r})"

    def get(self, account_id: str) -> list[dict[str, Any]] | None:
        found = self._all.get(account_id)
        return None if found is None else copy.deepcopy(found)

    def put(self, account_id: str, selectors: list[dict[str, Any]]) -> None:
        with self._lock:
            updated = {**self._all, account_id: copy.deepcopy(selectors)}
            temporary = self._path.with_suffix(".tmp")
            with open_for_write(temporary) as out:
                out.write(json.dumps(updated, sort_keys=True).encode())
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, self._path)
            directory = os.open(self._path.parent, os.O_RDONLY)
            try:
                os.fsync(directory)
            finally:
                os.close(directory)
            self._all = updated
