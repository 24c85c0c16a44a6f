"""`code_digest`: the key a cache of an object's results needs beside its settings."""
from __future__ import annotations

import importlib
import sys
import textwrap

import pytest

from ginpipe.io import code_digest


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A package `proj` in a working folder: an extractor class calling a helper in another module."""
    (tmp_path / "proj").mkdir()
    (tmp_path / "proj" / "__init__.py").write_text("")
    (tmp_path / "proj" / "helpers.py").write_text("def scale(x):\n    return x + 1\n")
    (tmp_path / "proj" / "extra.py").write_text(textwrap.dedent("""\
        from proj.helpers import scale

        FACTOR = 2

        class LogSpec:
            def __call__(self, x):
                return scale(x) * FACTOR

        def unrelated():
            return 1
        """))
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    yield tmp_path
    for name in [n for n in sys.modules if n == "proj" or n.startswith("proj.")]:
        del sys.modules[name]


def _digests():
    importlib.invalidate_caches()
    extra = importlib.import_module("proj.extra")
    return code_digest(extra.LogSpec()), code_digest(extra.LogSpec)


def _edit(path, old, new):
    path.write_text(path.read_text().replace(old, new))


def test_an_instance_and_its_class_have_one_digest(project):
    instance, cls = _digests()
    assert instance == cls


def test_editing_the_class_a_helper_or_a_constant_changes_it(project):
    first, _ = _digests()
    _edit(project / "proj" / "helpers.py", "x + 1", "x + 3")
    second, _ = _digests()
    _edit(project / "proj" / "extra.py", "FACTOR = 2", "FACTOR = 3")
    third, _ = _digests()
    _edit(project / "proj" / "extra.py", "* FACTOR", "* FACTOR * 1")
    fourth, _ = _digests()
    assert len({first, second, third, fourth}) == 4


def test_editing_an_unrelated_function_or_a_comment_changes_nothing(project):
    first, _ = _digests()
    _edit(project / "proj" / "extra.py", "return 1", "return 2  # another value")
    assert _digests()[0] == first


def test_a_library_class_is_keyed_on_its_distribution_version():
    import gin
    assert code_digest(gin.config.ParsedBindingKey) == code_digest(gin.config.ParsedBindingKey)
    assert code_digest(gin.config.ParsedBindingKey) != code_digest(gin.config.ParsedConfigFileIncludesAndImports)
