"""Which process may write files: rank 0 of a distributed job, or the only process."""
from __future__ import annotations

import os

# Set by torch.distributed launchers (RANK), Lightning's re-launched ranks (LOCAL_RANK, NODE_RANK)
# and SLURM (SLURM_PROCID); any of them non-zero means another process owns the outputs.
_RANK_VARIABLES = ("RANK", "LOCAL_RANK", "NODE_RANK", "SLURM_PROCID")


def is_main_process() -> bool:
    """True unless this process is a non-zero rank of a distributed job.

    Example:
        >>> if is_main_process():  # doctest: +SKIP
        ...     write_report()
    """
    return all(os.environ.get(v, "0") in ("", "0") for v in _RANK_VARIABLES)
