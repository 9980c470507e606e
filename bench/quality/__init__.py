"""Ground-truth worlds for judging the matcher on worlds it was not written alongside (issue 11).

Development generators are ``dev_*`` modules, held-out ones ``heldout_*``: whoever tunes the
matcher works only on the development ones (never open a ``heldout_*`` module). See
``docs/quality-bench.md``.

Examples
--------
>>> from bench.quality import DEVELOPMENT, spec
>>> spec(DEVELOPMENT[0]).name == DEVELOPMENT[0]
True
"""

from __future__ import annotations

import importlib

from .errors import QualityBenchError

__all__ = [
    "DEVELOPMENT",
    "HELD_OUT",
    "GENERATORS",
    "spec",
    "is_held_out",
    "development_names",
    "QualityBenchError",
]

DEVELOPMENT: tuple[str, ...] = (
    "dev_local_teams",
    "dev_alliance_multiply",
    "dev_weakest_link",
    "dev_service_specialists",
    "dev_hub_brokers",
    "dev_like_with_like",
    "dev_hard_villages",
    "dev_kind_roles",
)
HELD_OUT: tuple[str, ...] = (
    "heldout_party_federation",
    "heldout_star_rivals",
    "heldout_distant_allies",
    "heldout_kind_mix",
    "heldout_home_county",
    "heldout_sealed_a",
    "heldout_sealed_b",
    "heldout_sealed_c",
    "heldout_sealed_d",
)
GENERATORS: tuple[str, ...] = DEVELOPMENT + HELD_OUT


def spec(name: str):
    """The :class:`~bench.quality.world.Spec` of generator ``name``.

    Examples
    --------
    >>> spec("dev_weakest_link").noise_sd
    10.0
    """
    if name not in GENERATORS:
        raise QualityBenchError(f"unknown generator {name!r}: one of {', '.join(GENERATORS)}")
    return importlib.import_module(f"{__name__}.{name}").SPEC


def is_held_out(name: str) -> bool:
    """True for a held-out generator.

    Examples
    --------
    >>> is_held_out("dev_local_teams")
    False
    """
    return name in HELD_OUT


def development_names(text: str) -> list[str]:
    """The generators of a comma-separated ``text``, refused unless all are development ones
    (diagnostic benches must not be tuned on held-out worlds).

    Examples
    --------
    >>> development_names("dev_local_teams, dev_kind_roles")
    ['dev_local_teams', 'dev_kind_roles']
    >>> development_names("heldout_sealed_a")
    Traceback (most recent call last):
    ...
    bench.quality.errors.QualityBenchError: --generators: 'heldout_sealed_a' is not a development generator
    """
    names = [g.strip() for g in text.split(",") if g.strip()]
    for name in names:
        if name not in DEVELOPMENT:
            raise QualityBenchError(f"--generators: {name!r} is not a development generator")
    return names
