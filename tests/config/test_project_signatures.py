"""Signatures read from the project's source give the checks the same answer as the imported object."""
import sys
import textwrap

import pytest

from ginpipe.config.registry.lookup import Lookup
from ginpipe.config.registry.library_signatures import SignatureCache
from ginpipe.config.registry.signature import signature_of_object
from ginpipe.config.registry.source_modules import Unsure

SOURCE = '''
from __future__ import annotations

import typing
from typing import Literal, Optional, Union

from .base import Base, Callable


def plain(state, n: int = 3, rate: float = 0.5, name: str = "x", flag: bool = False, extra=None):
    return state


def typed(state, *, mode: Literal["a", "b"] = "a", size: Optional[int] = None, either: Union[int, str] = 1,
          piped: int | None = None, anything: typing.Any = 0, quoted: "int" = 1, opaque: list[int] = ()):
    return state


def open_ended(state, **kwargs):
    return state


def positional_only(a, /, b, *, c=1):
    return a


def no_state():
    return 1


class WithInit:
    def __init__(self, width: int, depth: int = 2, note: str | None = None):
        self.width = width


class Inherits(Base):
    pass


class CallableTask(Callable):
    def __init__(self, k: int = 1):
        self.k = k


class NoInit:
    pass
'''

BASE = '''
class Base:
    def __init__(self, units: int, scale: float = 1.0):
        self.units = units


class Callable:
    def __call__(self, state):
        return state
'''

NAMES = ["plain", "typed", "open_ended", "positional_only", "no_state", "WithInit", "Inherits", "CallableTask",
         "NoInit"]


@pytest.fixture
def package(tmp_path, monkeypatch):
    root = tmp_path / "project"
    (root / "srcpkg").mkdir(parents=True)
    (root / "srcpkg" / "__init__.py").write_text("from .defs import WithInit as Reexported\n")
    (root / "srcpkg" / "defs.py").write_text(textwrap.dedent(SOURCE))
    (root / "srcpkg" / "base.py").write_text(textwrap.dedent(BASE))
    monkeypatch.syspath_prepend(str(root))
    monkeypatch.chdir(root)
    yield root
    for module in [m for m in sys.modules if m == "srcpkg" or m.startswith("srcpkg.")]:
        del sys.modules[module]


@pytest.mark.parametrize("name", NAMES)
def test_source_and_import_agree(package, tmp_path, name):
    lookup = Lookup(cache=SignatureCache(tmp_path / "cache"))
    from_source = lookup.object(f"srcpkg.defs.{name}", None, name)
    assert "srcpkg.defs" not in sys.modules  # read from the file
    import srcpkg.defs
    live = signature_of_object(getattr(srcpkg.defs, name))
    assert from_source == live


def test_a_reexport_is_followed_to_its_definition(package, tmp_path):
    signature = Lookup(cache=SignatureCache(tmp_path / "cache")).object("srcpkg.Reexported", None, "Reexported")
    assert (signature.module, signature.name, signature.parameters) == ("srcpkg.defs", "WithInit",
                                                                       ("width", "depth", "note"))
    assert "srcpkg.defs" not in sys.modules


def test_what_the_source_cannot_say_is_imported(package, tmp_path):
    (package / "srcpkg" / "made.py").write_text("def _factory():\n    def made(x, y=1):\n        return x\n"
                                                "    return made\n\nmade = _factory()\n")
    signature = Lookup(cache=SignatureCache(tmp_path / "cache")).object("srcpkg.made.made", None, "made")
    assert signature.parameters == ("x", "y") and "srcpkg.made" in sys.modules


def test_a_decorated_function_is_unsure(package):
    from ginpipe.config.registry.source_modules import find_module
    from ginpipe.config.registry.project_signatures import read_tree, signature_from_source, top_level_binding
    (package / "srcpkg" / "deco.py").write_text("import functools\n\n@functools.lru_cache\ndef f(x):\n    return x\n")
    located = find_module("srcpkg.deco")
    node = top_level_binding(read_tree(located), "f")
    with pytest.raises(Unsure):
        signature_from_source(located, node, None)


@pytest.mark.parametrize("source, readable", [
    ("from ginpipe.io import declares_metrics\n\n@declares_metrics(lambda **_: ['acc'])\ndef f(state, k=1):\n"
     "    return state\n", True),
    ("import ginpipe.io\n\n@ginpipe.io.declares_metrics()\ndef f(state, k=1):\n    return state\n", True),
    ("from ginpipe import io\n\n@io.declares_metrics()\ndef f(state, k=1):\n    return state\n", True),
    # a decorator of the same name that is not ginpipe's may replace the function: imported to know
    ("def declares_metrics(f):\n    return lambda *a: f\n\n@declares_metrics\ndef f(state, k=1):\n"
     "    return state\n", False),
    ("from ginpipe.io import declares_metrics\nimport functools\n\n@declares_metrics()\n@functools.cache\n"
     "def f(state, k=1):\n    return state\n", False),
])
def test_ginpipes_metric_declaration_keeps_a_task_readable_from_source(package, tmp_path, source, readable):
    """`@declares_metrics` returns the task itself: its signature is read from source, no import (so a
    decorated reference task keeps `--dry-run` and typo answers free of torch)."""
    (package / "srcpkg" / "declared.py").write_text(source)
    signature = Lookup(cache=SignatureCache(tmp_path / "cache")).object("srcpkg.declared.f", None, "f")
    assert ("srcpkg.declared" not in sys.modules) is readable
    import srcpkg.declared
    assert signature == signature_of_object(srcpkg.declared.f)  # what an import gives, either way
