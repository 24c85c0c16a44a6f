"""`ginpipe.config.text.values`: references, macros, and the canonical text a cache key is made of."""
from ginpipe.config.text.values import MacroRef, Ref, canonical_text, map_leaves, walk


def test_references_print_as_written_and_know_their_selector():
    assert (repr(Ref("train/m.Model", True)), Ref("train/m.Model", True).selector) == ("@train/m.Model()", "m.Model")
    assert (repr(Ref("relu", False)), repr(MacroRef("LR"))) == ("@relu", "%LR")


def test_walk_yields_containers_then_leaves_and_map_leaves_rebuilds():
    value = {"a": [1, (2, Ref("f", False))]}
    assert list(walk(value)) == [value, "a", [1, (2, Ref("f", False))], 1, (2, Ref("f", False)), 2, Ref("f", False)]
    times_ten = map_leaves(value, lambda leaf: leaf * 10 if isinstance(leaf, int) else leaf)
    assert times_ten == {"a": [10, (20, Ref("f", False))]}


def test_canonical_text_substitutes_macros_and_sorts_dicts():
    macros = {"A": 3, "B": MacroRef("A")}
    assert canonical_text([MacroRef("A"), (1,), {"z": 1, "a": MacroRef("B")}], macros) == "[3, (1,), {'a': 3, 'z': 1}]"
    assert canonical_text({"z": 1, "a": 2}, {}) == canonical_text({"a": 2, "z": 1}, {})
    assert canonical_text(MacroRef("UNDEFINED"), macros) == "%UNDEFINED"
    assert canonical_text(Ref("m.f", True), {}) == "@m.f()"


def test_a_macro_cycle_stops():
    assert canonical_text(MacroRef("A"), {"A": MacroRef("A")}) == "%A"
