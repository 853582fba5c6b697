"""Compile the versioned seccomp policy (stockade/policies/seccomp/<arch>.json) into a raw BPF
program.

Dependency-free: `struct sock_filter` is packed by hand. The program shape is
  1. kill the process on a foreign architecture or the x32 ABI (syscall numbers differ there);
  2. per rule: compare the syscall number, return the rule's action;
     `clone` rules may also test flag bits in argument 0 (the only argument BPF can see safely);
  3. the policy's default action.
Standard library only (it runs in the zygote).
"""

from __future__ import annotations

import errno
import struct
from collections.abc import Mapping, Sequence
from typing import Any

AUDIT_ARCH_X86_64 = 0xC000003E
X32_SYSCALL_BIT = 0x40000000

RET_KILL_PROCESS = 0x80000000
RET_ERRNO = 0x00050000
RET_ALLOW = 0x7FFF0000

LD_W_ABS = 0x20
JEQ_K = 0x15
JGE_K = 0x35
JSET_K = 0x45
RET_K = 0x06

OFF_NR = 0
OFF_ARCH = 4
OFF_ARG0_LO = 16


def _ins(code: int, jt: int, jf: int, k: int) -> bytes:
    return struct.pack("HBBI", code, jt, jf, k)


def _action(rule: Mapping[str, Any]) -> int:
    action = rule["action"]
    if action == "allow":
        return RET_ALLOW
    if action == "kill_process":
        return RET_KILL_PROCESS
    if action == "errno":
        code = getattr(errno, str(rule["errno"]))
        return RET_ERRNO | (int(code) & 0xFFFF)
    raise ValueError(f"unknown seccomp action {action!r}")


def compile_policy(policy: Mapping[str, Any]) -> bytes:
    if policy.get("arch") != "x86_64":
        raise ValueError("only the x86_64 policy is supported")
    out = [
        _ins(LD_W_ABS, 0, 0, OFF_ARCH),
        _ins(JEQ_K, 1, 0, AUDIT_ARCH_X86_64),
        _ins(RET_K, 0, 0, RET_KILL_PROCESS),
        _ins(LD_W_ABS, 0, 0, OFF_NR),
        _ins(JGE_K, 0, 1, X32_SYSCALL_BIT),
        _ins(RET_K, 0, 0, RET_KILL_PROCESS),
    ]
    rules: Sequence[Mapping[str, Any]] = policy["rules"]
    for rule in rules:
        nr = int(rule["nr"])
        ret = _action(rule)
        mask = rule.get("arg0_any_bits")
        if mask is None:
            out += [_ins(JEQ_K, 0, 1, nr), _ins(RET_K, 0, 0, ret)]
        else:
            # nr matches -> load arg0, any masked bit set -> action; then reload nr and go on.
            out += [
                _ins(JEQ_K, 0, 4, nr),
                _ins(LD_W_ABS, 0, 0, OFF_ARG0_LO),
                _ins(JSET_K, 0, 1, int(mask, 0) if isinstance(mask, str) else int(mask)),
                _ins(RET_K, 0, 0, ret),
                _ins(LD_W_ABS, 0, 0, OFF_NR),
            ]
    out.append(_ins(RET_K, 0, 0, _action({"action": policy["default_action"]})))
    if len(out) > 4096:
        raise ValueError("seccomp program too long")
    return b"".join(out)
