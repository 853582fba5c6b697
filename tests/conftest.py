from __future__ import annotations

import signal


def pytest_configure() -> None:
    # A suite started in the background (`cmd &` in a script) inherits SIGINT ignored, and so
    # would every process it starts; tests that stop a child with Ctrl-C need it delivered as in
    # a user's terminal. A handled signal is reset to the default in children at exec.
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
