"""The `ginpipe` command: parses arguments and calls the library. No logic lives here.

Only `argparse` is imported at the top, so that `ginpipe --help` answers instantly.
"""
from __future__ import annotations

import argparse
import shlex
import sys

EXAMPLES = """examples:
  ginpipe configs/base.gin configs/models/resnet.gin --mods "Resnet.n_layers=20"
  ginpipe configs/base.gin --mods SEED=3 "train/torch.utils.data.DataLoader.batch_size=8" --experiment-name seed3
  ginpipe configs/base.gin --dry-run      # print the composed config and the plan; run nothing
  ginpipe configs/base.gin --sweep "Resnet.n_layers=[8,14,20]" --sweep "LR=[1e-3,1e-4]" --jobs 2
  ginpipe compare experiments/audio/* --sort test_accuracy --reverse
  ginpipe reproduce experiments/audio/seed3
  ginpipe status experiments/audio        # done / failed / interrupted / running, lock, last task, age
"""
SUBCOMMANDS = ("compare", "reproduce", "status")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="ginpipe", formatter_class=argparse.RawDescriptionHelpFormatter, epilog=EXAMPLES,
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
    sweep = p.add_argument_group("sweeps (see README: Sweeps, comparison and reproduction)")
    sweep.add_argument("--sweep", action="append", default=[], metavar="BINDING=[VALUES]",
                       help='run every combination of these values, each as its own experiment, e.g.'
                            ' --sweep "Resnet.n_layers=[8,14,20]" (repeatable; also `!sweep:` in a config)')
    sweep.add_argument("--jobs", type=int, default=None, metavar="N",
                       help="run N members at once, one process each (one GPU each when GPUs are visible);"
                            " default 1, or all at once with --launcher submitit")
    sweep.add_argument("--launcher", choices=("local", "submitit"), default="local",
                       help="local processes, or jobs submitted through submitit (SLURM)")
    sweep.add_argument("--launcher-config", metavar="FILE",
                       help="gin file binding the jobs' resources, e.g. configs/launcher/slurm.gin")
    p.add_argument("-v", "--verbose", action="store_true", help="show debug messages")
    p.add_argument("-q", "--quiet", action="store_true", help="show warnings and errors only")
    p.add_argument("--debug", action="store_true", help="show tracebacks")
    return p


def build_compare_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="ginpipe compare", description="A table of experiments: the bindings that differ between them,"
        " then their final metrics (the state key `metrics`, and metrics.json).")
    p.add_argument("experiments", nargs="+", metavar="EXPERIMENT",
                   help="experiment folders (or a project folder: all its experiments)")
    p.add_argument("--sort", metavar="METRIC", help="sort by this metric (ascending; --reverse for descending)")
    p.add_argument("--reverse", action="store_true", help="sort in descending order")
    output = p.add_mutually_exclusive_group()
    output.add_argument("--csv", action="store_true", help="print CSV")
    output.add_argument("--markdown", action="store_true", help="print a Markdown table")
    p.add_argument("--plot", metavar="METRIC",
                   help="write a PNG of this metric's curves, from each experiment's Lightning metrics.csv")
    p.add_argument("--plot-file", metavar="PNG", help="where --plot writes (default: compare-METRIC.png)")
    p.add_argument("--all", action="store_true", help="show every binding, not only those that differ")
    p.add_argument("--debug", action="store_true", help="show tracebacks")
    return p


def build_reproduce_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="ginpipe reproduce", description="Rerun an experiment from its saved config.gin (every task"
        " runs, nothing from the cache) into a new folder; warn when package versions or the git commit"
        " differ from its environment.json; say whether the metrics match (exit code 1 when not).")
    p.add_argument("experiment", metavar="EXPERIMENT", help="the experiment folder to reproduce")
    p.add_argument("--experiment-name", "--experiment_name", dest="experiment_name",
                   help="name of the new experiment (default: <name>__reproduced)")
    p.add_argument("-v", "--verbose", action="store_true", help="show debug messages")
    p.add_argument("-q", "--quiet", action="store_true", help="show warnings and errors only")
    p.add_argument("--debug", action="store_true", help="show tracebacks")
    return p


def build_status_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="ginpipe status", description="The state of experiments: done, failed, interrupted (killed, or"
        " Ctrl-C) or running (with the pid holding the folder's lock), their last task and age.")
    p.add_argument("experiments", nargs="+", metavar="EXPERIMENT",
                   help="experiment folders (or a project folder: all its experiments)")
    p.add_argument("--debug", action="store_true", help="show tracebacks")
    return p


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    command = argv[0] if argv and argv[0] in SUBCOMMANDS else None
    parser = {"compare": build_compare_parser, "reproduce": build_reproduce_parser,
              "status": build_status_parser}.get(command, build_parser)
    args = parser().parse_args(argv[1:] if command else argv)
    from loguru import logger

    from .console import configure_console
    from .errors import GinpipeError

    configure_console(verbosity=1 if getattr(args, "verbose", False) else -1 if getattr(args, "quiet", False) else 0)
    if getattr(args, "quiet", False):
        from .quiet import make_quiet
        make_quiet()
    try:
        if command == "compare":
            from .compare import compare_command
            return compare_command(args.experiments, sort=args.sort, reverse=args.reverse,
                                   fmt="csv" if args.csv else "markdown" if args.markdown else "text",
                                   plot=args.plot, plot_file=args.plot_file, show_all=args.all)
        if command == "status":
            from .run_state import status_command
            return status_command(args.experiments)
        if command == "reproduce":
            from .reproduce import reproduce
            report = reproduce(args.experiment, experiment_name=args.experiment_name,
                               command=shlex.join(["ginpipe", *argv]))
            return 0 if report.metrics_match is not False else 1
        if args.sweep or args.launcher != "local" or args.jobs:
            return _sweep(args, argv)
        from .sweep import plan_sweep
        if plan_sweep(args.configs, args.mods) is not None:  # a config declares one (`!sweep:`)
            return _sweep(args, argv)
        if args.dry_run:
            from .dry_run import print_dry_run
            print_dry_run(args.configs, args.mods, args.module_lists, args.experiment_name,
                          args.project_name, args.output_dir, from_task=args.from_task,
                          no_cache=args.no_cache, resume=args.resume, overwrite=args.overwrite)
            return 0
        from .runner import run
        state = run(args.configs, args.mods, module_lists=args.module_lists, experiment_name=args.experiment_name,
            project_name=args.project_name, output_dir=args.output_dir, resume=args.resume,
            overwrite=args.overwrite, from_task=args.from_task, no_cache=args.no_cache,
            command=shlex.join(["ginpipe", *argv]), log_level="DEBUG" if args.verbose else "INFO")
        from .experiment import is_rank_zero
        if is_rank_zero():
            from .run_summary import summary_line
            print(summary_line(state["output_dir"]))
        return 0
    except KeyboardInterrupt:  # before a run opened its folder, or in compare/status
        print("interrupted (Ctrl-C). Nothing of this run was left half-written; run the same command"
              f" again:\n    {shlex.join(['ginpipe', *argv])}", file=sys.stderr)
        return 130
    except GinpipeError as e:
        from .interrupts import EXIT_INTERRUPTED, RunInterrupted
        if isinstance(e, RunInterrupted):
            print(f"{e.render()}", file=sys.stderr)
            return EXIT_INTERRUPTED
        if args.debug:
            logger.opt(exception=e).error("Traceback:")
        elif e.__cause__ is not None:
            logger.opt(exception=e.__cause__).debug("Cause:")
        print(f"error: {e.render()}", file=sys.stderr)
        if e.__cause__ is not None and not args.debug:
            print("(run with --debug to see the traceback; it is also in the experiment's logs/run.log)",
                  file=sys.stderr)
        return 2


def _sweep(args, argv: list[str]) -> int:
    from .launchers import LocalLauncher, SubmititLauncher, read_resources
    from .sweep import plan_sweep, run_sweep

    sweep = plan_sweep(args.configs, args.mods, args.sweep, module_lists=args.module_lists,
                       experiment_name=args.experiment_name, project_name=args.project_name,
                       output_dir=args.output_dir, resume=args.resume, overwrite=args.overwrite,
                       from_task=args.from_task, no_cache=args.no_cache,
                       verbosity=1 if args.verbose else -1 if args.quiet else 0)
    if sweep is None:
        from .errors import ConfigError
        raise ConfigError("--jobs and --launcher run sweeps, and these configs declare none.",
                          hint='Add --sweep "name.param=[v1,v2]", or a `!sweep:` block in a config.')
    if args.dry_run:
        print(sweep.describe())
        for member in sweep.members:
            print("  ginpipe " + shlex.join(member.argv))
        return 0
    if args.launcher == "submitit":
        launcher = SubmititLauncher(sweep.project_dir / ".submitit", read_resources(args.launcher_config),
                                    jobs=args.jobs)
    else:
        launcher = LocalLauncher(jobs=args.jobs or 1)
    run_sweep(sweep, launcher)
    return 0


def entry() -> None:
    sys.exit(main())


if __name__ == "__main__":
    entry()
