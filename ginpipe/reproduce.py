"""`ginpipe reproduce`: rerun an experiment from what its folder recorded, and check the result.

The saved `config.gin` is the whole composed config (every file, every `--mods`, the seed bindings,
computed `$()` values), so it is what runs again. What gin does not print is taken from the recorded
command's config files: the `import ... as alias` lines and `$key = value` initial state. Every task
runs (nothing from the cache: a sibling experiment must not stand in for the rerun), into a new
folder of the same project. Before running, differences between the recorded `environment.json` and
this environment (Python, package versions, git commit, uncommitted changes) are warned about;
afterwards the final metrics are compared, exactly.
"""
from __future__ import annotations

import json
import math
import shlex
from dataclasses import dataclass, field
from pathlib import Path

from loguru import logger

from .compare import final_metrics, read_bindings
from .errors import ConfigError, ExperimentError
from .storage import write_json

__all__ = ["Reproduction", "reproduce", "environment_differences", "metric_differences"]

_MAX_LISTED = 15


@dataclass
class Reproduction:
    original: Path
    folder: Path
    environment: list[str] = field(default_factory=list)  # warnings: what differs from the recorded run
    metrics_match: bool | None = None  # None: neither run recorded metrics
    differences: dict[str, tuple[float | None, float | None]] = field(default_factory=dict)

    def to_json(self) -> dict:
        return {"original": str(self.original), "reproduction": str(self.folder),
                "environment_differences": self.environment, "metrics_match": self.metrics_match,
                "metric_differences": {k: list(v) for k, v in self.differences.items()}}


def reproduce(experiment: str | Path, experiment_name: str | None = None, command: str | None = None) -> Reproduction:
    """Rerun `experiment` into `<name>__reproduced` (or `experiment_name`) and compare its metrics.

    Example:
        >>> report = reproduce("experiments/audio/seed3")  # doctest: +SKIP
        >>> report.metrics_match  # doctest: +SKIP
        True
    """
    from .environment import describe_environment
    from .runner import run

    original = Path(experiment)
    run_json = _read_json(original / "run.json")
    if not (original / "config.gin").is_file() or run_json is None:
        raise ExperimentError(f"{original} is not a ginpipe experiment (it needs config.gin and run.json).")
    name = experiment_name or _free_name(original)
    folder = original.parent / name
    if (folder / "config.gin").exists():
        raise ExperimentError(f"{folder} exists already.", hint="Choose another --experiment-name.")
    recorded = _read_json(original / "environment.json")
    warnings = environment_differences(recorded, describe_environment()) if recorded else \
        ["no environment.json was recorded: versions cannot be checked"]
    for line in warnings:
        logger.warning(line)
    module_lists, extra = _recorded_context(run_json.get("command"))
    seeds = {k: v for k, v in read_bindings(original / "config.gin").items() if "seed" in k.lower()}
    logger.info(f"Reproducing {original} into {folder}"
                + (f" ({', '.join(f'{k} = {v}' for k, v in seeds.items())})" if seeds else ""))
    run([str(original / "config.gin")], extra, module_lists=module_lists, experiment_name=name,
        project_name=run_json.get("project"), output_dir=folder, no_cache=True,
        command=command or f"ginpipe reproduce {shlex.quote(str(original))}")
    report = Reproduction(original, folder, warnings)
    report.differences, compared = metric_differences(final_metrics(original), final_metrics(folder))
    report.metrics_match = None if not compared else not report.differences
    write_json(folder / "reproduction.json", report.to_json(), durable=False)
    _print(report, compared)
    return report


def environment_differences(recorded: dict, current: dict) -> list[str]:
    """Human-readable differences that can change a result: Python, packages, code version."""
    out = []
    if recorded.get("python") != current.get("python"):
        out.append(f"Python {recorded.get('python')} was recorded; this is Python {current.get('python')}.")
    old, new = recorded.get("packages", {}), current.get("packages", {})
    changed = [f"{n} {old.get(n, 'absent')} -> {new.get(n, 'absent')}"
               for n in sorted(set(old) | set(new)) if old.get(n) != new.get(n)]
    if changed:
        listed = ", ".join(changed[:_MAX_LISTED]) + (f" and {len(changed) - _MAX_LISTED} more"
                                                    if len(changed) > _MAX_LISTED else "")
        out.append(f"{len(changed)} package version(s) differ from the recorded ones (recorded -> now): {listed}.")
    git_old, git_new = recorded.get("git") or {}, current.get("git") or {}
    if git_old.get("commit") != git_new.get("commit"):
        out.append(f"The git commit differs: recorded {str(git_old.get('commit'))[:12]},"
                   f" now {str(git_new.get('commit'))[:12]}.")
    if (git_old.get("diff") or "") != (git_new.get("diff") or "") and (git_old or git_new):
        out.append("Uncommitted changes differ from the recorded ones (the recorded diff is in environment.json).")
    return out


def metric_differences(old: dict[str, float], new: dict[str, float]):
    """({metric: (recorded, reproduced)} for every metric not exactly equal, number compared)."""
    names = sorted(set(old) | set(new))
    same = lambda a, b: a == b or (a is not None and b is not None and math.isnan(a) and math.isnan(b))  # noqa: E731
    return {n: (old.get(n), new.get(n)) for n in names if not same(old.get(n), new.get(n))}, len(names)


def _recorded_context(command: str | None) -> tuple[list[str], list[str]]:
    """Import lists, aliases and `$key = value` lines of the recorded command's config files."""
    if not command:
        logger.warning("run.json has no command: imports and `$key = value` lines of the original configs"
                       " cannot be recovered.")
        return [], []
    from .cli import build_parser
    from .composer import compose
    try:
        args = build_parser().parse_args(shlex.split(command)[1:])
    except SystemExit:
        logger.warning(f"Cannot read the recorded command: {command}")
        return [], []
    try:
        composition = compose(args.configs, args.mods)
    except ConfigError as e:
        logger.warning(f"The original config files cannot be read now ({e.message}); imports and"
                       " `$key = value` lines are not recovered.")
        return list(args.module_lists), []
    extra = [f"import {module} as {alias}" for alias, module in composition.aliases.items()]
    extra += [f"import {package}" for package in composition.packages]
    extra += [f"${key}={value!r}" for key, value, _ in composition.initial_state]
    return list(args.module_lists), extra


def _free_name(original: Path) -> str:
    name, number = f"{original.name}__reproduced", 1
    while (original.parent / name).exists():
        number += 1
        name = f"{original.name}__reproduced-{number}"
    return name


def _print(report: Reproduction, compared: int) -> None:
    print(f"Reproduced {report.original} in {report.folder}.")
    if report.metrics_match is None:
        print("Neither run recorded metrics (state key `metrics` or metrics.json): nothing to compare.")
    elif report.metrics_match:
        print(f"Metrics match exactly ({compared} compared).")
    else:
        print(f"Metrics differ ({len(report.differences)} of {compared}):")
        for name, (old, new) in report.differences.items():
            delta = f" (difference {new - old:+.3g})" if old is not None and new is not None else ""
            print(f"  {name}: recorded {old}, reproduced {new}{delta}")
    if report.environment:
        print(f"Environment: {len(report.environment)} difference(s) from the recorded run (warned above).")


def _read_json(path: Path):
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None
