"""A GinPipe project installed for real (an editable install into a virtual environment), run from its
source folder, the layout of the projects issue 23 was found on.

`repo/` is the distribution `myproj` (pyproject.toml, setuptools). uv installs it editable into
`venv/`, a fresh virtual environment that reaches the test interpreter's libraries (ginpipe, gin,
setuptools) through a `site.addsitedir` line; setuptools' editable install puts a finder of its own
on `sys.meta_path`, so `myproj` imports from any folder and nothing of `repo/` is on `sys.path`.
The working folder is `repo/myproj/`, whose `tasks/` is also the installed `myproj.tasks`.
Its last task writes what the tasks received into `received.json`.
"""
from __future__ import annotations

import json
import os
import shutil
import site
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.projects import RUN_VARIABLES, Project

SOURCES = {
    "pyproject.toml": """
        [build-system]
        requires = ["setuptools"]
        build-backend = "setuptools.build_meta"

        [project]
        name = "myproj"
        version = "0.3.0"

        [tool.setuptools.packages.find]
        include = ["myproj*"]
        """,
    "myproj/__init__.py": '"""An installed GinPipe project."""\n',
    "myproj/models.py": '''
        """The package's own models: the import list names this module `models`."""


        class Encoder:
            def __init__(self, dim=2):
                self.dim = dim


        def describe(model, verbose=False):
            return type(model).__name__
        ''',
    "myproj/hub.py": '''
        """Rebuilds a trained classifier from an experiment folder, from any working folder."""
        from pathlib import Path

        import gin
        from ginpipe.core import gin_configure_externals
        from ginpipe.utils import get_model_config

        IMPORTS = "myproj.models: models\\nmyproj.tasks.models: myproj.tasks.models\\n"


        def load_classifier(experiment_dir):
            gin_configure_externals({"module_list_str": IMPORTS})
            config = get_model_config(Path(experiment_dir, "config.gin"), ["build_model"], {})
            gin.parse_config(config)
            return gin.get_configurable("build_model")({})["model"]
        ''',
    "myproj/tasks/__init__.py": '"""Tasks: the installed `myproj.tasks`, and the working folder\'s `tasks/`."""\n',
    "myproj/tasks/utils.py": '''
        """Helpers every pipeline starts with."""


        def set_seed(state, seed=0):
            state["seed"] = seed
            return state
        ''',
    "myproj/tasks/data.py": '''
        """Loading: the reader is the stage a dataset config swaps."""


        def read_synthetic(n=2, duration=1.0):
            return [f"synthetic-{i}" for i in range(n)]


        def read_folder(root="data", extensions=(".wav",)):
            return [f"{root}/clip{e}" for e in extensions]


        def load_data(state, reader=None):
            state["data"] = reader()
            return state
        ''',
    "myproj/tasks/models.py": '''
        """The model a pipeline builds, its heads, and evaluation."""


        class Head:
            def __init__(self, out_features=1, activation=None):
                self.out_features, self.activation = out_features, activation


        class Classifier:
            def __init__(self, encoder=None, head=None, n_classes=2):
                self.encoder, self.head, self.n_classes = encoder, head, n_classes


        def describe(model, verbose=False):
            return repr(model)


        def build_model(state, model=None):
            state["model"] = model
            return state


        def test_model(state, test_partition="test", batch_size=1):
            state.setdefault("tested", []).append({"test_partition": test_partition, "batch_size": batch_size})
            return state
        ''',
    "myproj/tasks/report.py": '''
        """Writes what the tasks received, by object, for the test to read."""
        import json
        import sys
        from pathlib import Path


        def _plain(value):
            if hasattr(value, "__dict__"):
                return {"class": f"{type(value).__module__}.{type(value).__qualname__}",
                        **{k: _plain(v) for k, v in vars(value).items()}}
            return value


        def report(state):
            received = {k: _plain(v) for k, v in state.copy().items() if k != "output_dir"}
            received["models_modules"] = sorted(m for m in sys.modules if m.endswith("tasks.models"))
            received["models_copies"] = len({id(sys.modules[m]) for m in received["models_modules"]})
            Path(state["output_dir"], "received.json").write_text(json.dumps(received))
            return state
        ''',
    # the import list: a module named by its installed name
    "myproj/configs/imports": """
        myproj.models: models
        myproj.tasks.utils: myproj.tasks.utils
        """,
    "myproj/configs/train.gin": """
        execute_pipeline.tasks = [@myproj.tasks.utils.set_seed, @build_model, @report]
        tasks.utils.set_seed.seed = 7  # the working folder's name of the same function
        build_model.model = @Classifier()
        Classifier.encoder = @models.Encoder()
        Classifier.head = @myproj.tasks.models.Head()
        Classifier.n_classes = 3
        models.Encoder.dim = 8
        Head.out_features = 3
        """,
}


class InstalledProject(Project):
    """`root` is the working folder `repo/myproj`; `python` the interpreter of the environment."""

    def __init__(self, base: Path):
        super().__init__(base / "repo" / "myproj")
        self.repo, self.venv = base / "repo", base / "venv"
        for name, text in SOURCES.items():
            Project(self.repo).write(name, text)
        self.python = _environment_with(self.repo, self.venv)

    def cli(self, *args, cwd: Path | None = None, **kwargs) -> subprocess.CompletedProcess:
        return self.python_run("-m", "ginpipe.cli", *args, cwd=cwd, **kwargs)

    def python_run(self, *args, cwd: Path | None = None, **kwargs) -> subprocess.CompletedProcess:
        env = {k: v for k, v in os.environ.items() if k not in RUN_VARIABLES and k != "PYTHONPATH"}
        return subprocess.run([str(self.python), *args], cwd=cwd or self.root, capture_output=True, text=True,
                              env=env, timeout=300, **kwargs)

    def received(self, name: str) -> dict:
        return json.loads((self.exp(name) / "received.json").read_text())

    def saved(self, name: str) -> tuple[str, str]:
        """config.gin and operative_config.gin of experiment `name`."""
        return tuple((self.exp(name) / f).read_text() for f in ("config.gin", "operative_config.gin"))


def _environment_with(repo: Path, venv: Path) -> Path:
    """A virtual environment holding the test interpreter's libraries and `repo`, installed editable."""
    uv = shutil.which("uv")
    if uv is None:
        pytest.skip("uv is not installed: these tests install a package with it")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    # The test interpreter's own site-packages (ginpipe, gin, setuptools), .pth files included
    libraries = "; ".join(f"site.addsitedir({p!r})" for p in site.getsitepackages())
    Path(purelib, "test_libraries.pth").write_text(f"import site; {libraries}\n")
    done = subprocess.run([uv, "pip", "install", "--offline", "--python", str(python), "--no-deps",
                           "--no-build-isolation", "-e", str(repo)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return python
