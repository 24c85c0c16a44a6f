"""Sweeps: every combination (a grid) of a few bindings' values, each run as its own experiment.

Axes come from `--sweep "Resnet.n_layers=[8,14,20]"` flags and from `!sweep:` blocks in the config
files (one `name.param = [values]` line per axis); a later `--sweep` of the same binding replaces an
axis, and a binding that `--mods` sets is fixed, not swept. Each member is the plain command

    ginpipe CONFIG... --mods <base mods> Resnet.n_layers=8 LR=0.001 --experiment-name <base>__n_layers=8__LR=0.001

run in its own process by a launcher (`ginpipe.launchers`); its run.json records that command, so any
member can be rerun by hand. Members are experiments of one project, so a task whose cache key is the
same in every member (loading, splitting, feature extraction) runs once and the others restore it;
with several members at once, `ginpipe.prefix` holds members back until the first one has made what
they share. A member whose run.json says "done" and whose command and config files are unchanged is
skipped, so rerunning an interrupted sweep resumes it.
"""
from __future__ import annotations

import itertools
import json
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from loguru import logger

from .composer import MacroRef, Ref, compose
from .config_files import read_config_text
from .errors import ConfigError, GinpipeError, Where
from .fingerprint import digest
from .interrupts import RunInterrupted
from .naming import choose_naming
from .run_summary import members_table
from .storage import read_json, write_json

__all__ = ["Axis", "Member", "Sweep", "Outcome", "SweepError", "plan_sweep", "run_sweep"]

MARKER = "sweep.json"  # written in a member's folder once it finished, to skip it on a rerun
_UNSAFE = re.compile(r"[^\w.+=-]+")


class SweepError(GinpipeError):
    """Some members of a sweep failed or did not finish; the message names them."""


@dataclass(frozen=True)
class Axis:
    """One swept binding: `key` as the user wrote it, and each value as gin text and as a name part."""

    key: str
    binding: tuple[str, str, str]  # (scope, selector, arg); arg is "" for a macro
    values: list[str]  # gin text of each value: `8`, `0.001`, `'adam'`, `@Resnet`
    labels: list[str]  # the same values, fit for a folder name
    where: Where


@dataclass(frozen=True)
class Member:
    """One experiment of a sweep and the `ginpipe` arguments that run it."""

    name: str
    mods: list[str]  # this member's own bindings, e.g. ["Resnet.n_layers=8", "LR=0.001"]
    argv: list[str]  # arguments of `ginpipe` (the configs, base mods and flags included)
    folder: Path
    inputs: str  # digest of the command and the config files: unchanged -> a finished member is skipped

    @property
    def short(self) -> str:
        """The part of the name that tells members apart: `n_layers=8__LR=0.001`."""
        return self.name.split("__", 1)[-1]


@dataclass
class Sweep:
    base: str
    axes: list[Axis]
    members: list[Member]
    project_dir: Path  # the members' parent folder
    rerun_finished: bool = False  # --no-cache, --from or --overwrite: the user asked for reruns

    def describe(self) -> str:
        shape = " x ".join(str(len(a.values)) for a in self.axes)
        return f"Sweep {self.base}: {len(self.members)} members ({shape}) in {self.project_dir}"


@dataclass
class Outcome:
    member: Member
    status: str  # "done", "skipped" (finished earlier) or "failed"
    seconds: float = 0.0
    error: str = ""
    log: list[str] = field(default_factory=list)  # the last lines the member printed


def plan_sweep(configs: Sequence[str], mods: Sequence[str] = (), sweeps: Sequence[str] = (), *,
               module_lists: Sequence[str] = (), experiment_name: str | None = None,
               project_name: str | None = None, output_dir: str | None = None, resume: bool = False,
               overwrite: bool = False, from_task: str | None = None, no_cache: bool = False,
               verbosity: int = 0) -> Sweep | None:
    """The members of the sweep these arguments describe, or None when there is nothing to sweep.

    Example:
        >>> sweep = plan_sweep(["configs/base.gin"], sweeps=["Resnet.n_layers=[8,14]", "LR=[1e-3,1e-4]"])  # doctest: +SKIP
        >>> [m.name for m in sweep.members]  # doctest: +SKIP
        ['base__n_layers=8__LR=0.001', 'base__n_layers=8__LR=0.0001', ...]
    """
    composition = compose([str(c) for c in configs], list(mods))
    fixed = {b.key for b in compose([], list(mods)).bindings} if mods else set()
    axes: dict[tuple, Axis] = {}
    for key, values, where in composition.sweeps:
        axis = _parse_axis(f"{key} = {values}", where, key)
        axes[axis.binding] = axis
    for number, text in enumerate(sweeps, 1):
        where = Where("--sweep", number, text)
        if "=" not in text:
            raise ConfigError(f"--sweep {text!r} is not a binding with a list of values.", None,
                              'Write e.g. --sweep "Resnet.n_layers=[8,14,20]".')
        axis = _parse_axis(text, where, text.split("=", 1)[0].strip())
        axes.pop(axis.binding, None)  # a later --sweep replaces a declared axis (and goes last)
        axes[axis.binding] = axis
    axes = {k: a for k, a in axes.items() if k not in fixed}
    if not axes:
        return None
    axis_list = list(axes.values())
    shorts = _short_names(axis_list)
    macros = composition.macros()
    given = macros.get("EXPERIMENT_NAME")
    base = experiment_name or (given.value if given and isinstance(given.value, str) else None) \
        or Path(str(configs[-1])).stem
    root = output_dir or _literal_macro(macros, "OUTPUT_DIR")
    flags = _member_flags(module_lists, project_name, resume, overwrite, from_task, no_cache)
    loudness = {1: ["-v"], -1: ["-q"]}.get(verbosity, [])
    files = "".join(read_config_text(f) for f in composition.files)
    members = []
    for combination in itertools.product(*(range(len(a.values)) for a in axis_list)):
        own = [f"{a.key}={a.values[i]}" for a, i in zip(axis_list, combination)]
        name = base + "".join(f"__{s}={a.labels[i]}" for s, a, i in zip(shorts, axis_list, combination))
        member_dir = Path(root) / name if root else None
        naming = choose_naming(composition, name, project_name, member_dir)
        argv = [*map(str, configs), "--mods", *mods, *own, "--experiment-name", name, *flags]
        if member_dir is not None:
            argv += ["--output-dir", str(member_dir)]
        members.append(Member(name, own, argv + loudness, naming.output_dir, digest(json.dumps(argv), files)))
    if len({m.name for m in members}) < len(members):
        raise ConfigError("Two sweep members would get the same folder name: a swept value repeats.",
                          axis_list[0].where, "Give each axis distinct values.")
    return Sweep(base, axis_list, members, members[0].folder.parent,
                 rerun_finished=bool(no_cache or from_task or overwrite))


def run_sweep(sweep: Sweep, launcher, share_prefix: bool = True, poll_s: float = 0.2) -> list[Outcome]:
    """Run the members not finished yet through `launcher`; raise SweepError if any failed.

    With room for several members at once, a `PrefixGate` starts the first member alone and each other
    member once the first has made every task the two share (`share_prefix=False` starts them at once).
    """
    logger.info(sweep.describe())
    outcomes: dict[str, Outcome] = {}
    todo = []
    for member in sweep.members:
        if not sweep.rerun_finished and finished(member):
            outcomes[member.name] = Outcome(member, "skipped")
            logger.info(f"↷ {member.name}: finished earlier, skipped")
        else:
            todo.append(member)
    gate = None
    if share_prefix and launcher.capacity > 1 and len(todo) > 1:
        from .prefix import PrefixGate
        gate = PrefixGate(todo)
    running: dict[str, tuple[Member, object, float]] = {}
    try:
        while todo or running:
            allowed = gate.released() if gate else todo
            for member in [m for m in allowed if m in todo][:max(0, launcher.capacity - len(running))]:
                todo.remove(member)
                logger.info(f"▶ member {member.name}")
                running[member.name] = (member, launcher.start(member), time.perf_counter())
            for name, (member, handle, started) in list(running.items()):
                result = handle.poll()
                if result is None:
                    continue
                del running[name]
                ok, error, log = result
                outcome = Outcome(member, "done" if ok else "failed", time.perf_counter() - started, error, log)
                outcomes[name] = outcome
                if ok:
                    _mark_finished(member)
                    logger.info(f"✓ member {name} in {outcome.seconds:.1f} s")
                else:
                    logger.error(f"✗ member {name} failed: {error}")
                if gate:
                    gate.finished(member)
            if running or todo:
                time.sleep(poll_s)
    except KeyboardInterrupt:
        for member, handle, _ in running.values():
            handle.cancel()
        raise RunInterrupted(f"interrupted: sweep {sweep.base} was stopped (Ctrl-C); unfinished members: "
                         + ", ".join(m.name for m in [*todo, *(r[0] for r in running.values())]) + ".",
                         hint="Run the same command again: finished members are skipped, and each"
                              " unfinished one resumes after its last finished task.") from None
    ordered = [outcomes[m.name] for m in sweep.members]
    print(summary(ordered))
    metrics = members_table([m.folder for m in sweep.members])
    if metrics:  # on stderr: stdout keeps one line per member, for scripts
        print("\n" + metrics, file=sys.stderr)
    failed = [o for o in ordered if o.status == "failed"]
    if failed:
        raise SweepError(
            f"{len(failed)} of {len(ordered)} sweep members failed: " + ", ".join(o.member.name for o in failed)
            + ".", hint="Their logs are in each member's logs/run.log. Fix the cause and run the same command"
                        " again: finished members are skipped, failed ones resume after their last finished task.")
    return ordered


def finished(member: Member) -> bool:
    """The member ran to the end, from the same command and config files as now."""
    run = read_json(member.folder / "run.json", None) or {}
    marker = read_json(member.folder / MARKER, None) or {}
    return run.get("status") == "done" and marker.get("inputs") == member.inputs


def summary(outcomes: list[Outcome]) -> str:
    width = max(len(o.member.name) for o in outcomes)
    lines = []
    for o in outcomes:
        detail = ("finished earlier" if o.status == "skipped" else f"{o.seconds:.1f} s"
                  + (f"  {o.error.splitlines()[0]}" if o.error else ""))
        lines.append(f"{o.status:<8} {o.member.name:<{width}}  {detail}")
    return "\n".join(lines)


def _mark_finished(member: Member) -> None:
    if (member.folder / "run.json").is_file():
        write_json(member.folder / MARKER, {"name": member.name, "mods": member.mods, "argv": member.argv,
                                            "inputs": member.inputs}, durable=False)


def _parse_axis(text: str, where: Where, key: str) -> Axis:
    try:
        bindings = compose([], [text]).bindings
    except ConfigError as e:
        raise ConfigError(e.message, where, e.hint) from None
    if len(bindings) != 1 or not isinstance(bindings[0].value, (list, tuple)) or not bindings[0].value:
        raise ConfigError(f"A sweep axis needs a non-empty list of values: {text.strip()!r}.", where,
                          "Write e.g. `Resnet.n_layers = [8, 14, 20]`.")
    binding = bindings[0]
    values = list(binding.value)
    if any(isinstance(v, str) and v.startswith("__ginpipe_expr_") for v in values):
        raise ConfigError("`$(...)` expressions cannot be swept values; write the numbers.", where)
    return Axis(key.strip(), binding.key, [repr(v) for v in values], [_label(v) for v in values], where)


def _label(value) -> str:
    if isinstance(value, Ref):
        text = value.name.rsplit(".", 1)[-1]
    elif isinstance(value, MacroRef):
        text = value.name
    elif isinstance(value, str):
        text = value
    else:
        text = repr(value)
    return _UNSAFE.sub("-", text).strip("-")[:40] or "x"


def _short_names(axes: list[Axis]) -> list[str]:
    short = [a.binding[2] or a.binding[1] for a in axes]
    return [s if short.count(s) == 1 else _UNSAFE.sub("-", a.key) for s, a in zip(short, axes)]


def _literal_macro(macros, name: str) -> str | None:
    binding = macros.get(name)
    return binding.value if binding is not None and isinstance(binding.value, str) else None


def _member_flags(module_lists, project_name, resume, overwrite, from_task, no_cache) -> list[str]:
    flags: list[str] = []
    if module_lists:
        flags += ["--module_list", *map(str, module_lists)]
    if project_name:
        flags += ["--project-name", project_name]
    flags += ["--resume"] * bool(resume) + ["--overwrite"] * bool(overwrite) + ["--no-cache"] * bool(no_cache)
    if from_task:
        flags += ["--from", from_task]
    return flags
