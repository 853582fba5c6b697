"""Hostile function code, run INSIDE real sandboxes by the security tests.

Each handler attempts one escape or abuse and reports what happened as JSON; the tests assert
that every attempt failed. This file is shipped as the function's code (app.py): it is data
for the tests, not imported by them.
"""

from __future__ import annotations

import ctypes
import errno
import mmap
import os
import resource
import signal
import socket
import time
from typing import Any

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long


def _errno_of(call: Any, *args: Any) -> str:
    """Run a libc call; return "ok" or the errno name it failed with."""
    ctypes.set_errno(0)
    result = call(*args)
    if result == -1:
        return errno.errorcode.get(ctypes.get_errno(), str(ctypes.get_errno()))
    return "ok"


def _try(action: Any) -> str:
    try:
        action()
    except OSError as exc:
        return errno.errorcode.get(exc.errno or 0, str(exc.errno))
    except Exception as exc:
        return type(exc).__name__
    return "ok"


def read_host_files(event: dict[str, Any], context: Any) -> dict[str, Any]:
    paths = event["paths"]
    results = {}
    for path in paths:
        results[path] = _try(lambda p=path: open(p, "rb").read(1))  # noqa: SIM115
    return {"results": results, "root": sorted(os.listdir("/"))}


def write_read_only(event: dict[str, Any], context: Any) -> dict[str, str]:
    out = {}
    for path in event["paths"]:
        out[path] = _try(lambda p=path: open(p, "wb").close())
    out["chmod /var/task/app.py"] = _try(lambda: os.chmod("/var/task/app.py", 0o777))
    out["remount"] = _errno_of(libc.mount, None, b"/var/task", None, 32 | 4096, None)
    return out


def tmp_marker(event: dict[str, Any], context: Any) -> dict[str, Any]:
    if event.get("write"):
        with open("/tmp/marker", "w") as f:
            f.write(event["write"])
    return {"tmp": sorted(os.listdir("/tmp"))}


def processes(event: dict[str, Any], context: Any) -> dict[str, Any]:
    host_pid = int(event["host_pid"])
    return {
        "pids": sorted(int(p) for p in os.listdir("/proc") if p.isdigit()),
        "kill_host_pid": _try(lambda: os.kill(host_pid, 0)),
        "my_pid": os.getpid(),
    }


def memory_of_others(event: dict[str, Any], context: Any) -> dict[str, str]:
    """Another process's memory: a child of ours (the only other process we can see)."""
    buf = ctypes.create_string_buffer(16)

    class IoVec(ctypes.Structure):
        _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]

    child = os.fork()
    if child == 0:
        time.sleep(30)
        os._exit(0)
    try:
        local = IoVec(ctypes.cast(buf, ctypes.c_void_p), 16)
        remote = IoVec(0x400000, 16)
        return {
            "child /proc/mem": _try(lambda: open(f"/proc/{child}/mem", "rb").read(1)),
            "child /proc/environ": _try(lambda: open(f"/proc/{child}/environ", "rb").read(1)),
            "process_vm_readv": _errno_of(
                libc.process_vm_readv, child, ctypes.byref(local), 1, ctypes.byref(remote), 1, 0
            ),
            "ptrace_attach": _errno_of(libc.ptrace, 16, child, None, None),  # PTRACE_ATTACH
            "ptrace_traceme": _errno_of(libc.ptrace, 0, 0, None, None),
            "host pid process_vm_readv": _errno_of(
                libc.process_vm_readv,
                int(event["host_pid"]),
                ctypes.byref(local),
                1,
                ctypes.byref(remote),
                1,
                0,
            ),
        }
    finally:
        os.kill(child, signal.SIGKILL)
        os.waitpid(child, 0)


def network(event: dict[str, Any], context: Any) -> dict[str, Any]:
    def connect(address: tuple[str, int]) -> None:
        with socket.create_connection(address, timeout=2):
            pass

    def connect_abstract(name: str) -> None:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(2)
            s.connect("\0" + name)

    out: dict[str, Any] = {"interfaces": [name for _, name in socket.if_nameindex()]}
    for host, port in event["targets"]:
        out[f"{host}:{port}"] = _try(lambda h=host, p=port: connect((h, p)))
    out["abstract"] = _try(lambda: connect_abstract(event["abstract"]))
    return out


def listen(event: dict[str, Any], context: Any) -> str:
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", int(event["port"])))
    s.listen(1)
    globals()["_listener"] = s  # stays open while the environment lives
    return "listening"


def kernel_surface(event: dict[str, Any], context: Any) -> dict[str, str]:
    clone_newuser = 0x10000000
    return {
        "mount": _errno_of(libc.mount, b"tmpfs", b"/tmp", b"tmpfs", 0, None),
        "umount": _errno_of(libc.umount2, b"/var/task", 2),
        "unshare_user": _errno_of(libc.unshare, clone_newuser),
        "unshare_net": _errno_of(libc.unshare, 0x40000000),
        "clone_newuser": _errno_of(libc.syscall, 56, clone_newuser | signal.SIGCHLD, 0, 0, 0, 0),
        "setns": _errno_of(libc.setns, 0, 0),
        "keyctl": _errno_of(libc.syscall, 250, 0, -1, 0),  # KEYCTL_GET_KEYRING_ID
        "add_key": _errno_of(libc.syscall, 248, b"user", b"k", b"v", 1, -2),
        "bpf": _errno_of(libc.syscall, 321, 0, None, 0),
        "perf_event_open": _errno_of(libc.syscall, 298, None, 0, -1, -1, 0),
        "userfaultfd": _errno_of(libc.syscall, 323, 0),
        "chroot": _errno_of(libc.chroot, b"/tmp"),
        "sethostname": _errno_of(libc.sethostname, b"evil", 4),
        "mknod": _try(lambda: os.mknod("/tmp/dev", 0o600 | 0o020000, os.makedev(1, 3))),
        "setuid_root": _try(lambda: os.setuid(0)),
        "io_uring_setup": _errno_of(libc.syscall, 425, 1, None),
    }


def identity(event: dict[str, Any], context: Any) -> dict[str, Any]:
    with open("/proc/self/status") as f:
        status = dict(line.split(":", 1) for line in f.read().splitlines() if ":" in line)
    with open("/proc/self/mountinfo") as f:
        mounts = {line.split()[4]: line.split()[5] for line in f}
    return {
        "uid": os.getuid(),
        "gid": os.getgid(),
        "groups": os.getgroups(),
        "status": {k: v.strip() for k, v in status.items()},
        "mounts": mounts,
        "hostname": socket.gethostname(),
        "environ": dict(os.environ),
    }


def raise_rlimits(event: dict[str, Any], context: Any) -> dict[str, str]:
    def raise_limit(which: int) -> None:
        _, hard = resource.getrlimit(which)
        target = resource.RLIM_INFINITY if hard != resource.RLIM_INFINITY else hard
        if hard == resource.RLIM_INFINITY:
            raise RuntimeError("already unlimited")
        resource.setrlimit(which, (target, target))

    return {
        "nofile": _try(lambda: raise_limit(resource.RLIMIT_NOFILE)),
        "core": _try(lambda: raise_limit(resource.RLIMIT_CORE)),
        "nofile_hard": str(resource.getrlimit(resource.RLIMIT_NOFILE)[1]),
    }


def fork_bomb(event: dict[str, Any], context: Any) -> dict[str, Any]:
    children = 0
    failure = "none"
    deadline = time.monotonic() + 10
    for _ in range(5000):  # bounded: the pids limit must stop us long before
        if time.monotonic() > deadline:
            failure = "deadline"
            break
        try:
            pid = os.fork()
        except OSError as exc:
            failure = errno.errorcode.get(exc.errno or 0, "?")
            break
        if pid == 0:
            signal.pause()
            os._exit(0)
        children += 1
    os.kill(-1, signal.SIGKILL)  # every process we may signal: our children
    return {"children": children, "failure": failure}


def memory_bomb(event: dict[str, Any], context: Any) -> int:
    chunks = []
    for _ in range(4096):  # bounded: 64 GiB would be needed to finish
        chunks.append(
            mmap.mmap(-1, 16 << 20, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS | mmap.MAP_POPULATE)
        )
    return len(chunks)


def infinite_loop(event: dict[str, Any], context: Any) -> None:
    while True:
        pass


def healthy(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return {"echo": event, "request_id": context.aws_request_id}


# -- output floods ---------------------------------------------------------------------------
# Raw writes to fd 1 bypass Python's buffering: the fastest a function can produce output.
# The worst case for whoever reads it is many tiny lines (64 KiB of 2-byte lines per write);
# long lines test the byte rate instead.


def _pour(seconds: float, line_bytes: int = 2) -> int:
    line = b"x" * (line_bytes - 1) + b"\n"
    chunk = line * max(1, 65536 // len(line))
    written = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:  # bounded in time
        try:
            written += os.write(1, chunk)
        except OSError:
            break
    return written


def flood_after_return(event: dict[str, Any], context: Any) -> str:
    """Leave a thread writing to stdout after the handler returned (outside any invocation)."""
    import threading

    args = (float(event["seconds"]), int(event.get("line_bytes", 2)))
    threading.Thread(target=_pour, args=args, daemon=True).start()
    return "pouring"


def flood_inside(event: dict[str, Any], context: Any) -> dict[str, int]:
    """Write to stdout as fast as possible for a while, inside the invocation, then log once."""
    print("before the flood", flush=True)
    written = _pour(float(event["seconds"]))
    time.sleep(0.3)  # a quiet moment: the environment's output budget refills
    print("after the flood", flush=True)
    return {"written": written}


def chatty(event: dict[str, Any], context: Any) -> int:
    """Legitimate logging: numbered lines that must all arrive, in order."""
    for i in range(int(event["lines"])):
        print(f"{event['tag']} line {i}")
    return int(event["lines"])


# -- host facts ------------------------------------------------------------------------------
def _read(path: str) -> str:
    try:
        with open(path, "rb") as f:
            return f.read(1 << 20).decode("utf-8", "replace")
    except OSError as exc:
        return f"<{errno.errorcode.get(exc.errno or 0, str(exc.errno))}>"


def host_facts(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Everything a function can read that might name the host: the files given, its own
    interpreter's view (argv, modules' files) and what the masked /proc entries hold."""
    import sys

    files = {path: _read(path) for path in event["files"]}
    masked = {}
    for path in event["masked"]:
        if os.path.isdir(path):
            masked[path] = "dir:" + ",".join(sorted(os.listdir(path)))
        else:
            masked[path] = _read(path)
    writable = {path: _try(lambda p=path: open(p, "wb").close()) for path in event["read_only"]}
    return {
        "files": files,
        "masked": masked,
        "writable": writable,
        "argv": list(sys.argv),
        "orig_argv": list(getattr(sys, "orig_argv", [])),
        "module_files": sorted(
            str(getattr(m, "__file__", None) or "") for m in list(sys.modules.values())
        ),
        "hostname": socket.gethostname(),
    }


def files_naming(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Files under `root` whose bytes contain any of `needles` (bounded walk)."""
    needles = [n.encode() for n in event["needles"]]
    found: list[str] = []
    scanned = 0
    for directory, _, names in os.walk(event["root"]):
        for name in names:
            path = os.path.join(directory, name)
            scanned += 1
            if scanned > 20_000:
                return {"found": found, "scanned": scanned}
            try:
                with open(path, "rb") as f:
                    data = f.read(8 << 20)
            except OSError:
                continue
            if any(n in data for n in needles):
                found.append(path)
    return {"found": found, "scanned": scanned}
