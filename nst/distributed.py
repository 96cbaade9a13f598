"""When one machine is not enough: a sweep's cells or a batch's photos on a Dask cluster.

Dask's `distributed` (an optional extra: ``pip install 'nst-from-scratch[distributed]'``) does
the scheduling, the retries and the bookkeeping; this module only says what a task is:

- `connect`          a `distributed.Client` for ``tcp://HOST:8786`` (checked to answer first,
  `check_scheduler`) or for a local cluster of N worker processes.
- `run_on_cluster`   the job (`nst.shared.Job`: weights, configs, style images) goes to every
  worker once (``client.scatter(..., broadcast=True)``); each run is one task. A worker builds
  its `nst.shared.SharedRuns` (weights loaded, targets and compiled step built) on its first
  task of the job and keeps it for the next ones. Progress comes back through a
  `distributed.Queue` (a count of steps, at most every 0.2 s per worker) to one progress bar;
  results come back (images as arrays) as they finish, and the caller writes them.

A task runs exactly what an in-process run does (`nst.shared.run_item`, the union of layers
taken over the whole job), so a cell's image is the same wherever it runs (tested on a local
two-worker cluster). A weights **path** is opened by each worker: it must exist there (a shared
folder, or the same path on every machine); a `VGGWeights` object is sent instead. Photos of a
batch are read by the workers from their paths too.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from typing import Any
from urllib.parse import urlparse

from nst.shared import Job, RunResult, run_item

__all__ = [
    "INSTALL_HINT",
    "check_scheduler",
    "check_workers",
    "connect",
    "import_distributed",
    "run_on_cluster",
]

#: How to get the extra, said whenever it is missing.
INSTALL_HINT = "pip install 'nst-from-scratch[distributed]' (or pip install 'dask[distributed]')"

# per worker (its address) and job: (SharedRuns, evaluator), built by the job's first task there
_STATE: dict[tuple[str, str], tuple[Any, Any]] = {}
_STATE_LOCK = threading.Lock()


def import_distributed():
    """The `distributed` module, or ImportError saying how to install it."""
    try:
        import distributed
    except ImportError:
        raise ImportError(f"Dask's distributed is not installed; {INSTALL_HINT}") from None
    return distributed


def check_scheduler(address: str, *, timeout: float = 3.0) -> tuple[str, int]:
    """(host, port) of ``tcp://HOST:PORT`` if something listens there; ValueError otherwise.

    >>> check_scheduler("udp://x:1")
    Traceback (most recent call last):
    ValueError: --scheduler udp://x:1: expected tcp://HOST:PORT (e.g. tcp://10.0.0.5:8786)
    """
    parsed = urlparse(address if "://" in address else f"tcp://{address}")
    try:
        host, port = parsed.hostname, parsed.port
    except ValueError:
        host, port = None, None
    if parsed.scheme != "tcp" or not host or not port:
        raise ValueError(
            f"--scheduler {address}: expected tcp://HOST:PORT (e.g. tcp://10.0.0.5:8786)"
        )
    try:
        with socket.create_connection((host, port), timeout=timeout):
            pass
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise ValueError(
            f"--scheduler {address}: no answer ({reason}); start one with `dask scheduler` "
            "(and `dask worker tcp://HOST:8786` on each machine) or use --workers N"
        ) from None
    return host, port


def connect(scheduler: str | None = None, *, workers: int | None = None, processes: bool = True,
            memory_limit: str | int = "auto"):  # fmt: skip
    """A `distributed.Client`: to `scheduler`, or to a new local cluster of `workers` workers.

    Parameters
    ----------
    scheduler : str, optional
        ``tcp://HOST:8786``; checked to answer (`check_scheduler`) before Dask is asked.
    workers : int, optional
        A `distributed.LocalCluster` on 127.0.0.1 with this many single-threaded workers.
    processes : bool
        Local workers as processes (True: each its own TensorFlow) or threads of this one.
    memory_limit : str or int
        Per local worker (Dask's ``"auto"`` shares the machine's memory).

    Raises
    ------
    ImportError
        Without the `distributed` extra (the message says how to install it).
    ValueError
        Neither or both of `scheduler` and `workers`; a scheduler that does not answer.
    """
    if (scheduler is None) == (workers is None):
        raise ValueError("give either scheduler='tcp://HOST:8786' or workers=N")
    if scheduler is not None:
        check_scheduler(scheduler)
    distributed = import_distributed()
    if scheduler is not None:
        return distributed.Client(scheduler, timeout="10s")
    if workers < 1:
        raise ValueError(f"workers must be >= 1, got {workers}")
    cluster = distributed.LocalCluster(
        n_workers=workers, threads_per_worker=1, processes=processes, protocol="tcp://",
        host="127.0.0.1",
        dashboard_address=None, memory_limit=memory_limit,
    )  # fmt: skip
    return distributed.Client(cluster)


def _task(job: Job, job_id: str, queue_name: str, index: int, photo: str | None) -> RunResult:
    """One run on a worker: its state built on the job's first task there, progress queued."""
    distributed = import_distributed()
    worker = distributed.get_worker()
    key = (worker.address, job_id)
    with _STATE_LOCK:
        if key not in _STATE:
            _STATE[key] = job.start()  # weights loaded once per worker and job
        runs, evaluator = _STATE[key]
    queue = distributed.Queue(queue_name, client=distributed.get_client())
    pending, last = [0], [time.monotonic()]

    def on_step(step) -> None:
        pending[0] += 1 if step.iteration else 0
        if time.monotonic() - last[0] > 0.2 and pending[0]:
            queue.put(pending[0])
            pending[0], last[0] = 0, time.monotonic()

    content = None
    if photo is not None:
        from nst.images import load_image

        content = load_image(photo)
    result = run_item(runs, job, index, content=content, evaluator=evaluator, on_step=on_step)
    if pending[0]:
        queue.put(pending[0])
    return result


def forget_job(job_id: str) -> None:
    """Drop a finished job's state on this worker (its network, targets, compiled steps)."""
    with _STATE_LOCK:
        for key in [k for k in _STATE if k[1] == job_id]:
            del _STATE[key]


#: Seconds a cluster may have no worker before a sweep or batch on it gives up.
NO_WORKER_TIMEOUT_S = 60.0


def check_workers(client, alone_since: float | None) -> float | None:
    """None while the cluster has workers; RuntimeError after `NO_WORKER_TIMEOUT_S` without."""
    if client.scheduler_info().get("workers"):
        return None
    now = time.monotonic()
    if alone_since is not None and now - alone_since > NO_WORKER_TIMEOUT_S:
        raise RuntimeError(
            f"the Dask cluster has had no worker for {NO_WORKER_TIMEOUT_S:.0f} s; the runs not "
            "finished were cancelled (start workers, or run without --scheduler)"
        )
    return now if alone_since is None else alone_since


def run_on_cluster(
    client,
    job: Job,
    items: Sequence[tuple[int, str | None]],
    *,
    on_progress: Callable[[int], None] | None = None,
) -> Iterator[tuple[int, RunResult | BaseException]]:
    """Run `items` of `job` on the cluster; yield (item number, result or error) as they end.

    Parameters
    ----------
    client : distributed.Client
    job : nst.shared.Job
    items : sequence of (config index, photo path or None)
    on_progress : callable, optional
        Called with a number of steps done, as workers report them.

    Notes
    -----
    Closing the generator (Ctrl-C in the caller) cancels the tasks not yet finished; those
    finished have been yielded. A task that raised is yielded as its exception.
    """
    distributed = import_distributed()
    job_id = uuid.uuid4().hex
    queue_name = f"nst-progress-{job_id}"
    queue = distributed.Queue(queue_name, client=client)
    shared = client.scatter(job, broadcast=True, hash=False)
    futures = {
        client.submit(_task, shared, job_id, queue_name, index, photo, pure=False): k
        for k, (index, photo) in enumerate(items)
    }
    done = distributed.as_completed(list(futures), with_results=False)
    remaining = set(futures)

    def drain() -> None:
        for count in queue.get(batch=True):
            if on_progress is not None:
                on_progress(int(count))

    alone_since = None  # when the cluster was first seen with no worker
    try:
        while remaining:
            drain()
            finished = done.next_batch(block=False) if done.has_ready() else []
            if not finished:
                time.sleep(0.05)
                alone_since = check_workers(client, alone_since)
            for future in finished:
                remaining.discard(future)
                error = future.exception()
                yield futures[future], (error if error is not None else future.result())
        drain()
    finally:
        for future in remaining:
            future.cancel()
        with contextlib.suppress(Exception):
            client.run(forget_job, job_id)
