"""`ginpipe.runs.options`: argv -> RunOptions -> argv again, and the command a person can paste."""
import shlex

import pytest

from ginpipe.errors import ConfigError
from ginpipe.runs.options import RunOptions, build_parser, check_jobs, command_line


def test_defaults_of_a_plain_command():
    options = RunOptions.from_argv(["c.gin"])
    assert options == RunOptions(("c.gin",), command="ginpipe c.gin")
    assert (options.log_level, options.to_argv()) == ("INFO", ["c.gin"])


def test_every_flag_survives_the_round_trip_through_argv():
    argv = ["a.gin", "b c.gin", "--mods", "X=1", "Resnet.act='relu'", "--experiment-name", "e1",
            "--module_list", "l.txt", "--project-name", "p", "--resume", "--no-cache", "--from", "fit",
            "--output-dir", "out/e1", "--track", "sqlite:///m.db", "--track-parent", "abc", "--trial", '{"n": 1}',
            "--cluster", "tcp://h:8786", "-v", "--debug"]
    options = RunOptions.from_argv(argv)
    assert (options.configs, options.mods, options.module_lists) == (
        ("a.gin", "b c.gin"), ("X=1", "Resnet.act='relu'"), ("l.txt",))
    assert (options.experiment_name, options.project_name, options.output_dir, options.from_task) == (
        "e1", "p", "out/e1", "fit")
    assert (options.resume, options.overwrite, options.no_cache, options.verbosity, options.debug) == (
        True, False, True, 1, True)
    assert options.log_level == "DEBUG"
    again = RunOptions.from_argv(options.to_argv())
    assert again.replace(command=None, trial=None) == options.replace(command=None, trial=None)
    assert again.trial == options.trial == '{"n": 1}'


def test_a_trial_records_the_plain_command_that_reruns_it():
    options = RunOptions.from_argv(["c.gin", "--trial", '{"n": 1}', "--track-parent", "abc", "-q"])
    assert options.command == "ginpipe c.gin -q"
    assert options.verbosity == -1


def test_repeated_list_flags_extend_and_underscore_spellings_work():
    options = RunOptions.from_argv(["c.gin", "--mods", "A=1", "--mods", "B=2", "--experiment_name", "x",
                                    "--module-list", "a", "--module_list", "b"])
    assert (options.mods, options.experiment_name, options.module_lists) == (("A=1", "B=2"), "x", ("a", "b"))


def test_paths_and_a_single_config_are_normalised_to_strings():
    from pathlib import Path
    options = RunOptions(Path("c.gin"), mods=["A=1"], output_dir=Path("out"))
    assert (options.configs, options.mods, options.output_dir) == (("c.gin",), ("A=1",), "out")


@pytest.mark.parametrize("argv, message", [
    (["c.gin", "--resume", "--overwrite"], "argument --overwrite: not allowed with argument --resume"),
    ([], "the following arguments are required: CONFIG"),
    (["c.gin", "--launcher", "ssh"],
     "argument --launcher: invalid choice: 'ssh' (choose from 'warm', 'local', 'submitit')"),
])
def test_bad_flags_are_argparse_errors_with_exit_code_2(capsys, argv, message):
    with pytest.raises(SystemExit) as caught:
        build_parser().parse_args(argv)
    assert caught.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == f"ginpipe: error: {message}"


@pytest.mark.parametrize("words, line", [
    (["ginpipe", "a b.gin", "--mods", "Resnet.act='relu'", "SEED=1"],
     "ginpipe \"a b.gin\" --mods \"Resnet.act='relu'\" SEED=1"),
    (["ginpipe", "", "x$HOME", 'say "hi"'], "ginpipe '' 'x$HOME' 'say \"hi\"'"),
])
def test_command_line_is_readable_and_means_the_same_to_a_shell(words, line):
    assert command_line(words) == line
    assert shlex.split(line) == words


@pytest.mark.parametrize("jobs", [0, -1, True, 1.5, "2"])
def test_jobs_must_be_a_whole_number_of_one_or_more(jobs):
    with pytest.raises(ConfigError) as caught:
        check_jobs(jobs)
    assert str(caught.value) == (f"--jobs {jobs}: the number of experiments run at once must be 1 or more.\n"
                                 "Pass --jobs 1 (one at a time, the default) or more.")
    check_jobs(None)
    check_jobs(3)
