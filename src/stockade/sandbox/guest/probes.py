"""Startup probes run by the zygote: each isolation primitive is tried in a throwaway child.

Returns {primitive: "ok" | "<error>"} so the host can name exactly what is missing.
Standard library only.
"""

from __future__ import annotations

import ctypes
import os
import signal
from collections.abc import Callable

from . import jail

PROBES: tuple[str, ...] = (
    "user namespaces",
    "pid namespaces",
    "mount namespaces",
    "network namespaces",
    "ipc namespaces",
    "uts namespaces",
    "cgroup namespaces",
    "pivot_root",
    "seccomp",
)


def _in_child(flags: int, body: Callable[[], None]) -> str:
    r, w = os.pipe()
    try:
        pid = jail.clone(flags)
    except OSError as exc:
        os.close(r)
        os.close(w)
        return f"clone failed: {exc}"
    if pid == 0:
        os.close(r)
        try:
            body()
            os._exit(0)
        except BaseException as exc:
            os.write(w, f"{type(exc).__name__}: {exc}".encode()[:400])
            os._exit(1)
    os.close(w)
    try:
        message = os.read(r, 500).decode(errors="replace")
        _, status = os.waitpid(pid, 0)
    finally:
        os.close(r)
    if os.waitstatus_to_exitcode(status) == 0:
        return "ok"
    return message or f"child exited with status {status}"


def _pivot(new_root: str) -> None:
    jail.mount(None, "/", None, jail.MS_REC | jail.MS_PRIVATE)
    jail.mount("tmpfs", new_root, "tmpfs", jail.MS_NOSUID | jail.MS_NODEV, "size=64k")
    os.chdir(new_root)
    if jail._libc.syscall(jail.SYS_PIVOT_ROOT, b".", b".") != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))
    jail._libc.umount2(b".", jail.MNT_DETACH)


def _seccomp(program: bytes) -> None:
    jail._libc.prctl(jail.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
    jail.load_seccomp(program)
    # keyctl(KEYCTL_GET_KEYRING_ID) is denied by policy: it must fail with EPERM now.
    if jail._libc.syscall(250, 0, -1, 0) != -1 or ctypes.get_errno() != 1:
        raise RuntimeError("filter loaded but keyctl was not denied")


def _loopback() -> None:
    jail.bring_loopback_up()


def run_all(seccomp: bytes, new_root: str) -> dict[str, str]:
    previous = signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # waitpid needs un-ignored SIGCHLD
    try:
        return {
            "user namespaces": _in_child(jail.CLONE_NEWUSER, lambda: None),
            "pid namespaces": _in_child(jail.CLONE_NEWPID, lambda: None),
            "mount namespaces": _in_child(jail.CLONE_NEWNS, lambda: None),
            "network namespaces": _in_child(jail.CLONE_NEWNET, _loopback),
            "ipc namespaces": _in_child(jail.CLONE_NEWIPC, lambda: None),
            "uts namespaces": _in_child(jail.CLONE_NEWUTS, lambda: None),
            "cgroup namespaces": _in_child(jail.CLONE_NEWCGROUP, lambda: None),
            "pivot_root": _in_child(jail.CLONE_NEWNS, lambda: _pivot(new_root)),
            "seccomp": _in_child(0, lambda: _seccomp(seccomp)),
        }
    finally:
        signal.signal(signal.SIGCHLD, previous)
