"""A SIGKILL aimed at a named point of a real run, from inside the run's own process.

The product has no fault hook. Instead, the harness starts each run in a child process that installs
`KillTracer` (`sys.settrace`) before it calls `ginpipe.cli.main`. The tracer sees Python function
calls; when the N-th call of a target function starts, it kills the process with SIGKILL

* after `delay` seconds ("delay" targets: a random moment inside a task, wherever the task then is;
  at its return if it ends sooner, since the census that drew the delay may have run slower),
* or just before or just after the `io`-th file-system call (open, write, fsync, rename, unlink, ...)
  made inside that call and everything it calls ("io" targets: a point inside a write, e.g. with
  the file open and half written, or between the write and the rename), seen through
  `sys.setprofile`, which reports calls of built-in functions;
* or on entry, when neither is given.

In census mode (no kill point) it only counts calls, their durations and their file-system calls,
so that the harness draws kill points that a run really reaches.
"""
from __future__ import annotations

import os
import signal
import sys
import threading
import time
from dataclasses import asdict, dataclass, field

__all__ = ["Target", "KillPoint", "KillTracer", "TARGETS", "IO_CALLS"]

# Built-ins (functions and file methods) that touch the file system: the moments a write can tear.
IO_CALLS = frozenset({"open", "write", "writelines", "flush", "close", "fsync", "fdatasync", "replace",
                      "rename", "link", "unlink", "remove", "rmdir", "mkdir", "sendfile", "truncate",
                      "ftruncate", "symlink", "copyfile", "copyfileobj"})


@dataclass(frozen=True)
class Target:
    """A function whose calls the tracer counts and may kill in."""

    name: str  # for reports: "task fit_model", "state save", ...
    function: str  # the code object's name
    file: str = ""  # a suffix of its file name; "" with `instance_of`
    instance_of: str = ""  # "module:Class": a method of any subclass of it (`self` is checked)
    mode: str = "io"  # "io": kill at a file-system call of the subtree; "delay": a moment in the call

    def matches(self, frame) -> bool:
        code = frame.f_code
        if code.co_name != self.function:
            return False
        if self.instance_of:
            module, _, cls = self.instance_of.partition(":")
            base = getattr(sys.modules.get(module), cls, None)
            return base is not None and isinstance(frame.f_locals.get("self"), base)
        return code.co_filename.replace(os.sep, "/").endswith(self.file)


def _task(name: str, file: str) -> Target:
    return Target(f"task {name}", name, file, mode="delay")


# What a run of configs/base.gin + configs/debug/fast.gin does that a kill may interrupt.
TARGETS = [
    _task("set_seed", "tasks/seed.py"),
    _task("load_dataset", "tasks/datasets/load.py"),
    _task("split_dataset", "tasks/split.py"),
    _task("make_labels", "tasks/labels.py"),
    _task("extract_features", "tasks/features/extract.py"),
    _task("get_dataloaders", "tasks/training_data/loaders.py"),
    _task("fit_model", "tasks/fit.py"),
    # A training step: training resumes from last.ckpt when the kill comes after the first epoch.
    Target("task fit_model: training step", "training_step", "tasks/models/lightning_module.py", mode="delay"),
    _task("evaluate_model", "tasks/evaluate.py"),
    # A finished task's outputs and its index entry; any single file the runner writes.
    Target("state save", "save", "ginpipe/cache/task_cache_folder.py"),
    Target("atomic write", "atomic_write", "ginpipe/files.py"),
    # Lightning's ModelCheckpoint writes through the trainer's CheckpointIO, whichever it is.
    Target("checkpoint write", "save_checkpoint",
           instance_of="lightning.fabric.plugins.io.checkpoint_io:CheckpointIO"),
    # export_model's model/ bundle.
    Target("model bundle write", "write_model_bundle", "tasks/bundle.py"),
]


@dataclass(frozen=True)
class KillPoint:
    target: str  # a Target's name
    call: int  # which call of it (1-based)
    io: int | None = None  # kill at this file-system call (1-based) of the call's subtree ...
    after: bool = False  # ... once it returned, rather than just before it
    delay: float | None = None  # or this many seconds after the call starts

    def describe(self, census: dict | None = None) -> str:
        if self.io is not None:
            names = ((census or {}).get(self.target) or [{}] * self.call)[self.call - 1].get("io") or []
            name = f" ({names[self.io - 1]})" if len(names) >= self.io else ""
            where = f"{'after' if self.after else 'before'} file-system call {self.io}{name} of"
        elif self.delay is not None:
            where = f"{self.delay * 1000:.0f} ms into"
        else:
            where = "entry of"
        return f"{where} call {self.call} of {self.target}"


@dataclass
class _Call:
    seconds: float = 0.0
    io: list[str] = field(default_factory=list)  # names of the file-system calls, in order


@dataclass
class KillTracer:
    """`sys.settrace` function: counts target calls (census) or kills at `point`."""

    targets: list[Target]
    point: KillPoint | None = None
    census: dict[str, list[_Call]] = field(default_factory=dict)
    _pid: int = field(default_factory=os.getpid)
    _root = None  # the frame of the "io" call being watched
    _current: _Call | None = None
    _aimed: bool = False  # that call is the one the kill point names
    _started: float = 0.0

    def install(self) -> None:
        self.census = {t.name: [] for t in self.targets}
        sys.settrace(self)  # the main thread only: every target runs there

    def counts(self) -> dict[str, list[dict]]:
        return {name: [asdict(c) for c in calls] for name, calls in self.census.items()}

    def __call__(self, frame, event, arg):
        if event != "call" or self._root is not None:
            return None
        if os.getpid() != self._pid:  # a DataLoader worker forked from the run: not ours to kill
            sys.settrace(None)
            return None
        for target in self.targets:
            if target.matches(frame):
                return self._start(target, frame)
        return None

    def _start(self, target: Target, frame):
        call = _Call()
        self.census[target.name].append(call)
        point = self.point
        aimed = point is not None and point.target == target.name and point.call == len(self.census[target.name])
        if aimed and point.io is None and point.delay is None:
            _kill()
        if aimed and point.delay is not None:
            threading.Thread(target=_kill_after, args=(point.delay,), daemon=True).start()
        started = time.perf_counter()
        if target.mode == "delay":
            def on_return(f, event, arg):
                if event == "return":
                    call.seconds = time.perf_counter() - started
                    if aimed:  # it ran faster than in the census (a quieter machine): its last moment
                        _kill()
                return on_return
            return on_return
        self._root, self._current, self._aimed, self._started = frame, call, aimed, started
        sys.setprofile(self._profile)
        return None

    def _profile(self, frame, event, arg):
        if event.startswith("c_") and getattr(arg, "__name__", "") in IO_CALLS:
            call = self._current
            if event == "c_call":
                call.io.append(arg.__name__)
            # "after" is once the call returned or raised (`os.makedirs` expects FileExistsError).
            if self._aimed and len(call.io) == self.point.io and (event != "c_call") == self.point.after:
                _kill()
        elif event == "return" and frame is self._root:
            self._current.seconds = time.perf_counter() - self._started
            self._root = self._current = None
            self._aimed = False
            sys.setprofile(None)


def _kill() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def _kill_after(seconds: float) -> None:
    time.sleep(seconds)
    _kill()
