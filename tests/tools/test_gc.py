"""`ginpipe gc`: what it removes (caches no experiment uses, outputs a changed fit set aside, old
failed experiments on request), and what it never touches: what a finished experiment's state
mentions (each reruns fully cached afterwards), an experiment a live run holds, unmarked folders."""
from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from tests.support.projects import make_project

STEPS = textwrap.dedent('''
    import hashlib
    from pathlib import Path

    import pandas as pd

    from ginpipe.io import mark_cache


    def make_cache(state, root="data/cache", n=3, pickled=False):
        """Files in a shared cache folder named after its settings, as the feature cache does."""
        folder = Path(root) / ("c-" + hashlib.sha1(str(n).encode()).hexdigest()[:10])
        folder.mkdir(parents=True, exist_ok=True)
        mark_cache(folder, "test cache")
        paths = []
        for i in range(n):
            path = folder / f"{i}.bin"
            path.write_bytes(b"x" * 1000)
            paths.append(str(path))
        # A DataFrame is saved as parquet; a dict (of absolute paths) as a pickle, the cache's only mention.
        state["files"] = {"path": [str(Path(p).resolve()) for p in paths]} if pickled else pd.DataFrame({"path": paths})


    def read_cache(state):
        state["total"] = sum(Path(p).stat().st_size for p in state["files"]["path"])


    def explode(state):
        raise ValueError("boom")
    ''')


@pytest.fixture
def project(tmp_path, monkeypatch):
    yield from make_project(tmp_path, monkeypatch, "execute_pipeline.tasks = [@make_cache, @read_cache]\n", STEPS)


def _cache(project, n: int):
    import hashlib
    return project.root / "data" / "cache" / ("c-" + hashlib.sha1(str(n).encode()).hexdigest()[:10])


@pytest.fixture
def experiments(project):
    """a (its cache named in parquet only), b (in a pickle only), an orphan cache (its experiment
    deleted), a fit's set-aside outputs, a failed experiment, and folders gc did not write."""
    for name, mods in (("a", ["make_cache.n=3"]), ("b", ["make_cache.n=4", "make_cache.pickled=True"]),
                       ("gone", ["make_cache.n=5"])):
        project.run("base.gin", mods=mods, name=name)
    import shutil
    shutil.rmtree(project.exp("gone"))
    from ginpipe.io import set_aside
    (project.exp("a") / "checkpoints").mkdir()
    (project.exp("a") / "checkpoints" / "last.ckpt").write_bytes(b"c" * 5000)
    set_aside(project.exp("a") / "checkpoints", "checkpoints-0123abcd")  # as fit_model does
    with pytest.raises(Exception, match="boom"):
        project.run("base.gin", mods=["execute_pipeline.tasks=[@explode]"], name="f")
    (project.root / "data" / "mine" / "checkpoints-0123abcd").mkdir(parents=True)  # not ginpipe's
    (project.root / "data" / "cache" / "c-unmarked").mkdir()
    (project.root / "data" / "cache" / "c-unmarked" / "x.bin").write_bytes(b"u")
    return project


def test_dry_run_lists_and_removes_nothing_then_gc_removes_and_everything_reruns_cached(experiments):
    project = experiments
    dry = project.cli("gc", ".", "--dry-run", check=True)
    assert dry.stdout.splitlines() == [
        "would remove  experiments/my_project/a/checkpoints-0123abcd  (set aside by a changed fit, 4.9 kB)",
        f"would remove  data/cache/{_cache(project, 5).name}  (test cache no experiment uses, 5.0 kB)",
        "dry run: would free 9.9 kB (2 folders); nothing was removed",
    ]
    assert _cache(project, 5).is_dir() and (project.exp("a") / "checkpoints-0123abcd").is_dir()

    done = project.cli("gc", ".", check=True)
    assert done.stdout.splitlines()[-1] == "freed 9.9 kB (2 folders)"
    assert not _cache(project, 5).exists() and not (project.exp("a") / "checkpoints-0123abcd").exists()
    # Kept: the caches a and b use, the failed experiment (no --failed-older-than), what gc did not write.
    assert _cache(project, 3).is_dir() and _cache(project, 4).is_dir() and project.exp("f").is_dir()
    assert (project.root / "data" / "mine" / "checkpoints-0123abcd").is_dir()
    assert (project.root / "data" / "cache" / "c-unmarked" / "x.bin").is_file()
    for name, mods in (("a", ["make_cache.n=3"]), ("b", ["make_cache.n=4", "make_cache.pickled=True"])):
        project.run("base.gin", mods=mods, name=name)
        assert set(project.statuses(name).values()) == {"cached"}, name
    assert project.cli("gc", ".", check=True).stdout == "freed 0 B (0 folders)\n"


def test_an_experiment_a_live_run_holds_is_left_alone(experiments):
    project = experiments
    holder = subprocess.Popen(  # a real run's lock, held by another process
        [sys.executable, "-c", "import sys, time; from pathlib import Path;"
         " from ginpipe.experiment.lock import FolderLock; lock = FolderLock(Path(sys.argv[1])); lock.acquire();"
         " lock.claim(); print('locked', flush=True); time.sleep(120)", str(project.exp("f"))],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        aside = project.exp("f") / "logs" / "training-89abcdef"
        aside.mkdir(parents=True)
        done = project.cli("gc", ".", "--failed-older-than", "0s", check=True)
        assert done.stdout.splitlines() == [
            f"keep    experiments/my_project/f: running (pid {holder.pid}), left alone",
            "keep    caches are left alone while an experiment runs (it may be filling one)",
            "removed  experiments/my_project/a/checkpoints-0123abcd  (set aside by a changed fit, 4.9 kB)",
            "freed 4.9 kB (1 folder)",
        ]
        assert aside.is_dir() and _cache(project, 5).is_dir()
    finally:
        holder.kill()
        holder.wait()
    done = project.cli("gc", ".", "--failed-older-than", "0s", check=True)
    removed = [line.split("  ")[1] for line in done.stdout.splitlines() if line.startswith("removed")]
    assert removed == ["experiments/my_project/f", f"data/cache/{_cache(project, 5).name}"]
    assert not project.exp("f").exists() and project.exp("a").is_dir() and project.exp("b").is_dir()


def test_a_folder_of_caches_alone_is_refused(experiments):
    done = experiments.cli("gc", "data")
    assert done.returncode == 2
    assert done.stderr == ("error: No experiment under data: every cache there would look unused.\n"
                           "Pass a folder that holds the experiments too (the project folder, or one above the"
                           " experiments and the data); with no experiment anywhere, nothing uses them.\n")
    assert _cache(experiments, 5).is_dir()
    bad = experiments.cli("gc", ".", "--failed-older-than", "soon")
    assert bad.returncode == 2 and "is not an age" in bad.stderr
