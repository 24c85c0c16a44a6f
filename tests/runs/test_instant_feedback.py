"""Answers that need no computation import nothing the tasks need: a typo, --dry-run, a cached rerun.

The project's task module records each import of itself in `imports.log` (as torch would cost ten
seconds): a fresh `ginpipe` process that only checks, plans or restores must leave it as it was.
"""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.projects import BASE_CONFIG, make_project

HEAVY = '''
"""A task module whose import is expensive (it stands for torch): each import is logged."""
with open("imports.log", "a") as log:
    log.write("imported\\n")

SCALE = 2


def _scaled(values):
    return [v * SCALE for v in values]


def heavy(state, factor: int = 1):
    state["heavy"] = [v * factor for v in _scaled(state["data"])]


def untouched(state):
    state["other"] = len(state["data"])
'''

CONFIG = BASE_CONFIG + """
execute_pipeline.tasks = [@set_seed, @load, @double, @total, @heavy, @untouched]
"""


@pytest.fixture
def project(tmp_path, monkeypatch):
    for p in make_project(tmp_path, monkeypatch, CONFIG):
        p.write("tasks/heavy.py", HEAVY)
        yield p


def imports(project) -> int:
    log = project.root / "imports.log"
    return len(log.read_text().splitlines()) if log.exists() else 0


def statuses(project, name="e"):
    return {t["label"]: t["status"] for t in json.loads((project.exp(name) / "run.json").read_text())["tasks"]}


def test_typo_dry_run_and_cached_rerun_import_no_task_module(project):
    project.cli("base.gin", "--experiment-name", "e", "-q", check=True)
    assert imports(project) == 1
    first = {p.name: p.read_bytes() for p in (project.exp("e") / "state").rglob("*") if p.is_file()}

    typo = project.cli("base.gin", "--experiment-name", "e", "--mods", "heavy.factr=3")
    assert typo.returncode == 2 and "`heavy` has no parameter `factr`. Did you mean `factor`?" in typo.stderr
    wrong_type = project.cli("base.gin", "--experiment-name", "e", "--mods", "heavy.factor='x'")
    assert wrong_type.returncode == 2 and "`heavy.factor` expects an int, got 'x'" in wrong_type.stderr
    plan = project.cli("base.gin", "--experiment-name", "e", "--dry-run", check=True)
    assert "cached  05-heavy" in plan.stdout
    rerun = project.cli("base.gin", "--experiment-name", "e", "-q", check=True)
    assert imports(project) == 1, rerun.stderr
    assert set(statuses(project).values()) == {"cached"}
    assert json.loads((project.exp("e") / "run.json").read_text())["status"] == "done"
    assert {p.name: p.read_bytes() for p in (project.exp("e") / "state").rglob("*") if p.is_file()} == first

    changed = project.cli("base.gin", "--experiment-name", "e", "--resume", "--mods", "heavy.factor=3",
                          "--dry-run", check=True)
    assert "run     05-heavy  (inputs changed: heavy.factor: (default) -> 3)" in changed.stdout
    assert "cached  06-untouched" in changed.stdout
    project.cli("base.gin", "--experiment-name", "e", "--resume", "--mods", "heavy.factor=3", "-q", check=True)
    assert imports(project) == 2  # a task ran: its module was imported, once
    assert statuses(project)["05-heavy"] == "done" and statuses(project)["06-untouched"] == "cached"


def test_editing_a_helper_reruns_only_the_task_that_reaches_it(project):
    project.run("base.gin")
    heavy = project.root / "tasks" / "heavy.py"
    heavy.write_text(heavy.read_text().replace("SCALE = 2", "SCALE = 3"))
    plan = project.cli("base.gin", "--experiment-name", "e", "--dry-run", check=True)
    assert "run     05-heavy  (inputs changed: tasks/heavy.py:SCALE changed)" in plan.stdout
    assert "cached  06-untouched" in plan.stdout and "cached  04-total" in plan.stdout


def test_a_source_edit_is_seen_by_the_next_check(project):
    project.cli("base.gin", "--experiment-name", "e", "--mods", "heavy.factor=3", "--dry-run", check=True)
    heavy = project.root / "tasks" / "heavy.py"
    heavy.write_text(heavy.read_text().replace("factor: int = 1", "times: int = 1").replace("* factor", "* times"))
    done = project.cli("base.gin", "--experiment-name", "e", "--mods", "heavy.factor=3", "--dry-run")
    assert done.returncode == 2 and "`heavy` has no parameter `factor`." in done.stderr
    assert "Parameters of `tasks.heavy.heavy`: state, times." in done.stderr
    assert imports(project) == 0


def test_a_cached_rerun_writes_what_a_run_with_the_real_objects_writes(project):
    project.run("base.gin", no_cache=True)  # in this process: the real objects are registered with gin
    project.run("base.gin")  # every task cached, with the real objects (no stand-ins needed)
    live = (project.exp("e") / "operative_config.gin").read_text()
    project.cli("base.gin", "--experiment-name", "e", "-q", check=True)  # a fresh process: stand-ins only
    assert (project.exp("e") / "operative_config.gin").read_text() == live
    assert "execute_pipeline.tasks" in live
    assert set(statuses(project).values()) == {"cached"}


REPOSITORY = Path(__file__).resolve().parents[2]
WATCH = "import sys; from ginpipe.cli import main; code = main(sys.argv[1:]); print('EXIT', code, sorted(m for m in" \
        " ('torch', 'lightning', 'torchaudio', 'sklearn', 'dask', 'distributed') if m in sys.modules))"


@pytest.mark.slow
def test_the_design_card_is_checked_and_planned_without_importing_torch(tmp_path):
    """The reference project's own configs: the first call fills the signature cache, the next import nothing."""
    env = {**os.environ, "GINPIPE_CACHE_DIR": str(tmp_path / "cache")}
    card = ["configs/base.gin", "configs/models/resnet.gin"]

    def ginpipe(*args):
        return subprocess.run([sys.executable, "-c", WATCH, *card, *args], cwd=REPOSITORY, env=env,
                              capture_output=True, text=True, timeout=600)

    ginpipe("--mods", "Resnett.n_layers=6")  # fills the cache (imports, once)
    typo = ginpipe("--mods", "Resnett.n_layers=6")
    assert "EXIT 2 []" in typo.stdout and "Did you mean `Resnet`?" in typo.stderr
    parameter = ginpipe("--mods", "Resnet.n_layer=6")
    assert "EXIT 2 []" in parameter.stdout and "Did you mean `n_layers`?" in parameter.stderr
    wrong = ginpipe("--mods", "Resnet.n_layers='ten'")
    assert "EXIT 2 []" in wrong.stdout and "`Resnet.n_layers` expects an int, got 'ten'" in wrong.stderr
    plan = ginpipe("--mods", "Resnet.n_layers=20", "--dry-run", "--output-dir", str(tmp_path / "exp"),
                   "--cluster", "tcp://127.0.0.1:8786")
    assert "EXIT 0 []" in plan.stdout and "run     07-fit_model" in plan.stdout
    sweep = ginpipe("--sweep", "Resnet.n_layers=[8,14,20]", "--sweep", "LR=[1e-3,1e-4]", "--jobs", "2")
    assert "EXIT 2 []" in sweep.stdout and "--sweep sets macro LR" in sweep.stderr  # refused before any member
    assert not (REPOSITORY / "experiments" / "audio" / "resnet__n_layers=8__LR=0.001").exists()


@pytest.mark.parametrize("args, message", [
    (["--sweep", "heavy.factor=[1,2]", "--sweep", "LR=[1e-3,1e-4]", "--jobs", "2"],
     "error: --sweep sets macro LR, which no config file defines or uses, so it would change nothing."),
    (["--sweep", "heavy.factor=[1,2]", "--sweep", "heavy.factr=[1,2]"],
     "error: `heavy` has no parameter `factr`. Did you mean `factor`?\nIn --sweep item 2:\n    heavy.factr=[1,2]"),
    (["--search", "heavy.factr=int(1, 3)", "--trials", "2", "--objective", "x", "--direction", "minimize"],
     "error: `heavy` has no parameter `factr`. Did you mean `factor`?\nIn --search item 1:\n    heavy.factr=int(1, 3)"),
])
def test_a_refused_sweep_or_study_is_refused_once_before_launching_and_by_its_dry_run(project, args, message):
    """Every member would be refused: the parent says so, imports nothing, starts nothing; so does --dry-run."""
    for dry in ([], ["--dry-run"]):
        done = project.cli("base.gin", *args, *dry)
        assert done.returncode == 2 and done.stderr.startswith(message), done.stderr
        assert "Traceback" not in done.stderr
    assert imports(project) == 0
    assert not (project.root / "experiments").exists()


def test_a_search_binds_a_parameter_the_configs_leave_at_its_default(project):
    """`heavy.factor` is bound by no config (its default is 1): searching it is searching the signature."""
    done = project.cli("base.gin", "--search", "heavy.factor=int(2, 3)", "--trials", "2", "--objective", "n",
                       "--direction", "maximize", "--dry-run", check=True)
    assert "  heavy.factor: int [2, 3] step 1" in done.stdout
    assert imports(project) == 0
