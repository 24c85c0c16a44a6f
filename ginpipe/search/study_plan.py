"""A study plan: what `ginpipe CONFIG... --trials N` (or `--search`, or a `!search:` block) asks for.

The study lives in `experiments/<project>/<study>/` (the study's name is `--experiment-name`, the
config's `EXPERIMENT_NAME`, else the last config file's stem) and each trial is an experiment of its
own in it, `trial-0003/`, started as the plain command

    ginpipe CONFIG... --mods <base mods> Resnet.n_layers=8 --experiment-name trial-0003
        --output-dir experiments/<project>/<study>/trial-0003

so trials share the tasks they have in common through the cache (their folders are siblings), and
each one can be rerun, resumed, compared or reproduced like any experiment.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from ..config.text.composition import Composition
from ..errors import ConfigError, ExperimentError
from ..experiment.folder_safety import check_name
from ..experiment.naming import DEFAULT_PROJECT
from ..runs.options import RunOptions, command_line
from ..runs.trial import TrialLink
from ..sweeps.sweep_plan import Member
from .objective import Objective, check_made_by_siblings, choose_objective
from .space import Param, parse_space
from .study import StudySettings

__all__ = ["StudyPlan", "plan_study", "sample_trials", "check_study_folder"]


@dataclass(frozen=True)
class StudyPlan:
    options: RunOptions  # the command's options; each trial adds its own bindings and folder
    params: list[Param]
    objective: Objective
    trials: int  # finished trials (complete or pruned) to reach
    folder: Path  # experiments/<project>/<study>
    settings: StudySettings
    plot: bool = False

    def member(self, number: int, trial_id: int, mods: list[str]) -> Member:
        """Trial `number` as a sweep member: the options that run it, in its own folder."""
        name = f"trial-{number:04d}"
        folder = self.folder / name
        plain = self.options.replace(mods=(*self.options.mods, *mods), experiment_name=name,
                                     output_dir=str(folder), dry_run=False, resume=False, overwrite=False)
        plain = plain.replace(command=command_line(["ginpipe", *plain.to_argv()]))
        link = TrialLink(self.settings.storage, self.settings.name, trial_id, number, self.settings.pruner)
        return Member(name, mods, plain.replace(trial=link.to_text()), folder, inputs="")

    def describe(self) -> str:
        space = ", ".join(p.key for p in self.params) or "no parameter"
        return (f"Study {self.settings.name}: {self.trials} trials of {space}, {self.objective.short}imise"
                f" {self.objective.metric} ({self.settings.sampler}"
                + (f", {self.settings.pruner} pruning" if self.settings.pruner != "none" else "")
                + f") in {self.folder}")


def plan_study(options: RunOptions, args, composition: Composition) -> StudyPlan | None:
    """The study the command asks for, or None when it asks for none (no --trials, --search or `!search:`)."""
    searches: Sequence[str] = getattr(args, "search", None) or []
    if args.trials is None and not searches and not composition.searches:
        return None
    params = parse_space(composition, searches, args.sweep, options.mods)
    if not params:
        raise ConfigError("A search needs parameters to search, and none is given.",
                          hint='Add --search "Resnet.n_layers=int(4, 20, step=2)", or a `!search:` block in a'
                               " config (`!sweep:` axes count too).")
    grid_only = all(p.kind == "choice" or (p.kind == "int" and not p.log) for p in params) and \
        not searches and not composition.searches
    sampler = args.sampler or ("grid" if grid_only else "tpe")
    trials = args.trials
    if trials is None and sampler == "grid":
        trials = _grid_size(params)
    if trials is None:
        raise ConfigError("A search needs a number of trials.", hint="Add --trials N, e.g. --trials 20.")
    if trials < 1:
        raise ConfigError(f"--trials {trials}: a study needs at least one trial.", hint="Pass --trials 1 or more.")
    if sampler == "grid" and trials > _grid_size(params):
        trials = _grid_size(params)  # the grid sampler stops at the grid's end
    objective = choose_objective(composition, args.objective, args.direction)
    macros = composition.macros()
    given = macros.get("EXPERIMENT_NAME")
    name = options.experiment_name or (given.value if given and isinstance(given.value, str) else None) \
        or Path(options.configs[-1]).stem
    project = options.project_name or _literal(macros, "PROJECT_NAME") or DEFAULT_PROJECT
    check_name("study", name, "--experiment-name")
    check_name("project", project, "--project-name")
    # The study's folder holds experiments (its trials): it is a project folder, not one experiment.
    folder = Path(options.output_dir or Path("experiments") / project / name)
    storage = args.storage or f"sqlite:///{(folder / 'study.db').resolve()}"
    settings = StudySettings(f"{project}/{name}", storage, objective.direction, sampler,
                             args.sampler_seed, args.pruner)
    return StudyPlan(options, params, objective, trials, folder, settings, plot=args.plot)


def sample_trials(plan: StudyPlan, composition: Composition) -> list:
    """Trials that hold each parameter's extremes (every choice, each range's ends), each value at the
    line that searches it, to check the study's configuration before the first trial starts."""
    from ..sweeps.validate import Check, with_values

    values = [_extremes(p) for p in plan.params]
    # A trial's folder is always new: nothing to refuse there, so the check names none (the study's
    # folder is checked on its own, after the configuration).
    options = plan.options.replace(experiment_name="trial-check", output_dir=None, dry_run=False,
                                   resume=False, overwrite=False)
    return [Check(options, with_values(composition, [(p.key, v[i % len(v)], p.where)
                                                     for p, v in zip(plan.params, values)]))
            for i in range(max((len(v) for v in values), default=1))]


def check_objective(plan: StudyPlan, composition: Composition, config_text: str) -> None:
    """A new study's objective, against what finished experiments of the same tasks made (a study with
    finished trials is checked against them when it opens)."""
    if (plan.folder / "study.db").exists() or not plan.settings.storage.startswith("sqlite:///"):
        return  # the study's own trials tell (`trial_jobs`), and they know better than siblings
    reported = next((b.value for b in reversed(composition.bindings) if not b.scope and b.arg == "monitor"
                     and b.selector.rsplit(".", 1)[-1] == "fit_model" and isinstance(b.value, str)), None)
    check_made_by_siblings(plan.objective, config_text, plan.folder.parent, reported)


def check_study_folder(plan: StudyPlan) -> None:
    """A study's folder holds its trials; an experiment's folder cannot be one."""
    if (plan.folder / "config.gin").is_file():
        raise ExperimentError(f"{plan.folder} is an experiment, not a study: a study's folder holds its trials.",
                              hint="Give the study a name of its own: --experiment-name NAME.")


def _extremes(param: Param) -> list[str]:
    if param.kind == "choice":
        return list(param.choices)
    if param.kind == "int":
        step = int(param.step or 1)
        return [repr(int(param.low)), repr(int(param.low) + (int(param.high) - int(param.low)) // step * step)]
    return [repr(float(param.low)), repr(float(param.high))]


def _literal(macros, name: str) -> str | None:
    binding = macros.get(name)
    return binding.value if binding is not None and isinstance(binding.value, str) else None


def _grid_size(params: list[Param]) -> int:
    size = 1
    for p in params:
        size *= len(p.grid())
    return size
