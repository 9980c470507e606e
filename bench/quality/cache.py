"""Generated worlds and greedy results, pickled under a cache folder (``/tmp`` by default)."""

from __future__ import annotations

import ast
import os
import pickle
import sys
import time
import zlib
from pathlib import Path

from . import spec
from .world import World, build_world

__all__ = ["load_world", "cached", "DEFAULT_CACHE"]

DEFAULT_CACHE = Path("/tmp/baotuan-quality")
# loop.py: a simulated year on the platform, made from a world (it makes no worlds itself)
_NOT_IN_KEY = {"cache.py", "evaluate.py", "__init__.py", "errors.py", "loop.py"}


def _code(path: Path) -> bytes:
    """The module's syntax tree without docstrings: editing prose keeps the cached worlds."""
    tree = ast.parse(path.read_bytes())
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (
            isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef)
            and body
            and isinstance(body[0], ast.Expr)
            and isinstance(body[0].value, ast.Constant)
            and isinstance(body[0].value.value, str)
        ):
            node.body = body[1:] or [ast.Pass()]
    return ast.dump(tree).encode()


def _version() -> str:
    """A checksum of the code that makes worlds and greedy groups: editing a generator or a
    greedy makes a new key (the judge, this cache and the registry are left out)."""
    crc = 0
    for path in sorted(Path(__file__).parent.glob("*.py")):
        if path.name not in _NOT_IN_KEY:
            crc = zlib.crc32(_code(path), crc)
    return f"{crc:08x}"


#: computed once, at import: a run uses one key even if the source is edited while it runs
_VERSION = _version()


def _path(cache: Path, name: str, scale: str, seed: int, what: str) -> Path:
    return cache / f"{name}-{scale}-s{seed}-{what}-{_VERSION}.pkl"


def cached(cache: Path, name: str, scale: str, seed: int, what: str, make):
    """``make()``, stored once per (generator, scale, seed, what) and loaded afterwards.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> cached(folder, "dev_local_teams", "tiny", 0, "answer", lambda: 42)
    42
    >>> cached(folder, "dev_local_teams", "tiny", 0, "answer", lambda: 0)  # from the cache
    42
    """
    path = _path(Path(cache), name, scale, seed, what)
    if path.exists():
        with open(path, "rb") as f:
            return pickle.load(f)
    start = time.perf_counter()
    value = make()
    path.parent.mkdir(parents=True, exist_ok=True)
    # two runs side by side may make the same world: each writes its own file, the last one wins
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    with open(tmp, "wb") as f:
        pickle.dump(value, f, protocol=5)
    tmp.replace(path)
    for stale in path.parent.glob(f"{name}-{scale}-s{seed}-{what}-*.pkl"):
        if stale != path:  # made by older source: never read again (a province world is ~95 MB)
            stale.unlink(missing_ok=True)
    print(
        f"  {what} of {name} {scale}: {time.perf_counter() - start:.1f}s",
        file=sys.stderr,
        flush=True,
    )
    return value


def load_world(name: str, scale: str, seed: int = 0, cache: Path = DEFAULT_CACHE) -> World:
    """The world of generator ``name`` at ``scale``, generated once and cached.

    Examples
    --------
    >>> import tempfile
    >>> load_world("dev_local_teams", "tiny", 0, Path(tempfile.mkdtemp())).n_villages
    60
    """
    return cached(cache, name, scale, seed, "world", lambda: build_world(spec(name), scale, seed))
