"""`ginpipe.runs.task_names`: a task's name and identity, through gin's (or functools') wrappers."""
import functools

from ginpipe.runs.task_names import original, task_identity, task_name


def load(state):
    pass


class Step:
    def __call__(self, state):
        pass


def test_names_see_through_wrappers_and_instances_are_named_by_their_class():
    wrapped = functools.wraps(load)(lambda state: load(state))
    assert original(wrapped) is load
    assert (task_name(wrapped), task_identity(wrapped)) == ("load", f"{__name__}.load")
    assert (task_name(Step()), task_identity(Step())) == ("Step", f"{__name__}.Step")


def test_a_wrapper_that_wraps_itself_stops():
    def loop(state):
        pass
    loop.__wrapped__ = loop
    assert original(loop) is loop
