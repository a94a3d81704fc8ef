"""Running chunks of simulated trials in process or on a Dask cluster.

Each chunk has its own seed, a child of ``numpy.random.SeedSequence(seed)`` (``spawn``), and a
fixed size, so the trials of a given seed are the same whoever runs them: one process, a local
cluster or a remote one. Dask is optional (``pip install "cartkit[dask]"``).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..errors import CartkitError

__all__ = ["run_chunks"]

_INSTALL = 'Dask is not installed: pip install "cartkit[dask]" (or pip install "dask[distributed]")'


def _client(scheduler):
    """(client, owned resources) for "local", an address, or an existing Client."""
    if not (isinstance(scheduler, str) or hasattr(scheduler, "submit")):
        raise CartkitError(
            "scheduler must be None (this process), 'local' (a Dask LocalCluster), a scheduler "
            f"address such as 'tcp://10.0.0.5:8786', or a distributed.Client; got {scheduler!r}"
        )
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise CartkitError(
            f"scheduler={scheduler!r} needs Dask. {_INSTALL}; scheduler=None runs in this process"
        ) from None
    if hasattr(scheduler, "submit"):
        return scheduler, ()
    if scheduler == "local":
        cluster = LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        )
        client = Client(cluster)
        return client, (client, cluster)
    try:
        client = Client(scheduler, timeout="10s")
    except (OSError, TimeoutError) as exc:
        raise CartkitError(
            f"cannot reach the Dask scheduler at {scheduler!r} ({exc}); start it "
            "(dask scheduler) or use scheduler='local' or None"
        ) from None
    return client, (client,)


def run_chunks(
    func: Callable,
    spec,
    seed: int,
    sizes: list[int],
    scheduler=None,
    progress: Callable[[int], None] | None = None,
) -> list[dict]:
    """``func(spec, child_seed, size)`` for every chunk, results in chunk order."""
    seeds = np.random.SeedSequence(seed).spawn(len(sizes))
    if scheduler is None:
        out = []
        for s, size in zip(seeds, sizes, strict=True):  # one chunk of trials at a time
            out.append(func(spec, s, size))
            if progress is not None:
                progress(size)
        return out
    client, owned = _client(scheduler)
    try:
        from distributed import as_completed

        # a fresh key per call: a content-hashed key could be released by an earlier call
        spec_future = client.scatter(spec, broadcast=True, hash=False)
        futures = [
            client.submit(func, spec_future, s, size, pure=False)
            for s, size in zip(seeds, sizes, strict=True)
        ]
        index = {f.key: i for i, f in enumerate(futures)}
        out: list[dict | None] = [None] * len(futures)
        for fut in as_completed(futures):
            i = index[fut.key]
            out[i] = fut.result()
            if progress is not None:
                progress(sizes[i])
        return out
    finally:
        for res in owned:
            res.close()
