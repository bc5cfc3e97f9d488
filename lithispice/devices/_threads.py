"""Device-parallel calls of the compiled kernels. The kernels release the GIL for their device
loops and every device is independent, so plain threads over contiguous device ranges use
every core with results identical to one thread (no OpenMP runtime: nothing that breaks in a
forked worker process)."""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

from ..validate import check_int

#: fewest devices per thread: below this the thread start-up costs more than it saves
MIN_DEVICES_PER_THREAD = 64


def available_cores() -> int:
    """Cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:                       # not Linux
        return os.cpu_count() or 1


def resolve_threads(threads) -> int:
    """``threads``: None = every available core, else an int >= 1."""
    if threads is None:
        return available_cores()
    return int(check_int("threads", threads, 1, 4096))


def device_ranges(n: int, threads) -> list[tuple[int, int]]:
    """Contiguous [lo, hi) device ranges, one per thread actually used."""
    k = max(1, min(resolve_threads(threads), n // MIN_DEVICES_PER_THREAD))
    bounds = [n * j // k for j in range(k + 1)]
    return [(bounds[j], bounds[j + 1]) for j in range(k)]


def run_ranges(fn, n: int, threads) -> list:
    """``fn(lo, hi)`` for each device range, in threads when more than one; results in order.
    The first exception (by range order) propagates."""
    ranges = device_ranges(n, threads)
    if len(ranges) == 1:
        return [fn(*ranges[0])]
    with ThreadPoolExecutor(max_workers=len(ranges)) as ex:
        futures = [ex.submit(fn, lo, hi) for lo, hi in ranges]
        return [f.result() for f in futures]
