"""The `ginpipe` command: parses arguments and calls the library. No logic lives here, and nothing
imports this module.

Only `argparse` (and `ginpipe.runs.options`, which imports nothing else) is imported at the top, so
that `ginpipe --help` answers instantly.
"""
from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from .runs.options import QUIET_HELP, RunOptions, add_console_flags, build_parser, check_jobs, command_line

if TYPE_CHECKING:  # for the checkers only: the sweeps are imported by the commands that start members
    from pathlib import Path

    from .sweeps.scheduler import Launcher

SUBCOMMANDS = ("compare", "reproduce", "status", "gc", "predict")


def _folders_parser(name: str, description: str) -> argparse.ArgumentParser:
    """The parser of a tool that reads experiment folders: `ginpipe NAME EXPERIMENT... [--debug]`."""
    p = argparse.ArgumentParser(prog=f"ginpipe {name}", description=description)
    p.add_argument("experiments", nargs="+", metavar="EXPERIMENT",
                   help="experiment folders (or a project folder: all its experiments)")
    add_console_flags(p)
    return p


def build_compare_parser() -> argparse.ArgumentParser:
    p = _folders_parser("compare", "A table of experiments: the bindings that differ between them,"
                        " then their final metrics (the state key `metrics`, and metrics.json).")
    p.add_argument("--sort", metavar="METRIC", help="sort by this metric (ascending; --reverse for descending)")
    p.add_argument("--reverse", action="store_true", help="sort in descending order")
    output = p.add_mutually_exclusive_group()
    output.add_argument("--csv", action="store_true", help="print CSV")
    output.add_argument("--markdown", action="store_true", help="print a Markdown table")
    p.add_argument("--plot", metavar="METRIC",
                   help="write a PNG of this metric's curves, from each experiment's Lightning metrics.csv")
    p.add_argument("--plot-file", metavar="PNG", help="where --plot writes (default: compare-METRIC.png)")
    p.add_argument("--all", action="store_true", help="show every binding, not only those that differ")
    p.add_argument("--group-by", action="append", default=[], metavar="BINDING",
                   help="one row per group of finished experiments that differ only in BINDING (e.g. SEED):"
                        " each metric's mean ± std over the group, and its count (repeatable)")
    return p


def build_reproduce_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="ginpipe reproduce", description="Rerun an experiment from its saved config.gin (every task"
        " runs, nothing from the cache) into a new folder; warn when package versions or the git commit"
        " differ from its environment.json; say whether the metrics match (exit code 1 when not).")
    p.add_argument("experiment", metavar="EXPERIMENT", help="the experiment folder to reproduce")
    p.add_argument("--experiment-name", "--experiment_name", dest="experiment_name",
                   help="name of the new experiment (default: <name>__reproduced)")
    add_console_flags(p, verbose=True, quiet=QUIET_HELP)
    return p


def build_status_parser() -> argparse.ArgumentParser:
    return _folders_parser("status", "The state of experiments: done, failed, interrupted (killed, or"
                           " Ctrl-C) or running (with the pid holding the folder's lock), their last task and age.")


def build_gc_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="ginpipe gc", description="Remove what no experiment uses any more: caches (features, generated"
        " data) no experiment that used them (here, or recorded in the cache) still uses, outputs ginpipe"
        " recorded that a changed fit set aside, and with --failed-older-than old failed or interrupted"
        " experiments; print the bytes freed. Never prompts; removes only what ginpipe recorded; each folder"
        " whole; leaves running experiments alone.")
    p.add_argument("folder", metavar="DIR", help="the folder holding the experiments and their data, e.g. .")
    p.add_argument("--dry-run", action="store_true", help="list what would be removed; remove nothing")
    p.add_argument("--failed-older-than", metavar="AGE",
                   help="also remove failed or interrupted experiments older than AGE (7d, 12h, 30min, 90s)")
    add_console_flags(p)
    return p


def build_predict_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="ginpipe predict", description="Classify new audio files with a trained experiment's model bundle"
        " (model/): one row per file with its top classes and their probabilities, through the code the demo"
        " and evaluation use. Unreadable inputs are listed and skipped (exit code 1); the others are written.")
    p.add_argument("experiment", metavar="EXPERIMENT", help="the experiment folder (or its model/ folder)")
    p.add_argument("inputs", nargs="+", metavar="INPUT",
                   help="audio files, folders (searched recursively) or CSV/parquet manifests with a `path` column")
    p.add_argument("-o", "--output", metavar="FILE", help="write the predictions here (.csv or .parquet),"
                   " atomically; default: CSV on stdout")
    p.add_argument("--top-k", type=int, default=5, metavar="K", help="classes per file (default 5)")
    p.add_argument("--batch-size", type=int, default=64, metavar="N", help="windows classified at once (default 64)")
    p.add_argument("--device", default="auto", help="auto (a GPU when there is one), cpu, cuda, cuda:1, ...")
    p.add_argument("--max-seconds", type=float, metavar="S", help="classify only the first S seconds of each file")
    add_console_flags(p, quiet="no progress bar; warnings and errors only")
    return p


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    command = argv[0] if argv and argv[0] in SUBCOMMANDS else None
    parser = {"compare": build_compare_parser, "reproduce": build_reproduce_parser,
              "status": build_status_parser, "gc": build_gc_parser,
              "predict": build_predict_parser}.get(command or "", build_parser)
    args = parser().parse_args(argv[1:] if command else argv)
    from .experiment.console import configure_console
    from .experiment.quiet import quiet_for

    verbosity = 1 if getattr(args, "verbose", False) else -1 if getattr(args, "quiet", False) else 0
    configure_console(verbosity=verbosity)
    with quiet_for(verbosity < 0):  # -q for this command only: a notebook's next command is not quiet
        return _dispatch(command, args, command_line(["ginpipe", *argv]), verbosity)


def _dispatch(command: str | None, args, typed: str, verbosity: int) -> int:
    from .experiment.console import exit_code

    try:
        if command == "compare":
            return exit_code(lambda: _compare(args), args.debug)
        if command == "status":
            return exit_code(lambda: _status(args), args.debug)
        if command == "gc":
            return exit_code(lambda: _gc(args), args.debug)
        if command == "predict":
            return exit_code(lambda: _predict(args), args.debug)
        if command == "reproduce":
            return exit_code(lambda: _reproduce(args, typed, verbosity), args.debug)
        options = RunOptions.from_namespace(args, command=typed)
        return exit_code(lambda: _run(options, args), args.debug)
    except KeyboardInterrupt:  # before a run opened its folder, or in compare/status
        print("interrupted (Ctrl-C). Nothing of this run was left half-written; run the same command"
              f" again:\n    {typed}", file=sys.stderr)
        return 130


def _compare(args) -> int:
    from .tools.compare import compare_command
    return compare_command(args.experiments, sort=args.sort, reverse=args.reverse,
                           fmt="csv" if args.csv else "markdown" if args.markdown else "text",
                           plot=args.plot, plot_file=args.plot_file, show_all=args.all, group_by=args.group_by)


def _status(args) -> int:
    from .tools.status import status_command
    return status_command(args.experiments)


def _gc(args) -> int:
    from .tools.gc import gc_command
    return gc_command(args.folder, dry_run=args.dry_run, failed_older_than=args.failed_older_than)


def _predict(args) -> int:
    from .log import use_loguru
    from .tools.predict import predict_command
    use_loguru()  # the bundle's own code runs, and may log through loguru
    return predict_command(args.experiment, args.inputs, output=args.output, top_k=args.top_k,
                           batch_size=args.batch_size, device=args.device, max_seconds=args.max_seconds,
                           progress=not args.quiet)


def _reproduce(args, typed: str, verbosity: int) -> int:
    from .tools.reproduce import reproduce
    report = reproduce(args.experiment, experiment_name=args.experiment_name, command=typed, verbosity=verbosity)
    return 0 if report.metrics_match is not False else 1


def _run(options: RunOptions, args) -> int:
    """One experiment, or a sweep when flags or a config (`!sweep:`) declare one; configs read once."""
    from .config.text.composition import compose
    from .errors import ConfigError

    check_jobs(args.jobs)  # before anything is read: the same refusal for a run, a sweep and a search
    composition = compose(list(options.configs), list(options.mods))
    if args.trials is not None or args.search or composition.searches:  # else the planner is not imported
        from .search.study_plan import plan_study
        study = plan_study(options, args, composition)
        if study is not None:
            return _search(study, args, composition)
    if args.storage or args.plot or args.objective or args.pruner != "none":
        raise ConfigError("--storage, --plot, --objective and --pruner belong to a search, and none is asked for.",
                          hint='Add --trials N and --search "name.param=distribution(...)" (or a `!search:` block).')
    sweep = None
    if args.sweep or composition.sweeps:  # else the sweep planner is not imported
        from .sweeps.sweep_plan import plan_sweep
        sweep = plan_sweep(options, args.sweep, composition)
    if sweep is None and (args.sweep or args.launcher is not None or args.jobs):
        raise ConfigError("--jobs and --launcher run sweeps, and these configs declare none.",
                          hint='Add --sweep "name.param=[v1,v2]", or a `!sweep:` block in a config.')
    if sweep is not None:
        return _sweep(sweep, options, args, composition)
    if options.dry_run:
        from .runs.dry_run import print_dry_run
        print_dry_run(options, composition)
    else:
        from .experiment.ranks import is_main_process
        from .experiment.statuses import RunStatus
        from .runs.runner import run_experiment
        from .tools.run_summary import summary_line
        state = run_experiment(options, composition)
        if is_main_process():
            print(summary_line(state["output_dir"], RunStatus.DONE))
    return 0


def _launcher(args: argparse.Namespace, folder: Path) -> Launcher:
    """The launcher a sweep's members or a study's trials start through."""
    from .sweeps.launchers import LocalLauncher, SubmititLauncher, WarmLauncher
    from .sweeps.resources import read_resources

    if args.launcher == "submitit":
        return SubmititLauncher(folder / ".submitit", read_resources(args.launcher_config), jobs=args.jobs)
    if args.launcher == "local":
        return LocalLauncher(jobs=args.jobs or 1)
    return WarmLauncher(jobs=args.jobs or 1)  # warm by default: a member need not import torch again


def _search(plan, args, composition) -> int:
    """A study: trials through the sweep launchers, then its summary (and plots)."""
    from .search.declared_metrics import check_declared_metrics
    from .search.study_plan import check_objective, check_study_folder, sample_trials
    from .sweeps.validate import check_runs

    trials = sample_trials(plan, composition)
    texts = check_runs(trials)  # once, before the first trial starts
    check_study_folder(plan)
    check_objective(plan, composition, texts[0])
    check_declared_metrics(plan, trials[0])  # imports the tasks: after the checks that need none
    if plan.options.dry_run:
        print("\n".join([plan.describe(), *(f"  {param.describe()}" for param in plan.params)]))
        return 0
    from .search.trial_jobs import run_study
    from .search.study_report import describe, write_plots, write_summary

    study = run_study(plan, _launcher(args, plan.folder))
    record = write_summary(study, plan)
    print(describe(record, plan))
    if plan.plot:
        for path in write_plots(study, plan.folder):
            print(f"Wrote {path}", file=sys.stderr)
    return 0


def _sweep(sweep, options: RunOptions, args, composition) -> int:
    from .sweeps.validate import check_sweep

    check_sweep(sweep, composition)  # once, before any member starts
    if options.dry_run:
        print(sweep.describe())
        for member in sweep.members:
            print("  " + command_line(["ginpipe", *member.argv]))
        return 0
    from .sweeps.sweep_jobs import run_sweep

    run_sweep(sweep, _launcher(args, sweep.project_dir))
    return 0


def entry() -> None:
    try:
        code = main()
        sys.stdout.flush()
    except BrokenPipeError:  # `ginpipe ... --dry-run | head`: the reader left early, which is no error
        import os
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # Python's flush at exit fails silently
        code = 0
    sys.exit(code)


if __name__ == "__main__":
    entry()
