"""The commands README.md, the manual (docs/*.md) and the `--help` texts show, and how the
tests/test_documented_commands*.py files run them as printed.

The commands are read when the tests are collected, from the code blocks of README.md and of the
manual's pages (in the order of mkdocs.yml's nav, then any page it does not list) and from the
`examples:` sections of `ginpipe --help` and of each subcommand's `--help`, so a command added to
any of them is tested without touching a test file. A command printed on two pages runs once (on a
page twice, it runs twice: the second run is the cached one, as the first example shows).

They are split into GROUPS by page, each run by its own test file in its own copies of the project,
so that pytest-xdist (`--dist loadfile`) runs the groups side by side. A group holds the pages whose
commands use what each other made (`ginpipe compare experiments/audio/*` compares the sweeps trained
above it; `ginpipe reproduce` reruns one of their members), in their order; a page no group names is
in the first. A `--help` example goes to the group of the option it shows (`--sweep`, `--search`).
Commands run through bash (globs and redirections as a user's shell does them), in three folders:

* README's first example (`tasks/steps.py`, `experiment.gin`, written from the code blocks of README
  and the manual that begin with `# PATH`, those of files the repository does not have);
* the audio project (`configs/`, `tasks/`), where `configs/base.gin` ends with
  `include 'debug/fast.gin'`: every training is the tiny debug one, and the commands stay as printed.
* a folder of your own (`mylab/tiny.py`, `tiny.gin` of "Writing your own model"), whose commands find
  the audio project's copy at `$REPO`.

A command that cannot run on this machine is skipped with the reason: one needing a GPU, SLURM, an
MLflow server, a Dask scheduler, the user's own data or recordings, or a server that runs until
stopped (`ginpipe-demo`).
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

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent  # where the environment's `ginpipe` script is
_PLACEHOLDER = re.compile(r"<[\w -]+>|\bCONFIG\.\.\.|\[--")
# A code block whose first line names a file (`# PATH`, perhaps followed by a remark) shows that file.
_FILE_BLOCK = re.compile(r"^```\w*\n# ([\w./-]+\.\w+):?(?:[ \t][^\n]*)?\n(.*?)^```", re.MULTILINE | re.DOTALL)


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
    """README's and the manual's in their order, then the --help examples they do not show. A command
    printed on several pages runs on the first only; twice on one page it runs twice (the second run
    is the cached one)."""
    printed, first_page = [], {}
    for page in documented_pages():
        for command in _commands((REPO / page).read_text().splitlines(), None, page):
            if first_page.setdefault(command.text, page) == page:
                printed.append(command)
    helps = [c for c in _help_examples() if c.text not in first_page]
    return printed + [c for i, c in enumerate(helps) if c.text not in {h.text for h in helps[:i]}]


# The groups after the first, by the pages whose commands build on each other's experiments; a
# --help example joins the group of the option it shows. Everything else is in the group "project".
GROUPS = {
    "sweeps": {"pages": ["docs/sweeps.md", "docs/tools.md", "docs/tracking.md"], "option": "--sweep"},
    "search": {"pages": ["docs/search.md"], "option": "--search"},
}


def group_of(command: Command) -> str:
    for name, group in GROUPS.items():
        page = command.where.split(":", 1)[0]
        if page in group["pages"] or (command.where.endswith("--help") and group["option"] in command.words):
            return name
    return "project"


def commands_of(group: str) -> list[Command]:
    return [c for c in COMMANDS if group_of(c) == group]


def why_not_here(command: Command) -> str | None:
    """Why this machine cannot run the command as printed (None: it can)."""
    text = command.text
    if text.startswith("ginpipe-demo"):
        return "a server that runs until stopped (tests/demo start it)"
    if "gpu.gin" in text and shutil.which("nvidia-smi") is None:
        return "needs a GPU"
    if "submitit" in text or "NUM_NODES" in text or "slurm.gin" in text:
        return "needs SLURM"
    if "http://" in text:
        return "needs an MLflow server at that address"
    if "tcp://" in text:
        return "needs a Dask scheduler at that address"
    if "/data/" in text or "'/sounds'" in text or "'/shared/" in text:
        return "needs the user's own data folder"
    if command.words[1] == "predict" and any(word.endswith("/") for word in command.words[3:]):
        return "needs the user's own folder of recordings"
    devices = re.search(r"DEVICES=(\d+)", text)
    if devices and int(devices[1]) > (os.cpu_count() or 1):
        return f"{devices[1]} DDP processes on {os.cpu_count()} cores"
    return None




COMMANDS = documented_commands()


def make_sandboxes(tmp_path_factory) -> dict[str, Path]:
    """The copies of the project a group's commands run in (see the module's docstring). A shown file
    in a folder the repository has (`tasks/features/band_energy.py`) is added to the audio project
    too; one of a folder of your own (`mylab/tiny.py`, beside `tiny.gin`) makes the folder "own",
    whose commands find the audio project at `$REPO`."""
    audio = tmp_path_factory.mktemp("audio")
    for folder in ("configs", "tasks"):
        shutil.copytree(REPO / folder, audio / folder, ignore=shutil.ignore_patterns("__pycache__"))
    with open(audio / "configs" / "base.gin", "a") as base:
        base.write("\n# Every training of these tests is the tiny debug one.\ninclude 'debug/fast.gin'\n")
    example = tmp_path_factory.mktemp("example")
    blocks = [block for page in documented_pages() for block in _FILE_BLOCK.findall((REPO / page).read_text())]
    own = tmp_path_factory.mktemp("own")
    own_files = {path for path, _ in blocks if "/" in path and not (REPO / path).parent.exists()}
    for path in [p for p in own_files if p.endswith(".py")]:  # its package, "with an empty __init__.py"
        (own / path).parent.mkdir(parents=True, exist_ok=True)
        (own / path).parent.joinpath("__init__.py").touch()
    own_files |= {path for path, _ in blocks if "/" not in path and path.endswith(".gin")
                  and any(Path(p).stem == Path(path).stem for p in own_files)}
    for path, text in blocks:
        if (REPO / path).exists():
            continue  # a file of the audio project, shown: its commands run there
        targets = [own] if path in own_files else [example, *([audio] if "/" in path and (REPO / path).parent.exists() else [])]
        for root in targets:
            (root / path).parent.mkdir(parents=True, exist_ok=True)
            (root / path).write_text(text)
    return {"audio": audio, "example": example, "own": own}


def _sandbox(command: Command, sandboxes: dict[str, Path]) -> Path:
    example, own = sandboxes["example"], sandboxes["own"]
    if "$REPO" in command.text or any((own / word).exists() for word in command.words[1:3]):
        return own
    if any((example / word).is_file() for word in command.words[1:2]) or "my_project" in command.text:
        return example
    return sandboxes["audio"]


def run_as_printed(command: Command, sandboxes: dict[str, Path]) -> None:
    """Run the command through bash in its sandbox, as printed; it must succeed without a traceback."""
    reason = why_not_here(command)
    if reason:
        pytest.skip(f"{command.text}: {reason}")
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}", "REPO": str(sandboxes["audio"])}
    env.pop("COLUMNS", None)
    done = subprocess.run(["bash", "-c", command.text], cwd=_sandbox(command, sandboxes), capture_output=True,
                          text=True, env=env, timeout=3600, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, f"{command.where}: {command.text}\nexit {done.returncode}\n{done.stderr[-4000:]}"
    assert "Traceback" not in done.stderr, done.stderr[-4000:]


def command_ids(commands: list[Command]) -> list[str]:
    return [f"{c.where}: {c.text[:60]}" for c in commands]
