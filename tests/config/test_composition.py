"""`ginpipe.config.text.composition`: files then `--mods`, in order, read by gin's parser, nothing imported."""
import sys

import pytest

from ginpipe.config.text.composition import compose
from ginpipe.config.text.values import MacroRef, Ref
from ginpipe.errors import ConfigError, Where


@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_files_then_mods_in_order_with_where_each_came_from(folder):
    (folder / "a.gin").write_text("m.Model.layers = 2\nSEED = 1\n")
    (folder / "b.gin").write_text("\nm.Model.act = @relu\ntrain/m.fit.model = @m.Model()\n")
    composition = compose(["a.gin", "b.gin"], ["m.Model.layers=4", "SEED = %OTHER"])
    assert [(b.scope, b.selector, b.arg, b.value, b.where.file, b.where.line) for b in composition.bindings] == [
        ("", "m.Model", "layers", 2, "a.gin", 1), ("", "SEED", "", 1, "a.gin", 2),
        ("", "m.Model", "act", Ref("relu", False), "b.gin", 2),
        ("train", "m.fit", "model", Ref("m.Model", True), "b.gin", 3),
        ("", "m.Model", "layers", 4, "--mods", 1), ("", "SEED", "", MacroRef("OTHER"), "--mods", 2)]
    assert composition.macros()["SEED"].value == MacroRef("OTHER")
    assert composition.names() == [("m.Model", Where("a.gin", 1, "m.Model.layers = 2")),
                                   ("m.Model", Where("b.gin", 2, "m.Model.act = @relu")),
                                   ("relu", Where("b.gin", 2, "m.Model.act = @relu")),
                                   ("m.fit", Where("b.gin", 3, "train/m.fit.model = @m.Model()")),
                                   ("m.Model", Where("b.gin", 3, "train/m.fit.model = @m.Model()")),
                                   ("m.Model", Where("--mods", 1, "m.Model.layers=4"))]
    assert composition.files == ["a.gin", "b.gin"]


def test_includes_resolve_from_the_including_file_and_imports_are_only_recorded(folder):
    (folder / "configs" / "parts").mkdir(parents=True)
    (folder / "configs" / "parts" / "model.gin").write_text("m.Model.layers = 3\n")
    (folder / "configs" / "main.gin").write_text(
        "include 'parts/model.gin'\nimport some.unknown.package\nimport numpy.linalg as la\n"
        "from os import path\nimport __gin__.dynamic_registration\n$seed = 3\n")
    composition = compose(["configs/main.gin"])
    assert composition.files == ["configs/main.gin", "configs/parts/model.gin"]
    assert composition.bindings[0].where == Where("configs/parts/model.gin", 1, "m.Model.layers = 3")
    assert composition.packages == ["some.unknown.package"] and "some.unknown" not in sys.modules
    assert composition.aliases == {"la": "numpy.linalg", "path": "os.path"}
    assert [(k, v, w.line) for k, v, w in composition.initial_state] == [("seed", 3, 6)]


def test_state_appends_across_files_extend_the_list(folder):
    (folder / "a.gin").write_text("$tags = ['a']\n")
    (folder / "b.gin").write_text("$tags += ['b']\n")
    assert [v for _, v, _ in compose(["a.gin", "b.gin"]).initial_state] == [["a"], ["a", "b"]]
    (folder / "c.gin").write_text("$tags = 'x'\n$tags += ['b']\n")
    with pytest.raises(ConfigError) as caught:
        compose(["c.gin"])
    assert str(caught.value) == ("`$tags +=` appends a list to a list, but `$tags` is 'x' and the value added is"
                                 " ['b'].\nIn file \"c.gin\", line 2:\n    $tags += ['b']\n"
                                 "Write e.g. `$tags += ['model']` after `$tags = [...]`.")


def test_a_missing_file_suggests_a_close_name(folder):
    (folder / "base.gin").write_text("")
    with pytest.raises(ConfigError) as caught:
        compose(["bsae.gin"])
    assert str(caught.value) == "Config file bsae.gin does not exist.\nDid you mean `base.gin`?"
    (folder / "inc.gin").write_text("\ninclude 'nope.gin'\n")
    with pytest.raises(ConfigError) as caught:
        compose(["inc.gin"])
    assert str(caught.value) == ("Config file nope.gin does not exist.\nIn file \"inc.gin\", line 2:\n"
                                 "    include 'nope.gin'\nDid you mean `inc.gin` or `base.gin`?")


def test_a_syntax_error_names_the_file_and_line(folder):
    (folder / "c.gin").write_text("a.b = 1\n\na.c = = 2\n")
    with pytest.raises(ConfigError) as caught:
        compose(["c.gin"])
    assert caught.value.where == Where("c.gin", 3, "a.c = = 2")
    assert caught.value.message.startswith("Syntax error: ")
    (folder / "d.gin").write_text("a.b = [1,\n")
    with pytest.raises(ConfigError) as caught:
        compose(["d.gin"])
    assert caught.value.hint == "Check for an unclosed bracket or quote, or wrong indentation."


def test_a_mod_that_is_not_a_binding_names_its_item(folder):
    with pytest.raises(ConfigError) as caught:
        compose([], ["a.b=1", "layers 4"])
    assert str(caught.value) == ("Mod `layers 4` is not a binding: expected `name.param=value` or `MACRO=value`.\n"
                                 "In --mods item 2:\n    layers 4\nFor example: --mods \"Resnet.n_layers=20\" SEED=3")
    with pytest.raises(ConfigError) as caught:
        compose([], ["a.b = [1"])
    assert caught.value.where == Where("--mods", 1, "a.b = [1")


def test_a_file_that_includes_itself_stops_with_a_message(folder):
    (folder / "loop.gin").write_text("include 'loop.gin'\n")
    with pytest.raises(ConfigError,
                       match=r"^`include` nests more than 30 deep at .*loop\.gin \(a file includes itself\?\)\."):
        compose(["loop.gin"])
