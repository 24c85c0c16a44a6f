"""A tiny project module (`checked_tasks`, on sys.path) and a config resolved against it: what the
config checks read."""
from __future__ import annotations

from pathlib import Path

from ginpipe.config.text.composition import compose
from ginpipe.config.registry.registration import Registry
from ginpipe.config.resolution import ResolvedConfig, resolve

MODULE = '''
from typing import Literal


def run(tasks):
    pass


def fit(state, n_layers: int = 2, lr: float = 0.1, batch_size=8, mode: Literal["a", "b"] = "a",
        name: str = None, flag: bool = False):
    pass


def helper(x):
    pass


def nothing():
    pass


class Head:
    def __init__(self, dim: int = 1):
        self.dim = dim


class Step:
    def __call__(self, state):
        pass
'''


def resolved_config(root: Path, text: str, mods: list[str] | None = None) -> ResolvedConfig:
    """`text` as c.gin in `root` (the working folder, on sys.path, holding checked_tasks.py), resolved."""
    (root / "checked_tasks.py").write_text(MODULE)
    (root / "c.gin").write_text(text)
    composition = compose(["c.gin"], mods)
    registry = Registry(aliases=dict(composition.aliases), packages=list(composition.packages), root=root)
    return resolve(composition, registry, {"OUTPUT_DIR": "out"})
