"""`ginpipe reproduce`: rerun from the saved config into a new folder, check versions and metrics."""
import json

from tests.support.projects import sweep_project  # noqa: F401 - the `project` of these tests


def test_reproduce_reruns_everything_and_the_metrics_match(project):
    # an alias and a `$key = value` line: gin does not print them in config.gin, reproduce recovers them
    project.write("exp.gin", "include 'base.gin'\nimport tasks.steps as st\nst.score.offset = 0.5\n"
                             "$extra = 7\n")
    project.cli("exp.gin", "--mods", "double.factor=3", "--experiment-name", "orig", check=True)
    calls_before = len(project.calls())
    done = project.cli("reproduce", "experiments/my_project/orig", check=True)
    assert done.stdout.splitlines()[:2] == [
        "Reproduced experiments/my_project/orig in experiments/my_project/orig__reproduced.",
        "Metrics match exactly (3 compared).",
    ]
    assert "(set_seed.seed = 3)" in done.stderr
    assert project.calls()[calls_before:] == ["load", "double", "score"]  # every task ran again
    assert set(project.statuses("orig__reproduced").values()) == {"done"}
    run = project.run_json("orig__reproduced")
    assert run["command"] == "ginpipe reproduce experiments/my_project/orig"
    report = json.loads((project.exp("orig__reproduced") / "reproduction.json").read_text())
    assert report["metrics_match"] is True and report["metric_differences"] == {}
    import ginpipe
    assert ginpipe.load_state(project.exp("orig"))["metrics"] == ginpipe.load_state(project.exp("orig__reproduced"))["metrics"]
    # a second reproduction gets its own folder
    again = project.cli("reproduce", "experiments/my_project/orig", check=True)
    assert "in experiments/my_project/orig__reproduced-2." in again.stdout


def test_reproduce_warns_about_versions_and_commit_and_reports_differing_metrics(project):
    project.cli("base.gin", "--experiment-name", "orig", check=True)
    folder = project.exp("orig")
    env = json.loads((folder / "environment.json").read_text())
    env["packages"]["gin-config"] = "0.4.0"
    env["git"] = {"commit": "0123456789abcdef0123456789abcdef01234567", "dirty": False, "status": [], "diff": ""}
    (folder / "environment.json").write_text(json.dumps(env))
    (folder / "metrics.json").write_text(json.dumps({"total": 1.0}))  # as if the code had changed since
    done = project.cli("reproduce", str(folder), "--experiment-name", "again")
    assert done.returncode == 1
    assert "1 package version(s) differ from the recorded ones (recorded -> now): gin-config 0.4.0 -> 0.5.0." in done.stderr
    assert "The git commit differs: recorded 0123456789ab, now None." in done.stderr
    assert done.stdout.splitlines()[1:3] == ["Metrics differ (1 of 3):",
                                             "  total: recorded 1.0, reproduced 90.0 (difference +89)"]


def test_reproduce_needs_an_experiment(project):
    done = project.cli("reproduce", "base.gin")
    assert done.returncode == 2
    assert done.stderr == "error: base.gin is not a ginpipe experiment (it needs config.gin and run.json).\n"


def test_edited_config_files_fall_back_to_the_saved_config_with_a_warning(project):
    project.write("exp.gin", "include 'base.gin'\nimport tasks.steps as st\nst.score.offset = 0.5\n")
    project.cli("exp.gin", "--mods", "double.factor=3", "--experiment-name", "orig", check=True)
    project.write("base.gin", project.root.joinpath("base.gin").read_text().replace("load.n = 10", "load.n = 99"))
    done = project.cli("reproduce", "experiments/my_project/orig", check=True)
    assert "no longer compose to experiments/my_project/orig/config.gin" in done.stderr
    assert "Metrics match exactly (3 compared)." in done.stdout  # the saved config.gin says load.n = 10
    report = json.loads((project.exp("orig__reproduced") / "reproduction.json").read_text())
    assert report["source"]["configs"] == []
    assert "import tasks.steps as st" in report["source"]["mods"] and "tasks.steps.load.n=10" in report["source"]["mods"]
    # a reproduction of the reproduction reuses what it ran
    again = project.cli("reproduce", "experiments/my_project/orig__reproduced", check=True)
    assert "Metrics match exactly" in again.stdout


def test_a_killed_reproduction_is_resumed_in_its_own_folder(project):
    import signal
    import subprocess
    import sys
    import time

    project.cli("base.gin", "--mods", "double.pause=2.0", "--experiment-name", "orig", check=True)
    for attempt in range(2):  # killed twice: still one folder
        calls = len(project.calls())
        started = subprocess.Popen([sys.executable, "-m", "ginpipe.cli", "reproduce", "experiments/my_project/orig"],
                                   cwd=project.root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        while "double" not in project.calls()[calls:]:
            assert started.poll() is None, started.stdout.read()
            time.sleep(0.05)
        started.send_signal(signal.SIGKILL)
        started.wait()
    done = project.cli("reproduce", "experiments/my_project/orig", check=True)
    assert "Resuming the reproduction of experiments/my_project/orig into experiments/my_project/orig__reproduced" \
        in done.stderr
    assert done.stdout.splitlines()[:2] == [
        "Reproduced experiments/my_project/orig in experiments/my_project/orig__reproduced.",
        "Metrics match exactly (3 compared)."]
    assert set(project.statuses("orig__reproduced").values()) == {"done"}
    assert sorted(p.name for p in project.exp("orig").parent.iterdir()) == ["orig", "orig__reproduced"]
    # a finished reproduction is not resumed: the next one gets a folder of its own
    again = project.cli("reproduce", "experiments/my_project/orig", check=True)
    assert "in experiments/my_project/orig__reproduced-2." in again.stdout
