"""The zygote: a clean, single-threaded, pre-imported process that clones sandboxes on request.

Started by the host as `/usr/bin/python3.11 -I -S -c <boot>` with an EMPTY environment, one
inherited SOCK_SEQPACKET socket and inherited descriptors of what it copies (below). It holds no
tenant data and no secrets: per-environment configuration goes from the host straight to each
child over the child's own channel.

At start it enters a private mount namespace and mounts a tmpfs (the code cache and the
sandboxes' root mountpoint live there, memory-backed and invisible to the rest of the host;
the host reaches it through /proc/<zygote>/root). Sandboxes are cloned with CLONE_PARENT, so
they are the host's children (the host reaps them and reads their wait status); the zygote
and every sandbox die with the host thread that started the zygote (PDEATHSIG), and the zygote
also exits on EOF on its socket. Settings arrive as the first message, never in argv: each
sandbox's /proc/self/cmdline is the zygote's, and nothing in it, in the modules' file names or
in the mount table of a sandbox names a host path. So the zygote's own code is loaded through a
descriptor, it gets the seccomp policy's content (not its path), and it COPIES the runtime
trees (the SDK's packages for /var/runtime, the Node.js bootstrap) from inherited descriptors
onto its tmpfs (`runtime_trees`): a bind mount of a host directory would show that directory's
host path in every sandbox's /proc/self/mountinfo. Standard library only.
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
import json  # noqa: F401
import logging  # noqa: F401
import os
import signal
import site
import socket
import time  # noqa: F401
import traceback  # noqa: F401
from typing import Any

from . import (  # noqa: F401
    channel,
    jail,
    json_log,
    probes,
    python_runtime,
    rapi_client,
    runtime_copy,
    runtime_trees,
    seccomp_bpf,
    shell,
)


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
    _copy_runtimes(scratch, settings["python_packages"], settings.get("node_runtime"))
    seccomp = seccomp_bpf.compile_policy(settings["seccomp_policy"])
    # What every shell is built with: the /proc masks, and where the SDK channel listens.
    shell_settings: dict[str, Any] = {"proc_masks": settings["proc_masks"], "sdk": settings["sdk"]}
    del (
        settings,
        first,
    )  # nothing of the host's layout stays referenced in memory the sandboxes share
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
            reply, reply_fds = _handle(body, fds, seccomp, new_root, shell_settings)
        except Exception as exc:
            reply, reply_fds = {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:500]}, []
        finally:
            for fd in fds:
                _close_quietly(fd)
        channel.send(sock, channel.REPLY, reply, reply_fds)
        for fd in reply_fds:
            _close_quietly(fd)


def _copy_runtimes(scratch: str, packages: list[list[Any]], node_fd: int | None) -> None:
    """Lambda's /var/runtime trees, copied from inherited descriptors (then closed): one for
    Python guests (the SDK's top-level packages), one for Node.js guests (the bootstrap).

    The copy runs in a forked child: reading and rewriting thousands of files would leave the
    zygote's heap fragmented, and every sandbox forked from it would then copy-on-write the
    scattered pages it allocates into (about 0.4 MB more per idle environment, measured).
    """
    fds = [fd for _, fd in packages] + ([node_fd] if node_fd is not None else [])
    read_end, write_end = os.pipe()
    try:
        pid = os.fork()
        if pid == 0:  # the child reports through the pipe and exits
            os.close(read_end)
            code = 0
            try:
                _copy_runtimes_here(scratch, packages, node_fd)
            except BaseException as exc:
                os.write(write_end, f"{type(exc).__name__}: {exc}".encode()[:500])
                code = 1
            os._exit(code)
        os.close(write_end)
        write_end = -1
        error = os.read(read_end, 600).decode(errors="replace")
        _, status = os.waitpid(pid, 0)
    finally:
        os.close(read_end)
        if write_end >= 0:
            os.close(write_end)
        for fd in fds:
            runtime_trees.close_quietly(fd)
    if os.waitstatus_to_exitcode(status) != 0:
        raise OSError(f"could not copy the runtime trees: {error or status}")


def _copy_runtimes_here(scratch: str, packages: list[list[Any]], node_fd: int | None) -> None:
    python_dir = os.path.join(scratch, "runtime-python")
    os.mkdir(python_dir, 0o755)
    for name, fd in packages:
        if "/" in name or name in ("", ".", ".."):
            raise ValueError("bad package name")
        runtime_trees.copy_from_fd(fd, os.path.join(python_dir, name), f"/var/runtime/{name}")
    if node_fd is not None:
        runtime_trees.copy_from_fd(node_fd, os.path.join(scratch, "runtime-node"), "/var/runtime")


def _handle(
    body: dict[str, Any],
    fds: list[int],
    seccomp: bytes,
    new_root: str,
    shell_settings: dict[str, Any],
) -> tuple[dict[str, Any], list[int]]:
    op = body.get("op")
    if op == "spawn":
        return _spawn(body, fds, seccomp, new_root, shell_settings)
    if op == "trees":
        return _trees(body)
    if op == "probe":
        return {"ok": True, "results": probes.run_all(seccomp, new_root)}, []
    return {"ok": False, "error": f"unknown op {op!r}"}, []


def _spawn(
    body: dict[str, Any],
    fds: list[int],
    seccomp: bytes,
    new_root: str,
    shell_settings: dict[str, Any],
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
        shell.shell_main(ctrl_fd, log_fd, seccomp, new_root, ids, shell_settings)
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
