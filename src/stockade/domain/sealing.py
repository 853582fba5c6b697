"""Marking secret fields: the store seals any dataclass field carrying this metadata."""

from __future__ import annotations

SEALED = "stockade.sealed"
SECRET = {SEALED: True}  # use as field(metadata=SECRET, repr=False)
