"""Property: whatever --output-dir, names and --overwrite say, no file outside a ginpipe-marked
experiment is ever removed or changed.

A seeded generator builds command lines from the paths people type and the ones that hurt: `.`,
`..`, absolute paths, nested paths, links into the project and to its experiments, the home folder,
a user's folder. Each runs through the real CLI (`ginpipe.cli.main`, in this process for speed) in a
project with a finished experiment, a user folder and a fake home folder; after each, the whole
temporary tree is hashed. Every answer must be exit 0 or a clean error (exit 2, no traceback).
"""
from __future__ import annotations

import random
import sys
from pathlib import Path

from tests.support.projects import guarded_project  # noqa: F401 - the `project` of these tests
from tests.support.snapshot import Snapshot
from loguru import logger
from tests.support.tree_checks import lost_outside_experiments, marked_folders

SEED, INPUTS = 12, 60
PARTS = [".", "..", "experiments", "my_project", "keep", "mydata", "link", "elink", "klink", "tasks", "new", "x"]


def _path(rng: random.Random, root: Path, home: Path) -> str:
    kind = rng.random()
    if kind < 0.15:
        return rng.choice([".", "..", "../..", "/", str(root), str(home), str(root.parent), "~"])
    if kind < 0.25:
        return str(root / rng.choice(PARTS))  # absolute
    return "/".join(rng.choice(PARTS) for _ in range(rng.randint(1, 4)))


def _name(rng: random.Random) -> str:
    return rng.choice([".", "..", "../x", "a/b", "/abs", ".hidden", "ok", "keep", "x", "../../etc"])


def _command(rng: random.Random, root: Path, home: Path) -> list[str]:
    args = ["base.gin", "-q"]
    if rng.random() < 0.6:
        args += ["--output-dir", _path(rng, root, home)]
    if rng.random() < 0.5:
        args += ["--experiment-name", _name(rng)]
    if rng.random() < 0.3:
        args += ["--project-name", _name(rng)]
    if rng.random() < 0.7:
        args.append("--overwrite")
    if rng.random() < 0.3:
        args += ["--mods", f"double.factor={rng.randint(1, 4)}"]
    return args


def _build(tmp_path: Path, root: Path) -> Path:
    home = tmp_path / "home"
    (home / "docs").mkdir(parents=True)
    (home / "docs" / "letter.txt").write_text("dear\n")
    (root / "mydata" / "sub").mkdir(parents=True)
    (root / "mydata" / "thesis.tex").write_text("years of work\n")
    (root / "mydata" / "sub" / "data.csv").write_text("a,b\n1,2\n")
    (root / "link").symlink_to(root, target_is_directory=True)
    (root / "elink").symlink_to(root / "experiments", target_is_directory=True)
    (root / "klink").symlink_to(root / "experiments" / "my_project" / "keep", target_is_directory=True)
    return home


def _main(args: list[str]) -> int:
    from ginpipe.cli import main
    try:
        return main(args)
    finally:  # the CLI pointed loguru at this test's captured stderr
        logger.remove()
        logger.add(sys.__stderr__)


def test_generated_paths_never_remove_a_file_outside_a_marked_experiment(project, tmp_path, monkeypatch, capsys):
    root = project.root
    home = _build(tmp_path, root)
    monkeypatch.setenv("HOME", str(home))
    rng = random.Random(SEED)
    tried = clean = 0
    lost_files = 0
    for _ in range(INPUTS):
        args = _command(rng, root, home)
        before = Snapshot(tmp_path)
        marked = marked_folders(tmp_path)  # experiments as they were before this command
        capsys.readouterr()
        code = _main(args)
        out = capsys.readouterr()
        tried += 1
        assert code in (0, 2), (args, out.err)
        assert "Traceback" not in out.err, (args, out.err)
        if code == 2:
            assert out.err.startswith("error: ") or "\nerror: " in out.err, (args, out.err)
            assert before.changes() == [], (args, out.err)  # a refusal writes nothing anywhere
            clean += 1
        lost = lost_outside_experiments(before, marked)
        lost_files += len(lost)
        assert lost == [], (args, lost)
        assert (root / "mydata" / "thesis.tex").read_text() == "years of work\n"
        assert (home / "docs" / "letter.txt").read_text() == "dear\n"
        assert (root / "base.gin").is_file() and (root / "tasks" / "steps.py").is_file()
    print(f"\ndeletion property: {tried} inputs tried, {clean} clean errors, {tried - clean} runs,"
          f" {lost_files} files lost outside marked experiments")
    assert clean > tried // 2  # most generated inputs are dangerous, and refused
