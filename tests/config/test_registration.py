"""Any importable object is configurable by dotted path, alias or import list, with no decorator."""
import subprocess
import sys

import pytest

import ginpipe
from ginpipe.errors import ConfigError


def test_dotted_paths_need_no_registration(project):
    project.write("c.gin", """
        execute_pipeline.tasks = [@keep]
        keep.obj = @fractions.Fraction()
        fractions.Fraction.numerator = 3
        fractions.Fraction.denominator = 4
        """)
    assert str(project.run("c.gin")["obj"]) == "3/4"


def test_alias_declared_once_in_a_config(project):
    project.write("aliases.gin", "import fractions as fr\n")
    project.write("c.gin", "execute_pipeline.tasks = [@keep]\nkeep.obj = @fr.Fraction()\nfr.Fraction.numerator = 5\n")
    assert str(project.run("aliases.gin", "c.gin")["obj"]) == "5"


def test_project_names_are_usable_short_and_long(project):
    project.write("c.gin", "execute_pipeline.tasks = [@tasks.steps.set_seed, @load]\ntasks.steps.set_seed.seed = 8\n")
    assert project.run("c.gin")["seed"] == 8


def test_ambiguous_short_name_lists_the_candidates(project):
    project.write("tasks/other.py", "def load(state):\n    pass\n")
    project.write("c.gin", "execute_pipeline.tasks = [@load]\n")
    with pytest.raises(ConfigError) as e:
        project.run("c.gin")
    assert "`load` is ambiguous: it could be `tasks.other.load`, `tasks.steps.load`" in str(e.value)


def test_module_list_in_ginpipe_form(project):
    project.write("mylib/__init__.py", "")
    project.write("mylib/ops.py", "def triple(state):\n    state['x'] = 3 * state.get('x', 1)\n")
    project.write("imports", """
        mylib.ops: ops
        fractions.Fraction: Frac
        tasks.steps: steps
        """)
    project.write("c.gin", """
        execute_pipeline.tasks = [@ops.triple, @triple, @steps.keep]
        steps.keep.obj = @Frac()
        Frac.numerator = 2
        """)
    state = project.run("c.gin", module_lists=["imports"])
    assert state["x"] == 9 and str(state["obj"]) == "2"


def test_module_list_naming_torch_nn_functional_is_not_fatal(project):
    project.write("imports", "torch.nn.functional: F\ntorch.optim: optim\n")
    project.write("c.gin", "execute_pipeline.tasks = [@keep]\nkeep.obj = @optim.SGD\n")
    state = project.run("c.gin", module_lists=["imports"])
    import torch
    assert issubclass(state["obj"], torch.optim.SGD)  # gin's configurable wrapper of SGD
    # gin's wrappers do not pickle; the saved state holds the plain class instead
    assert ginpipe.load_state(project.exp("e"))["obj"] is torch.optim.SGD


def test_malformed_import_list_line_and_missing_module(project):
    project.write("bad", "fractions: fr\nthis line has no colon\n")
    with pytest.raises(ConfigError) as e:
        project.run("base.gin", module_lists=["bad"])
    assert "Malformed import-list line" in str(e.value) and 'bad", line 2' in str(e.value)
    project.write("missing", "not_a_real_module_xyz: nope\n")
    with pytest.raises(ConfigError, match="no such module"):
        project.run("base.gin", module_lists=["missing"])


def test_a_config_that_never_mentions_torch_does_not_import_it(project):
    code = ("import sys, ginpipe; ginpipe.run(['base.gin'], experiment_name='t');"
            "print('torch' in sys.modules, 'ginpipe' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], cwd=project.root, capture_output=True, text=True)
    assert done.stdout.split() == ["False", "True"], done.stderr


def test_importing_ginpipe_has_no_side_effects():
    code = ("import sys, logging; before = list(sys.path); import ginpipe;"
            "print(sys.path == before, 'torch' in sys.modules, 'gin' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.stdout.split() == ["True", "False", "False"], done.stderr


def test_import_statement_makes_a_package_usable_by_short_names(project):
    project.write("extra/__init__.py", "")
    project.write("extra/more.py", "def halve(state):\n    state['half'] = state['total'] / 2\n")
    project.write("c.gin", "import extra\nexecute_pipeline.tasks += [@halve]\n")
    assert project.run("base.gin", "c.gin")["half"] == 45


def test_an_alias_and_a_short_name_of_one_function_share_bindings(project):
    project.write("c.gin", "import tasks.steps as st\nst.double.factor = 5\n")
    assert project.run("base.gin", "c.gin")["total"] == 225
