"""Issue 23, class 3: gin's partial matching. gin finds a configurable by any dotted suffix of its
registered name when that suffix is unique, and an exact name wins; an alias prefix that leads
nowhere (`models`, which names `myproj.models`) does not end the search."""
import pytest

from .installed_project import InstalledProject

IMPORTS = """
    myproj.models: models
    myproj.tasks.models : tasks.models
    myproj.tasks.utils: myproj.tasks.utils
    tasks.models: tm
    """
EVALUATE = """
    execute_pipeline.tasks = [@myproj.tasks.utils.set_seed, @models.test_model, @eval/tm.test_model, @report]
    eval/models.test_model.batch_size = 4
    """


@pytest.fixture(scope="module")
def aliased(tmp_path_factory) -> InstalledProject:
    project = InstalledProject(tmp_path_factory.mktemp("aliased"))
    project.write("configs/imports_aliases", IMPORTS)
    project.write("configs/evaluate.gin", EVALUATE)
    return project


def run(project, name, *extra):
    return project.cli("configs/evaluate.gin", "--module_list", "configs/imports_aliases",
                       "--experiment_name", name, *extra)


def test_a_suffix_past_an_alias_that_leads_nowhere_is_found_as_gin_finds_it(aliased):
    done = run(aliased, "p1", "--mods", "models.test_model.test_partition='train'")
    assert done.returncode == 0, done.stderr
    # `models.test_model` is `tasks.models.test_model` (myproj.models has none), in both scopes;
    # `tm` names the same module through the working folder's name: one configurable
    assert aliased.received("p1")["tested"] == [{"test_partition": "train", "batch_size": 1},
                                                {"test_partition": "train", "batch_size": 4}]
    for text in aliased.saved("p1"):
        text = " ".join(text.replace("\\\n", " ").split())
        assert "@tasks.models.test_model, @eval/tasks.models.test_model," in text
        assert "test_model.test_partition = 'train'" in text
        assert "eval/test_model.batch_size = 4" in text
    # the task list names the function by its module, imported once, under its installed name
    assert [t["task"] for t in aliased.run_json("p1")["tasks"]][1:3] == ["myproj.tasks.models.test_model"] * 2


def test_an_exact_name_wins_over_a_longer_one_and_calls_reach_it(aliased):
    aliased.write("configs/model.gin", """
        execute_pipeline.tasks = [@build_model, @report]
        build_model.model = @tm.Classifier()
        Classifier.encoder = @models.Encoder()  # exact: myproj.models.Encoder
        models.Encoder.dim = 5
        """)
    done = aliased.cli("configs/model.gin", "--module_list", "configs/imports_aliases", "--experiment_name", "p2")
    assert done.returncode == 0, done.stderr
    assert aliased.received("p2")["model"]["encoder"] == {"class": "myproj.models.Encoder", "dim": 5}
    config = aliased.saved("p2")[0]
    assert "build_model.model = @tm.Classifier()" in config  # as the config named it
    assert "Classifier.encoder = @models.Encoder()" in config


def test_an_ambiguous_suffix_is_an_error_listing_the_candidates(aliased):
    aliased.write("configs/ambiguous.gin", "describe.verbose = True\n")
    done = aliased.cli("configs/evaluate.gin", "configs/ambiguous.gin", "--module_list", "configs/imports_aliases",
                       "--experiment_name", "p3")
    assert done.returncode == 2
    assert "`describe` is ambiguous: it could be `models.describe`, `tasks.models.describe`." in done.stderr
    assert 'In file "configs/ambiguous.gin", line 1' in done.stderr
    assert "Write the longer name, e.g. `@models.describe`." in done.stderr
    assert "Traceback" not in done.stderr and not aliased.exp("p3").exists()


def test_a_name_no_suffix_matches_still_names_the_alias_it_tried(aliased):
    done = run(aliased, "p4", "--mods", "models.test_modle.test_partition='train'")
    assert done.returncode == 2
    assert "`myproj.models` has no `test_modle` (for `models.test_modle`)." in done.stderr
    assert "In --mods item 1" in done.stderr
