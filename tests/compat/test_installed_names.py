"""Issue 23, class 1: a module reachable under two names (the installed `myproj.tasks.models` and the
working folder's `tasks.models`) is one module, recorded under the name that imports from any folder,
so that a saved config.gin rebuilds the model elsewhere."""
import re

import pytest

from .installed_project import InstalledProject


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> InstalledProject:
    project = InstalledProject(tmp_path_factory.mktemp("installed"))
    done = project.cli("configs/train.gin", "--module_list", "configs/imports", "--experiment_name", "e1")
    assert done.returncode == 0, done.stderr
    return project


def _working_folder_names(text: str) -> list[str]:
    """Names that import only from the working folder: `tasks.x` without the installed `myproj.`."""
    return re.findall(r"(?<![\w.])@?tasks\.[\w.]+", text)


def test_saved_configs_name_objects_by_their_installed_names(installed):
    for text in installed.saved("e1"):
        text = " ".join(text.replace("\\\n", " ").split())  # gin wraps long lists
        assert ("execute_pipeline.tasks = [@myproj.tasks.utils.set_seed, @myproj.tasks.models.build_model,"
                " @myproj.tasks.report.report]") in text
        assert "build_model.model = @myproj.tasks.models.Classifier()" in text
        assert "Classifier.head = @myproj.tasks.models.Head()" in text
        assert "Classifier.encoder = @models.Encoder()" in text  # the import list's alias, as GinPipe
        assert "set_seed.seed = 7" in text
        assert _working_folder_names(text) == []
    tasks = [t["task"] for t in installed.run_json("e1")["tasks"]]
    assert tasks == ["myproj.tasks.utils.set_seed", "myproj.tasks.models.build_model", "myproj.tasks.report.report"]


def test_the_tasks_received_objects_of_the_installed_module_only(installed):
    received = installed.received("e1")
    assert received["seed"] == 7  # bound through the working folder's name
    assert received["model"] == {
        "class": "myproj.tasks.models.Classifier", "n_classes": 3,
        "encoder": {"class": "myproj.models.Encoder", "dim": 8},
        "head": {"class": "myproj.tasks.models.Head", "out_features": 3, "activation": None}}
    assert received["models_modules"] == ["myproj.tasks.models"]


def test_a_saved_config_reloads_from_another_folder_with_only_the_installed_package(installed, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    script = ("import json, sys; from myproj.hub import load_classifier;"
              " model = load_classifier(sys.argv[1]);"
              " print(json.dumps([type(model).__module__, model.n_classes, model.encoder.dim,"
              " model.head.out_features, 'tasks' in sys.modules]))")
    done = installed.python_run("-c", script, str(installed.exp("e1")), cwd=elsewhere)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == '["myproj.tasks.models", 3, 8, 3, false]'
