"""One exception hierarchy for everything a user can cause and fix.

The CLI prints a `GinpipeError` as a short message (exit code 2) with no traceback unless `--debug`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

__all__ = [
    "GinpipeError", "ConfigError", "TaskError", "ExperimentError", "RunInterrupted", "Where",
    "did_you_mean", "EXIT_INTERRUPTED",
]


@dataclass(frozen=True)
class Where:
    """A place in the user's own files: `file` is the config file (or a flag: "--mods", "--search"),
    `line` is 1-based (the flag's item)."""

    file: str
    line: int
    text: str = ""

    def __str__(self) -> str:
        head = (f"In {self.file} item {self.line}" if self.file.startswith("--")  # --mods, --sweep, --search
                else f'In file "{self.file}", line {self.line}')
        return f"{head}:\n    {self.text.strip()}" if self.text.strip() else head


class GinpipeError(Exception):
    """An error the user can act on: what went wrong, where, and how to fix it."""

    def __init__(self, message: str, where: Where | None = None, hint: str | None = None):
        self.message, self.where, self.hint = message, where, hint
        super().__init__(self.render())

    def render(self) -> str:
        parts = [self.message]
        if self.where is not None:
            parts.append(str(self.where))
        if self.hint:
            parts.append(self.hint)
        return "\n".join(parts)


class ConfigError(GinpipeError):
    """The composed configuration is wrong: syntax, unknown names, bad values."""


class TaskError(GinpipeError):
    """A task of the pipeline raised; the message names the task and how to resume."""


class ExperimentError(GinpipeError):
    """The experiment folder cannot be used as asked (exists, locked, not writable)."""


EXIT_INTERRUPTED = 130  # 128 + SIGINT, what shells report for a Ctrl-C


class RunInterrupted(GinpipeError):
    """The user interrupted the run (Ctrl-C, SIGINT); what finished before is saved. Exit code 130."""


def did_you_mean(name: str, candidates: Iterable[str], n: int = 3) -> str:
    """Return ' Did you mean `a` or `b`?' for the closest candidates, or '' when none is close."""
    import difflib  # only when there is an error to explain
    matches = difflib.get_close_matches(name, sorted(set(candidates)), n=n, cutoff=0.6)
    if not matches:
        return ""
    return " Did you mean " + " or ".join(f"`{m}`" for m in matches) + "?"
