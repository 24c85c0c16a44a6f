"""`ginpipe reproduce`: rerun an experiment from what its folder recorded, and check the result.

The saved `config.gin` is the whole composed config (every file, every `--mods`, the seed bindings,
computed `$()` values). When the recorded command's config files still compose to exactly that text,
the recorded command (files, mods, import lists) runs again. Otherwise (files edited or gone) the
saved config.gin runs, binding by binding, with a warning: gin prints dicts with sorted keys and
configurables by their shortest name (`AdamW.lr`, expanded back to the full name the config refers
to, `@torch.optim.AdamW`), and drops `import ... as alias` and `$key = value` lines, taken from the
recorded files when they can be read. Every task
runs (nothing from the cache: a sibling experiment must not stand in for the rerun), and the caches
tasks keep across experiments (features, a generated dataset) recompute their values too
(`ginpipe.io.must_recompute`), into a new folder of the same project; a reproduction that was
killed or failed is resumed in its own folder, not started again in another. Before running, differences
between the recorded `environment.json` and this environment (Python, package versions, git commit,
uncommitted changes) are warned about; afterwards the final metrics are compared, exactly.
"""
from __future__ import annotations

import math
import shlex
from dataclasses import dataclass, field
from pathlib import Path

from ..config.text.composition import compose
from ..config.text.values import Ref, walk
from ..errors import ConfigError, ExperimentError, GinpipeError
from ..experiment.environment import describe_environment
from ..experiment.folder_status import read_folder_status
from ..experiment.statuses import RunStatus
from ..files import write_json
from ..log import logger
from ..runs.options import RunOptions
from ..runs.prepare import prepare, run_scope
from ..runs.runner import run_experiment
from ..cache.recompute import recomputing
from .finished import NAMING_MACROS, final_metrics, read_bindings, read_record

__all__ = ["Reproduction", "reproduce", "runnable_bindings", "environment_differences", "metric_differences"]

_MAX_LISTED = 15


@dataclass
class Reproduction:
    original: Path
    folder: Path
    environment: list[str] = field(default_factory=list)  # warnings: what differs from the recorded run
    metrics_match: bool | None = None  # None: neither run recorded metrics
    differences: dict[str, tuple[float | None, float | None]] = field(default_factory=dict)
    source: dict = field(default_factory=dict)  # configs, mods and module_lists that ran

    def to_json(self) -> dict:
        return {"original": str(self.original), "reproduction": str(self.folder),
                "source": self.source,
                "environment_differences": self.environment, "metrics_match": self.metrics_match,
                "metric_differences": {k: list(v) for k, v in self.differences.items()}}


def reproduce(experiment: str | Path, experiment_name: str | None = None, command: str | None = None,
              verbosity: int = 0) -> Reproduction:
    """Rerun `experiment` into `<name>__reproduced` (or `experiment_name`) and compare its metrics.

    Example:
        >>> report = reproduce("experiments/audio/seed3")  # doctest: +SKIP
        >>> report.metrics_match  # doctest: +SKIP
        True
    """
    original = Path(experiment)
    run_json = read_record(original / "run.json")
    if not (original / "config.gin").is_file() or not isinstance(run_json, dict):
        raise ExperimentError(f"{original} is not a ginpipe experiment (it needs config.gin and run.json).")
    name = experiment_name or _unfinished(original) or _free_name(original)
    folder = original.parent / name
    resume = (folder / "config.gin").exists()
    if resume and not _is_unfinished(folder, original):
        raise ExperimentError(f"{folder} exists already.", hint="Choose another --experiment-name.")
    recorded = read_record(original / "environment.json")
    warnings = environment_differences(recorded, describe_environment()) if recorded else \
        ["no environment.json was recorded: versions cannot be checked"]
    for line in warnings:
        logger.warning(line)
    source = _recorded_source(original, run_json)
    if source is None or not _composes_to_saved(source, original, run_json):
        logger.warning(f"The recorded command's config files no longer compose to {original / 'config.gin'}:"
                       " rerunning from the saved config.gin itself (its dicts have sorted keys; a task that"
                       " depends on their order may differ). To rerun the exact files, check out the recorded"
                       " git commit.")
        module_lists, context = _recorded_context(source)
        source = {"configs": [], "mods": context + runnable_bindings(original / "config.gin"),
                  "module_lists": module_lists}
    seeds = {k: v for k, v in read_bindings(original / "config.gin").items() if "seed" in k.lower()}
    recorded = final_metrics(original)  # before the rerun: damaged metrics stop it, never "no metrics"
    logger.info(f"{'Resuming the reproduction of' if resume else 'Reproducing'} {original} into {folder}"
                + (f" ({', '.join(f'{k} = {v}' for k, v in seeds.items())})" if seeds else ""))
    with recomputing():  # features and generated data are computed again, not read from their caches
        run_experiment(RunOptions(source["configs"], source["mods"], source["module_lists"], experiment_name=name,
                                  project_name=run_json.get("project"), output_dir=str(folder), resume=resume,
                                  no_cache=True,
                                  verbosity=verbosity, command=command or _command(original)))
    report = Reproduction(original, folder, warnings, source=source)
    report.differences, compared = metric_differences(recorded, final_metrics(folder))
    report.metrics_match = None if not compared else not report.differences
    write_json(folder / "reproduction.json", report.to_json(), durable=False)
    _print(report, compared)
    return report


def runnable_bindings(config_file: Path) -> list[str]:
    """Every binding of a saved config.gin as a `--mods` item, with full configurable names.

    Example: `AdamW.lr = 0.001` becomes `torch.optim.AdamW.lr=0.001` when the config refers to
    `@torch.optim.AdamW` (names that stay short must be the project's own or an alias's).
    """
    bindings = compose([str(config_file)]).bindings
    full = {leaf.selector for b in bindings for leaf in walk(b.value) if isinstance(leaf, Ref)}

    def expand(selector: str) -> str:
        matches = [name for name in full if name.endswith("." + selector)]
        return matches[0] if selector not in full and len(matches) == 1 else selector

    items = []
    for b in bindings:
        if b.is_macro:
            if b.macro_name not in NAMING_MACROS:
                items.append(f"{b.macro_name}={b.value!r}")
        else:
            items.append(f"{b.scope + '/' if b.scope else ''}{expand(b.selector)}.{b.arg}={b.value!r}")
    return items


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
    def same(a, b) -> bool:
        return a == b or (a is not None and b is not None and math.isnan(a) and math.isnan(b))
    return {n: (old.get(n), new.get(n)) for n in names if not same(old.get(n), new.get(n))}, len(names)


def _recorded_source(original: Path, run_json: dict) -> dict | None:
    """The configs, mods and import lists the experiment was run with (for a reproduction: its source)."""
    earlier = read_record(original / "reproduction.json")
    if earlier is not None and "source" in earlier:
        return earlier["source"]
    command = run_json.get("command")
    if not command:
        return None
    try:
        options = RunOptions.from_argv(shlex.split(command)[1:])
    except SystemExit:
        return None
    return {"configs": list(options.configs), "mods": list(options.mods), "module_lists": list(options.module_lists)}


def _composes_to_saved(source: dict, original: Path, run_json: dict) -> bool:
    options = RunOptions(source["configs"], source["mods"], source["module_lists"], run_json.get("experiment"),
                         run_json.get("project"), run_json.get("output_dir"))
    try:
        with run_scope():
            return prepare(options).config_text == (original / "config.gin").read_text()
    except GinpipeError:
        return False


def _recorded_context(source: dict | None) -> tuple[list[str], list[str]]:
    """Import lists, and the aliases and `$key = value` lines of the recorded config files."""
    if source is None:
        logger.warning("run.json has no command: imports and `$key = value` lines cannot be recovered.")
        return [], []
    try:
        composition = compose(source["configs"], source["mods"])
    except ConfigError as e:
        logger.warning(f"The original config files cannot be read now ({e.message}); imports and"
                       " `$key = value` lines are not recovered.")
        return list(source["module_lists"]), []
    extra = [f"import {module} as {alias}" for alias, module in composition.aliases.items()]
    extra += [f"import {package}" for package in composition.packages]
    extra += [f"${key}={value!r}" for key, value, _ in composition.initial_state]
    return list(source["module_lists"]), extra


def _command(original: Path) -> str:
    return f"ginpipe reproduce {shlex.quote(str(original))}"


def _is_unfinished(folder: Path, original: Path) -> bool:
    """A reproduction of `original` that never wrote its report, and that no live run holds: killed,
    interrupted or failed. It is resumed in place (every task still runs: nothing is taken from a
    cache), so that repeating a killed `ginpipe reproduce` does not leave a new folder each time."""
    if (folder / "reproduction.json").exists() or not (folder / "config.gin").is_file():
        return False
    run = read_record(folder / "run.json") or {}
    try:
        words = shlex.split(str(run.get("command") or ""))
    except ValueError:
        return False
    if words[:2] != ["ginpipe", "reproduce"] or len(words) < 3 or Path(words[2]).resolve() != original.resolve():
        return False
    return read_folder_status(folder).status in (RunStatus.INTERRUPTED, RunStatus.FAILED)


def _unfinished(original: Path) -> str | None:
    """The name of the latest unfinished reproduction of `original` (see `_is_unfinished`), if any."""
    names = [f"{original.name}__reproduced"]
    while (original.parent / names[-1]).exists():
        names.append(f"{original.name}__reproduced-{len(names) + 1}")
    for name in reversed(names[:-1]):
        if _is_unfinished(original.parent / name, original):
            return name
    return None


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
