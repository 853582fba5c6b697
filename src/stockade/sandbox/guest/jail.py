"""ALL privileged setup of a sandbox lives here (namespaces, uid maps, mounts, caps, seccomp).

Runs in the zygote (root on the host, single-threaded) and in the children it clones. Order in
the child is fixed and commented in `enter`: nothing from the tenant runs until `enter` returned,
and by then the process is an unprivileged uid with no capabilities (bounding set included),
no_new_privs, a seccomp filter, and a read-only root it cannot leave. Standard library only.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import os
import resource
import signal
import socket
import stat
import struct

# PyDLL keeps the GIL across the call: the clone child must come back holding it.
_py = ctypes.PyDLL(None, use_errno=True)
_libc = ctypes.CDLL(None, use_errno=True)
_py.syscall.restype = ctypes.c_long
_libc.syscall.restype = ctypes.c_long

CLONE_PARENT = 0x00008000
CLONE_NEWNS = 0x00020000
CLONE_NEWCGROUP = 0x02000000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
SANDBOX_NAMESPACES = (
    CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWNET
)  # CLONE_NEWCGROUP is unshared later, after the cgroup attach (else host paths show)

MS_RDONLY = 1
MS_NOSUID = 2
MS_NODEV = 4
MS_NOEXEC = 8
MS_REMOUNT = 32
MS_BIND = 4096
MS_REC = 16384
MS_PRIVATE = 1 << 18
MNT_DETACH = 2

SYS_CLONE = 56
SYS_PIVOT_ROOT = 155
SYS_PIDFD_OPEN = 434
SYS_CLOSE_RANGE = 436
SYS_PIDFD_SEND_SIGNAL = 424
SYS_OPEN_TREE = 428
SYS_MOVE_MOUNT = 429
SYS_MOUNT_SETATTR = 442

AT_FDCWD = -100
AT_EMPTY_PATH = 0x1000
AT_RECURSIVE = 0x8000
OPEN_TREE_CLONE = 1
MOVE_MOUNT_F_EMPTY_PATH = 0x4
MOUNT_ATTR_RDONLY = 0x1
MOUNT_ATTR_NOSUID = 0x2
MOUNT_ATTR_NODEV = 0x4

PR_SET_PDEATHSIG = 1
PR_SET_SECCOMP = 22
PR_CAPBSET_DROP = 24
PR_SET_NO_NEW_PRIVS = 38
PR_CAP_AMBIENT = 47
PR_CAP_AMBIENT_CLEAR_ALL = 4
SECCOMP_MODE_FILTER = 2

_RO_BIND = MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV


def _check(result: int, what: str) -> int:
    if result < 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")
    return result


def clone(flags: int) -> int:
    """Raw clone(2) with a NULL stack: fork() with namespace flags; returns 0 in the child."""
    pid = _py.syscall(SYS_CLONE, ctypes.c_ulong(flags | signal.SIGCHLD), None, None, None, None)
    if pid == 0:
        # Raw clone skips Python's at-fork hooks (random reseed, lock resets): run them now.
        ctypes.pythonapi.PyOS_AfterFork_Child()
    return _check(pid, "clone")


def unshare(flags: int) -> None:
    _check(_libc.unshare(ctypes.c_int(flags)), "unshare")


def pidfd_open(pid: int) -> int:
    return _check(_libc.syscall(SYS_PIDFD_OPEN, pid, 0), "pidfd_open")


def pidfd_send_signal(pidfd: int, sig: int) -> None:
    _check(_libc.syscall(SYS_PIDFD_SEND_SIGNAL, pidfd, sig, None, 0), "pidfd_send_signal")


def close_all_fds_except(keep: set[int]) -> None:
    """close_range over the gaps: the child must not keep any fd it was not given on purpose."""
    low = 3
    for fd in sorted(k for k in keep if k >= 3):
        if fd > low:
            _check(_libc.syscall(SYS_CLOSE_RANGE, low, fd - 1, 0), "close_range")
        low = fd + 1
    _check(_libc.syscall(SYS_CLOSE_RANGE, low, 0xFFFFFFFF, 0), "close_range")


def set_parent_death_signal() -> None:
    _check(_libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0), "prctl(PDEATHSIG)")


def mount(src: str | None, target: str, fstype: str | None, flags: int, data: str = "") -> None:
    rc = _libc.mount(
        src.encode() if src else None,
        target.encode(),
        fstype.encode() if fstype else None,
        ctypes.c_ulong(flags),
        data.encode() if data else None,
    )
    _check(rc, f"mount {target}")


def write_id_maps(pid: int, uid_base: int, count: int) -> None:
    """Map uid/gid 0..count-1 inside to uid_base.. on the host (distinct range per sandbox)."""
    line = f"0 {uid_base} {count}\n".encode()
    for name in ("uid_map", "gid_map"):
        fd = os.open(f"/proc/{pid}/{name}", os.O_WRONLY)
        try:
            os.write(fd, line)
        finally:
            os.close(fd)


def attach_cgroups(pid: int, cgroup_dirs: list[str]) -> None:
    for directory in cgroup_dirs:
        fd = os.open(os.path.join(directory, "cgroup.procs"), os.O_WRONLY)
        try:
            os.write(fd, str(pid).encode())
        finally:
            os.close(fd)


def become_namespace_root() -> None:
    """Right after the maps are written we are the overflow uid; become mapped root (EOVERFLOW)."""
    os.setresgid(0, 0, 0)
    os.setresuid(0, 0, 0)


def bring_loopback_up() -> None:
    """SIOCGIFFLAGS/SIOCSIFFLAGS on lo: no `ip` binary, no netlink library."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        req = struct.pack("16sH14s", b"lo", 0, b"")
        flags = struct.unpack("16sH14s", fcntl.ioctl(s, 0x8913, req))[1]
        fcntl.ioctl(s, 0x8914, struct.pack("16sH14s", b"lo", flags | 1, b""))


def add_loopback_address(address: str) -> None:
    """SIOCSIFADDR on an alias of lo: one more IPv4 address that only this namespace has."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        sin = struct.pack("HH4s8s", socket.AF_INET, 0, socket.inet_aton(address), b"")
        fcntl.ioctl(s, 0x8916, struct.pack("16s16s", b"lo:1", sin))


def configure_interface(name: str, address: str, prefix: int, gateway: str) -> None:
    """Address `name`, bring it up, route everything else via `gateway`: the ioctls `ip`
    would make, without a process of its own (the shell does this while pre-spawned)."""
    ifname = name.encode()
    mask = (0xFFFFFFFF << (32 - prefix)) & 0xFFFFFFFF

    def sockaddr(ip: bytes) -> bytes:
        return struct.pack("HH4s8s", socket.AF_INET, 0, ip, b"")

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        fcntl.ioctl(s, 0x8916, struct.pack("16s16s", ifname, sockaddr(socket.inet_aton(address))))
        fcntl.ioctl(s, 0x891C, struct.pack("16s16s", ifname, sockaddr(struct.pack("!I", mask))))
        req = struct.pack("16sH14s", ifname, 0, b"")
        flags = struct.unpack("16sH14s", fcntl.ioctl(s, 0x8913, req))[1]
        fcntl.ioctl(s, 0x8914, struct.pack("16sH14s", ifname, flags | 1, b""))
        # struct rtentry (x86_64 and aarch64 layout): dst 0/0 via gateway, RTF_UP|RTF_GATEWAY.
        any_ = sockaddr(b"\0\0\0\0")
        route = struct.pack(
            "@L16s16s16sHhLPhPLLH6x", 0, any_, sockaddr(socket.inet_aton(gateway)), any_,
            0x3, 0, 0, 0, 0, 0, 0, 0, 0,
        )  # fmt: skip
        fcntl.ioctl(s, 0x890B, route)  # SIOCADDRT


def listen_tcp(port: int, host: str = "127.0.0.1") -> socket.socket:
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((host, port))
    s.listen(16)
    return s


def _bind_ro(src: str, dst: str) -> None:
    mount(src, dst, None, MS_BIND | MS_REC)
    # Inside a userns the remount must restate the locked flags (nosuid, nodev) or it fails.
    mount(None, dst, None, _RO_BIND)


# Mountpoints filled per environment by `attach_tree` (code, layers, runtime) and `mount_tmp`.
TREE_POINTS = ("/var/task", "/opt", "/var/runtime")


def build_generic_root(
    new_root: str,
    uid: int,
    gid: int,
    masked: list[str],
    read_only: list[str],
    extra_etc: dict[str, str] | None = None,
) -> None:
    """Pivot into a read-only tmpfs root that holds nothing function-specific yet.

    Done while the shell is pre-warmed: detaching the old root costs an RCU grace period
    (2-4 ms here), which must stay off the cold-start path. The function's trees arrive later
    as detached mounts (see `attach_tree`).
    """
    r = new_root
    mount(None, "/", None, MS_REC | MS_PRIVATE)  # nothing we do propagates back to the host
    mount("tmpfs", r, "tmpfs", MS_NOSUID | MS_NODEV, "size=256k,mode=755")
    for d in ("usr", "var/task", "var/runtime", "opt", "tmp", "proc", "dev", "etc"):
        os.makedirs(f"{r}/{d}", mode=0o755)
    for link, target in (("bin", "usr/bin"), ("lib", "usr/lib"), ("lib64", "usr/lib64")):
        os.symlink(target, f"{r}/{link}")
    os.symlink("usr/sbin", f"{r}/sbin")
    _write_etc(f"{r}/etc", uid, gid, extra_etc or {})
    _bind_ro("/usr", f"{r}/usr")
    mount("tmpfs", f"{r}/dev", "tmpfs", MS_NOSUID | MS_NOEXEC, "size=64k,mode=755")
    for dev in ("null", "zero", "random", "urandom"):
        os.close(os.open(f"{r}/dev/{dev}", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
        mount(f"/dev/{dev}", f"{r}/dev/{dev}", None, MS_BIND)
    os.symlink("/proc/self/fd", f"{r}/dev/fd")
    for i, name in enumerate(("stdin", "stdout", "stderr")):
        os.symlink(f"/proc/self/fd/{i}", f"{r}/dev/{name}")
    mount("proc", f"{r}/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    mask_proc(r, masked, read_only)
    mount(None, f"{r}/dev", None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NOEXEC)
    mount(None, r, None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV)
    os.chdir(r)
    _check(_libc.syscall(SYS_PIVOT_ROOT, b".", b"."), "pivot_root")
    _check(_libc.umount2(b".", MNT_DETACH), "umount old root")
    os.chdir("/")


def mask_proc(root: str, masked: list[str], read_only: list[str]) -> None:
    """OCI-style masks over our own /proc (policies/proc_masks.json): /dev/null over masked
    files, an empty read-only tmpfs over masked directories, read-only binds of the rest.
    The guest cannot undo them: it has no capabilities and seccomp refuses (u)mount."""
    empty_dir: str | None = None
    for path in masked:
        target = f"{root}{path}"
        try:
            mode = os.lstat(target).st_mode
        except FileNotFoundError:
            continue  # not on this host
        if not stat.S_ISDIR(mode):
            mount(f"{root}/dev/null", target, None, MS_BIND)
        elif empty_dir is None:
            flags = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC
            mount("tmpfs", target, "tmpfs", flags, "size=4k,nr_inodes=1,mode=555")
            empty_dir = target
        else:  # one empty filesystem serves every masked directory
            mount(empty_dir, target, None, MS_BIND)
    for path in read_only:
        target = f"{root}{path}"
        if not os.path.lexists(target):
            continue
        mount(target, target, None, MS_BIND | MS_REC)
        mount(None, target, None, _RO_BIND | MS_NOEXEC)


def _write_etc(etc: str, uid: int, gid: int, extra: dict[str, str]) -> None:
    """/etc as the guest sees it; `extra` adds lines to `hosts` and whole files (by name)."""
    name = "sbx_user1051"  # Lambda's sandbox user name
    files = {
        "passwd": f"root:x:0:0::/root:/sbin/nologin\n{name}:x:{uid}:{gid}::/tmp:/sbin/nologin\n",
        "group": f"root:x:0:\n{name}:x:{gid}:\n",
        "hosts": "127.0.0.1\tlocalhost\n::1\tlocalhost\n" + extra.get("hosts", ""),
        "resolv.conf": "",
        "hostname": "sandbox\n",
        "nsswitch.conf": "passwd: files\ngroup: files\nhosts: files\n",
    }
    files.update({k: v for k, v in extra.items() if k != "hosts"})
    for file_name, text in files.items():
        fd = os.open(f"{etc}/{file_name}", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        try:
            os.write(fd, text.encode("ascii"))
        finally:
            os.close(fd)


def open_tree_readonly(path: str, recursive: bool) -> int:
    """A detached, read-only, nosuid, nodev clone of `path` (zygote side; exec stays allowed:
    bootstraps and native extensions live in /var/task and /opt)."""
    flags = OPEN_TREE_CLONE | os.O_CLOEXEC | (AT_RECURSIVE if recursive else 0)
    fd = _check(_libc.syscall(SYS_OPEN_TREE, AT_FDCWD, path.encode(), flags), f"open_tree {path}")
    attr = (ctypes.c_uint64 * 4)(MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, 0, 0, 0)
    set_flags = AT_EMPTY_PATH | (AT_RECURSIVE if recursive else 0)
    rc = _libc.syscall(SYS_MOUNT_SETATTR, fd, b"", set_flags, ctypes.byref(attr), 32)
    if rc < 0:
        err = ctypes.get_errno()
        os.close(fd)
        raise OSError(err, f"mount_setattr {path}: {os.strerror(err)}")
    return fd


def attach_tree(fd: int, target: str) -> None:
    """Move a detached tree from the zygote onto a mountpoint of our (already pivoted) root."""
    if target not in TREE_POINTS:
        raise ValueError("unknown mountpoint")
    rc = _libc.syscall(SYS_MOVE_MOUNT, fd, b"", AT_FDCWD, target.encode(), MOVE_MOUNT_F_EMPTY_PATH)
    _check(rc, f"move_mount {target}")


def mount_tmp(size_mb: int) -> None:
    """The environment's private, writable /tmp, sized by EphemeralStorage."""
    options = f"size={int(size_mb)}m,mode=1777"
    mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, options)  # noqa: S108 - our own tmpfs


def drop_bounding_set() -> None:
    """Empty the capability bounding set early (shell pre-warm); effective caps stay for mounts."""
    with open("/proc/sys/kernel/cap_last_cap", "rb") as f:
        last_cap = int(f.read())
    for cap in range(last_cap + 1):
        _check(_libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0), "prctl(CAPBSET_DROP)")


def drop_privileges(uid: int, gid: int, seccomp_filter: bytes) -> None:
    """Irreversible: ambient caps, groups, ids, remaining caps, no_new_privs, seccomp.

    The bounding set was emptied by `drop_bounding_set` at pre-warm time.
    """
    _libc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)
    os.setgroups([])
    os.setresgid(gid, gid, gid)
    os.setresuid(uid, uid, uid)  # clears permitted/effective; inheritable is cleared below
    _clear_capabilities()
    _check(_libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl(NO_NEW_PRIVS)")
    load_seccomp(seccomp_filter)


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [
        ("effective", ctypes.c_uint32),
        ("permitted", ctypes.c_uint32),
        ("inheritable", ctypes.c_uint32),
    ]


def _clear_capabilities() -> None:
    header = _CapHeader(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3
    data = (_CapData * 2)()
    _check(_libc.capset(ctypes.byref(header), ctypes.byref(data)), "capset")


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def load_seccomp(program: bytes) -> None:
    if not program or len(program) % 8:
        raise OSError(errno.EINVAL, "empty or malformed seccomp program")
    buf = ctypes.create_string_buffer(program, len(program))
    prog = _SockFprog(len(program) // 8, ctypes.cast(buf, ctypes.c_void_p))
    rc = _libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(prog), 0, 0)
    _check(rc, "prctl(SECCOMP)")


def set_hostname(name: bytes) -> None:
    _check(_libc.sethostname(name, len(name)), "sethostname")


def apply_rlimits(limits: dict[str, int]) -> None:
    """Hard limits too: without CAP_SYS_RESOURCE the guest can only lower them."""
    for name, value in limits.items():
        which = {"nofile": resource.RLIMIT_NOFILE, "core": resource.RLIMIT_CORE}[name]
        resource.setrlimit(which, (int(value), int(value)))
