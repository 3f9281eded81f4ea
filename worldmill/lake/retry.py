"""Bounded retries with exponential backoff for storage calls (commit conflicts, unreachable endpoints)."""

from __future__ import annotations

import dataclasses
import logging
import random
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")
log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry. ``attempts`` counts the first try."""

    attempts: int = 5
    initial_delay_s: float = 0.1
    max_delay_s: float = 2.0
    multiplier: float = 2.0
    jitter: float = 0.25

    def delays(self) -> list[float]:
        delays, delay = [], self.initial_delay_s
        for _ in range(max(self.attempts - 1, 0)):
            delays.append(min(delay, self.max_delay_s))
            delay *= self.multiplier
        return delays


DEFAULT_RETRY = RetryPolicy()
# Writers racing for one table (cluster runs of many cells at once) keep conflicting while they overlap: their own,
# longer budget, with wide jitter so that they fall out of step; transient failures keep the default budget.
CONFLICT_RETRY = RetryPolicy(attempts=30, initial_delay_s=0.05, max_delay_s=1.0, jitter=0.5)

_TRANSIENT_TEXT = (
    "connection",
    "connect",
    "timed out",
    "timeout",
    "temporarily",
    "broken pipe",
    "reset by peer",
    "dns",
    "error sending request",
    "service unavailable",
    "503",
    "500 internal",
    "502",
    "504",
    "slowdown",
    "throttl",
    "too many requests",
)


def is_transient(exc: BaseException) -> bool:
    """Network-ish failures worth retrying (unreachable endpoint, timeouts, throttling); not missing files,
    permissions, schema or syntax errors."""
    if isinstance(exc, (FileNotFoundError, PermissionError, NotADirectoryError, IsADirectoryError)):
        return False
    if isinstance(exc, (ConnectionError, TimeoutError)):
        return True
    text = f"{type(exc).__name__} {exc}".lower()
    return any(marker in text for marker in _TRANSIENT_TEXT)


def retry_call(
    fn: Callable[[], T],
    *,
    retry_on: Callable[[BaseException], bool],
    policy: RetryPolicy = DEFAULT_RETRY,
    what: str = "storage call",
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Call ``fn``; on an error that ``retry_on`` accepts, wait and try again, at most ``policy.attempts`` times.

    The last error propagates unchanged so callers can wrap it in a message naming site and URI.
    """
    return retry_with_conflicts(
        fn, is_conflict=lambda exc: False, retry_on=retry_on, policy=policy, what=what, sleep=sleep
    )


def retry_with_conflicts(
    fn: Callable[[], T],
    *,
    is_conflict: Callable[[BaseException], bool],
    retry_on: Callable[[BaseException], bool],
    policy: RetryPolicy = DEFAULT_RETRY,
    conflict_policy: RetryPolicy = CONFLICT_RETRY,
    what: str = "storage call",
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """``retry_call`` where commit conflicts draw on ``conflict_policy`` and other retryable errors on ``policy``,
    each budget counted on its own: many concurrent writers converge without an unreachable endpoint being
    retried for longer. The last error propagates unchanged."""
    budgets = {True: (conflict_policy, conflict_policy.delays()), False: (policy, policy.delays())}
    used = {True: 0, False: 0}
    while True:
        try:
            return fn()
        except Exception as exc:
            conflict = is_conflict(exc)
            chosen, delays = budgets[conflict]
            if used[conflict] >= len(delays) or not (conflict or retry_on(exc)):
                raise
            delay = delays[used[conflict]] * (1 + random.uniform(-chosen.jitter, chosen.jitter))
            used[conflict] += 1
            log.info("%s failed (%s), retry %d/%d in %.2fs", what, type(exc).__name__, used[conflict], len(delays), delay)
            sleep(delay)
