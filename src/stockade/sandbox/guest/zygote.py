"""The zygote: a clean, single-threaded, pre-imported process that clones sandboxes on request.

Started by the host as `/usr/bin/python3.11 -I -S -c <boot>` with an EMPTY environment and one
inherited SOCK_SEQPACKET socket. It holds no tenant data and no secrets: per-environment
configuration goes from the host straight to each child over the child's own channel.

At start it enters a private mount namespace and mounts a tmpfs (the code cache and the
sandboxes' root mountpoint live there, memory-backed and invisible to the rest of the host;
the host reaches it through /proc/<zygote>/root). Sandboxes are cloned with CLONE_PARENT, so
they are the host's children (the host reaps them and reads their wait status); the zygote
and every sandbox die with the host thread that started the zygote (PDEATHSIG), and the zygote
also exits on EOF on its socket. Settings arrive as the first message, never in argv: each
sandbox's /proc/self/cmdline is the zygote's. Standard library only.
"""

from __future__ import annotations

# Pre-imported for the guests: everything the in-process Python runtime needs is loaded once
# here, so a cold start imports nothing from disk and every sandbox shares these pages.
import base64  # noqa: F401
import contextlib
import datetime  # noqa: F401
import decimal  # noqa: F401
import gc
import importlib  # noqa: F401
import json
import logging  # noqa: F401
import os
import signal
import site
import socket
import time  # noqa: F401
import traceback  # noqa: F401
from typing import Any

from . import channel, jail, probes, python_runtime, rapi_client, seccomp_bpf, shell  # noqa: F401


def _preimport() -> None:
    site.setquit()  # `exit()`/`quit()` exist in Lambda's interpreter; -S skipped them


def _freeze_heap() -> None:
    """Keep pre-imported pages shared with every sandbox: a garbage collection in a child
    writes to the header of every tracked object it visits, copying each page; frozen objects
    are never visited again."""
    gc.collect()
    gc.freeze()


def main(args: list[str]) -> None:
    sock = socket.socket(fileno=int(args[0]))
    first = channel.recv(sock)
    if first is None:
        os._exit(0)
    settings: dict[str, Any] = first[1]
    jail.set_parent_death_signal()
    if os.getppid() != int(settings["host_pid"]):  # host died before PDEATHSIG was armed
        os._exit(0)
    scratch: str = settings["scratch"]
    jail.unshare(jail.CLONE_NEWNS)
    jail.mount(None, "/", None, jail.MS_REC | jail.MS_PRIVATE)
    jail.mount(
        "tmpfs",
        scratch,
        "tmpfs",
        jail.MS_NOSUID | jail.MS_NODEV,
        f"size={int(settings['scratch_mb'])}m,mode=711",
    )
    for sub in ("code", "root"):
        os.mkdir(os.path.join(scratch, sub), 0o711)
    _assemble_python_runtime(os.path.join(scratch, "runtime-python"), settings["python_packages"])
    with open(settings["seccomp_policy"], encoding="utf-8") as f:
        seccomp = seccomp_bpf.compile_policy(json.load(f))
    _preimport()
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the kernel reaps; the host watches pidfds
    channel.send(sock, channel.REPLY, {"ok": True, "pid": os.getpid()})
    new_root = os.path.join(scratch, "root")
    _freeze_heap()
    while True:  # one request at a time; exits on EOF (host gone)
        try:
            message = channel.recv(sock)
        except (OSError, ValueError):
            message = None
        if message is None:
            os._exit(0)
        _kind, body, fds = message
        try:
            reply, reply_fds = _handle(body, fds, seccomp, new_root)
        except Exception as exc:
            reply, reply_fds = {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:500]}, []
        finally:
            for fd in fds:
                _close_quietly(fd)
        channel.send(sock, channel.REPLY, reply, reply_fds)
        for fd in reply_fds:
            _close_quietly(fd)


def _assemble_python_runtime(target: str, packages: list[str]) -> None:
    """One directory holding read-only binds of the SDK's packages (Lambda's /var/runtime).

    Built once here, in the zygote's private mount namespace; each Python sandbox then needs a
    single recursive bind of it. Binding package by package exposes nothing else of the host's
    site-packages.
    """
    os.mkdir(target, 0o755)
    for source in packages:
        point = os.path.join(target, os.path.basename(source))
        if os.path.isdir(source):
            os.mkdir(point, 0o755)
        else:
            os.close(os.open(point, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o444))
        jail.mount(source, point, None, jail.MS_BIND)
        jail.mount(
            None,
            point,
            None,
            jail.MS_BIND | jail.MS_REMOUNT | jail.MS_RDONLY | jail.MS_NOSUID | jail.MS_NODEV,
        )


def _handle(
    body: dict[str, Any], fds: list[int], seccomp: bytes, new_root: str
) -> tuple[dict[str, Any], list[int]]:
    op = body.get("op")
    if op == "spawn":
        return _spawn(body, fds, seccomp, new_root)
    if op == "trees":
        return _trees(body)
    if op == "probe":
        return {"ok": True, "results": probes.run_all(seccomp, new_root)}, []
    return {"ok": False, "error": f"unknown op {op!r}"}, []


def _spawn(
    body: dict[str, Any], fds: list[int], seccomp: bytes, new_root: str
) -> tuple[dict[str, Any], list[int]]:
    """Clone one sandbox and hand back its pidfd; the host does the rest.

    The uid maps and the cgroup attach (which can stall for an RCU grace period) are done by
    the host, so this single-threaded loop is never held up by them and a launch's request
    for code trees never waits behind a pre-warm spawn.
    """
    if len(fds) != 2:
        raise ValueError("spawn needs exactly two fds (control, log)")
    ctrl_fd, log_fd = fds
    ids = (int(body["guest_uid"]), int(body["guest_gid"]))
    # CLONE_PARENT: the host, not the zygote, is the parent, so the host reads the guest's
    # exact wait status itself (waitid on the pidfd) and no reaper process is needed inside.
    pid = jail.clone(jail.SANDBOX_NAMESPACES | jail.CLONE_PARENT)
    if pid == 0:
        shell.shell_main(ctrl_fd, log_fd, seccomp, new_root, ids)
    try:
        pidfd = jail.pidfd_open(pid)
    except OSError:
        os.kill(pid, signal.SIGKILL)
        raise
    return {"ok": True, "pid": pid}, [pidfd]


def _trees(body: dict[str, Any]) -> tuple[dict[str, Any], list[int]]:
    """Detached read-only clones of code/layer/runtime directories, for one launch.

    Only the zygote can clone them: open_tree needs the source in the caller's mount namespace.
    """
    fds: list[int] = []
    try:
        for tree in body["trees"]:
            fds.append(jail.open_tree_readonly(str(tree["path"]), bool(tree["recursive"])))
    except BaseException:
        for fd in fds:
            _close_quietly(fd)
        raise
    return {"ok": True}, fds


def _close_quietly(fd: int) -> None:
    with contextlib.suppress(OSError):
        os.close(fd)
