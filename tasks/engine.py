"""`DataEngine`: the data stages' map jobs (one call per shard), on this machine or a Dask cluster.

Without a cluster the jobs run in a pool of forked processes on this machine's cores: no server, no
dask import, nothing more to start than the processes themselves. Given a scheduler address (the
`--cluster` flag, or `DataEngine.cluster` in a gin file) the same job functions run on that cluster's
workers through `dask.distributed`, which reschedules the jobs of a lost worker on the others: a job
must therefore be a module-level function of its inputs alone (workers hold no ginpipe state), and
rerunning one must be harmless (a shard job finds its file already written and returns). Jobs
reach the scheduler sealed (bytes only the workers unpickle): it dispatches them without importing
torch or the project, and a worker sends back only the job's small result (a shard job writes its
shard file itself and returns whether it computed it).

A cluster can also be created by a gin file, e.g. a `dask_jobqueue.SLURMCluster` (see
configs/launcher/dask_slurm.gin): `DataEngine.cluster = @SLURMCluster()`.
"""
from __future__ import annotations

import multiprocessing
import os
import pickle
import uuid
from typing import Any, Callable, Iterator, Sequence

from loguru import logger
from tqdm import tqdm  # not tqdm.auto: its asyncio class calls iter() twice on a DataLoader

from ginpipe.io import cluster_address, quiet

_clients: dict[str, Any] = {}  # one connection per scheduler and process, reused by every task


class ClusterUnreachableError(ConnectionError):
    """The Dask scheduler named by `--cluster` or `DataEngine.cluster` does not answer."""


class DataEngine:
    """Runs `fn(item)` for every item, where the data jobs of this run go.

    Args:
        cluster: a Dask scheduler address ('tcp://10.0.0.5:8786'), or a cluster object with a
            `scheduler_address` (e.g. `dask_jobqueue.SLURMCluster`, with `scale()` called for you
            through `workers`). Default: the `--cluster` flag's address, else this machine. The flag
            wins over the gin binding, as flags do.
        n_jobs: local processes (default: every core; 0 runs the jobs in this process).
        workers: jobs to ask a cluster object for (`cluster.scale(workers)`); ignored for an address.
        progress: show a progress bar (and, on a cluster, print its dashboard's address).
        connect_timeout: seconds to wait for the scheduler before saying it cannot be reached.

    Example (gin):
        extract_features.engine = @DataEngine()
        DataEngine.cluster = 'tcp://10.0.0.5:8786'
    """

    def __init__(self, cluster: Any = None, n_jobs: int | None = None, workers: int = 0,
                 progress: bool = True, connect_timeout: float = 10):
        self.cluster, self.n_jobs, self.workers, self.progress = cluster, n_jobs, workers, progress
        self.connect_timeout = connect_timeout

    @property
    def address(self) -> str | None:
        """The scheduler the jobs go to; None: this machine."""
        flag = cluster_address()
        if flag:
            return flag
        if self.cluster is None or isinstance(self.cluster, str):
            return self.cluster or None
        if self.workers:
            self.cluster.scale(self.workers)
        return self.cluster.scheduler_address

    @property
    def distributed(self) -> bool:
        return self.address is not None

    def map(self, fn: Callable, items: Sequence, desc: str, unit: str = "shard",
            in_process: bool = False, progress: bool = True) -> Iterator[tuple[int, Any]]:
        """Yield `(index, fn(items[index]))` as jobs finish (in any order).

        `in_process` keeps local jobs in this process (an extractor holding a model on the GPU:
        one copy, never one per worker); on a cluster each worker holds its own copy.
        """
        if not items:
            return
        address = self.address
        progress = progress and self.progress and not quiet()
        bar = tqdm(total=len(items), desc=desc, unit=unit, disable=not progress)
        with bar:
            if address is not None:
                jobs = self._on_cluster(address, fn, items, progress, desc)
            elif in_process or self._processes(len(items)) == 0:
                jobs = ((i, fn(item)) for i, item in enumerate(items))
            else:
                jobs = self._on_processes(fn, items)
            for index, result in jobs:
                bar.update(1)
                yield index, result

    def _processes(self, n_items: int) -> int:
        n_jobs = (os.cpu_count() or 1) if self.n_jobs is None else self.n_jobs
        return 0 if n_items < 2 or n_jobs <= 1 else min(n_jobs, n_items)

    def _on_processes(self, fn: Callable, items: Sequence) -> Iterator[tuple[int, Any]]:
        # fork: the workers inherit the imported libraries and the items, nothing is re-imported
        # (a spawned worker would pay torch's import per process). torch registers fork handlers
        # for its thread pools; each worker computes with one thread, the cores are the parallelism.
        with multiprocessing.get_context("fork").Pool(self._processes(len(items)), _one_thread) as pool:
            yield from pool.imap_unordered(_Indexed(fn), list(enumerate(items)), chunksize=1)

    def _on_cluster(self, address: str, fn: Callable, items: Sequence,
                    progress: bool, desc: str = "job") -> Iterator[tuple[int, Any]]:
        from distributed import as_completed

        client = connect(address, self.connect_timeout)
        if progress:
            jobs = f"{len(items)} job" + ("s" if len(items) != 1 else "")
            logger.info(f"{jobs} on the Dask cluster {address};"
                        f" its dashboard: {client.dashboard_link}")
        # Each job travels as opaque bytes run by `pickle.loads` (see `_SealedCall`): the scheduler
        # unpickles every task it receives, and a task naming `fn` and its item would make it import
        # their modules (torch, torchaudio, ...) before dispatching the first one: seconds of
        # scheduler start-up that measured as most of a 10,000-clip job (issue 24). Sealed, the
        # scheduler needs nothing of the project; only the workers, which run the jobs, import it.
        # Keys carry the job's position (zero-padded), so the scheduler hands the jobs out in the
        # order given (largest shard first) and the dashboard names them.
        run = uuid.uuid4().hex[:8]
        slug = "-".join(desc.split()) or "job"
        keys = [f"{slug}-{i:06d}-{run}" for i in range(len(items))]
        sealed = [_seal(fn, i, item) for i, item in enumerate(items)]
        futures = client.map(pickle.loads, sealed, key=keys, pure=False)
        try:
            for future in as_completed(futures, loop=client.loop):
                yield future.result()
        finally:
            client.cancel([f for f in futures if not f.done()])


def connect(address: str, timeout: float = 10):
    """A `distributed.Client` on `address` (one per process), or an error that names it."""
    client = _clients.get(address)
    if client is not None and client.status == "running":
        return client
    try:
        from distributed import Client
    except ImportError as e:
        raise ClusterUnreachableError(
            f"A Dask cluster is configured ({address}) but dask.distributed is not installed here:"
            " install the `data` dependency group (`uv sync --group data`).") from e
    try:
        client = Client(address, timeout=timeout, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as e:
        raise ClusterUnreachableError(
            f"Cannot reach the Dask scheduler at {address}"
            f" ({type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''})."
            "\nStart one there (`dask scheduler`, and `dask worker ADDRESS` on each machine), fix the"
            " address, or leave out --cluster (and `DataEngine.cluster`) to use this machine.") from None
    _clients[address] = client
    return client


def disconnect(address: str) -> None:
    """Close this process's connection to `address` (before its scheduler is stopped)."""
    client = _clients.pop(address, None)
    if client is not None:
        client.close()


def _seal(fn: Callable, index: int, item: Any) -> bytes:
    import cloudpickle  # dask's own serializer: also carries functions defined in a notebook

    return cloudpickle.dumps(_SealedCall(_Indexed(fn), (index, item)))


class _SealedCall:
    """`pickle.loads(pickle.dumps(_SealedCall(fn, arg)))` returns `fn(arg)`: unpickling makes the
    call (pickle rebuilds an object by calling what `__reduce__` names). The worker's `pickle.loads`
    runs the job; anything that merely stores or forwards the bytes imports nothing."""

    def __init__(self, fn: Callable, arg: Any):
        self.fn, self.arg = fn, arg

    def __reduce__(self):
        return self.fn, (self.arg,)


class _Indexed:
    """`(index, item) -> (index, fn(item))`: results come back in any order, still identified."""

    def __init__(self, fn: Callable):
        self.fn = fn

    def __call__(self, indexed: tuple[int, Any]) -> tuple[int, Any]:
        index, item = indexed
        return index, self.fn(item)


def _one_thread() -> None:
    import torch

    torch.set_num_threads(1)
