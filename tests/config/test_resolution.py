"""`ginpipe.config.resolution`: one canonical selector per object, `+=` merged, macros and `$()` final."""
import pytest

from ginpipe.config.text.composition import compose
from ginpipe.config.registry.registration import Registry
from ginpipe.config.resolution import resolve
from ginpipe.config.text.values import MacroRef, Ref
from ginpipe.errors import ConfigError
from tests.support.config_project import MODULE


@pytest.fixture
def resolved(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    (tmp_path / "checked_tasks.py").write_text(MODULE)

    def make(text: str, predefined=None):
        (tmp_path / "c.gin").write_text(text)
        composition = compose(["c.gin"])
        registry = Registry(aliases=dict(composition.aliases), packages=list(composition.packages), root=tmp_path)
        return resolve(composition, registry, predefined or {})
    return make


def test_an_alias_and_a_dotted_path_to_one_object_share_one_selector(resolved):
    config = resolved("import checked_tasks as ct\nct.fit.lr = 0.5\nchecked_tasks.fit.n_layers = 4\n"
                      "x = @checked_tasks.Head()\n")
    assert [(b.selector, b.arg, b.value) for b in config.bindings] == [
        ("ct.fit", "lr", 0.5), ("ct.fit", "n_layers", 4), ("x", "", Ref("checked_tasks.Head", True))]
    assert sorted(config.signatures) == ["checked_tasks.Head", "ct.fit"]
    assert config.value("ct.fit", "n_layers") == 4
    assert config.binding("ct.fit", "lr").where.line == 2
    assert config.binding("ct.fit", "name") is None
    with pytest.raises(KeyError):
        config.value("ct.fit", "name")


def test_appends_extend_the_earlier_list_and_a_first_append_is_a_plain_binding(resolved):
    config = resolved("checked_tasks.helper.x += [0]\nchecked_tasks.helper.x += [1]\nchecked_tasks.helper.x += (2,)\n")
    assert [b.value for b in config.bindings] == [[0], [0, 1], [0, 1, 2]]
    assert config.value("checked_tasks.helper", "x") == [0, 1, 2]


def test_appending_to_a_value_that_is_not_a_list_names_both_lines(resolved):
    with pytest.raises(ConfigError) as caught:
        resolved("checked_tasks.helper.x = 3\n\nchecked_tasks.helper.x += [1]\n")
    assert str(caught.value) == ("`+=` appends to a list, but `checked_tasks.helper.x` is 3 (c.gin, line 1).\n"
                                 'In file "c.gin", line 3:\n    checked_tasks.helper.x += [1]\n'
                                 "Bind a list first (`x = [...]`) or use `=` to replace the value.")
    with pytest.raises(ConfigError, match=r"^`\+=` needs a list on its right, got 2\."):
        resolved("checked_tasks.helper.x = [1]\nchecked_tasks.helper.x += 2\n")


def test_macros_follow_references_and_predefined_ones_yield_to_the_config(resolved):
    config = resolved("A = %B\nB = %C\nC = 3\nOUTPUT_DIR = 'mine'\n", {"OUTPUT_DIR": "o", "PROJECT_NAME": "p"})
    assert config.macros == {"PROJECT_NAME": "p", "A": 3, "B": 3, "C": 3, "OUTPUT_DIR": "mine"}
    assert config.bindings[1].value == MacroRef("B")  # bindings keep the reference; gin follows it
    assert config.bindings[0].where.file == "<ginpipe>"


def test_a_macro_that_refers_to_itself_is_an_error_naming_its_line(resolved):
    with pytest.raises(ConfigError) as caught:
        resolved("A = %B\nB = %A\n")
    assert str(caught.value) == 'Macro %A refers to itself.\nIn file "c.gin", line 1:\n    A = %B'


def test_expressions_are_computed_from_the_final_macros_in_values_and_macros(resolved):
    config = resolved("checked_tasks.helper.x = [$(%D * 2), $(%H)]\nH = $(%D / 2)\nD = 4\nD = 8\n")
    assert config.value("checked_tasks.helper", "x") == [16, 4.0]
    assert config.macros["H"] == 4.0


def test_an_expression_that_cannot_be_computed_names_its_line(resolved):
    with pytest.raises(ConfigError) as caught:
        resolved("D = 'x'\nchecked_tasks.helper.x = [$(%D + 1)]\n")
    assert str(caught.value) == ("`$(%D + 1)` uses macro %D = 'x', which is not a number.\n"
                                 'In file "c.gin", line 2:\n    checked_tasks.helper.x = [$(%D + 1)]')
