"""Issue 23, class 2: gin's lazy values. gin evaluates `%MACRO` only when the configurable whose
binding uses it is called: a feature config shared between models may leave a head's size to the
model configs that use that head. And (issue 25) the "never used" warning lists only bindings the
user can act on: not those of a stage a later config swapped out."""
from pathlib import Path

import pytest

from .installed_project import InstalledProject

CONFIGS = {
    "configs/base.gin": """
        execute_pipeline.tasks = [@load_data, @build_model, @report]
        include 'datasets/synthetic.gin'
        build_model.model = @Classifier()
        Classifier.encoder = @models.Encoder()
        include 'features/shared.gin'
        """,
    "configs/datasets/synthetic.gin": """
        load_data.reader = @read_synthetic
        read_synthetic.n = 3
        read_synthetic.duration = 0.5
        """,
    "configs/datasets/folder.gin": """
        load_data.reader = @read_folder
        read_folder.root = 'sounds'
        """,
    # shared by every model; only the models that use the head define its size
    "configs/features/shared.gin": """
        HEAD_DIM = %MODEL_DIM
        Head.out_features = %HEAD_DIM
        Head.activation = %ACTIVATION
        """,
    "configs/models/with_head.gin": """
        MODEL_DIM = 6
        ACTIVATION = 'relu'
        Classifier.head = @Head()
        """,
    "configs/models/head_no_size.gin": """
        ACTIVATION = 'relu'
        Classifier.head = @Head()
        """,
}


@pytest.fixture(scope="module")
def lazy(tmp_path_factory) -> InstalledProject:
    project = InstalledProject(tmp_path_factory.mktemp("lazy"))
    for name, text in CONFIGS.items():
        project.write(name, text)
    return project


def run(project, name, *configs):
    return project.cli("configs/base.gin", *configs, "--module_list", "configs/imports", "--experiment_name", name)


def test_an_undefined_macro_nothing_reaches_is_a_warning_at_its_line(lazy):
    done = run(lazy, "l1", "-q")
    assert done.returncode == 0, done.stderr
    out = done.stdout + done.stderr
    for line, text, macro in ((1, "HEAD_DIM = %MODEL_DIM", "MODEL_DIM"),
                              (3, "Head.activation = %ACTIVATION", "ACTIVATION")):
        assert (f"Macro %{macro} is not defined, but no task reaches `{text}` (configs/features/shared.gin,"
                f" line {line}): gin evaluates a macro only when its configurable is called, so the run goes"
                " on. Define it if a task should use that binding.") in out
    assert out.count("is not defined") == 2  # `%HEAD_DIM` is defined (as an undefined macro)
    assert "never used" not in out  # the head's settings are base.gin's include's, for other models
    assert lazy.received("l1")["model"]["head"] is None
    config, operative = lazy.saved("l1")
    assert "Head.out_features = %HEAD_DIM" in config and "HEAD_DIM = %MODEL_DIM" in config
    assert "Head." not in operative  # never called
    assert "not defined" in (lazy.exp("l1") / "logs" / "run.log").read_text()


def test_the_models_that_use_the_head_define_its_size(lazy):
    done = run(lazy, "l2", "configs/models/with_head.gin")
    assert done.returncode == 0, done.stderr
    assert "not defined" not in done.stdout + done.stderr
    assert lazy.received("l2")["model"]["head"] == {"class": "myproj.tasks.models.Head", "out_features": 6,
                                                   "activation": "relu"}


def test_an_undefined_macro_a_task_reaches_is_refused_before_running_at_its_line(lazy):
    done = run(lazy, "l3", "configs/models/head_no_size.gin")
    assert done.returncode == 2
    assert "error: Macro %MODEL_DIM is not defined." in done.stderr
    assert 'In file "configs/features/shared.gin", line 1:\n    HEAD_DIM = %MODEL_DIM' in done.stderr
    assert "Traceback" not in done.stderr and not lazy.exp("l3").exists()


def test_the_settings_of_a_swapped_out_stage_are_not_reported_as_unused(lazy):
    # --no-cache: a task taken from the cache calls nothing, and the check is skipped
    done = run(lazy, "l4", "configs/models/with_head.gin", "configs/datasets/folder.gin", "--no-cache")
    assert done.returncode == 0, done.stderr
    assert lazy.received("l4")["data"] == ["sounds/clip.wav"]
    out = done.stdout + done.stderr
    assert "never used" not in out and "read_synthetic" not in out
    # without the swap, the base config's reader settings are used, and so reported by nobody either
    assert lazy.received("l2")["data"] == ["synthetic-0", "synthetic-1", "synthetic-2"]


def test_a_dead_binding_in_the_users_own_file_is_reported(lazy):
    lazy.write("configs/mine.gin", """
        read_folder.extensions = ['.flac']
        valid/models.Encoder.dim = 3
        read_synthetic.n = 5
        """)
    done = run(lazy, "l5", "configs/models/with_head.gin", "configs/datasets/folder.gin", "configs/mine.gin",
               "--no-cache")
    assert done.returncode == 0, done.stderr
    assert lazy.received("l5")["data"] == ["sounds/clip.flac"]
    out = done.stdout + done.stderr
    # the typo'd scope is the user's to fix; `read_synthetic.n` configures the reader folder.gin swapped out
    assert ("1 binding(s) were never used: no task called their configurable: `valid/models.Encoder.dim = 3`"
            " (configs/mine.gin, line 2).") in out


def test_an_included_config_is_not_the_users_own_unless_named(lazy):
    Path(lazy.repo, "shared").mkdir(exist_ok=True)
    Path(lazy.repo, "shared", "team.gin").write_text("valid/models.Encoder.dim = 9\n")
    lazy.write("configs/team_run.gin", "include '../../shared/team.gin'\n")
    args = ("configs/models/with_head.gin", "configs/datasets/folder.gin")
    included = run(lazy, "l6", *args, "configs/team_run.gin", "--no-cache")
    assert included.returncode == 0, included.stderr
    assert "never used" not in included.stdout + included.stderr
    named = run(lazy, "l7", *args, "../shared/team.gin", "--no-cache")
    assert named.returncode == 0, named.stderr
    assert "`valid/models.Encoder.dim = 9` (../shared/team.gin, line 1)" in named.stdout + named.stderr
