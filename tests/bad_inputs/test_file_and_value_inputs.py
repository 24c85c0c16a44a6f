"""Config files that are not plain UTF-8 text, templates missing a value, mods that change nothing,
values of the wrong type or range: each refused before any task runs, naming the file and line.

Each case targets the finished experiment `keep` and hashes the whole project tree: a refusal
changes not one byte anywhere.
"""
from __future__ import annotations

from dataclasses import dataclass

import pytest
from tests.support.projects import guarded_project  # noqa: F401 - the `project` of these tests
from tests.support.snapshot import Snapshot
from tests.support.tree_checks import assert_clean_refusal

CHECKED = '''
def fit(state, max_epochs: int = 3, batch_size: int = 4, lr: float = 0.1, name: str = "m",
        mode: "str | None" = None):
    state["fit"] = (max_epochs, batch_size, lr, name, mode)
'''


@dataclass(frozen=True)
class Case:
    id: str
    files: dict[str, bytes]  # written into the project first
    args: list[str]  # after `ginpipe`
    message: str  # a fragment of the error's first line
    where: str  # the lines naming the file and line (or the item)
    hint: str = ""


LATIN1 = "execute_pipeline.tasks = [@set_seed]\n# caf\xe9 cr\xe8me\nset_seed.seed = 1\n".encode("latin-1")
TEMPLATE = b"load.n = {n}\ndouble.factor = {factor}\n"
USES = b"!load_template:\n    template = 't.gin'\n    n = 3\n"
CHECKS = b"execute_pipeline.tasks = [@set_seed, @fit]\nMAX_EPOCHS = 3\nfit.max_epochs = %MAX_EPOCHS\n"

CASES = [
    Case("Latin-1 config", {"c.gin": LATIN1}, ["base.gin", "c.gin"],
         "Config file c.gin is not UTF-8 text: byte 0xe9 at line 2 cannot be decoded.",
         'In file "c.gin", line 2:\n    # caf', "Save the file as UTF-8"),
    Case("binary given as a config", {"model.gin": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"}, ["base.gin", "model.gin"],
         "Config file model.gin is not text (it holds NUL bytes, as a binary file does).",
         'In file "model.gin", line 3', "Pass a gin config file (text, UTF-8)."),
    Case("folder given as a config", {"configs/a.gin": b"load.n = 1\n"}, ["base.gin", "configs"],
         "Config file configs is a folder, not a file.", "", "Pass the .gin files in it, e.g. configs/a.gin."),
    Case("Latin-1 included file", {"c.gin": b"include 'inc.gin'\n", "inc.gin": b"x = 1\n# \xff\n"},
         ["base.gin", "c.gin"], "Config file inc.gin is not UTF-8 text: byte 0xff at line 2",
         'In file "inc.gin", line 2'),
    Case("template placeholder not given", {"t.gin": TEMPLATE, "c.gin": USES}, ["base.gin", "c.gin"],
         "The template uses the placeholder `{factor}`, which the `!load_template:` block at c.gin, line 1"
         " does not give (it gives: n).", 'In file "t.gin", line 2:\n    double.factor = {factor}',
         "Add a line `factor = 'value'` to that block."),
    Case("Latin-1 template", {"t.gin": b"load.n = {n}\n# \xe9\n", "c.gin": USES}, ["base.gin", "c.gin"],
         "Template file t.gin is not UTF-8 text", 'In file "t.gin", line 2'),
    Case("Latin-1 import list", {"imports": b"os.path: osp\n# \xe9\n"}, ["base.gin", "--module_list", "imports"],
         "Import list imports is not UTF-8 text", 'In file "imports", line 2'),
    Case("macro typo in --mods", {}, ["base.gin", "--mods", "NN=4"],
         "--mods sets macro NN, which no config file defines or uses, so it would change nothing. Did you mean `N`?",
         "In --mods item 1:\n    NN=4", "To add a new macro on purpose, define it in a config file (`NN = ...`)"),
    Case("MAX_EPOCH beside MAX_EPOCHS", {"c.gin": CHECKS, "tasks/checked.py": CHECKED.encode()},
         ["c.gin", "--mods", "MAX_EPOCH=3"], "Did you mean `MAX_EPOCHS`?", "In --mods item 1:\n    MAX_EPOCH=3",
         "refer to it as `%MAX_EPOCH`"),
    Case("string for an int parameter",
         {"c.gin": CHECKS + b"fit.max_epochs = 'ten'\n", "tasks/checked.py": CHECKED.encode()}, ["c.gin"],
         "`fit.max_epochs` expects an int, got 'ten'.", "In file \"c.gin\", line 4:\n    fit.max_epochs = 'ten'",
         "Give `max_epochs` a value of the right kind (see `tasks.checked.fit`)."),
    Case("string for an int parameter in --mods", {"c.gin": CHECKS, "tasks/checked.py": CHECKED.encode()},
         ["c.gin", "--mods", "fit.batch_size='big'"], "`fit.batch_size` expects an int, got 'big'.",
         "In --mods item 1:\n    fit.batch_size='big'"),
    Case("negative batch size", {"c.gin": CHECKS + b"fit.batch_size = -8\n", "tasks/checked.py": CHECKED.encode()},
         ["c.gin"], "`fit.batch_size` must be a whole number >= 1, got -8.",
         'In file "c.gin", line 4:\n    fit.batch_size = -8'),
    Case("MAX_EPOCHS=0", {"c.gin": CHECKS, "tasks/checked.py": CHECKED.encode()}, ["c.gin", "--mods", "MAX_EPOCHS=0"],
         "`fit.max_epochs` must be a whole number >= 1 (or -1: no limit), got 0 (through %MAX_EPOCHS, used at"
         " c.gin, line 3).", "In --mods item 1:\n    MAX_EPOCHS=0"),
    Case("string for a float", {"c.gin": CHECKS, "tasks/checked.py": CHECKED.encode()}, ["c.gin", "--mods", "fit.lr='1e-3'"],
         "`fit.lr` expects a number, got '1e-3'.", "In --mods item 1:\n    fit.lr='1e-3'"),
    Case("wrong type in an optional", {"c.gin": CHECKS, "tasks/checked.py": CHECKED.encode()},
         ["c.gin", "--mods", "fit.mode=3"], "`fit.mode` expects a string or None, got 3.", "In --mods item 1:"),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_files_and_values_are_refused_at_their_line(project, case):
    for name, data in case.files.items():
        path = project.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    tree = Snapshot(project.root)
    done = project.cli(*case.args, "--experiment-name", "keep")
    error = assert_clean_refusal(done, case.message, case.hint)
    assert case.where in error
    assert tree.changes() == []
    assert "▶" not in done.stderr  # no task ran


@pytest.mark.parametrize("encoding", ["bom", "crlf", "bom+crlf"])
def test_a_bom_and_windows_line_ends_are_plain_config_text(project, encoding):
    text = "execute_pipeline.tasks = [@set_seed, @load]\nload.n = 4\n"
    data = text.replace("\n", "\r\n") if "crlf" in encoding else text
    (project.root / "w.gin").write_bytes((b"\xef\xbb\xbf" if "bom" in encoding else b"") + data.encode())
    done = project.cli("w.gin", "--experiment-name", "win", "-q")
    assert done.returncode == 0, done.stderr
    assert "load.n = 4" in (project.exp("win") / "config.gin").read_text()


def test_a_macro_a_config_defines_may_be_set_from_mods_even_if_unused(project):
    project.write("c.gin", "UNUSED_YET = 1\n")
    done = project.cli("base.gin", "c.gin", "--mods", "UNUSED_YET=2", "--experiment-name", "m", "-q")
    assert done.returncode == 0, done.stderr


def _line_of(config: str, text: str) -> int:
    """The line of the shipped config that holds `text` (the message names it; other lines may move)."""
    from pathlib import Path
    lines = (Path(__file__).resolve().parents[2] / config).read_text().splitlines()
    return next(n for n, line in enumerate(lines, 1) if text in line)


@pytest.mark.slow  # imports torch and Lightning to read the annotations
@pytest.mark.parametrize("mod, message", [
    ("Resnet.n_layers='ten'", "`Resnet.n_layers` expects an int, got 'ten'."),
    ("MAX_EPOCHS=0", "`Trainer.max_epochs` must be a whole number >= 1 (or -1: no limit), got 0 (through"
                     f" %MAX_EPOCHS, used at configs/base.gin, line {_line_of('configs/base.gin', '= %MAX_EPOCHS')})."),
    ("train/torch.utils.data.DataLoader.batch_size=-1", "`DataLoader.batch_size` must be a whole number >= 1"),
    ("MAX_EPOCH=3", "--mods sets macro MAX_EPOCH, which no config file defines or uses, so it would change"
                    " nothing. Did you mean `MAX_EPOCHS`?"),
])
def test_the_reference_project_refuses_wrong_values_before_training(mod, message, tmp_path):
    import subprocess
    import sys
    from pathlib import Path
    repo = Path(__file__).resolve().parents[2]
    out = tmp_path / "never"
    done = subprocess.run([sys.executable, "-m", "ginpipe.cli", "configs/base.gin", "configs/models/resnet.gin",
                           "--mods", mod, "--output-dir", str(out)], cwd=repo, capture_output=True, text=True)
    assert_clean_refusal(done, message, "")
    assert f"In --mods item 1:\n    {mod}" in done.stderr
    assert not out.exists()
