"""No host facts inside a function (item 11 of the hardening issue).

Hostile code (hostile.py) behind a real server reads what a function can read about where it
runs: its pid 1's command line, its interpreter's argv and modules, the mount table, its
cgroup, the SDK files in /var/runtime, and /proc entries that OCI runtimes
mask. None of it may name the server's data dir, its source tree, its virtualenv or the host's
name; masked entries read as empty, read-only ones refuse writes.
"""

from __future__ import annotations

import json
import re
import shutil
import socket
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest

from stockade.sandbox.limits import default_policy_dir
from stockade.sandbox.proc_masks import ProcMasks
from tests.support.packages import make_zip
from tests.support.server import REPO, RunningServer

pytestmark = [pytest.mark.security, pytest.mark.slow]

CODE = make_zip({"app.py": (Path(__file__).parent / "hostile.py").read_text()})
ROLE = "arn:aws:iam::{account}:role/stockade-lambda-basic-execution"
FILES = [
    "/proc/1/cmdline",
    "/proc/self/cmdline",
    "/proc/self/mountinfo",
    "/proc/1/mountinfo",
    "/proc/mounts",
    "/proc/self/cgroup",
    "/proc/self/maps",
    "/etc/hostname",
    "/etc/hosts",
]
MASKS = ProcMasks.load(default_policy_dir() / "proc_masks.json")
NODE_HANDLER = """
const fs = require("fs");
exports.handler = async () => ({
  cmdline: fs.readFileSync("/proc/1/cmdline", "latin1"),
  mountinfo: fs.readFileSync("/proc/self/mountinfo", "latin1"),
});
"""


def host_paths(server: RunningServer) -> list[str]:
    """Where the server keeps its state and code on this host."""
    paths = {
        str(server.data_dir.resolve()),
        str(REPO.resolve()),
        str(Path(sys.prefix).resolve()),  # the virtualenv the server runs from
        "/run/stockade",  # the sandboxes' scratch parent
    }
    return sorted(paths)


def create(server: RunningServer, handler: str, runtime: str = "python3.11", **extra: Any) -> str:
    lam = server.client("lambda")
    name = f"facts-{uuid.uuid4().hex[:10]}"
    lam.create_function(
        FunctionName=name,
        Runtime=runtime,
        Handler=handler,
        Role=ROLE.format(account=server.account_id),
        Code={"ZipFile": extra.pop("code", CODE)},
        Timeout=30,
        **extra,
    )
    lam.get_waiter("function_active_v2").wait(FunctionName=name)
    return name


def invoke(server: RunningServer, name: str, event: dict[str, Any]) -> Any:
    reply = server.client("lambda").invoke(FunctionName=name, Payload=json.dumps(event).encode())
    body = json.loads(reply["Payload"].read())
    assert "FunctionError" not in reply, body
    return body


def assert_names_no_host_fact(server: RunningServer, where: str, text: str) -> None:
    for path in host_paths(server):
        assert path not in text, (where, path)
    hostname = socket.gethostname()
    tokens = set(re.split(r"[\s/\0:=,()\[\]\"']+", text))
    assert hostname not in tokens, (where, hostname)


@pytest.fixture(scope="module")
def facts(server: RunningServer) -> dict[str, Any]:
    name = create(server, "app.host_facts")
    event = {
        "files": FILES,
        "masked": list(MASKS.masked),
        "read_only": [
            "/proc/sys/kernel/hostname",
            "/proc/sysrq-trigger",
            "/proc/sys/vm/drop_caches",
        ],
    }
    found: dict[str, Any] = invoke(server, name, event)
    return found


@pytest.mark.parametrize("path", FILES)
def test_proc_and_etc_files_name_no_host_path(
    server: RunningServer, facts: dict[str, Any], path: str
) -> None:
    text = facts["files"][path]
    assert not text.startswith("<E"), (path, text)  # readable, so the check below means something
    assert_names_no_host_fact(server, path, text)


def test_pid_1_command_line_shows_only_guest_side_names(
    server: RunningServer, facts: dict[str, Any]
) -> None:
    argv = facts["files"]["/proc/1/cmdline"].split("\0")
    assert argv[0] == "/usr/bin/python3.11"  # the interpreter, under the guest's /usr
    assert facts["orig_argv"] == [a for a in argv if a]
    for arg in (*argv, *facts["orig_argv"], *facts["argv"]):
        assert_names_no_host_fact(server, "argv", arg)


def test_modules_of_the_runtime_name_no_host_path(
    server: RunningServer, facts: dict[str, Any]
) -> None:
    for file in facts["module_files"]:
        assert_names_no_host_fact(server, "module file", file)
        assert file == "" or file.startswith(("/usr/lib/python3", "/var/", "/proc/self/fd/"))


def test_mount_table_shows_no_host_directory(server: RunningServer, facts: dict[str, Any]) -> None:
    rows = [line.split() for line in facts["files"]["/proc/self/mountinfo"].splitlines()]
    roots = {row[4]: row[3] for row in rows}  # mount point -> root inside its filesystem
    assert roots["/var/runtime"] == "/runtime-python"  # a copy on the sandboxes' tmpfs
    assert roots["/var/task"].startswith("/code/")
    assert roots["/usr"] == "/usr"
    for point, root in roots.items():
        assert_names_no_host_fact(server, f"mount root of {point}", root)


def test_cgroup_is_the_root_of_its_namespace(facts: dict[str, Any]) -> None:
    for line in facts["files"]["/proc/self/cgroup"].splitlines():
        assert line.rsplit(":", 1)[1] == "/", line


def test_hostname_is_the_sandboxes_own(facts: dict[str, Any]) -> None:
    assert facts["hostname"] == "sandbox"
    assert facts["hostname"] != socket.gethostname()


@pytest.mark.parametrize("path", MASKS.masked)
def test_masked_proc_entries_are_empty(facts: dict[str, Any], path: str) -> None:
    assert facts["masked"][path] in ("", "dir:", "<ENOENT>"), (path, facts["masked"][path][:200])


def test_read_only_proc_entries_refuse_writes(facts: dict[str, Any]) -> None:
    for path, outcome in facts["writable"].items():
        assert outcome in ("EROFS", "EACCES", "ENOENT", "EPERM"), (path, outcome)
    assert facts["writable"]["/proc/sys/kernel/hostname"] == "EROFS"


def test_sdk_files_in_var_runtime_name_no_host_path(server: RunningServer) -> None:
    """Compiled .pyc files record where they were compiled: the copies are retargeted."""
    name = create(server, "app.files_naming", MemorySize=512)
    out = invoke(server, name, {"root": "/var/runtime", "needles": host_paths(server)})
    assert out["scanned"] > 100  # boto3 and its dependencies are there
    assert out["found"] == []


def test_boto3_imports_from_var_runtime_without_recompiling(server: RunningServer) -> None:
    code = make_zip(
        {
            "app.py": (
                "import sys, boto3, botocore.session\n"
                "def handler(event, context):\n"
                "    return {'file': boto3.__file__, 'cached': boto3.__cached__,\n"
                "            'code_file': botocore.session.Session.__init__.__code__.co_filename}\n"
            )
        }
    )
    name = create(server, "app.handler", code=code, MemorySize=512)
    out = invoke(server, name, {})
    assert out["file"] == "/var/runtime/boto3/__init__.py"
    assert out["code_file"] == "/var/runtime/botocore/session.py"


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed")
def test_node_guest_sees_no_host_path(server: RunningServer) -> None:
    code = make_zip({"index.js": NODE_HANDLER})
    name = create(server, "index.handler", runtime="nodejs20.x", code=code)
    out = invoke(server, name, {})
    assert out["cmdline"].split("\0")[:2] == ["/usr/bin/node", "/var/runtime/bootstrap.js"]
    assert_names_no_host_fact(server, "/proc/1/cmdline", out["cmdline"])
    assert_names_no_host_fact(server, "/proc/self/mountinfo", out["mountinfo"])
    roots = {row.split()[4]: row.split()[3] for row in out["mountinfo"].splitlines()}
    assert roots["/var/runtime"] == "/runtime-node"
