"""Which process may write: rank 0 of a distributed job, or the only process.

One rule for the runner (only rank 0 opens and writes the experiment folder) and for the project's
tasks (`ginpipe.io.is_main_process`: only rank 0 writes metrics, plots, the model bundle).
"""
from __future__ import annotations

import os
from collections.abc import Mapping

__all__ = ["is_main_process", "RANK_VARIABLES"]

# Set by torch.distributed launchers (RANK), Lightning's re-launched ranks (LOCAL_RANK, NODE_RANK)
# and SLURM (SLURM_PROCID); any of them non-zero means another process owns the outputs.
RANK_VARIABLES = ("RANK", "LOCAL_RANK", "NODE_RANK", "SLURM_PROCID")


def is_main_process(environ: Mapping[str, str] | None = None) -> bool:
    """True unless this process is a non-zero rank of a distributed job.

    Example:
        >>> is_main_process({"RANK": "0", "SLURM_PROCID": "0"}), is_main_process({"LOCAL_RANK": "1"})
        (True, False)
    """
    environ = os.environ if environ is None else environ
    return all(environ.get(v, "0") in ("", "0") for v in RANK_VARIABLES)
