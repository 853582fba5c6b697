"""Inside a freshly cloned sandbox: setup, then the guest itself, in ONE process (pid 1).

The zygote clones this process into new user, pid, mount, ipc, uts and net namespaces with
CLONE_PARENT (so the host is its parent and reads its wait status directly); the host writes
the uid maps, attaches the cgroups and says GO. From there:

  pre-warm (no tenant yet, off the cold-start path)
    become namespace root, unshare the cgroup ns, hostname, lo up, open the two listening
    sockets, pivot into the generic read-only root (its /proc masked as OCI runtimes do),
    empty the capability bounding set, hand the sockets to the host (SHELL_READY)
  launch
    wait for CONFIGURE (per-environment, may hold secrets; never seen by the zygote) with the
    function's detached trees as fds; attach them, mount /tmp, rlimits, drop privileges,
    report STARTED, close every fd but 0-2 - privileged work ends here - and only then run
    the guest: the in-process Python runtime or an execve of the runtime.

There is no separate init: one Python process per idle environment instead of two (memory),
and no fork at launch (latency). The cost, documented: the guest is its namespace's pid 1, so
orphaned grandchildren are not reaped until the environment ends (they count against the pids
limit), and signals reach it only where it installed a handler (the runtimes handle SIGTERM;
shutdown falls back to SIGKILL after the grace period). Standard library only.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import sys
import traceback
from typing import Any, NoReturn

from . import channel, jail

RUNTIME_API_PORT = 9001


def shell_main(
    ctrl_fd: int,
    log_fd: int,
    seccomp: bytes,
    new_root: str,
    ids: tuple[int, int],
    shell_settings: dict[str, Any],
) -> NoReturn:
    try:
        jail.set_parent_death_signal()
        jail.close_all_fds_except({ctrl_fd, log_fd})
        ctrl = socket.socket(fileno=ctrl_fd)
    except BaseException:
        os._exit(70)
    uid, gid = ids
    try:
        go = channel.recv(ctrl)  # the host wrote our uid maps and attached our cgroups
        if go is None or go[0] != channel.GO:
            os._exit(71)
        jail.become_namespace_root()
        jail.unshare(jail.CLONE_NEWCGROUP)  # after the cgroup attach: we see "/" as our cgroup
        jail.set_hostname(b"sandbox")
        jail.bring_loopback_up()
        interface = go[1].get("interface")  # the default network's eth0, if the host made one
        if interface is not None:
            jail.configure_interface(
                "eth0", interface["address"], interface["prefix"], interface["gateway"]
            )
        # The SDK channel listens where the server does, as the guest addresses the server, so
        # that any URL the API hands out (a QueueUrl, a code location) works here unchanged.
        sdk_address: dict[str, Any] = shell_settings["sdk"]
        for address in sdk_address["loopback_addresses"]:
            jail.add_loopback_address(address)
        rapi = jail.listen_tcp(RUNTIME_API_PORT)
        sdk = jail.listen_tcp(int(sdk_address["port"]), "0.0.0.0")  # noqa: S104 - only lo here
        masks: dict[str, list[str]] = shell_settings["proc_masks"]
        jail.build_generic_root(
            new_root, uid, gid, masks["masked"], masks["read_only"], sdk_address["etc"]
        )
        jail.drop_bounding_set()
        channel.send(ctrl, channel.SHELL_READY, {}, [rapi.fileno(), sdk.fileno()])
        rapi.close()
        sdk.close()
    except BaseException as exc:
        _report_failure(ctrl, exc)
        os._exit(72)
    config = _configure(ctrl, log_fd, uid, gid, seccomp)
    _guest_main(config)


def _configure(
    ctrl: socket.socket, log_fd: int, uid: int, gid: int, seccomp: bytes
) -> dict[str, Any]:
    try:
        message = channel.recv(ctrl)
        if message is None or message[0] != channel.CONFIGURE:
            os._exit(0)  # the host released a pre-warmed shell it no longer needs
        config: dict[str, Any] = message[1]
        trees = message[2]
        points: list[str] = config["trees"]
        if len(points) != len(trees):
            raise ValueError("tree count mismatch")
        for fd, point in zip(trees, points, strict=True):
            jail.attach_tree(fd, point)
            os.close(fd)
        jail.mount_tmp(int(config["tmp_mb"]))
        jail.apply_rlimits(config.get("rlimits", {}))
        null = os.open("/dev/null", os.O_RDONLY)
        os.dup2(null, 0)
        os.close(null)
        os.dup2(log_fd, 1)
        os.dup2(log_fd, 2)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # the zygote ignored it; runtimes wait
        jail.drop_privileges(uid, gid, seccomp)
        channel.send(ctrl, channel.STARTED, {})
        # The guest keeps stdin/stdout/stderr only: no control socket, no log pipe copy.
        ctrl.detach()  # closed below by number; the object must not close a reused fd later
        jail.close_all_fds_except(set())
    except BaseException as exc:
        _report_failure(ctrl, exc)
        os._exit(72)
    return config


def _report_failure(ctrl: socket.socket, exc: BaseException) -> None:
    # OSError text names a syscall and errno; never tenant data.
    text = f"{type(exc).__name__}: {exc}" if isinstance(exc, OSError) else type(exc).__name__
    with contextlib.suppress(OSError):
        channel.send(ctrl, channel.SETUP_FAILED, {"error": text[:500]})


def _guest_main(config: dict[str, Any]) -> NoReturn:
    try:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
        env: dict[str, str] = config["env"]
        os.environ.clear()
        os.environ.update(env)
        os.chdir(config.get("cwd", "/var/task"))
        argv: list[str] = config.get("argv") or []
        if argv:
            try:
                os.execve(argv[0], argv, env)  # noqa: S606 - the function's own runtime
            except OSError as exc:
                sys.stderr.write(f"Couldn't start {argv[0]}: {exc.strerror}\n")
                _flush_and_exit(127)
        handler: str = config["handler"]
        sources: dict[str, str] | None = config.get("runtime_sources")
        del config, env  # the runtime reads its variables from os.environ like any other
        if sources:  # a kept runtime version other than the one pre-imported
            from . import runtime_copy  # noqa: PLC0415 - pre-imported by the zygote

            runtime_copy.load(sources).main(handler)
        from . import python_runtime  # noqa: PLC0415 - pre-imported by the zygote

        python_runtime.main(handler)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
        _flush_and_exit(code)
    except BaseException:
        traceback.print_exc()
        _flush_and_exit(1)
    _flush_and_exit(0)


def _flush_and_exit(code: int) -> NoReturn:
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(code)
