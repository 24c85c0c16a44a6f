"""GinPipe projects run unchanged through the real `ginpipe` command; each test checks what the
tasks received (every binding, on the object built) and the initial state, not just the exit code."""
import json
import subprocess
import sys


def run_base(project, name="e1", *extra):
    return project.cli("configs/base.gin", "configs/datasets/extra.gin", "--module_list", "configs/imports",
                       "--experiment_name", name, *extra)


def test_installed_package_that_is_also_the_working_folder_runs_as_one_module(ginpipe_project):
    done = run_base(ginpipe_project, "e1", "--mods", "DictDataset.limit=5", "read_title.suffix='?'",
                    "$threshold=0.9", "$keys_not_saved += ['x']")
    assert done.returncode == 0, done.stderr
    received = ginpipe_project.received("e1")
    # `tasks.data` (import list), `myproj.tasks.data` (a binding) and the short name are one class
    assert received["tasks_data_modules"] == ["myproj.tasks.data", "tasks.data"]
    assert received["tasks_data_copies"] == 1
    assert received["dataset_is_the_installed_class"] is True
    # a binding through each of the three names reached the object, and --mods won over the file
    assert received["dataset"] == {"items": ["a", "b"], "transform": "strip", "limit": 5}
    # `=` then `+=` over two files, inside a `load_dataset:` block and over several lines, with a
    # single-object import-list line (`<alias>.<__name__>`) and a long name of a short one
    assert received["read"] == ["ab", "AB", "Ab?", "ab"]
    # scoped externals: `train/models.Loader`, `train/Loader` and `test/myproj.tasks.models.Loader`
    assert received["loaders"] == {"train": {"batch_size": 8, "shuffle": True},
                                   "test": {"batch_size": 2, "shuffle": False}}
    assert received["model"] == {"width": 16, "depth": 3}  # a block in each file, the later wins
    # `$key = [...]`, then `$key += [...]` (over two lines) in the next file and in --mods
    assert received["initial"] == {"keys_not_saved": ["loaders", "datasets", "dataloaders", "x"],
                                   "threshold": 0.9}
    assert received["keys"] == ["dataset", "keys_not_saved", "loaders", "model", "output_dir", "read", "threshold"]
    state = ginpipe_project.exp("e1") / "state"
    assert not list(state.rglob("loaders.*")), "keys_not_saved must not be written"
    assert list(state.rglob("model.*")) and list(state.rglob("dataset.*"))
    # `ginpipe.core.execute_pipeline.tasks` and `execute_pipeline.tasks +=` are one task list
    assert [t["label"] for t in ginpipe_project.run_json("e1")["tasks"]] == [
        "01-load_dataset", "02-make_loaders", "03-build_model", "04-report"]


def test_import_list_names_are_gin_names_as_in_ginpipe(ginpipe_project):
    assert run_base(ginpipe_project).returncode == 0
    config = (ginpipe_project.exp("e1") / "config.gin").read_text()
    # GinPipe registered an import list's members under the alias, and a one-object line as
    # `<alias>.<__name__>`; saved configs (and hub loaders reading them) use those names
    assert "build_model.model = @models.Model()" in config
    assert "@data.load_dataset," in config and "@readers.read_upper.read_upper," in config
    assert "make_loaders.train = @train/models.Loader()" in config


def test_hub_loader_rebuilds_the_model_with_ginpipe_core(ginpipe_project):
    assert run_base(ginpipe_project, "e1", "--mods", "models.Model.width=32").returncode == 0
    script = ("import json, sys; from myproj.tasks.hub import load_model;"
              " model, versions = load_model(sys.argv[1]);"
              " print(json.dumps([type(model).__module__, vars(model), versions]))")
    done = subprocess.run([sys.executable, "-c", script, "experiments/my_project/e1"], cwd=ginpipe_project.root,
                          capture_output=True, text=True, env={**__import__("os").environ, **ginpipe_project.env()})
    assert done.returncode == 0, done.stderr
    module, model, versions = json.loads(done.stdout.splitlines()[-1])
    assert (module, model) == ("myproj.tasks.models", {"width": 32, "depth": 3})
    assert versions == {"myproj.tasks.models": "0.4.2"}  # GinPipe's result: each module's __version__


def test_a_second_copy_of_a_file_is_an_error_not_a_silent_split(ginpipe_project):
    ginpipe_project.write("tasks/by_path.py", '''
        """Loads data.py again by its path, as GinPipe's own import_module did for local folders."""
        import importlib.util
        import sys
        from pathlib import Path

        from . import data  # imported under its own name first: what follows is a second copy

        spec = importlib.util.spec_from_file_location("datacopy", Path(__file__).with_name("data.py"))
        datacopy = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(datacopy)
        sys.modules["datacopy"] = datacopy
        ''')
    ginpipe_project.write("configs/imports_copy", "tasks.by_path: by_path\n")
    ginpipe_project.write("configs/copy.gin", """
        # the copy made by tasks/by_path.py
        datacopy.DictDataset.limit = 9
        """)
    done = ginpipe_project.cli("configs/base.gin", "configs/datasets/extra.gin", "configs/copy.gin",
                               "--module_list", "configs/imports", "configs/imports_copy",
                               "--experiment_name", "copy")
    assert done.returncode == 2
    assert "`datacopy.DictDataset` are two different objects made from one definition" in done.stderr
    assert 'configs/copy.gin", line 2' in done.stderr
    assert not ginpipe_project.exp("copy").exists()


def test_a_missing_submodule_of_an_installed_package_is_not_a_package_to_install(ginpipe_project):
    ginpipe_project.write("tasks/old.py", """
        from ginpipe.nothere import gin_configure_externals


        def legacy(state):
            return state
        """)
    ginpipe_project.write("configs/old.gin", "execute_pipeline.tasks += [@legacy]\n")
    done = ginpipe_project.cli("configs/base.gin", "configs/datasets/extra.gin", "configs/old.gin",
                               "--module_list", "configs/imports")
    assert done.returncode == 2
    assert "`ginpipe` is installed but `ginpipe` has no module `nothere`" in done.stderr
    assert "uv add" not in done.stderr


def test_state_append_with_nothing_earlier_is_a_plain_set(ginpipe_project):
    ginpipe_project.write("configs/only_append.gin", "$keys_not_saved += ['model']\n")
    done = ginpipe_project.cli("configs/only_append.gin", "configs/base.gin", "configs/datasets/extra.gin",
                               "--module_list", "configs/imports", "--experiment_name", "a")
    assert done.returncode == 0, done.stderr
    # base.gin's `$keys_not_saved = [...]` comes later and replaces it, as in GinPipe
    assert ginpipe_project.received("a")["initial"]["keys_not_saved"] == ["loaders", "datasets", "dataloaders"]
    ginpipe_project.write("configs/state_mod.gin", "$keys_not_saved += 'model'\n")
    done = ginpipe_project.cli("configs/base.gin", "configs/state_mod.gin", "--module_list", "configs/imports")
    assert done.returncode == 2
    assert "`$keys_not_saved +=` appends a list to a list" in done.stderr
    assert 'configs/state_mod.gin", line 1' in done.stderr


def test_setup_gin_gives_ginpipes_first_state(ginpipe_project):
    script = """
import json
import gin
from pathlib import Path
from ginpipe.core import setup_gin
flags = {"config_path": ["configs/base.gin", "configs/datasets/extra.gin"], "mods": ["DictDataset.limit=7"],
         "module_list": ["configs/imports"], "experiment_name": "s", "project_name": "p"}
state = setup_gin(flags)
print(json.dumps({"output_dir": state.output_dir, "versions": state.library_versions,
                  "keys_not_saved": state.keys_not_saved, "module_list_str": state.flags["module_list_str"],
                  "saved": Path(state.output_dir, "config.gin").read_text() == state.config_str,
                  "limit": gin.query_parameter("DictDataset.limit")}))
"""
    done = subprocess.run([sys.executable, "-c", script], cwd=ginpipe_project.root, capture_output=True, text=True,
                          env={**__import__("os").environ, **ginpipe_project.env()})
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.splitlines()[-1]) == {
        "output_dir": "experiments/p/s", "versions": {"myproj.tasks.models": "0.4.2"},
        "keys_not_saved": ["loaders", "datasets", "dataloaders"],
        "module_list_str": ("tasks.data: data\nmyproj.tasks.models: models\n"
                            "myproj.tasks.readers.read_upper: readers.read_upper\n"),
        "saved": True, "limit": 7}


def test_a_comment_is_a_comment(ginpipe_project):
    ginpipe_project.write("configs/comments.gin", """
        # width was $(%HIDDEN * 2 in an old version; += [@x] and $keys_not_saved = [] are only text here
        models.Model.width = $(4 * 8)  # not $( this either
        """)
    done = ginpipe_project.cli("configs/base.gin", "configs/datasets/extra.gin", "configs/comments.gin",
                               "--module_list", "configs/imports", "--experiment_name", "c")
    assert done.returncode == 0, done.stderr
    received = ginpipe_project.received("c")
    assert received["model"]["width"] == 32
    assert received["initial"]["keys_not_saved"] == ["loaders", "datasets", "dataloaders"]


def test_a_binding_no_task_used_is_reported(ginpipe_project):
    ginpipe_project.write("configs/unused.gin", """
        read_title.suffix = '!'
        valid/models.Loader.batch_size = 3
        """)
    args = ("configs/base.gin", "configs/unused.gin", "--module_list", "configs/imports", "--experiment_name", "u")
    done = ginpipe_project.cli(*args)
    assert done.returncode == 0, done.stderr
    out = done.stdout + done.stderr
    assert "2 binding(s) were never used" in out
    assert "`read_title.suffix = '!'` (configs/unused.gin, line 1)" in out
    assert "`valid/models.Loader.batch_size = 3` (configs/unused.gin, line 2)" in out
    assert "train/models.Loader" not in out.split("never used")[1]  # used bindings are not listed
    again = ginpipe_project.cli(*args)
    assert again.returncode == 0 and "never used" not in again.stdout + again.stderr  # cached: unknown
