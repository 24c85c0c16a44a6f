"""`ginpipe.config.text.import_lists`: GinPipe's `--module_list` files, each line checked where it is read."""
import pytest

from ginpipe.config.text.import_lists import parse_module_list, read_module_list
from ginpipe.errors import ConfigError, Where


def test_modules_and_single_objects_get_their_alias_and_comments_are_skipped(tmp_path):
    (tmp_path / "imports").write_text("# the project's names\nfractions: fr\n\nstatistics.mean: mean  # one object\n")
    assert read_module_list(str(tmp_path / "imports")) == {"fr": "fractions", "mean": "statistics.mean"}


@pytest.mark.parametrize("line", ["fractions", "fractions:", ": fr", "a b: c", "fractions: f r"])
def test_a_malformed_line_names_its_file_line_and_an_example(line):
    with pytest.raises(ConfigError) as caught:
        parse_module_list(f"statistics: st\n{line}\n", "imports")
    assert (caught.value.message, caught.value.where, caught.value.hint) == (
        "Malformed import-list line: expected `python.module: alias`.", Where("imports", 2, line),
        "For example `torch.optim: optim` or `mypkg.tasks: tasks`.")


def test_a_target_that_does_not_exist_is_refused_at_its_line():
    with pytest.raises(ConfigError) as caught:
        parse_module_list("fractions.NoSuchThing: thing\n", "imports")
    assert caught.value.where == Where("imports", 1, "fractions.NoSuchThing: thing")


def test_a_missing_list_says_what_to_pass(tmp_path):
    with pytest.raises(ConfigError) as caught:
        read_module_list(str(tmp_path / "nope"))
    assert str(caught.value) == (f"Import list {tmp_path / 'nope'} does not exist.\n"
                                 "Pass an existing file to --module_list (GinPipe's `configs/imports`).")
