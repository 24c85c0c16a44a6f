"""Function-level cache keys: what a definition can reach in project code, one test per kind of link."""
import os
import sys
import textwrap

import pytest

from ginpipe.cache.code_reach import CodeReach

FILES = {
    "proj/__init__.py": "",
    "proj/helpers.py": """
        SCALE = 3

        def scale(x):
            return x * SCALE

        def unrelated():
            return 1
        """,
    "proj/other.py": """
        class Model:
            def run(self):
                return self._inner()

            def _inner(self):
                return 1
        """,
    "proj/stages.py": """
        import json
        import proj.helpers as hp
        from . import helpers
        from .helpers import scale
        from .other import Model

        LIMIT = 10
        SETTINGS = {"limit": LIMIT}

        def log(fn):
            return fn

        def _helper(x):
            return x + LIMIT

        @log
        def task_a(state):
            state["a"] = _helper(1)

        def task_b(state):
            state["b"] = scale(2)

        def task_c(state):
            state["c"] = hp.unrelated()

        def task_d(state):
            state["d"] = Model().run()

        def task_e(state):
            return helpers.scale(1)

        def task_f(state):
            return globals()["task_a"]

        def task_g(state):
            return json.dumps(SETTINGS)

        def task_h(state):
            return undefined_somewhere(state)
        """,
}


@pytest.fixture
def tree(tmp_path, monkeypatch):
    for name, text in FILES.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.chdir(tmp_path)
    yield tmp_path
    for module in [m for m in sys.modules if m == "proj" or m.startswith("proj.")]:
        del sys.modules[module]


def names(root, task):
    return {f"{p.file}:{p.name}" for p in CodeReach(root).parts(str(root / "proj/stages.py"), task)}


def digest(root, task):
    return CodeReach(root).digest(str(root / "proj/stages.py"), task)


def edit(path, old, new):
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))
    stat = path.stat()  # a new modification time even within the clock's resolution
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))


def test_helper_constant_and_decorator_of_the_same_module(tree):
    reached = names(tree, "task_a")
    assert {"proj/stages.py:task_a", "proj/stages.py:_helper", "proj/stages.py:LIMIT",
            "proj/stages.py:log"} <= reached
    assert not {"proj/stages.py:task_b", "proj/helpers.py:scale"} & reached


def test_helper_in_another_module_and_its_constant(tree):
    reached = names(tree, "task_b")
    assert {"proj/stages.py:scale", "proj/helpers.py:scale", "proj/helpers.py:SCALE"} <= reached
    assert "proj/helpers.py:unrelated" not in reached and "proj/stages.py:_helper" not in reached


def test_import_alias_and_module_attribute(tree):
    assert "proj/helpers.py:unrelated" in names(tree, "task_c")
    assert "proj/helpers.py:scale" not in names(tree, "task_c")
    assert {"proj/helpers.py:scale", "proj/helpers.py:SCALE"} <= names(tree, "task_e")


def test_class_and_its_methods(tree):
    assert "proj/other.py:Model" in names(tree, "task_d")
    before = {t: digest(tree, t) for t in ("task_a", "task_b", "task_c", "task_d")}
    edit(tree / "proj/other.py", "return 1", "return 2")  # a method only task_d's Model has
    after = {t: digest(tree, t) for t in before}
    assert [t for t in before if before[t] != after[t]] == ["task_d"]


def test_constant_used_through_another_constant(tree):
    reached = names(tree, "task_g")
    assert {"proj/stages.py:SETTINGS", "proj/stages.py:LIMIT", "proj/stages.py:json"} <= reached
    before = digest(tree, "task_g"), digest(tree, "task_b")
    edit(tree / "proj/stages.py", "LIMIT = 10", "LIMIT = 11")
    assert digest(tree, "task_g") != before[0] and digest(tree, "task_b") == before[1]


def test_editing_one_helper_changes_only_the_keys_that_reach_it(tree):
    tasks = ["task_a", "task_b", "task_c", "task_d", "task_e", "task_g"]
    before = {t: digest(tree, t) for t in tasks}
    edit(tree / "proj/helpers.py", "SCALE = 3", "SCALE = 4")
    after = {t: digest(tree, t) for t in tasks}
    assert sorted(t for t in tasks if before[t] != after[t]) == ["task_b", "task_e"]


def test_comments_and_moves_change_no_key(tree):
    before = digest(tree, "task_b")
    edit(tree / "proj/helpers.py", "def scale(x):", "# a comment\n\n\ndef scale(x):  # why")
    assert digest(tree, "task_b") == before


def test_unsure_means_the_whole_module(tree):
    assert "proj/stages.py:<module>" in names(tree, "task_f")  # globals()
    assert "proj/stages.py:<module>" in names(tree, "task_h")  # a name bound nowhere visible
    before = digest(tree, "task_f")
    edit(tree / "proj/stages.py", "return json.dumps(SETTINGS)", "return json.dumps(SETTINGS, indent=1)")
    assert digest(tree, "task_f") != before  # any edit of the module


def test_the_reference_reader_reaches_the_scene_module_it_imports():
    """The gap file-level keys had: editing tasks/datasets/synthetic_scene.py must rerun load_dataset,
    whose reader (`read_synthetic`, in synthetic.py) renders clips with it."""
    from pathlib import Path
    repository = Path(__file__).resolve().parents[2]
    reached = CodeReach(repository).parts(str(repository / "tasks/datasets/synthetic.py"), "read_synthetic")
    assert "tasks/datasets/synthetic_scene.py" in {p.file for p in reached}
