"""The one task module of the test projects (`tasks/steps.py` in each), pure Python: the runner's
behaviour without torch.

Tasks that log their calls append to `calls.log` in the project folder when the project has one
(the sweep and tools projects do; appends are atomic: sweep members may run at once), so a test can
see which task really ran in which member. Elsewhere they touch no file outside the experiment.
"""
import os
import time


def log_call(name):
    if not os.path.isfile("calls.log"):
        return
    with open("calls.log", "a") as f:
        f.write(f"{name} {os.getpid()}\n")


def set_seed(state, seed=0):
    state.seed = seed


def load(state, n=10, key_out="data", pause=0.0):
    log_call("load")
    time.sleep(pause)  # a slow shared prefix (loading, feature extraction)
    state[key_out] = list(range(n))


def double(state, factor=2, pause=0.0):
    log_call("double")
    time.sleep(pause)  # lets a test kill or interrupt a run, or start a second one, while this task is busy
    state["data2"] = [x * factor for x in state["data"]]
    return state


def total(state):
    state["total"] = sum(state["data2"])


def check(state, limit=1000):
    if max(state["data2"]) > limit:
        raise ValueError(f"{max(state['data2'])} is over the limit {limit}")


def score(state, offset=0.0):
    log_call("score")
    total = sum(state["data2"]) + offset
    state["metrics"] = {"total": float(total), "mean": total / len(state["data2"]), "n": len(state["data2"]),
                        "note": "not a number, not shown"}


def add_column(state, column="label"):
    # GinPipe-style: changes what it read, in place, without assigning the key again
    state["table"][column] = [str(x) for x in state["table"]["value"]]


def make_table(state, n=4):
    state["table"] = {"value": list(range(n))}


def explode(state, message="boom"):
    raise RuntimeError(message)


def big(state, megabytes=2):
    state["big"] = b"x" * (megabytes << 20)  # a value too large for a nearly full disk


def record_pid(state):
    state["pid"] = os.getpid()


def record_gpu(state):
    state["gpu"] = os.environ.get("CUDA_VISIBLE_DEVICES")
    state["gpu_seed"] = state["seed"]  # reads the seed: each member runs this task
    with open(f"gpu-{os.getpid()}.txt", "w") as f:
        f.write(f"{state['gpu']} {time.time()}\n")
    time.sleep(0.5)  # long enough for the members to overlap


class Scaler:
    """A configurable class: `@Scaler()` puts a gin-configured object into the state."""

    def __init__(self, factor=1.0):
        self.factor = factor


def keep(state, obj=None, key="obj"):
    state[key] = obj


def counted(state, log_file="calls.log"):
    with open(log_file, "a") as f:
        f.write("counted\n")
    state["counted"] = True
