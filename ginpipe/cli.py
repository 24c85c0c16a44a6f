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
"""


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
    p.add_argument("-v", "--verbose", action="store_true", help="show debug messages")
    p.add_argument("-q", "--quiet", action="store_true", help="show warnings and errors only")
    p.add_argument("--debug", action="store_true", help="show tracebacks")
    return p


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = build_parser().parse_args(argv)
    from loguru import logger

    from .console import configure_console
    from .errors import GinpipeError

    configure_console(verbosity=1 if args.verbose else -1 if args.quiet else 0)
    try:
        if args.dry_run:
            from .dry_run import print_dry_run
            print_dry_run(args.configs, args.mods, args.module_lists, args.experiment_name,
                          args.project_name, args.output_dir, from_task=args.from_task,
                          no_cache=args.no_cache)
            return 0
        from .runner import run
        run(args.configs, args.mods, module_lists=args.module_lists, experiment_name=args.experiment_name,
            project_name=args.project_name, output_dir=args.output_dir, resume=args.resume,
            overwrite=args.overwrite, from_task=args.from_task, no_cache=args.no_cache,
            command=shlex.join(["ginpipe", *argv]), log_level="DEBUG" if args.verbose else "INFO")
        return 0
    except GinpipeError as e:
        if args.debug:
            logger.opt(exception=e).error("Traceback:")
        elif e.__cause__ is not None:
            logger.opt(exception=e.__cause__).debug("Cause:")
        print(f"error: {e.render()}", file=sys.stderr)
        if e.__cause__ is not None and not args.debug:
            print("(run with --debug to see the traceback; it is also in the experiment's logs/run.log)",
                  file=sys.stderr)
        return 2


def entry() -> None:
    sys.exit(main())


if __name__ == "__main__":
    entry()
