"""Experiment folders written by the original GinPipe load with `ginpipe.load_state`, and its
`ginpipe.core` / `ginpipe.utils` functions work on them."""
import subprocess
import sys
import textwrap

import gin

import ginpipe
from ginpipe.core import State, gin_configure_externals, save_state
from ginpipe.utils import config_to_dict, get_model_config

# The original GinPipe's State, as far as pickling sees it: a dict subclass with attribute access
# whose __getstate__ returns the (empty) instance dict. A child process installs it as the module
# `ginpipe.core` and pickles a state with joblib, as GinPipe's save_state did.
ORIGINAL_CORE = '''
class State(dict):
    __getattr__ = dict.__getitem__
    __setattr__ = dict.__setitem__

    def __getstate__(self):
        return self.__dict__

    def __setstate__(self, d):
        self.__dict__ = d
'''

WRITE_STATE = '''
import sys, types, joblib
original = types.ModuleType("ginpipe.core")
exec(sys.argv[2], original.__dict__)  # its classes say __module__ == "ginpipe.core"
sys.modules["ginpipe.core"] = original
State = original.State
folder = sys.argv[1]
state = State()
state.flags = {"experiment_name": "old", "project_name": "p", "mods": [],
               "module_list_str": "hubtasks.models: models\\n"}
state.output_dir = folder
state.metrics = {"accuracy": 0.75}
state.execution_times = {"train_0": {"wall_time": 1.5, "process_time": 1.2}}
state.nested = State(a=1)
assert type(state).__module__ == "ginpipe.core"
joblib.dump(state, folder + "/state.pkl")
'''

CONFIG = """\
# Macros:
# ==============================================================================
EXPERIMENT_NAME = 'old'
HIDDEN = 32

# Parameters for Model:
# ==============================================================================
models.Model.depth = 4
models.Model.width = %HIDDEN

# Parameters for execute_pipeline:
# ==============================================================================
execute_pipeline.tasks = \\
    [@set_seed,
     @fit_model]

# Parameters for fit_model:
# ==============================================================================
fit_model.model = @models.Model()
"""


def original_experiment(tmp_path):
    folder = tmp_path / "experiments" / "p" / "old"
    folder.mkdir(parents=True)
    (folder / "config.gin").write_text(CONFIG)
    done = subprocess.run([sys.executable, "-c", WRITE_STATE, str(folder), ORIGINAL_CORE], capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stderr
    return folder


def test_original_experiment_folder_loads(tmp_path):
    folder = original_experiment(tmp_path)
    state = ginpipe.load_state(folder)
    assert state["metrics"] == {"accuracy": 0.75}
    assert state.flags["module_list_str"] == "hubtasks.models: models\n"
    assert state["execution_times"]["train_0"]["wall_time"] == 1.5
    assert isinstance(state["nested"], State) and state["nested"].a == 1  # attribute access, as in GinPipe


def test_saved_config_is_pruned_for_a_hub_loader(tmp_path, monkeypatch):
    folder = original_experiment(tmp_path)
    assert config_to_dict(folder / "config.gin")["execute_pipeline.tasks"] == "[@set_seed,@fit_model]"
    pruned = get_model_config(folder / "config.gin", ["fit_model"], {"fit_model.model": "model"},
                              additions={"models.Model.dropout": "0.1"})
    # the target, what it references through @ (the model) and % (its macro), nothing else
    assert pruned == ("\nHIDDEN=32\nmodel=@models.Model()\n\nmodels.Model.depth=4"
                      "\nmodels.Model.dropout=0.1\nmodels.Model.width=%HIDDEN")
    project = tmp_path / "proj"
    (project / "hubtasks").mkdir(parents=True)
    (project / "hubtasks" / "__init__.py").write_text("")
    (project / "hubtasks" / "models.py").write_text(textwrap.dedent("""
        __version__ = "1.0"
        class Model:
            def __init__(self, width=1, depth=1, dropout=0.0):
                self.width, self.depth, self.dropout = width, depth, dropout
        """))
    monkeypatch.chdir(project)
    monkeypatch.setattr(sys, "path", list(sys.path))
    flags = dict(ginpipe.load_state(folder).flags)
    assert gin_configure_externals(flags) == {"hubtasks.models": "1.0"}
    assert gin_configure_externals(flags) == {"hubtasks.models": "1.0"}  # a second call registers nothing twice
    gin.parse_config(pruned)
    model = gin.get_configurable("models.Model")()
    assert (model.width, model.depth, model.dropout) == (32, 4, 0.1)
    sys.modules.pop("hubtasks.models", None), sys.modules.pop("hubtasks", None)


def test_module_list_files_are_kept_as_text_and_single_objects_use_their_name(tmp_path, monkeypatch):
    imports = tmp_path / "imports"
    imports.write_text("fractions.Fraction: frac\njson: js\n")
    monkeypatch.chdir(tmp_path)
    flags = {"module_list": [str(imports)]}
    gin_configure_externals(flags)
    assert flags["module_list_str"] == "fractions.Fraction: frac\njson: js\n"
    gin.parse_config("frac.Fraction.numerator = 3\njs.dumps.indent = 2")
    assert str(gin.get_configurable("frac.Fraction")()) == "3"
    assert gin.get_configurable("js.dumps")([1]) == "[\n  1\n]"


def test_save_state_writes_a_state_pkl_ginpipe_can_load(tmp_path):
    state = State(output_dir=str(tmp_path), metrics={"loss": 0.5}, model="big", keys_not_saved=["model"])
    save_state(state)
    loaded = ginpipe.load_state(tmp_path)
    assert loaded["metrics"] == {"loss": 0.5} and "model" not in loaded
    assert "operative_config" in loaded
