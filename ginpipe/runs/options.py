"""`RunOptions`: how to run one experiment, built once (from argv or `ginpipe.run` keywords) and
carried end to end; `to_argv()` turns it back into a command line where a process is started.

`build_parser()` is the one parser of the `ginpipe CONFIG...` command (the sweep flags included,
which `ginpipe.sweeps` reads). Only `argparse` is imported here, so that `ginpipe --help` is instant.
"""
from __future__ import annotations

import argparse
import dataclasses
import os
import shlex
import sys
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["RunOptions", "build_parser", "check_jobs", "EXAMPLES", "command_line", "add_console_flags", "QUIET_HELP"]

_PLAIN_IN_DOUBLE_QUOTES = frozenset('"$`\\!')  # what a shell still reads inside "..."


def command_line(words: Sequence[str]) -> str:
    """Words as a shell command a person can read and paste: `"Resnet.act='relu'"`, where
    `shlex.join` writes `'Resnet.act='"'"'relu'"'"''`. A word quoted by double quotes holds nothing
    a shell expands there; any other word is quoted as shlex quotes it.

    Example:
        >>> print(command_line(["ginpipe", "a b.gin", "--mods", "Resnet.act='relu'", "SEED=1"]))
        ginpipe "a b.gin" --mods "Resnet.act='relu'" SEED=1
    """
    return " ".join(_quoted(word) for word in words)


def _quoted(word: str) -> str:
    quoted = shlex.quote(word)
    if quoted == word or not word or _PLAIN_IN_DOUBLE_QUOTES & set(word):
        return quoted
    return f'"{word}"'


EXAMPLES = """examples:
  ginpipe configs/base.gin configs/models/resnet.gin --mods "Resnet.n_layers=20"
  ginpipe configs/base.gin --mods SEED=3 "train/torch.utils.data.DataLoader.batch_size=8" --experiment-name seed3
  ginpipe configs/base.gin --dry-run      # print the composed config and the plan; run nothing
  ginpipe configs/base.gin --sweep "Resnet.n_layers=[8,14,20]" --sweep "torch.optim.AdamW.lr=[1e-3,1e-4]" --jobs 2
  ginpipe configs/base.gin --search "Resnet.n_layers=int(4, 20, step=2)" --trials 20 --pruner hyperband
  ginpipe compare experiments/audio/* --sort test_accuracy --reverse
  ginpipe reproduce experiments/audio/seed3
  ginpipe predict experiments/audio/seed3 new_clips/ --output predictions.csv   # classify new files
  ginpipe configs/base.gin --track http://127.0.0.1:5000   # an MLflow run (see docs/tracking.md)
  ginpipe gc . --dry-run                  # caches and set-aside checkpoints no experiment uses
  ginpipe status experiments/audio        # done / failed / interrupted / running, lock, last task, age
"""


@dataclass(frozen=True)
class RunOptions:
    """Everything `ginpipe CONFIG...` (or `ginpipe.run`) says about one experiment."""

    configs: tuple[str, ...]  # gin files, applied in order (later bindings win)
    mods: tuple[str, ...] = ()  # bindings applied after the files
    module_lists: tuple[str, ...] = ()  # GinPipe import lists
    experiment_name: str | None = None
    project_name: str | None = None
    output_dir: str | None = None
    resume: bool = False  # the folder holds a different config: reuse what is still valid
    overwrite: bool = False  # empty the folder first
    from_task: str | None = None  # rerun from this task on
    no_cache: bool = False  # rerun every task
    dry_run: bool = False  # print the config and the plan; run nothing
    verbosity: int = 0  # -1 quiet (-q), 0, 1 verbose (-v)
    debug: bool = False  # tracebacks on the console
    command: str | None = None  # the command line as typed, for the resume hint and run.json
    track: str | None = None  # MLflow tracking URI (--track); None: the config's TRACKING_URI, else off
    track_parent: str | None = None  # the MLflow run id of the sweep that started this member
    trial: str | None = None  # a search trial's link to its study (`ginpipe.runs.trial.TrialLink`, JSON)
    cluster: str | None = None  # the Dask scheduler of the data jobs (--cluster); None: this machine

    def __post_init__(self):
        configs = [self.configs] if isinstance(self.configs, (str, os.PathLike)) else self.configs
        for name, value in (("configs", configs), ("mods", self.mods), ("module_lists", self.module_lists)):
            object.__setattr__(self, name, tuple(map(str, value)))
        if self.output_dir is not None:
            object.__setattr__(self, "output_dir", str(self.output_dir))

    @classmethod
    def from_argv(cls, argv: Sequence[str]) -> RunOptions:
        """Options of `ginpipe ARGV...` (the sweep flags are ignored); argparse exits on bad input."""
        return cls.from_namespace(build_parser().parse_args(list(argv)), command=command_line(["ginpipe", *argv]))

    @classmethod
    def from_namespace(cls, args: argparse.Namespace, command: str | None = None) -> RunOptions:
        trial = getattr(args, "trial", None)
        if trial:  # a search trial records the plain command that reruns it, without its study link
            plain = cls.from_namespace(argparse.Namespace(**{**vars(args), "trial": None, "track_parent": None}))
            command = command_line(["ginpipe", *plain.to_argv()])
        return cls(args.configs, args.mods, args.module_lists, args.experiment_name, args.project_name,
                   args.output_dir, args.resume, args.overwrite, args.from_task, args.no_cache, args.dry_run,
                   1 if args.verbose else -1 if args.quiet else 0, args.debug, command,
                   args.track, args.track_parent, getattr(args, "trial", None), getattr(args, "cluster", None))

    def replace(self, **changes) -> RunOptions:
        return dataclasses.replace(self, **changes)

    @property
    def log_level(self) -> str:
        """The level of logs/run.log."""
        return "DEBUG" if self.verbosity > 0 else "INFO"

    def to_argv(self) -> list[str]:
        """The `ginpipe` arguments that run these options (`command` and `--dry-run` left out)."""
        argv = [*self.configs]
        if self.mods:
            argv += ["--mods", *self.mods]
        if self.experiment_name:
            argv += ["--experiment-name", self.experiment_name]
        if self.module_lists:
            argv += ["--module_list", *self.module_lists]
        if self.project_name:
            argv += ["--project-name", self.project_name]
        argv += ["--resume"] * self.resume + ["--overwrite"] * self.overwrite + ["--no-cache"] * self.no_cache
        if self.from_task:
            argv += ["--from", self.from_task]
        if self.output_dir:
            argv += ["--output-dir", self.output_dir]
        if self.track:
            argv += ["--track", self.track]
        if self.track_parent:
            argv += ["--track-parent", self.track_parent]
        if self.trial:
            argv += ["--trial", self.trial]
        if self.cluster:
            argv += ["--cluster", self.cluster]
        return argv + {1: ["-v"], -1: ["-q"]}.get(self.verbosity, []) + ["--debug"] * self.debug


class _HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """argparse's, reading the terminal's width without shutil.

    argparse makes a formatter for every `add_argument` (to check its metavar), and each one asks
    `shutil.get_terminal_size()`: importing shutil, and the compression modules it imports, for
    that alone was 3 % of a cached rerun. The rule is shutil's: $COLUMNS, else the terminal's, else 80.
    """

    def __init__(self, prog, indent_increment=2, max_help_position=24, width=None):
        if width is None:
            width = _terminal_columns() - 2  # the margin argparse leaves
        super().__init__(prog, indent_increment, max_help_position, width)


def check_jobs(jobs: int | None) -> None:
    """`--jobs N` is how many sweep members or search trials run at once: 1 or more (None: unset).
    One message wherever a count of jobs is given (the command line, a launcher made in Python)."""
    if jobs is not None and (isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1):
        from ..errors import ConfigError  # here: this module imports nothing of ginpipe at the top
        raise ConfigError(f"--jobs {jobs}: the number of experiments run at once must be 1 or more.",
                          hint="Pass --jobs 1 (one at a time, the default) or more.")


def _terminal_columns() -> int:
    try:
        columns = int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        columns = 0
    if columns <= 0:
        stdout = sys.__stdout__  # None where Python runs without a console
        try:
            columns = os.get_terminal_size(stdout.fileno()).columns if stdout else 0
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns if columns > 0 else 80


def build_parser() -> argparse.ArgumentParser:
    """The parser of `ginpipe CONFIG...`."""
    p = argparse.ArgumentParser(
        prog="ginpipe", formatter_class=_HelpFormatter, epilog=EXAMPLES,
        description="Run the task pipeline described by gin config files (applied in order, later wins).")
    p.add_argument("configs", nargs="+", metavar="CONFIG", help="gin config files")
    p.add_argument("--mods", nargs="+", action="extend", default=[], metavar="BINDING",
                   help='bindings applied after the files, e.g. --mods SEED=1 "Resnet.n_layers=20"')
    p.add_argument("--module_list", "--module-list", dest="module_lists", nargs="+", action="extend",
                   default=[], metavar="FILE", help="GinPipe import lists: `python.module: alias` lines")
    p.add_argument("--experiment-name", "--experiment_name", dest="experiment_name",
                   help="experiment folder name (default: a timestamp)")
    p.add_argument("--project-name", "--project_name", dest="project_name",
                   help="project folder name (default: the config's PROJECT_NAME, else my_project)")
    p.add_argument("--output-dir", "--output_dir", dest="output_dir",
                   help="write here instead of experiments/<project>/<experiment>")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--resume", action="store_true",
                      help="the folder holds a different config: reuse what is still valid, rerun what changed")
    mode.add_argument("--overwrite", action="store_true", help="empty the experiment folder first")
    p.add_argument("--from", dest="from_task", metavar="TASK", help="rerun from this task on, even if cached")
    p.add_argument("--no-cache", action="store_true", help="rerun every task")
    p.add_argument("--dry-run", action="store_true",
                   help="print the composed config and the plan (run / cached / missing inputs); run nothing")
    p.add_argument("--track", metavar="URI",
                   help="track the experiment as an MLflow run at URI (a server's http://..., or"
                        " sqlite:///experiments/mlflow.db); default: the config's TRACKING_URI, else off")
    p.add_argument("--track-parent", metavar="RUN_ID", help=argparse.SUPPRESS)  # set by a sweep for its members
    p.add_argument("--cluster", metavar="ADDRESS",
                   help="run the data jobs (header probing, feature extraction) on the Dask scheduler at"
                        " ADDRESS, e.g. tcp://10.0.0.5:8786 (see docs/large-datasets.md); default: this"
                        " machine's cores")
    sweep = p.add_argument_group("sweeps (see docs/sweeps.md)")
    sweep.add_argument("--sweep", action="append", default=[], metavar="BINDING=[VALUES]",
                       help='run every combination of these values, each as its own experiment, e.g.'
                            ' --sweep "Resnet.n_layers=[8,14,20]" (repeatable; also `!sweep:` in a config)')
    sweep.add_argument("--jobs", type=int, default=None, metavar="N",
                       help="run N members at once, one process each (one GPU each when GPUs are visible);"
                            " default 1, or all at once with --launcher submitit")
    sweep.add_argument("--launcher", choices=("warm", "local", "submitit"), default=None,
                       help="warm (the default): members forked from one process that imported the"
                            " libraries once, fresh processes where unsafe (DDP, CUDA initialised);"
                            " local: a fresh process per member; submitit: jobs submitted through"
                            " submitit (SLURM)")
    sweep.add_argument("--launcher-config", metavar="FILE",
                       help="gin file binding the jobs' resources, e.g. configs/launcher/slurm.gin")
    search = p.add_argument_group("search (see docs/search.md)")
    search.add_argument("--search", action="append", default=[], metavar="BINDING=DISTRIBUTION",
                        help='sample this binding in a study, e.g. --search "Resnet.n_layers=int(4, 20, step=2)";'
                             " loguniform(lo, hi), uniform(lo, hi), int(lo, hi, step=1, log=False),"
                             " choice(a, b, ...) (repeatable; also `!search:` in a config)")
    search.add_argument("--trials", type=int, metavar="N",
                        help="run a study to N finished trials (rerun it to continue; raise N to extend it)")
    search.add_argument("--objective", metavar="METRIC",
                        help="the metric a trial is judged by (default: fit_model.monitor)")
    search.add_argument("--direction", choices=("max", "min", "maximize", "minimize"), metavar="{max,min}",
                        help="maximise or minimise the objective; optuna's maximize and minimize work too"
                             " (default: fit_model.mode)")
    search.add_argument("--sampler", choices=("tpe", "random", "grid", "cmaes"),
                        help="how trials are chosen (default: tpe; grid when the space is lists only)")
    search.add_argument("--seed", type=int, dest="sampler_seed", metavar="N",
                        help="seed of the sampler: the same seed suggests the same trials")
    search.add_argument("--pruner", choices=("none", "median", "hyperband"), default="none",
                        help="stop unpromising trials early, from the metric fit_model reports each epoch")
    search.add_argument("--storage", metavar="URL",
                        help="an optuna storage (postgresql://..., mysql://..., sqlite:///..., or a journal"
                             " file path ending .log); default: sqlite in the study's folder (study.db)")
    search.add_argument("--plot", action="store_true",
                        help="write the study's optimisation history, importance and parallel-coordinate PNGs")
    p.add_argument("--trial", help=argparse.SUPPRESS)  # set by a study on the runs it starts
    add_console_flags(p, verbose=True, quiet=QUIET_HELP)
    return p


QUIET_HELP = "show warnings and errors only"  # what -q means where a command shows nothing else


def add_console_flags(parser: argparse.ArgumentParser, *, verbose: bool = False, quiet: str | None = None) -> None:
    """Add the console flags a command takes, worded and ordered alike in every command:
    -v/--verbose when `verbose`, -q/--quiet when `quiet` is given (its help: what quiet means for
    this command, e.g. `predict` also hides its progress bar), and --debug always.
    """
    if verbose:
        parser.add_argument("-v", "--verbose", action="store_true", help="show debug messages")
    if quiet is not None:
        parser.add_argument("-q", "--quiet", action="store_true", help=quiet)
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
