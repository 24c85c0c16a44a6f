"""`ginpipe.config.registry.lookup`: what a dotted name is, read from the project's source without importing it."""
import sys

import pytest

from ginpipe.config.registry.lookup import Lookup
from ginpipe.config.registry.library_signatures import SignatureCache
from ginpipe.errors import ConfigError, Where


@pytest.fixture
def project(tmp_path, monkeypatch):
    package = tmp_path / "lookproj"
    package.mkdir()
    (package / "__init__.py").write_text("from .impl import fit\nfrom .impl import Model as Net\n")
    (package / "impl.py").write_text(
        "import os\nLIMIT = 3\n\n\ndef fit(state, lr: float = 0.1, name=None):\n    pass\n\n\n"
        "class Model:\n    def __init__(self, layers: int = 2):\n        pass\n\n\ndef _private():\n    pass\n")
    (package / "dynamic.py").write_text("def make():\n    return type('Made', (), {})\n\n\nMade = make()\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.chdir(tmp_path)
    yield Lookup(tmp_path, SignatureCache(tmp_path / "cache"))
    for name in [m for m in sys.modules if m.startswith("lookproj")]:
        del sys.modules[name]


def test_a_project_function_is_read_from_source_through_a_re_export(project):
    signature = project.object("lookproj.fit", None, "fit")
    assert (signature.module, signature.name, signature.kind, signature.parameters) == (
        "lookproj.impl", "fit", "function", ("state", "lr", "name"))
    assert (signature.annotations, signature.none_defaults) == ({"lr": "float"}, ("name",))
    assert signature.site[1] == "fit" and signature.site[0].endswith("lookproj/impl.py")
    assert "lookproj" not in sys.modules and "lookproj.impl" not in sys.modules


def test_an_alias_in_a_re_export_names_the_class_it_binds(project):
    signature = project.object("lookproj.Net", None, "Net")
    assert (signature.name, signature.kind, signature.parameters) == ("Model", "class", ("layers",))
    assert "lookproj.impl" not in sys.modules


def test_a_missing_name_is_none_or_an_error_naming_the_line(project):
    assert project.object("lookproj.impl.nothing", None, "nothing", must_exist=False) is None
    with pytest.raises(ConfigError) as caught:
        project.object("lookproj.impl.nothing", Where("c.gin", 4, "lookproj.impl.nothing.x = 1"),
                       "lookproj.impl.nothing")
    assert caught.value.where == Where("c.gin", 4, "lookproj.impl.nothing.x = 1")


def test_members_of_a_project_module_are_its_public_functions_and_classes(project):
    assert [(name, path) for name, path, _ in project.members("lookproj.impl")] == [
        ("fit", "lookproj.impl.fit"), ("Model", "lookproj.impl.Model")]
    assert "lookproj.impl" not in sys.modules


def test_a_module_whose_names_are_made_at_run_time_is_imported_to_be_sure(project):
    assert [name for name, _, _ in project.members("lookproj.dynamic")] == ["make", "Made"]
    assert "lookproj.dynamic" in sys.modules  # `Made = make()` could have been a class: asked live


def test_modules_are_told_from_objects(project):
    assert project.is_module("lookproj.impl") and not project.is_module("lookproj.impl.fit")
    assert not project.is_module("no_such_module_anywhere")
