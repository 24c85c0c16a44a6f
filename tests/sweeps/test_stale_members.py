"""A finished sweep member is skipped only while nothing its tasks' keys cover changed: its command
and config files (the `sweep.json` marker), and the code and data its tasks read (the runner's plan)."""
from tests.support.projects import sweep_project  # noqa: F401 - the `project` of these tests

ARGS = ["base.gin", "--sweep", "double.factor=[1,2]"]


def test_a_rerun_of_an_unchanged_sweep_skips_its_finished_members(project):
    project.cli(*ARGS, check=True)
    calls = len(project.calls())
    done = project.cli(*ARGS, check=True)
    assert [line.split()[0] for line in done.stdout.splitlines()[:2]] == ["skipped", "skipped"]
    assert project.calls()[calls:] == []


def test_a_finished_member_reruns_when_a_task_it_ran_was_edited(project):
    project.cli(*ARGS, check=True)
    steps = project.root / "tasks/steps.py"
    steps.write_text(steps.read_text().replace("total = sum(state[\"data2\"]) + offset",
                                               "total = sum(state[\"data2\"]) + offset + 1"))
    calls = len(project.calls())
    done = project.cli(*ARGS, check=True)
    assert "done     base__factor=1 " in done.stdout and "done     base__factor=2 " in done.stdout
    assert project.calls()[calls:] == ["score", "score"]  # the edited task alone, in each member
    assert project.statuses("base__factor=1")["05-score"] == "done"
    import ginpipe
    assert ginpipe.load_state(project.exp("base__factor=2"))["metrics"]["total"] == 91.0  # 0 + 2 + ... + 18, plus the edit's 1
