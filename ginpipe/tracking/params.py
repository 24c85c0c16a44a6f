"""A resolved config as MLflow parameters: one per gin binding, by its full name, macros substituted.

MLflow keeps a parameter's value to 6000 characters and takes 100 parameters per request.
"""
from __future__ import annotations

from ..config.resolution import ResolvedConfig
from ..config.text.values import canonical_text
from .settings import MACRO

__all__ = ["binding_params", "MAX_VALUE", "BATCH"]

MAX_VALUE = 6000
BATCH = 100
_LEFT_OUT = {"EXPERIMENT_NAME", "PROJECT_NAME", "OUTPUT_DIR", MACRO}  # differ by construction, or say where


def binding_params(config: ResolvedConfig) -> dict[str, str]:
    """`scope/module.Configurable.param` (or a macro's name) -> its final value as gin text.

    Example:
        `Resnet.n_layers = %DEPTH` with `DEPTH = 8` gives `{"DEPTH": "8", "tasks.models.resnet.Resnet.n_layers": "8"}`.
    """
    params: dict[str, str] = {}
    for b in config.bindings:  # in order: a later binding of the same name wins
        name = b.macro_name if b.is_macro else (f"{b.scope}/" if b.scope else "") + f"{b.selector}.{b.arg}"
        if b.is_macro and name in _LEFT_OUT:
            continue
        value = config.macros.get(name) if b.is_macro else b.value
        params[name] = canonical_text(value, config.macros)[:MAX_VALUE]
    return params
