"""The commands the README and docs show, as fenced code blocks a test can run.

A block tagged `sh` is typed into a shell, one tagged `python` is run by the shell's `python`;
every other block (`json`, `text`, none) is output or a layout, never a command.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

RUNNABLE = ("sh", "python")
_FENCE = re.compile(r"^```(\w*)\s*$")
# Lines that are commands wherever they appear: they belong in a runnable block.
COMMAND_WORDS = ("aws ", "stockade ", ".venv/bin/", "scripts/", "python -m ")


@dataclass(frozen=True)
class Block:
    path: Path
    line: int  # of the opening fence, 1-based
    language: str
    text: str

    @property
    def where(self) -> str:
        return f"{self.path.name}:{self.line}"

    def as_shell(self) -> str:
        """The block as lines of a bash script (a python block becomes a here-document)."""
        marker = f'echo "--- {self.where}" >&2\n'
        if self.language == "python":
            return f"{marker}python - <<'STOCKADE_DOC_PYTHON'\n{self.text}STOCKADE_DOC_PYTHON\n"
        return marker + self.text


def blocks(path: Path) -> list[Block]:
    found: list[Block] = []
    opened: tuple[int, str] | None = None
    body: list[str] = []
    for number, line in enumerate(path.read_text().splitlines(keepends=True), start=1):
        fence = _FENCE.match(line.rstrip("\n"))
        if fence is None:
            if opened is not None:
                body.append(line)
            continue
        if opened is None:
            opened, body = (number, fence.group(1)), []
        else:
            found.append(Block(path, opened[0], opened[1], "".join(body)))
            opened = None
    if opened is not None:
        raise ValueError(f"{path.name}:{opened[0]}: unclosed code block")
    return found


def runnable(path: Path) -> list[Block]:
    return [b for b in blocks(path) if b.language in RUNNABLE]


def hidden_commands(path: Path) -> list[str]:
    """Command lines in blocks that no test runs: `where: line` for each."""
    return [
        f"{b.where}: {line.strip()}"
        for b in blocks(path)
        if b.language not in RUNNABLE
        for line in b.text.splitlines()
        if line.lstrip().startswith(COMMAND_WORDS)
    ]


SERVER_STARTS = ("scripts/serve", "stockade serve")
WHOLE_SUITE = "scripts/test"  # what CI runs (.ci/run): the suite this test is part of


def commands(block: Block) -> list[str]:
    """The block's command lines, comments stripped, continuation lines joined."""
    joined = block.text.replace("\\\n", " ")
    lines = (line.split(" #", 1)[0].strip() for line in joined.splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def is_server_block(block: Block) -> bool:
    """A block that starts the server (and names the suite): run by starting servers, since its
    commands do not return."""
    lines = commands(block)
    return bool(lines) and all(
        line.startswith(SERVER_STARTS) or line == WHOLE_SUITE for line in lines
    )
