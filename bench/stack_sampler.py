"""A sampling profiler over every thread of this process, for in-process servers.

cProfile sees one thread, and an in-process server answers on its loop thread and its handler
executor's threads. This samples all of them (sys._current_frames) every `interval_s`, keeps
the stacks that pass through one of `roots` (the request path: the writer threads that wait
for work in their own loops are left out), and counts, per function, the sweeps it was on such
a stack (inclusive) and on top of one (exclusive). It stops after `max_samples` sweeps.
"""

from __future__ import annotations

import sys
import threading
import time
from collections import Counter
from types import FrameType


class StackSampler:
    def __init__(
        self, roots: tuple[str, ...], interval_s: float = 0.0005, max_samples: int = 200_000
    ) -> None:
        self._roots, self._interval_s, self._max_samples = roots, interval_s, max_samples
        self.inclusive: Counter[str] = Counter()
        self.exclusive: Counter[str] = Counter()
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="stack-sampler", daemon=True)
        self._skip: set[int] = set()

    def __enter__(self) -> StackSampler:
        self._skip = {threading.get_ident()}  # the caller's thread is the client, not the server
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(10)

    def _run(self) -> None:
        self._skip.add(threading.get_ident())
        while not self._stop.is_set() and self.samples < self._max_samples:
            for ident, frame in sys._current_frames().items():
                if ident not in self._skip:
                    self._count(frame)
            self.samples += 1
            time.sleep(self._interval_s)

    def _count(self, top: FrameType) -> None:
        names: list[str] = []
        frame: FrameType | None = top
        while frame is not None and len(names) < _MAX_DEPTH:
            names.append(_name(frame))
            frame = frame.f_back
        if _idle(top) or not any(root in name for name in names for root in self._roots):
            return
        self.exclusive[names[0]] += 1
        for name in set(names):  # recursion counts once per sweep
            self.inclusive[name] += 1

    def top(self, contains: str, count: int) -> list[tuple[str, int, int]]:
        """(function, inclusive, exclusive) samples of functions whose name has `contains`."""
        chosen = [name for name in self.inclusive if contains in name]
        chosen.sort(key=lambda name: -self.inclusive[name])
        return [(name, self.inclusive[name], self.exclusive[name]) for name in chosen[:count]]


_MAX_DEPTH = 200
_WAITING = frozenset(("select", "poll", "wait", "_worker", "get", "acquire"))


def _name(frame: FrameType) -> str:
    code = frame.f_code
    path = code.co_filename
    short = path[path.find("stockade/") :] if "stockade/" in path else path.rsplit("/", 1)[-1]
    return f"{short}:{code.co_name}"


def _idle(frame: FrameType) -> bool:
    """A thread waiting for work (a selector, a queue, a lock) is not spending time."""
    code = frame.f_code
    return "stockade/" not in code.co_filename and code.co_name in _WAITING
