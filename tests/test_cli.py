"""The `ginpipe` command: exit codes and messages a user sees."""
import subprocess
import sys

import pytest

from ginpipe import cli


def test_help_lists_the_flags():
    done = subprocess.run([sys.executable, "-m", "ginpipe.cli", "--help"], capture_output=True, text=True)
    assert done.returncode == 0
    for flag in ("--mods", "--module_list", "--experiment-name", "--dry-run", "--resume", "--overwrite",
                 "--from", "--no-cache"):
        assert flag in done.stdout


def test_config_error_is_a_short_message_with_exit_code_2(project):
    project.write("c.gin", "load.nn = 3\n")
    done = project.cli("base.gin", "c.gin")
    assert done.returncode == 2
    assert done.stderr.startswith("error: `load` has no parameter `nn`. Did you mean `n`?")
    assert "Traceback" not in done.stderr


def test_task_error_shows_the_resume_command_and_debug_shows_the_traceback(project):
    project.write("c.gin", "execute_pipeline.tasks = [@set_seed, @explode]\n")
    done = project.cli("c.gin", "--experiment-name", "x")
    assert done.returncode == 2
    assert "error: Task `02-explode` failed: RuntimeError: boom" in done.stderr
    assert "ginpipe c.gin --experiment-name x" in done.stderr and "Traceback" not in done.stderr
    assert "RuntimeError: boom" in (project.exp("x") / "logs" / "run.log").read_text()
    done = project.cli("c.gin", "--experiment-name", "x", "--debug")
    assert "Traceback" in done.stderr


def test_quiet_hides_progress(project):
    done = project.cli("base.gin", "-q", "--experiment-name", "q", check=True)
    assert "▶" not in done.stderr
    done = project.cli("base.gin", "--experiment-name", "v", "--no-cache", check=True)
    assert "▶ 01-set_seed" in done.stderr


def test_the_resume_command_is_quoted_readably_and_works_as_printed(project):
    project.write("tasks/flaky.py", "import os\n\n\ndef flaky(state, word='x'):\n    if os.path.exists('FAIL'):\n"
                  "        raise RuntimeError('flaky ' + word)\n    state['word'] = word\n")
    project.write("my config.gin", "execute_pipeline.tasks = [@set_seed, @load, @flaky]\n")
    project.write("FAIL", "")
    done = project.cli("my config.gin", "--mods", "flaky.word='a b'", "--experiment-name", "x")
    assert done.returncode == 2
    lines = done.stderr.splitlines()
    command = lines[lines.index("Fix the cause, then resume (finished tasks come from the cache) with:") + 1]
    assert command == """    ginpipe "my config.gin" --mods "flaky.word='a b'" --experiment-name x --resume"""
    (project.root / "FAIL").unlink()
    again = subprocess.run(command.strip().replace("ginpipe", f"{sys.executable} -m ginpipe.cli", 1), shell=True,
                           cwd=project.root, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert project.statuses("x") == {"01-set_seed": "cached", "02-load": "cached", "03-flaky": "done"}


def test_output_piped_into_a_reader_that_leaves_early_is_no_error(project):
    """`ginpipe ... --dry-run | head`: `true` here has left before the plan is printed."""
    done = subprocess.run(["bash", "-c", f"{sys.executable} -m ginpipe.cli base.gin --dry-run | true;"
                                         " exit ${PIPESTATUS[0]}"], cwd=project.root, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0 and done.stderr == "", done.stderr

def test_each_tool_has_its_own_parser_and_a_config_goes_to_the_run_parser():
    args = cli.build_compare_parser().parse_args(["experiments/a", "experiments/b", "--sort", "acc", "--reverse",
                                                  "--group-by", "SEED", "--group-by", "LR", "--csv"])
    assert (args.experiments, args.sort, args.reverse, args.group_by, args.csv) == (
        ["experiments/a", "experiments/b"], "acc", True, ["SEED", "LR"], True)
    args = cli.build_gc_parser().parse_args([".", "--dry-run", "--failed-older-than", "7d"])
    assert (args.folder, args.dry_run, args.failed_older_than) == (".", True, "7d")
    args = cli.build_predict_parser().parse_args(["exp", "a.wav", "clips/", "-o", "p.csv"])
    assert (args.experiment, args.inputs, args.output, args.top_k, args.batch_size, args.device) == (
        "exp", ["a.wav", "clips/"], "p.csv", 5, 64, "auto")
    args = cli.build_reproduce_parser().parse_args(["exp", "--experiment-name", "again", "-q"])
    assert (args.experiment, args.experiment_name, args.quiet) == ("exp", "again", True)
    assert cli.build_status_parser().parse_args(["experiments/audio"]).experiments == ["experiments/audio"]


@pytest.mark.parametrize("argv, message", [
    (["compare", "a", "--csv", "--markdown"],
     "ginpipe compare: error: argument --markdown: not allowed with argument --csv"),
    (["predict", "exp"], "ginpipe predict: error: the following arguments are required: INPUT"),
    (["status"], "ginpipe status: error: the following arguments are required: EXPERIMENT"),
])
def test_a_tools_bad_flags_exit_2_naming_the_tool(capsys, argv, message):
    with pytest.raises(SystemExit) as caught:
        cli.main(argv)
    assert caught.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == message
