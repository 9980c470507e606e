"""Generated worlds and greedy results, pickled under a cache folder (``/tmp`` by default)."""

from __future__ import annotations

import pickle
import sys
import time
from pathlib import Path

from . import spec
from .world import World, build_world

__all__ = ["load_world", "cached", "DEFAULT_CACHE"]

DEFAULT_CACHE = Path("/tmp/baotuan-quality")
#: bump when a change to the generators or greedies makes cached files stale
VERSION = 1


def _path(cache: Path, name: str, scale: str, seed: int, what: str) -> Path:
    return cache / f"v{VERSION}-{name}-{scale}-s{seed}-{what}.pkl"


def cached(cache: Path, name: str, scale: str, seed: int, what: str, make):
    """``make()``, stored once per (generator, scale, seed, what) and loaded afterwards."""
    path = _path(Path(cache), name, scale, seed, what)
    if path.exists():
        with open(path, "rb") as f:
            return pickle.load(f)
    start = time.perf_counter()
    value = make()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with open(tmp, "wb") as f:
        pickle.dump(value, f, protocol=5)
    tmp.replace(path)
    print(
        f"  {what} of {name} {scale}: {time.perf_counter() - start:.1f}s",
        file=sys.stderr,
        flush=True,
    )
    return value


def load_world(name: str, scale: str, seed: int = 0, cache: Path = DEFAULT_CACHE) -> World:
    """The world of generator ``name`` at ``scale``, generated once and cached."""
    return cached(cache, name, scale, seed, "world", lambda: build_world(spec(name), scale, seed))
