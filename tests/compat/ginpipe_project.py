"""A project laid out like those written for the original GinPipe, in a temporary folder.

`repo/` is on PYTHONPATH, which is what an editable install's `.pth` line does: the package
`myproj` is installed, and the working folder is `repo/myproj/`, whose `tasks/` is that installed
`myproj.tasks`. Configs mix both names, an import list has module and single-object lines, and a
hub module imports `ginpipe.core` at top level. The last task writes what every task received into
`received.json` in the experiment folder.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

from projects import Project

TASK_FILES = {
    "myproj/__init__.py": '"""An installed GinPipe project."""\n',
    "myproj/tasks/__init__.py": '"""Its tasks, also the working folder\'s tasks/."""\n',
    "myproj/tasks/data.py": '''
        """Loading."""


        class DictDataset:
            def __init__(self, items=(), transform=None, limit=None):
                self.items, self.transform, self.limit = list(items), transform, limit


        def load_dataset(state, dataset=None, reader_fn=(), key_out="dataset"):
            state[key_out] = dataset
            state["read"] = [read("Ab") for read in reader_fn]
            return state
        ''',
    "myproj/tasks/readers.py": '''
        """Readers, given one by one in import lists and configs."""


        def read_lower(text):
            return text.lower()


        def read_upper(text):
            return text.upper()


        def read_title(text, suffix=""):
            return text.title() + suffix
        ''',
    "myproj/tasks/models.py": '''
        """A model and its loaders."""
        __version__ = "0.4.2"


        class Loader:
            def __init__(self, batch_size=1, shuffle=False):
                self.batch_size, self.shuffle = batch_size, shuffle


        class Model:
            def __init__(self, width=2, depth=1):
                self.width, self.depth = width, depth


        def make_loaders(state, train=None, test=None):
            state["loaders"] = {"train": train, "test": test}
            return state


        def build_model(state, model=None):
            state["model"] = model
            return state
        ''',
    "myproj/tasks/report.py": '''
        """Writes what the tasks received, by object, for the test to read."""
        import json
        import sys
        from pathlib import Path


        def report(state):
            dataset, loaders = state["dataset"], state["loaders"]
            copies = {id(sys.modules[m]) for m in sys.modules if m.endswith("tasks.data")}
            received = {
                "dataset_class": f"{type(dataset).__module__}.{type(dataset).__qualname__}",
                "dataset_is_the_installed_class": type(dataset) is sys.modules["myproj.tasks.data"].DictDataset,
                "tasks_data_modules": sorted(m for m in sys.modules if m.endswith("tasks.data")),
                "tasks_data_copies": len(copies),
                "dataset": vars(dataset),
                "read": state["read"],
                "loaders": {k: vars(v) for k, v in loaders.items()},
                "model": vars(state["model"]),
                "initial": {k: state[k] for k in ("keys_not_saved", "threshold")},
                "keys": sorted(state.copy()),  # GinPipe's State was a dict: tasks use its methods
            }
            Path(state["output_dir"], "received.json").write_text(json.dumps(received))
            return state
        ''',
    "myproj/tasks/hub.py": '''
        """Rebuilds a trained model from its experiment folder, the way GinPipe hub loaders do."""
        from pathlib import Path

        import gin
        from ginpipe.core import gin_configure_externals
        from ginpipe.utils import get_model_config


        def load_model(experiment_dir, module_list="configs/imports"):
            versions = gin_configure_externals({"module_list": [module_list]})
            config = get_model_config(Path(experiment_dir, "config.gin"), ["models.Model"], {})
            gin.parse_config(config)
            return gin.get_configurable("models.Model")(), versions
        ''',
}

CONFIGS = {
    "configs/imports": """
        tasks.data: data
        myproj.tasks.models: models
        myproj.tasks.readers.read_upper: readers.read_upper
        """,
    "configs/base.gin": """
        import myproj.tasks
        $keys_not_saved = ['loaders']
        $threshold = 0.5
        ginpipe.core.execute_pipeline.tasks = [@load_dataset, @make_loaders, @build_model]
        load_dataset.dataset = @data.DictDataset()
        load_dataset.reader_fn = [@read_lower]
        DictDataset.limit = 3
        tasks.data.DictDataset.transform = 'strip'
        myproj.tasks.data.DictDataset.items = ['a', 'b']
        make_loaders.train = @train/models.Loader()
        make_loaders.test = @test/Loader()
        train/models.Loader.batch_size = 8
        train/Loader.shuffle = True
        test/myproj.tasks.models.Loader.batch_size = 2
        build_model.model = @Model()
        models.Model:
            width = 16
            depth = 2
        """,
    "configs/datasets/extra.gin": """
        $keys_not_saved += ['datasets',
                            'dataloaders']
        load_dataset.reader_fn += [@readers.read_upper.read_upper]
        load_dataset:
            reader_fn += [@read_title]
        load_dataset.reader_fn += [
            @tasks.readers.read_lower,
        ]
        read_title.suffix = '!'
        execute_pipeline.tasks += [@report]
        models.Model:
            depth = 3
        """,
}


class GinpipeProject(Project):
    """`root` is the working folder (`repo/myproj`); `repo` is what is installed."""

    def __init__(self, repo: Path):
        super().__init__(repo / "myproj")
        self.repo = repo
        for name, text in {**TASK_FILES, **CONFIGS}.items():
            Project(repo if name.startswith("myproj/") else self.root).write(name, text)

    def env(self) -> dict:
        return {"PYTHONPATH": os.pathsep.join([str(self.repo), os.environ.get("PYTHONPATH", "")])}

    def cli(self, *args, **kwargs):
        return super().cli(*args, env={**self.env(), **kwargs.pop("env", {})}, **kwargs)

    def received(self, name: str, project: str = "my_project") -> dict:
        return json.loads((self.exp(name, project) / "received.json").read_text())
