"""Every command the README and docs show, typed as a newcomer types it, against a server the
README's own `scripts/serve` started.

The newcomer's shell is clean (its own HOME, the system PATH) except for an `AWS_CA_BUNDLE`
naming the system's CAs, as on many corporate machines: the README's setup must hold with it.
The README runs first, in a directory laid out as the repository (its `.venv`, and the
`.stockade` data dir the server writes); each page of docs/ then runs in a fresh shell that
first types the README's setup block, as the page says.
"""

from __future__ import annotations

import shlex
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.doc_blocks import (
    WHOLE_SUITE,
    Block,
    commands,
    hidden_commands,
    is_server_block,
    runnable,
)
from tests.support.server import REPO, RunningServer, start_server

pytestmark = pytest.mark.integration

README = REPO / "README.md"
DOCS = sorted((REPO / "docs").glob("*.md"))
SYSTEM_CAS = "/etc/ssl/certs/ca-certificates.crt"
SETUP_MARK = ". .venv/bin/activate"
# `scripts/serve ARGS` is what a newcomer types; the test adds a port and a data dir of its own.
SCRIPTS_SERVE = ("bash", "-c", 'shift; exec scripts/serve "$@"', "scripts/serve")


@dataclass(frozen=True)
class Newcomer:
    home: Path  # the directory the README's commands are typed in
    server: RunningServer

    def env(self) -> dict[str, str]:
        env = {
            "HOME": str(self.home / "home"),
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "LANG": "C.UTF-8",
        }
        if Path(SYSTEM_CAS).exists():
            env["AWS_CA_BUNDLE"] = SYSTEM_CAS
        return env

    def type(self, script_blocks: list[Block], timeout: float = 300) -> str:
        script = "set -euo pipefail\n" + "".join(b.as_shell() for b in script_blocks)
        done = subprocess.run(
            ["bash", "-c", script],
            cwd=self.home,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        assert done.returncode == 0, (
            f"exit {done.returncode}\n--- stdout\n{done.stdout[-4000:]}\n"
            f"--- stderr\n{done.stderr[-4000:]}"
        )
        return done.stdout


def _setup_block() -> Block:
    found = [b for b in runnable(README) if SETUP_MARK in b.text]
    assert len(found) == 1, "the README has one block that sets up the newcomer's shell"
    return found[0]


@pytest.fixture(scope="module")
def newcomer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Newcomer]:
    home = tmp_path_factory.mktemp("newcomer")
    (home / "home").mkdir()
    (home / ".venv").symlink_to(REPO / ".venv")
    server = start_server(home / ".stockade", None, command=SCRIPTS_SERVE)
    try:
        person = Newcomer(home, server)
        person.type([b for b in runnable(README) if not is_server_block(b)])
        yield person
    finally:
        server.stop()


def test_the_readme_runs_as_typed(newcomer: Newcomer) -> None:
    """The fixture typed every README command; what they made is there."""
    assert (newcomer.home / "hello.zip").is_file()
    out = newcomer.type(
        [
            _setup_block(),
            _inline(
                "aws lambda get-function --function-name hello"
                " --query Configuration.State --output text"
            ),
        ]
    )
    assert out.strip() == "Active"


@pytest.mark.parametrize("page", [p for p in DOCS if runnable(p)], ids=lambda p: p.name)
def test_each_page_of_docs_runs_as_typed(newcomer: Newcomer, page: Path) -> None:
    page_blocks = [b for b in runnable(page) if not is_server_block(b)]
    newcomer.type([_setup_block(), *page_blocks])


def test_server_starts_shown_in_docs_start_a_server(tmp_path: Path) -> None:
    starts = [(b, line) for p in [README, *DOCS] for b in runnable(p) if is_server_block(b)
              for line in commands(b) if line != WHOLE_SUITE]  # fmt: skip
    assert starts, "the README's quickstart starts the server"
    for n, (block, line) in enumerate(starts):
        words = shlex.split(line)
        extra = words[1:] if words[0] == "scripts/serve" else words[2:]
        server = start_server(tmp_path / f"d{n}", None, *extra, command=SCRIPTS_SERVE)
        try:
            assert server.endpoint["url"].startswith("https://"), block.where
            # The greeting's export line holds in a shell that already has a CA bundle set.
            assert f"AWS_CA_BUNDLE={server.ca_bundle}" in server.log(), block.where
        finally:
            assert server.stop() == 0, block.where


def test_the_whole_suite_the_readme_names_is_what_ci_runs() -> None:
    shown = [line for b in runnable(README) if is_server_block(b) for line in commands(b)]
    assert WHOLE_SUITE in shown
    assert (REPO / ".ci" / "run").read_text().strip().endswith(f"exec {WHOLE_SUITE}")


def test_no_command_hides_in_a_block_no_test_runs() -> None:
    hidden = [h for p in [README, *DOCS] for h in hidden_commands(p)]
    assert hidden == []


def _inline(command: str) -> Block:
    return Block(README, 0, "sh", command + "\n")
