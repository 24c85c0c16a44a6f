"""What a failed run tells the user: the command that resumes it, and a failed write told plainly."""
from __future__ import annotations

import copy
import re
import shlex
from pathlib import Path

from ..errors import ExperimentError, GinpipeError
from ..experiment.naming import Naming
from .options import command_line

__all__ = ["resume_hint", "resume_only", "write_error", "in_python"]

# The `ginpipe` flags errors name, as the keyword arguments of `ginpipe.run()` that do the same.
_KEYWORDS = {"--resume": "resume=True", "--overwrite": "overwrite=True", "--no-cache": "no_cache=True",
             "--experiment-name": "experiment_name", "--experiment_name": "experiment_name",
             "--project-name": "project_name", "--project_name": "project_name", "--output-dir": "output_dir",
             "--output_dir": "output_dir", "--module_list": "module_lists", "--module-list": "module_lists",
             "--mods": "mods", "--track": "track"}
_FLAG = re.compile(r"(?<![\w-])(--from (?P<task>[\w.-]+)|" + "|".join(sorted(map(re.escape, _KEYWORDS), key=len,
                                                                           reverse=True)) + r")(?![\w-])")

# Flags that would not continue a failed run: they rerun finished tasks, or empty the folder.
_NOT_RESUMING = {"--overwrite": 0, "--no-cache": 0, "--dry-run": 0, "--from": 1}


def resume_hint(command: str | None, naming: Naming) -> str:
    """The command that continues this run after a failure: same configs, `--resume` (it also accepts
    a config the user has just fixed), finished tasks from the cache."""
    if not command:
        return (f"Fix the cause and run again with experiment_name={naming.experiment!r}, resume=True:"
                " finished tasks come from the cache.")
    words, kept = shlex.split(command), []
    if words[1:2] == ["reproduce"]:
        return _reproduce_again_hint(words)
    skip = 0
    for word in words:
        flag = word.split("=", 1)[0]
        if skip:
            skip -= 1
        elif flag in _NOT_RESUMING:
            skip = _NOT_RESUMING[flag] if "=" not in word else 0
        else:
            kept.append(word)
    if not any(w.startswith(("--experiment", "--output")) for w in kept):
        kept += ["--experiment-name", naming.experiment]
    if "--resume" not in kept:
        kept.append("--resume")
    return f"Fix the cause, then resume (finished tasks come from the cache) with:\n    {command_line(kept)}"


def in_python(error: GinpipeError) -> GinpipeError:
    """`error` as `ginpipe.run()` tells it: the flags it names as keyword arguments (`resume=True`, not
    `--resume`), since the caller wrote Python, not a command line."""
    def keyword(match: re.Match) -> str:
        return f"from_task={match['task']!r}" if match["task"] else _KEYWORDS[match[0]]

    spoken = copy.copy(error)
    spoken.message = _FLAG.sub(keyword, error.message)
    spoken.hint = _FLAG.sub(keyword, error.hint) if error.hint else error.hint
    spoken.args = (spoken.render(),)
    return spoken


def resume_only(hint: str) -> str | None:
    """The resume command, without "fix the cause": an interruption has none."""
    return hint.replace("Fix the cause, then resume", "Resume", 1) or None


def _reproduce_again_hint(words: list[str]) -> str:
    """`ginpipe reproduce` has no --resume: it always reruns everything. Without --experiment-name it
    picks a fresh `<name>__reproduced-N` folder, so the plain command works again."""
    kept, skip = [], False
    for word in words:
        if skip:
            skip = False
        elif word in ("--experiment-name", "--experiment_name"):
            skip = True
        elif not word.startswith(("--experiment-name=", "--experiment_name=")):
            kept.append(word)
    return f"Fix the cause, then reproduce again (into a new folder) with:\n    {command_line(kept)}"


def write_error(error: OSError, hint: str, folder: Path | None = None) -> ExperimentError:
    """An OSError of the runner's own writes (disk full, read-only) as the folder and what to do
    (`folder`, the experiment's, when the error names no file)."""
    path = Path(str(error.filename)) if error.filename else folder
    if path is not None and path.parent.name == ".tmp":  # a staged file: name what it was for
        path = path.parent.parent
    where = f" ({path})" if path is not None else ""
    wrapped = ExperimentError(
        f"Cannot write to the experiment folder: {error.strerror or error}{where}.",
        hint="Free some space, or make the folder writable: what was saved so far is complete. " + hint)
    wrapped.__cause__ = error
    return wrapped
