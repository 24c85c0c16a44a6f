"""Sweep plans: every combination (a grid) of a few bindings' values, each its own experiment.

Axes come from `--sweep "Resnet.n_layers=[8,14,20]"` flags and from `!sweep:` blocks in the config
files (one `name.param = [values]` line per axis); a later `--sweep` of the same binding replaces an
axis, and a binding that `--mods` sets is fixed, not swept. Each member is the sweep's `RunOptions`
with its own bindings and name, i.e. the plain command

    ginpipe CONFIG... --mods <base mods> Resnet.n_layers=8 LR=0.001 --experiment-name <base>__n_layers=8__LR=0.001

which a launcher runs (`ginpipe.sweeps.sweep_jobs`, `ginpipe.sweeps.launchers`); its run.json records
that command, so any member can be rerun by hand. A member whose run.json says "done" and whose
command and config files are unchanged is skipped, so rerunning an interrupted sweep resumes it.
"""
from __future__ import annotations

import itertools
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from ..config.text.composition import Composition, compose
from ..config.text.file_text import read_config_text
from ..config.text.values import MacroRef, Ref
from ..errors import ConfigError, Where
from ..experiment.naming import choose_naming
from ..runs.options import RunOptions, command_line
from ..cache.fingerprint import digest

__all__ = ["Axis", "Member", "Sweep", "plan_sweep"]

_UNSAFE = re.compile(r"[^\w.+=-]+")


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
    """One experiment of a sweep: its own bindings and the options that run it."""

    name: str
    mods: list[str]  # this member's own bindings, e.g. ["Resnet.n_layers=8", "LR=0.001"]
    options: RunOptions  # the sweep's options, with the member's bindings and name
    folder: Path
    inputs: str  # digest of the command and the config files: unchanged -> a finished member is skipped

    @property
    def argv(self) -> list[str]:
        """Arguments of `ginpipe` that run this member (the configs, base mods and flags included)."""
        return self.options.to_argv()

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
    project: str = ""  # the members' project (the MLflow experiment of a tracked sweep)
    tracking_uri: str | None = None  # --track, else the config's TRACKING_URI: the sweep is a parent run
    command: str | None = None  # the sweep's command line

    def describe(self) -> str:
        shape = " x ".join(str(len(a.values)) for a in self.axes)
        return f"Sweep {self.base}: {len(self.members)} members ({shape}) in {self.project_dir}"


def plan_sweep(options: RunOptions, sweeps: Sequence[str] = (),
               composition: Composition | None = None) -> Sweep | None:
    """The members of the sweep these options (and `--sweep` texts) describe, or None when there is
    nothing to sweep. `composition` is the options' configs, when they were read already.

    Example:
        >>> options = RunOptions(["configs/base.gin"])  # doctest: +SKIP
        >>> sweep = plan_sweep(options, ["Resnet.n_layers=[8,14]", "LR=[1e-3,1e-4]"])  # doctest: +SKIP
        >>> [m.name for m in sweep.members]  # doctest: +SKIP
        ['base__n_layers=8__LR=0.001', 'base__n_layers=8__LR=0.0001', ...]
    """
    if composition is None:
        composition = compose(list(options.configs), list(options.mods))
    axis_list = _axes(composition, options.mods, sweeps)
    if not axis_list:
        return None
    shorts = _short_names(axis_list)
    macros = composition.macros()
    given = macros.get("EXPERIMENT_NAME")
    base = options.experiment_name or (given.value if given and isinstance(given.value, str) else None) \
        or Path(options.configs[-1]).stem
    root = options.output_dir or _literal_macro(macros, "OUTPUT_DIR")
    files = "".join(read_config_text(f) for f in composition.files)
    members = []
    for combination in itertools.product(*(range(len(a.values)) for a in axis_list)):
        own = [f"{a.key}={a.values[i]}" for a, i in zip(axis_list, combination)]
        name = base + "".join(f"__{s}={a.labels[i]}" for s, a, i in zip(shorts, axis_list, combination))
        member_dir = Path(root) / name if root else None
        naming = choose_naming(composition, name, options.project_name, member_dir)
        member = options.replace(mods=(*options.mods, *own), experiment_name=name, output_dir=member_dir,
                                 dry_run=False)
        member = member.replace(command=command_line(["ginpipe", *member.to_argv()]))
        # Loudness and tracking change no result: a finished member stays finished without them.
        same_inputs = member.replace(verbosity=0, debug=False, track=None).to_argv()
        members.append(Member(name, own, member, naming.output_dir, digest(json.dumps(same_inputs), files)))
    if len({m.name for m in members}) < len(members):
        raise ConfigError("Two sweep members would get the same folder name: a swept value repeats.",
                          axis_list[0].where, "Give each axis distinct values.")
    return Sweep(base, axis_list, members, members[0].folder.parent,
                 rerun_finished=bool(options.no_cache or options.from_task or options.overwrite),
                 project=naming.project, tracking_uri=options.track or _literal_macro(macros, "TRACKING_URI"),
                 command=options.command)


def _axes(composition: Composition, mods: Sequence[str], sweeps: Sequence[str]) -> list[Axis]:
    """The axes declared in the configs, replaced by `--sweep`s, without those `--mods` fix."""
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
    return [a for k, a in axes.items() if k not in fixed]


def _parse_axis(text: str, where: Where, key: str) -> Axis:
    try:
        bindings = compose([], [text]).bindings
    except ConfigError as e:
        raise ConfigError(e.message, where, e.hint) from None
    if len(bindings) != 1 or not isinstance(bindings[0].value, (list, tuple)) or not bindings[0].value:
        raise ConfigError(f"A sweep axis needs a non-empty list of values: {text.strip()!r}.", where,
                          "Write e.g. `Resnet.n_layers = [8, 14, 20]`.")
    binding = bindings[0]
    values = list(binding.value)  # type: ignore[call-overload]  # a list or tuple: checked above
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
