"""Studies on a pure-Python project: a known optimum is found, a killed study resumes to exactly N
trials, two commands share one study, results are compared and summarised, bad specs are refused."""
from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import sys
import time

import pytest

optuna = pytest.importorskip("optuna", reason="the `search` dependency group is not installed")

STUDY = "experiments/my_project/s"
LOSS = ["--objective", "loss", "--direction", "min", "--experiment-name", "s", "-q"]


def trials_of(project, name="s"):
    storage = f"sqlite:///{project.root / 'experiments/my_project' / name / 'study.db'}"
    return optuna.load_study(study_name=f"my_project/{name}", storage=storage).get_trials()


def states(trials):
    return [t.state.name for t in trials if not t.user_attrs.get("ginpipe_surplus")]


@pytest.mark.slow
def test_seeded_search_finds_the_known_optimum_and_shares_the_prefix(project):
    done = project.cli("base.gin", "--search", "quadratic.x=uniform(-1, 1)", "--search",
                       "quadratic.layers=int(2, 10, step=2)", "--trials", "14", "--seed", "7", "--jobs", "2",
                       *LOSS, check=True)
    record = json.loads((project.root / STUDY / "study.json").read_text())
    best = record["best"]
    assert abs(best["params"]["quadratic.x"] - 0.3) < 0.3 and best["params"]["quadratic.layers"] in (4, 6, 8)
    assert best["value"] < 0.1
    assert [t["state"] for t in record["trials"]] == ["complete"] * 14
    assert project.calls().count("load") == 1  # the shared prefix ran once for the whole study
    assert project.calls().count("quadratic") == 14
    assert f"best: trial-{best['number']:04d}  loss = " in done.stdout
    # the printed rerun command works as printed, and finds everything cached
    rerun = next(line.split("rerun it:", 1)[1].strip() for line in done.stdout.splitlines() if "rerun it:" in line)
    assert "--trial " not in rerun
    assert shlex.split(rerun)[0] == "ginpipe"
    again = project.cli(*shlex.split(rerun)[1:])
    assert again.returncode == 0, again.stderr
    assert project.calls().count("quadratic") == 14


def test_study_resumes_to_n_trials_and_compare_shows_them(project):
    args = ["base.gin", "--search", "quadratic.layers=choice(2, 4, 6)", "--sampler", "grid", "--trials", "2",
            "--seed", "1", *LOSS]
    project.cli(*args, check=True)
    assert states(trials_of(project)) == ["COMPLETE"] * 2
    project.cli(*args, check=True)  # finished: nothing more runs
    assert project.calls().count("quadratic") == 2
    args[args.index("--trials") + 1] = "3"  # raised later: the study continues
    project.cli(*args, check=True)
    assert states(trials_of(project)) == ["COMPLETE"] * 3
    table = project.cli("compare", STUDY, check=True).stdout.splitlines()
    assert table[0].split()[:4] == ["experiment", "trial", "state", "value"]
    assert [line.split()[:3] for line in table[1:]] == [[f"trial-000{i}", str(i), "complete"] for i in range(3)]
    run = json.loads((project.root / STUDY / "trial-0001" / "run.json").read_text())
    assert run["status"] == "done" and "--trial" not in run["command"]


def test_failed_trial_is_recorded_with_its_error_and_the_study_goes_on(project):
    project.cli("base.gin", "--sweep", "quadratic.layers=[4,6,8]", "--mods", "quadratic.crash=6", "--trials", "3",
                *LOSS)
    record = json.loads((project.root / STUDY / "study.json").read_text())
    failed = [t for t in record["trials"] if t["state"] == "failed"]
    assert failed and all(t["params"] == {"quadratic.layers": "6"} for t in failed)
    assert all("RuntimeError: layers=6 crashes" in t["error"] for t in failed)
    trial = json.loads((project.root / failed[0]["folder"] / "trial.json").read_text())
    assert trial["state"] == "failed" and "layers=6 crashes" in trial["error"]
    complete = [t["params"]["quadratic.layers"] for t in record["trials"] if t["state"] == "complete"]
    assert len(complete) == 3 and set(complete) == {"4", "8"}  # a grid's end repeats a point (from the cache)


@pytest.mark.slow
def test_study_killed_mid_trial_resumes_with_exactly_n_complete_trials(project):
    args = ["base.gin", "--search", "quadratic.x=uniform(-1, 1)", "--trials", "3", "--seed", "2",
            "--mods", "quadratic.pause=1.5", *LOSS]
    study = subprocess.Popen([sys.executable, "-m", "ginpipe.cli", *args], cwd=project.root,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + 120
    while project.calls().count("quadratic") < 2 and time.time() < deadline:  # the second trial is running
        time.sleep(0.05)
    os.killpg(study.pid, signal.SIGKILL)  # the study and the trial it runs, at once
    study.wait()
    killed = trials_of(project)
    assert states(killed)[-1] == "RUNNING"
    project.cli(*args, check=True)
    trials = trials_of(project)
    assert states(trials).count("COMPLETE") == 3
    dead = trials[killed[-1].number]
    assert dead.state.name == "FAIL" and "died" in dead.user_attrs["error"]
    retried = [t for t in trials if t.user_attrs.get("ginpipe_retry_of") == dead.number]
    assert len(retried) == 1 and retried[0].params == dead.params and retried[0].state.name == "COMPLETE"


@pytest.mark.slow
def test_two_commands_on_one_study_cooperate(project):
    args = ["base.gin", "--search", "quadratic.x=uniform(-1, 1)", "--trials", "5", "--mods", "quadratic.pause=0.3",
            *LOSS]
    both = [subprocess.Popen([sys.executable, "-m", "ginpipe.cli", *args], cwd=project.root, text=True,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(2)]
    outputs = [p.communicate(timeout=300) for p in both]
    assert [p.returncode for p in both] == [0, 0], outputs
    assert states(trials_of(project)) == ["COMPLETE"] * 5
    workers = {t.user_attrs["ginpipe_worker"]["pid"] for t in trials_of(project) if t.state.name == "COMPLETE"}
    assert workers == {p.pid for p in both}  # both did some of the work
    assert project.calls().count("quadratic") == 5


def test_dry_run_lists_the_space_and_runs_nothing(project):
    project.write("space.gin", """
    !search:
        quadratic.x = uniform(-1.0, 1.0)
        quadratic.layers = int(2, 10, step=2)
    """)
    done = project.cli("base.gin", "space.gin", "--trials", "4", "--dry-run", *LOSS, check=True)
    assert done.stdout.splitlines() == [
        f"Study my_project/s: 4 trials of quadratic.x, quadratic.layers, minimise loss (tpe) in {STUDY}",
        "  quadratic.x: float [-1.0, 1.0]", "  quadratic.layers: int [2, 10] step 2"]
    assert not (project.root / "experiments").exists()


def test_an_objective_the_runs_do_not_make_stops_the_study_after_its_first_trial(project):
    done = project.cli("base.gin", "--search", "quadratic.x=uniform(-1, 1)", "--trials", "3", "--jobs", "1",
                       "--objective", "los", "--direction", "min", "--experiment-name", "s", "-q")
    assert done.returncode == 2
    assert done.stderr.splitlines()[-2:] == [
        "error: The objective `los` is not a metric the runs produce: trial-0000 made loss, n. Did you mean `loss`?",
        "Pass --objective with one of those (and --direction max or min), or make a task write it (the state key"
        " `metrics`, or metrics.json)."]
    assert project.calls().count("quadratic") == 1
    assert states(trials_of(project)) == ["FAIL"]
    project.cli("base.gin", "--search", "quadratic.x=uniform(-1, 1)", "--trials", "1", *LOSS, check=True)
    again = project.cli("base.gin", "--search", "quadratic.x=uniform(-1, 1)", "--trials", "2", "--objective", "nn",
                        "--direction", "min", "--experiment-name", "s", "-q")
    assert again.stderr.startswith("error: The objective `nn` is not a metric the runs produce: trial-0001 made"
                                   " loss, n. Did you mean `n`?\n")  # known from the study: before any trial
    assert project.calls().count("quadratic") == 2


def test_an_objective_an_experiment_of_the_same_tasks_did_not_make_is_refused_before_the_first_trial(project):
    project.cli("base.gin", "--experiment-name", "plain", "-q", check=True)  # made loss and n
    for dry in (["--dry-run"], []):
        done = project.cli("base.gin", "--search", "quadratic.x=uniform(-1, 1)", "--trials", "2", "--objective", "los",
                           "--direction", "minimize", "--experiment-name", "s", *dry)
        assert done.returncode == 2, done.stderr
        assert done.stderr.splitlines() == [
            "error: The objective `los` is not a metric the runs produce: plain, an experiment of the same tasks,"
            " made loss, n. Did you mean `loss`?",
            "Pass --objective with one of those (and --direction max or min), or make a task write it (the state key"
            " `metrics`, or metrics.json)."]
    assert project.calls().count("quadratic") == 1  # the plain run's only
    assert not (project.root / STUDY).exists()
    project.cli("base.gin", "--search", "quadratic.x=uniform(-1, 1)", "--trials", "1", "--objective", "loss",
                "--direction", "minimize", "--experiment-name", "s", "-q", check=True)
    assert states(trials_of(project)) == ["COMPLETE"]


SUBMITIT_LOCAL = """
# submitit's local executor: the jobs SLURM would get, run on this machine
submitit.cluster = 'local'
submitit.timeout_min = 5
submitit.gpus_per_node = 0
"""


@pytest.mark.slow
def test_trials_as_submitit_jobs(project):
    pytest.importorskip("submitit")
    project.write("launcher.gin", SUBMITIT_LOCAL)
    project.cli("base.gin", "--sweep", "quadratic.layers=[4,6]", "--trials", "2", "--launcher", "submitit",
                "--launcher-config", "launcher.gin", "--jobs", "2", *LOSS, check=True, timeout=300)
    assert states(trials_of(project)) == ["COMPLETE"] * 2
    assert sorted(t.params["quadratic.layers"] for t in trials_of(project)) == ["4", "6"]
    assert list((project.root / STUDY / ".submitit").glob("*/*_log.err"))  # each trial was a job


def test_study_in_a_journal_file(project):
    """A journal file: the storage for a shared file system where no database server runs."""
    journal = project.root / "shared" / "study.log"
    journal.parent.mkdir()
    project.cli("base.gin", "--sweep", "quadratic.layers=[4,6]", "--trials", "2", "--storage", str(journal), *LOSS,
                check=True)
    from optuna.storages.journal import JournalFileBackend

    study = optuna.load_study(study_name="my_project/s", storage=optuna.storages.JournalStorage(
        JournalFileBackend(str(journal))))
    assert sorted((t.params["quadratic.layers"], t.state.name) for t in study.trials) == [
        ("4", "COMPLETE"), ("6", "COMPLETE")]
    assert json.loads((project.root / STUDY / "study.json").read_text())["best"]["params"] == {"quadratic.layers": "6"}


@pytest.mark.slow
def test_ctrl_c_marks_the_running_trial_failed_and_the_rerun_retries_it(project):
    args = ["base.gin", "--search", "quadratic.x=uniform(-1, 1)", "--trials", "2", "--seed", "3",
            "--mods", "quadratic.pause=3", *LOSS]
    study = subprocess.Popen([sys.executable, "-m", "ginpipe.cli", *args], cwd=project.root, text=True,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.time() + 120
    while project.calls().count("quadratic") < 1 and time.time() < deadline:
        time.sleep(0.05)
    os.killpg(study.pid, signal.SIGINT)  # Ctrl-C reaches the study and its trial
    _, stderr = study.communicate(timeout=120)
    assert study.returncode == 130, stderr
    assert "interrupted: study my_project/s was stopped (Ctrl-C); its running trials are marked failed" \
           " and queued again.\nRun the same command again: the study continues to its --trials." in stderr
    assert states(trials_of(project)) == ["FAIL", "WAITING"]
    project.cli(*args, check=True)
    trials = trials_of(project)
    assert states(trials)[:2] == ["FAIL", "COMPLETE"] and trials[1].params == trials[0].params
    assert states(trials).count("COMPLETE") == 2
