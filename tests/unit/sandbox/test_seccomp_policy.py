from __future__ import annotations

import json
import struct
from typing import Any

import pytest

from stockade.sandbox.guest import seccomp_bpf
from stockade.sandbox.limits import default_policy_dir

POLICY_PATH = default_policy_dir() / "seccomp" / "x86_64.json"
# x86_64 numbers of the calls the sandbox relies on denying (from the kernel's syscall_64.tbl).
MUST_DENY = {
    "ptrace": 101,
    "mount": 165,
    "unshare": 272,
    "setns": 308,
    "keyctl": 250,
    "bpf": 321,
    "add_key": 248,
    "process_vm_readv": 310,
    "userfaultfd": 323,
    "pivot_root": 155,
    "chroot": 161,
    "init_module": 175,
    "kexec_load": 246,
    "perf_event_open": 298,
    "open_by_handle_at": 304,
    "io_uring_setup": 425,
    "move_mount": 429,
    "fsopen": 430,
}


def policy() -> dict[str, Any]:
    value = json.loads(POLICY_PATH.read_text())
    assert isinstance(value, dict)
    return value


def test_policy_is_versioned_and_every_rule_has_a_reason() -> None:
    data = policy()
    assert data["version"] == 1
    for rule in data["rules"]:
        assert len(rule["reason"]) > 20, rule["syscall"]


def test_escape_syscalls_are_denied_with_their_x86_64_numbers() -> None:
    rules = {rule["syscall"]: rule for rule in policy()["rules"]}
    for name, number in MUST_DENY.items():
        assert rules[name]["nr"] == number, name
        assert rules[name]["action"] != "allow", name


def test_clone_with_namespace_flags_is_denied_and_clone3_falls_back() -> None:
    rules = {rule["syscall"]: rule for rule in policy()["rules"]}
    mask = int(rules["clone"]["arg0_any_bits"], 0)
    for flag in (
        0x00020000,
        0x02000000,
        0x04000000,
        0x08000000,
        0x10000000,
        0x20000000,
        0x40000000,
        0x00000080,
    ):
        assert mask & flag, hex(flag)
    assert rules["clone3"]["errno"] == "ENOSYS"


def test_program_starts_by_killing_foreign_architectures() -> None:
    program = seccomp_bpf.compile_policy(policy())
    assert len(program) % 8 == 0
    first = [struct.unpack("HBBI", program[i : i + 8]) for i in range(0, 24, 8)]
    assert first[0] == (seccomp_bpf.LD_W_ABS, 0, 0, seccomp_bpf.OFF_ARCH)
    assert first[1][3] == seccomp_bpf.AUDIT_ARCH_X86_64
    assert first[2] == (seccomp_bpf.RET_K, 0, 0, seccomp_bpf.RET_KILL_PROCESS)
    last = struct.unpack("HBBI", program[-8:])
    assert last == (seccomp_bpf.RET_K, 0, 0, seccomp_bpf.RET_ALLOW)


def test_unknown_action_is_rejected() -> None:
    data = policy()
    data["rules"] = [{"syscall": "x", "nr": 1, "action": "maybe", "reason": "r"}]
    with pytest.raises(ValueError, match="unknown seccomp action"):
        seccomp_bpf.compile_policy(data)
