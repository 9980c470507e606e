"""Sign-in throttling per account, per address and per (address, account) pair.

Only **failed** sign-ins are counted, in Flask-Limiter's storage (the SQLite counters file, or
Redis when the site has one), so every worker and every machine counts together:

- a pair (address, username) that failed too often waits: the person at that address guessing
  that account, whatever else happens at the address;
- an account that failed too often from anywhere waits: an attacker who rotates addresses is
  still slowed down on the account;
- an address that failed too often on many accounts waits: one machine trying many names.

The address limit is high enough that colleagues behind a bureau's one address who mistype their
own passwords do not lock each other out, and a person whose pair is clean signs in with the
right password while others at the address are failing (docs/security.md gives the numbers).

Examples
--------
>>> [str(limit) for limit in LIMITS["pair"]]
['10 per 1 minute', '50 per 1 hour']
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

from flask import request
from limits import RateLimitItem, parse_many

from ..extensions import limiter

__all__ = ["LIMITS", "wait_seconds", "record_failure"]

log = logging.getLogger(__name__)
T = TypeVar("T")

#: failures allowed before the next attempt waits, per kind of key
LIMITS: dict[str, list[RateLimitItem]] = {
    "pair": parse_many("10 per minute; 50 per hour"),
    "account": parse_many("20 per 10 minutes; 100 per day"),
    "address": parse_many("100 per hour"),
}


def _keys(username: str) -> dict[str, str]:
    address = request.remote_addr or "?"
    name = username.lower()
    return {
        "pair": f"signin/pair/{address}/{name}",
        "account": f"signin/account/{name}",
        "address": f"signin/address/{address}",
    }


def _active() -> bool:
    return bool(limiter.enabled and limiter.initialized)


def _with_strategy(work: Callable[[Any], T]) -> T:
    """Run ``work`` on Flask-Limiter's strategy; when its storage (Redis) does not answer, on the
    in-process fallback Flask-Limiter keeps for that case, as its own decorated routes do, and
    back to the storage once it answers again."""
    fallback = getattr(limiter, "_fallback_limiter", None)
    if getattr(limiter, "_storage_dead", False) and limiter.storage.check():
        limiter._storage_dead = False  # type: ignore[attr-defined]  # Redis is back
    try:
        return work(limiter.limiter)
    except Exception:
        if fallback is None or getattr(limiter, "_storage_dead", False):
            raise
        log.warning("sign-in throttling: storage unreachable, counting in memory meanwhile")
        limiter._storage_dead = True  # type: ignore[attr-defined]
        return work(fallback)


def wait_seconds(username: str) -> int:
    """Seconds until ``username`` may try again from this request's address (0: now).

    Asked before the password is checked, so a throttled attempt costs no hash and no write.
    """
    if not _active():
        return 0
    keys = _keys(username)

    def longest_wait(strategy) -> float:
        waits = [0.0]
        for kind, key in keys.items():
            for item in LIMITS[kind]:
                if not strategy.test(item, key):
                    reset_at = strategy.get_window_stats(item, key).reset_time
                    waits.append(max(reset_at - time.time(), 1.0))
        return max(waits)

    return int(_with_strategy(longest_wait) + 0.999)


def record_failure(username: str) -> None:
    """Count one failed sign-in for the pair, the account and the address."""
    if not _active():
        return
    keys = _keys(username)

    def hit(strategy) -> None:
        for kind, key in keys.items():
            for item in LIMITS[kind]:
                strategy.hit(item, key)

    _with_strategy(hit)
