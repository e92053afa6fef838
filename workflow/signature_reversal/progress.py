"""Progress lines for long steps, so a user watching the console or a rule log sees how far it is.

Permutation nulls, bootstraps and model fits can take minutes on real data; a silent step looks
hung. Lines go through ``logging`` and therefore to both the console and the rule's log file.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import TypeVar

log = logging.getLogger("signature_reversal")

Item = TypeVar("Item")


def tracked(
    items: Iterable[Item], total: int, what: str, every_seconds: float = 5.0
) -> Iterator[Item]:
    """Yield ``items``; log ``what: k/total`` at most every ``every_seconds``, then the total time.

    Fast loops therefore print one line, slow ones a heartbeat a user can watch.
    """
    started = last = time.perf_counter()
    done = 0
    for item in items:
        yield item
        done += 1
        now = time.perf_counter()
        if now - last >= every_seconds and done < total:
            log.info("%s: %d/%d (%.0f s)", what, done, total, now - started)
            last = now
    log.info("%s: %d done in %.1f s", what, done, time.perf_counter() - started)


def peak_memory_mb() -> float:
    """This process's peak resident memory so far (MB)."""
    import resource
    import sys

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 1024


@contextmanager
def stage(what: str, memory: bool = False) -> Iterator[None]:
    """Log the start and the duration of one named step (and the peak memory so far)."""
    log.info("%s …", what)
    started = time.perf_counter()
    yield
    peak = f" (peak memory so far {peak_memory_mb():,.0f} MB)" if memory else ""
    log.info("%s done in %.1f s%s", what, time.perf_counter() - started, peak)


def timed_calls(steps: list[tuple[str, Callable[[], object]]]) -> None:
    """Run named steps in order, each inside :func:`stage`."""
    for what, call in steps:
        with stage(what):
            call()
