"""The loop over estates that jobs and CLI commands both run.

One unit of work (one transaction) per estate — or per batch of estates, where the work does
the same statements for fifty estates as for one (a billing run): an estate that fails is rolled
back and logged, and the others still run (a batch that fails is retried one estate at a time, so
the failure is pinned on its estate). The caller learns which failed: a CLI command reports them and exits 1
(`EstateLoop.exit_code`); a job has them logged and catches up on its next run. The loop imports
no domain: the caller names the estates and the work for one.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Callable, Generic, Iterable, Optional, Sequence, TypeVar

from pms.core.db import unit_of_work
from pms.core.errors import PmsError

K = TypeVar("K")
R = TypeVar("R")


@dataclass
class EstateFailure(Generic[K]):
    key: K                # what the caller named: an estate id, a code, (estate id, period)
    error: Exception


@dataclass
class EstateLoop(Generic[K, R]):
    """What a loop did: each finished estate's result, in order, and the estates that failed."""

    results: list[tuple[K, R]] = field(default_factory=list)
    failures: list[EstateFailure[K]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures

    @property
    def exit_code(self) -> int:
        """0 when every estate succeeded, else 1 (for a CLI command's `sys.exit`)."""
        return 0 if self.ok else 1


def for_each_estate(keys: Iterable[K], work: Callable[..., R], *, what: str,
                    log: Optional[logging.Logger] = None,
                    on_done: Optional[Callable[[K], None]] = None) -> EstateLoop[K, R]:
    """Call `work(session, key)` for each key in its own unit of work; never stop at a failure.

    A service's refusal (`PmsError`) is logged as a warning with its message; anything else with
    its traceback. `on_done(key)` follows every estate, failed or not (a progress bar).
    """
    log = log or logging.getLogger("pms.estates_loop")
    loop: EstateLoop[K, R] = EstateLoop()
    for key in keys:
        try:
            with unit_of_work() as session:
                result = work(session, key)
        except PmsError as err:
            log.warning("%s estate=%s refused: %s", what, key, err.message)
            loop.failures.append(EstateFailure(key, err))
        except Exception as err:  # one estate's failure must not stop the others
            log.exception("%s estate=%s failed", what, key)
            loop.failures.append(EstateFailure(key, err))
        else:
            loop.results.append((key, result))
        if on_done is not None:
            on_done(key)
    return loop


def for_each_batch(batches: Iterable[Sequence[K]], work: Callable[..., list[R]], *, what: str,
                   log: Optional[logging.Logger] = None,
                   on_done: Optional[Callable[[K], None]] = None) -> EstateLoop[K, R]:
    """Call `work(session, keys)` — one result per key, in the keys' order — for each batch in its
    own unit of work. A batch that fails is rolled back and retried one key at a time, so one bad
    estate costs the others nothing but time and is reported under its own key."""
    log = log or logging.getLogger("pms.estates_loop")
    loop: EstateLoop[K, R] = EstateLoop()
    for batch in batches:
        batch = list(batch)
        if len(batch) > 1:
            try:
                with unit_of_work() as session:
                    results = work(session, batch)
            except Exception as err:  # noqa: BLE001 - retried estate by estate below
                log.warning("%s batch of %d estates failed (%s); retrying them one by one", what,
                            len(batch), getattr(err, "message", err))
            else:
                loop.results.extend(zip(batch, results))
                for key in batch:
                    if on_done is not None:
                        on_done(key)
                continue
        single = for_each_estate(batch, lambda session, key: work(session, [key])[0], what=what, log=log,
                                 on_done=on_done)
        loop.results.extend(single.results)
        loop.failures.extend(single.failures)
    return loop
