"""`ginpipe.errors`: how a user's error reads: what, where (file and line, or the flag's item), the fix."""
from ginpipe.errors import ConfigError, Where, did_you_mean


def test_a_place_in_a_file_or_a_flag_item_reads_as_such():
    assert str(Where("c.gin", 3, "  a.b = 1 ")) == 'In file "c.gin", line 3:\n    a.b = 1'
    assert str(Where("--mods", 2, "X=1")) == "In --mods item 2:\n    X=1"
    assert str(Where("c.gin", 3)) == 'In file "c.gin", line 3'


def test_an_error_renders_message_place_and_hint_in_that_order():
    error = ConfigError("Bad value.", Where("c.gin", 1, "a.b = 'x'"), "Use a number.")
    assert str(error) == "Bad value.\nIn file \"c.gin\", line 1:\n    a.b = 'x'\nUse a number."
    assert str(ConfigError("Bad value.")) == "Bad value."


def test_did_you_mean_offers_the_closest_names_or_nothing():
    assert did_you_mean("n_layer", ["n_layers", "lr", "n_layers", "layers"]) == " Did you mean `n_layers` or `layers`?"
    assert did_you_mean("zzz", ["n_layers"]) == ""
