"""The resources of a sweep's submitit jobs, read from a gin file that binds `submitit.<param>`.

The file is read by ginpipe's own composer (errors name the file and line); it may bind literals and
macros of its own, nothing that would import or call code.
"""
from __future__ import annotations

import inspect
import os
from pathlib import Path

from ..config.text.composition import compose
from ..config.text.values import MacroRef, Ref, map_leaves, walk
from ..errors import ConfigError, did_you_mean

__all__ = ["submitit_resources", "read_resources"]


def submitit_resources(cluster: str | None = None, partition: str | None = None, gpus_per_node: int | None = None,
                       cpus_per_task: int | None = None, mem_gb: float | None = None, timeout_min: int = 60,
                       nodes: int = 1, tasks_per_node: int = 1, account: str | None = None,
                       qos: str | None = None, constraint: str | None = None, setup: list | None = None,
                       additional_parameters: dict | None = None) -> tuple[str | None, dict]:
    """Resources of each sweep member's job; bound in a gin file as `submitit.<param> = ...`.

    Args:
        cluster: 'slurm', 'local' (submitit's local executor, for tests) or None (SLURM when `sbatch` exists).
        partition, account, qos, constraint: SLURM's options of the same names.
        gpus_per_node, cpus_per_task, mem_gb, timeout_min, nodes, tasks_per_node: the job's size. For DDP
            over several GPUs, `tasks_per_node = gpus_per_node` (one process per GPU, started by SLURM).
        setup: shell lines run before the job (`['module load cuda']`).
        additional_parameters: any other sbatch option, e.g. `{'mail-type': 'END'}`.

    Example (configs/launcher/slurm.gin):
        submitit.partition = 'gpu'
        submitit.gpus_per_node = 1
    """
    generic = {"gpus_per_node": gpus_per_node, "cpus_per_task": cpus_per_task, "mem_gb": mem_gb,
               "timeout_min": timeout_min, "nodes": nodes, "tasks_per_node": tasks_per_node}
    slurm = {"partition": partition, "account": account, "qos": qos, "constraint": constraint,
             "setup": setup, "additional_parameters": additional_parameters}
    parameters: dict[str, object] = {k: v for k, v in generic.items() if v is not None}
    parameters.update({f"slurm_{k}": v for k, v in slurm.items() if v is not None})
    return cluster, parameters


def read_resources(path: str | os.PathLike | None) -> tuple[str | None, dict]:
    """Call `submitit_resources` with the bindings of the gin file `path` (defaults when None)."""
    if path is None:
        return submitit_resources()
    if not Path(path).is_file():
        raise ConfigError(f"Launcher config {path} does not exist.")
    names = list(inspect.signature(submitit_resources).parameters)
    hint = "It binds `submitit.<param>`: " + ", ".join(names) + "."
    try:
        composition = compose([str(path)])
    except ConfigError as e:
        raise ConfigError(f"In launcher config {path}: {e.message}", e.where, hint) from None
    macros = {name: b.value for name, b in composition.macros().items()}
    arguments = {}
    for b in composition.bindings:
        if b.is_macro:
            continue
        if b.selector != "submitit" or b.scope or b.arg not in names:
            what = f"`{b.selector}.{b.arg}`" if b.selector != "submitit" else f"`submitit` has no parameter `{b.arg}`"
            raise ConfigError(f"In launcher config {path}: {what} is not a job resource."
                              f"{did_you_mean(b.arg, names)}", b.where, hint)
        value = map_leaves(b.value, lambda leaf: macros.get(leaf.name, leaf) if isinstance(leaf, MacroRef) else leaf)
        if any(isinstance(leaf, (Ref, MacroRef)) for leaf in walk(value)):
            raise ConfigError(f"In launcher config {path}: `submitit.{b.arg}` must be a literal, not {value!r}.",
                              b.where, hint)
        arguments[b.arg] = value
    return submitit_resources(**arguments)
