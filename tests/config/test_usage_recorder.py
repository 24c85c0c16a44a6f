"""`ginpipe.config.usage_recorder`: which configurables each task called, the bindings its cache key covers."""
import gin
import pytest

from ginpipe.config import gin_internals
from ginpipe.config.usage_recorder import UsageRecorder


def layers(n=1):
    return n


def optimiser(lr=0.1):
    return lr


@pytest.fixture
def configured():
    objects = [gin.external_configurable(f, name=f.__name__, module="usage_test") for f in (layers, optimiser)]
    gin.bind_parameter("usage_test.layers.n", 3)
    yield objects
    for name in ("usage_test.layers", "usage_test.optimiser"):
        gin_internals.forget(name)


def test_each_task_records_the_configurables_it_called_and_nested_ones_count_for_the_outer(configured):
    make_layers, make_optimiser = configured
    with UsageRecorder() as recorder:
        with recorder.task() as first:
            assert make_layers() == 3
        with recorder.task() as outer:
            with recorder.task() as inner:
                make_optimiser()
            make_layers()
        with recorder.task() as idle:
            pass
    assert (first, inner, outer, idle) == ({"usage_test.layers"}, {"usage_test.optimiser"},
                                           {"usage_test.layers", "usage_test.optimiser"}, set())
    called = {selector for _, selector in gin_internals.operative_config()}
    assert called >= {"usage_test.layers", "usage_test.optimiser"}
