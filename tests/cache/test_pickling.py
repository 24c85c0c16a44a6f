"""`ginpipe.cache.pickling`: objects gin configured pickle as the plain originals they wrap."""
import functools
import pickle

import gin
import pytest

from ginpipe.config import gin_internals
from ginpipe.cache import pickling


def scale(x, factor=2):
    return x * factor


class Head:
    def __init__(self, dim=1):
        self.dim = dim


def test_a_function_wrapper_named_as_its_original_pickles_as_the_original():
    wrapper = functools.wraps(scale)(lambda *a, **k: scale(*a, **k))
    with pytest.raises(pickle.PicklingError):
        pickle.dumps(wrapper)  # plain pickle: "not the same object as ..."
    assert pickling.loads(pickling.dumps({"fn": wrapper}))["fn"] is scale


def test_gins_configured_class_pickles_as_the_plain_class():
    configured = gin.external_configurable(Head, name="Head", module="test_pickling_module")
    try:
        assert configured is not Head and Head in configured.__mro__
        restored = pickling.loads(pickling.dumps([configured, Head(3)]))
        assert restored[0] is Head and (type(restored[1]), restored[1].dim) == (Head, 3)
    finally:
        gin_internals.forget("test_pickling_module.Head")


def test_plain_values_pickle_as_pickle_does():
    value = {"a": [1, 2.5, "x"], "fn": scale, "cls": Head}
    assert pickling.dumps(value) == pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
