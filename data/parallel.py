"""Reading many record files on every core.

Validating a record in Python takes about 0.1 ms, so a register of 55,000 read
with no cache (a fresh clone, a deleted `.tracker/`) spends most of its seconds
there, on one core. `map_files` runs one function over many files in worker
processes made with `fork` (they inherit the function, so only the files' names
and what the function needs of each, their bytes or their git object IDs, go to
them, and only the results come back, in order), handing each chunk over as
soon as it is ready. The answer is exactly what one process would give: it is
the same function on the same files.

With one core or few files it returns None at once, and the caller does the
work itself; when a worker cannot be started or dies, it raises `NoWorkers`.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import threading
import warnings
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

PARALLEL_FROM = 2_000
"""Fewer files than this are read in the calling process: starting workers
costs more than validating a few thousand records."""
CHUNK = 1_000
"""Files a worker is given at once: small enough to share the work evenly and
to start early, large enough that handing it over costs little."""

File = tuple[str, Any]
"""A file's name and what the function is given with it (its bytes, or where
to find them)."""

_jobs: dict[int, Callable[[str, Any], Any]] = {}
_numbers = itertools.count()
_jobs_lock = threading.Lock()


class NoWorkers(Exception):
    """Worker processes could not be started, or one died: do the work here."""


def cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def map_files(function: Callable[[str, Any], Any], files: Iterable[File], count: int) -> list[Any] | None:
    """`[function(name, given) for name, given in files]` (`count` of them),
    computed by worker processes; None when that is not worth it."""
    workers = min(cores(), 8)
    if (
        workers < 2
        or count < PARALLEL_FROM
        or "fork" not in multiprocessing.get_all_start_methods()
        or multiprocessing.current_process().daemon  # a daemonic process may not start any
    ):
        return None
    with _jobs_lock:
        job = next(_numbers)
        _jobs[job] = function
    try:
        with warnings.catch_warnings():
            # Python 3.12+ warns that a thread holding a lock at the fork would
            # leave it held in the child; the workers run only the function and
            # take no lock (see `_run`).
            warnings.simplefilter("ignore", DeprecationWarning)
            with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
                return [result for part in pool.map(_run, _chunks(job, files)) for result in part]
    except (OSError, BrokenProcessPool) as error:
        raise NoWorkers(str(error)) from error
    finally:
        with _jobs_lock:
            del _jobs[job]


def _chunks(job: int, files: Iterable[File]) -> Iterator[tuple[int, list[File]]]:
    iterator = iter(files)
    while chunk := list(itertools.islice(iterator, CHUNK)):
        yield job, chunk


def _run(chunk: tuple[int, list[File]]) -> list[Any]:
    """In a worker: the inherited function over one chunk of files. It takes
    no lock and imports nothing, so threads of the parent (a TUI's) that held
    one at the fork cannot stall it."""
    job, files = chunk
    function = _jobs[job]
    return [function(name, raw) for name, raw in files]
