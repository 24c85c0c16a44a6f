"""Every `ginpipe` command README.md, the manual (docs/*.md) and the `--help` texts show works as printed.

The commands are read when the tests are collected, from the code blocks of README.md and of the
manual's pages (in the order of mkdocs.yml's nav, then any page it does not list) and from the
`examples:` sections of `ginpipe --help` and of each subcommand's `--help`, so a command added to
any of them is tested without touching this file. They run in that order (later ones use what earlier
ones made: `ginpipe compare experiments/audio/*` compares the experiments trained above it), through
bash (globs and redirections as a user's shell does them), in two copies of the project:

* README's first example (`tasks/steps.py`, `experiment.gin`, written from the code blocks of README
  and the manual that begin with `# PATH`, those of files the repository does not have);
* the audio project (`configs/`, `tasks/`), where `configs/base.gin` ends with
  `include 'debug/fast.gin'`: every training is the tiny debug one, and the commands stay as printed.

A command that cannot run on this machine is skipped with the reason: one needing a GPU, SLURM, an
MLflow server, the user's own data folder, or a server that runs until stopped (`ginpipe-demo`). Run
the whole module: a single command selected alone may lack what earlier commands make.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent  # where the environment's `ginpipe` script is
_PLACEHOLDER = re.compile(r"<[\w -]+>|\bCONFIG\.\.\.|\[--")
_FILE_BLOCK = re.compile(r"^```\w*\n# (\S+)\n(.*?)^```", re.MULTILINE | re.DOTALL)


@dataclass(frozen=True)
class Command:
    where: str  # README.md:LINE, docs/PAGE.md:LINE, or the --help that shows it
    text: str  # as printed, comment removed, continuation lines joined

    @property
    def words(self) -> list[str]:
        return self.text.split()


def _without_comment(line: str) -> str:
    """The line up to a shell comment (a `#` after a blank, outside quotes)."""
    quote = None
    for i, char in enumerate(line):
        if quote:
            quote = None if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "#" and (i == 0 or line[i - 1].isspace()):
            return line[:i].rstrip()
    return line.rstrip()


def _commands(lines: list[str], where, page: str = "README.md") -> list[Command]:
    """`ginpipe ...` lines of code (indented, or inside a fence), backslash continuations joined."""
    found, fenced, i = [], False, 0
    while i < len(lines):
        line = lines[i]
        if line.lstrip().startswith("```"):
            fenced = not fenced
        text = line.strip().removeprefix("$ ")
        if (fenced or line.startswith("    ") or where is not None) and re.match(r"ginpipe(-demo)?\s", text):
            start = i
            while text.endswith("\\") and i + 1 < len(lines):
                i += 1
                text = text[:-1].rstrip() + " " + lines[i].strip()
            text = _without_comment(text)
            if not _PLACEHOLDER.search(text):
                found.append(Command(where or f"{page}:{start + 1}", text))
        i += 1
    return found


def _help_examples() -> list[Command]:
    from ginpipe.cli import SUBCOMMANDS

    found = []
    for sub in ("", *SUBCOMMANDS):
        shown = subprocess.run([str(BIN / "ginpipe"), *([sub] if sub else []), "--help"], capture_output=True,
                               text=True, timeout=120, env={**os.environ, "COLUMNS": "200"}).stdout
        if "examples:" in shown:
            found += _commands(shown.split("examples:", 1)[1].splitlines(), f"ginpipe {sub} --help".replace("  ", " "))
    return found


def documented_pages() -> list[str]:
    """README.md, then the manual's pages in the order of mkdocs.yml's nav, then those it leaves out."""
    nav = re.findall(r"([\w-]+\.md)\s*$", (REPO / "mkdocs.yml").read_text(), re.MULTILINE)
    pages = [f"docs/{name}" for name in nav]
    return ["README.md", *pages, *sorted(str(p.relative_to(REPO)) for p in (REPO / "docs").glob("*.md")
                                         if str(p.relative_to(REPO)) not in pages)]


def documented_commands() -> list[Command]:
    """README's and the manual's in their order (a command shown twice runs twice: the second run is
    the cached one), then the --help examples they do not show."""
    readme = [c for page in documented_pages() for c in _commands((REPO / page).read_text().splitlines(), None, page)]
    shown = {c.text for c in readme}
    helps = [c for c in _help_examples() if c.text not in shown]
    return readme + [c for i, c in enumerate(helps) if c.text not in {h.text for h in helps[:i]}]


def why_not_here(command: Command) -> str | None:
    """Why this machine cannot run the command as printed (None: it can)."""
    text = command.text
    if text.startswith("ginpipe-demo"):
        return "a server that runs until stopped (tests/demo start it)"
    if "gpu.gin" in text and shutil.which("nvidia-smi") is None:
        return "needs a GPU"
    if "submitit" in text or "NUM_NODES" in text:
        return "needs SLURM"
    if "http://" in text:
        return "needs an MLflow server at that address"
    if "/data/" in text or "'/sounds'" in text:
        return "needs the user's own data folder"
    devices = re.search(r"DEVICES=(\d+)", text)
    if devices and int(devices[1]) > (os.cpu_count() or 1):
        return f"{devices[1]} DDP processes on {os.cpu_count()} cores"
    return None


COMMANDS = documented_commands()


@pytest.fixture(scope="module")
def sandboxes(tmp_path_factory) -> dict[str, Path]:
    audio = tmp_path_factory.mktemp("audio")
    for folder in ("configs", "tasks"):
        shutil.copytree(REPO / folder, audio / folder, ignore=shutil.ignore_patterns("__pycache__"))
    with open(audio / "configs" / "base.gin", "a") as base:
        base.write("\n# Every training of these tests is the tiny debug one.\ninclude 'debug/fast.gin'\n")
    example = tmp_path_factory.mktemp("example")
    blocks = [block for page in documented_pages() for block in _FILE_BLOCK.findall((REPO / page).read_text())]
    for path, text in blocks:
        if (REPO / path).exists():
            continue  # a file of the audio project, shown: its commands run there
        (example / path).parent.mkdir(parents=True, exist_ok=True)
        (example / path).write_text(text)
    return {"audio": audio, "example": example}


def _sandbox(command: Command, sandboxes: dict[str, Path]) -> Path:
    example = sandboxes["example"]
    if any((example / word).is_file() for word in command.words[1:2]) or "my_project" in command.text:
        return example
    return sandboxes["audio"]


@pytest.mark.slow
@pytest.mark.parametrize("command", COMMANDS, ids=[f"{c.where}: {c.text[:60]}" for c in COMMANDS])
def test_a_documented_command_works_as_printed(command, sandboxes):
    reason = why_not_here(command)
    if reason:
        pytest.skip(f"{command.text}: {reason}")
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    env.pop("COLUMNS", None)
    done = subprocess.run(["bash", "-c", command.text], cwd=_sandbox(command, sandboxes), capture_output=True,
                          text=True, env=env, timeout=3600, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, f"{command.where}: {command.text}\nexit {done.returncode}\n{done.stderr[-4000:]}"
    assert "Traceback" not in done.stderr, done.stderr[-4000:]


def test_the_commands_are_found():
    """README's, the manual's and --help's commands are read: a parser that found none would test nothing."""
    texts = [c.text for c in COMMANDS]
    assert "ginpipe experiment.gin --experiment-name first" in texts
    assert any(c.where == "ginpipe --help" for c in COMMANDS)
    assert any(c.where.startswith("docs/sweeps.md:") and "--sweep" in c.text for c in COMMANDS)
    assert any(c.where.startswith("docs/tools.md:") and c.text.startswith("ginpipe compare") for c in COMMANDS)
    assert not any(_PLACEHOLDER.search(t) for t in texts)
