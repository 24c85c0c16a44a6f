"""`ginpipe.config.text.syntax`: GinPipe's additions become plain gin text, every line mapped to its origin."""
import pytest

from ginpipe.config.text.syntax import EXPRESSION_PLACEHOLDER, expand
from ginpipe.errors import ConfigError, Where


def test_plain_gin_passes_through_with_each_line_mapped():
    source = expand("a.b = 1\n\nc.d = 'x'  # note\n", "c.gin")
    assert source.text == "a.b = 1\n\nc.d = 'x'  # note\n"
    assert source.where(3) == Where("c.gin", 3, "c.d = 'x'  # note")
    assert source.where(99) == source.where(3)
    assert expand("", "e.gin").where(1) == Where("<empty>", 0)


def test_initial_state_lines_are_taken_out_keeping_the_line_numbers_below():
    source = expand("$seed = 3\n$tags = ['a',\n  'b']\n$tags += ['c']\n$path = some/where\nx.y = 1\n", "c.gin")
    assert [(k, v, w.line) for k, v, w in source.initial_state] == [
        ("seed", 3, 1), ("tags", ["a", "b"], 2), ("tags", ["c"], 4), ("path", "some/where", 5)]
    assert source.state_appends == {2}
    assert source.text.splitlines()[5] == "x.y = 1" and source.where(6).line == 6


def test_appends_become_bindings_and_their_lines_are_remembered():
    source = expand("x.y = [1]\nx.y += [2]\n", "c.gin")
    assert source.text == "x.y = [1]\nx.y = [2]\n"
    assert source.appends == {2}


def test_expressions_become_placeholders_outside_comments_only():
    source = expand("x.y = $(%D * (2 + 1))  # $(not me)\n", "c.gin")
    (placeholder, (expression, where)), = source.expressions.items()
    assert EXPRESSION_PLACEHOLDER.match(placeholder)
    assert (expression, where.line) == ("%D * (2 + 1)", 1)
    assert source.text == f"x.y = '{placeholder}'  # $(not me)\n"


def test_an_unclosed_expression_names_its_line():
    with pytest.raises(ConfigError) as caught:
        expand("a.b = 1\nx.y = $(%D * 2\n", "c.gin")
    assert str(caught.value) == ('`$(` has no matching `)`.\nIn file "c.gin", line 2:\n    x.y = $(%D * 2\n'
                                 "Close the expression: `$(%A * 2)`.")


def test_sweep_and_search_blocks_are_kept_aside():
    source = expand("!sweep:\n  m.n = [1, 2]\n  # a comment\n\n!search:\n  m.lr = uniform(0, 1)\nx.y = 1\n", "c.gin")
    assert [(n, v, w.line) for n, v, w in source.sweeps] == [("m.n", "[1, 2]", 2)]
    assert [(n, v, w.line) for n, v, w in source.searches] == [("m.lr", "uniform(0, 1)", 6)]
    assert source.text == "x.y = 1\n" and source.where(1).line == 7


def test_a_block_line_without_equals_is_an_error_with_an_example():
    with pytest.raises(ConfigError) as caught:
        expand("!sweep:\n  m.n [1, 2]\n", "c.gin")
    assert str(caught.value) == ('Expected `name.param = [values]` inside `!sweep:`.\nIn file "c.gin", line 2:\n'
                                 "    m.n [1, 2]\nWrite e.g. `Resnet.n_layers = [8, 14, 20]`.")


def test_a_template_is_pasted_with_its_placeholders_filled_and_its_own_lines(tmp_path):
    (tmp_path / "block.gin").write_text("{name}.units = {units}\n")
    source = expand("!load_template:\n  template = 'block.gin'\n  name = 'Dense'\n  units = 64\nx.y = 1\n",
                    str(tmp_path / "c.gin"), tmp_path)
    assert source.text == "Dense.units = 64\nx.y = 1\n"
    assert source.where(1) == Where(str(tmp_path / "block.gin"), 1, "Dense.units = 64")


def test_a_template_placeholder_without_a_value_names_the_template_line(tmp_path):
    (tmp_path / "block.gin").write_text("# {ignored}\n{name}.units = {units}\n")
    with pytest.raises(ConfigError) as caught:
        expand("!load_template:\n  template = 'block.gin'\n  name = 'D'\n", "c.gin", tmp_path)
    assert str(caught.value) == (
        "The template uses the placeholder `{units}`, which the `!load_template:` block at c.gin, line 1 does"
        f' not give (it gives: name).\nIn file "{tmp_path / "block.gin"}", line 2:\n    {{name}}.units = {{units}}\n'
        "Add a line `units = 'value'` to that block.")


def test_a_missing_template_or_template_line_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="^`!load_template:` needs a `template = 'file.gin'` line."):
        expand("!load_template:\n  name = 'D'\n", "c.gin", tmp_path)
    with pytest.raises(ConfigError) as caught:
        expand("!load_template:\n  template = 'nope.gin'\n", "c.gin", tmp_path)
    assert str(caught.value) == (f"Template file {tmp_path / 'nope.gin'} does not exist.\n"
                                 "In file \"c.gin\", line 2:\n    template = 'nope.gin'\n"
                                 "Template paths are relative to the config file that loads them.")


def test_a_template_that_loads_itself_stops_with_a_message(tmp_path):
    (tmp_path / "self.gin").write_text("!load_template:\n  template = 'self.gin'\n")
    with pytest.raises(ConfigError, match=r"^`!load_template:` nests more than 20 deep"):
        expand((tmp_path / "self.gin").read_text(), str(tmp_path / "self.gin"), tmp_path)
