"""Places, villages, needs and organizations of a ground-truth world (no history yet).

Our own map, not the demo's: a province-like area around lat 26.8, lon 106.7 (inside China's
extent) cut into counties laid on a jittered grid, grouped ten by ten into prefectures. Villages
scatter over their county; organizations sit nearer its seat, and some in the prefecture's seat.
Everything is drawn from one ``numpy.random.Generator``, vectorised.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .errors import QualityBenchError

__all__ = ["Actors", "SCALES", "make_actors", "top_k_mask", "NEED_WEIGHTS", "SUPPLY_WEIGHTS"]

#: villages, organizations, counties (as a rows x columns grid) and prefectures per scale
SCALES: dict[str, tuple[int, int, int, int]] = {
    "tiny": (60, 300, 2, 2),
    "city": (300, 1_500, 3, 3),
    "province": (10_000, 60_000, 10, 10),
}
#: how often each service (in the order of graph_schema.SERVICES) is needed, and offered: common
#: services are offered many times over, rare ones (rehab, women, emergency relief) are short
NEED_WEIGHTS = np.array([1.6, 1.4, 1.0, 0.6, 1.3, 0.7, 0.8, 1.0, 0.6, 0.6, 0.9])
SUPPLY_WEIGHTS = np.array([1.5, 1.2, 1.2, 0.25, 0.9, 0.6, 1.6, 1.6, 0.3, 0.25, 0.5])
_CENTRE = (26.8, 106.7)
_SPACING = (0.42, 0.47)  # degrees between county seats (~45 km)
_SYLLABLES = list("安平阳河山清云石青江华兴福宁德永长新丰泉林源盘水龙凤明川岭溪")
_SURNAMES = list("王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁")
_PLACE = ["家庄", "家坝", "家寨", "坪", "沟", "湾", "岭", "坳", "冲", "田"]
_ORG_WORDS = ["阳光", "仁爱", "春晖", "同心", "善行", "康宁", "爱心", "启明", "和美", "暖阳"]
_ORG_KINDS = [  # (kind code, name suffix, share)
    ("social_group", "志愿者协会", 0.45),
    ("service_agency", "社会工作服务中心", 0.50),
    ("foundation", "慈善基金会", 0.05),
]


@dataclass
class Actors:
    """The people and places of a world, as arrays (index = position in the id order)."""

    county_names: np.ndarray  # str per county
    county_lat: np.ndarray
    county_lon: np.ndarray
    county_prefecture: np.ndarray
    v_lat: np.ndarray
    v_lon: np.ndarray
    v_county: np.ndarray
    v_name: np.ndarray
    v_hardship: np.ndarray
    need_sev: np.ndarray  # int8 [villages, services], 0 = not needed
    o_lat: np.ndarray
    o_lon: np.ndarray
    o_county: np.ndarray
    o_name: np.ndarray
    o_kind: np.ndarray  # index into _ORG_KINDS
    o_quality: np.ndarray  # hidden
    o_level: np.ndarray  # int8 [orgs, services], 0 = not offered
    o_capacity: np.ndarray  # max_villages
    o_volunteers: np.ndarray
    o_party: np.ndarray  # bool: has a party branch

    @property
    def kind_codes(self) -> np.ndarray:
        return np.array([k[0] for k in _ORG_KINDS], dtype=object)[self.o_kind]


def top_k_mask(rng: np.random.Generator, weights: np.ndarray, k: np.ndarray) -> np.ndarray:
    """For each row, ``k[row]`` distinct columns drawn with probability ∝ ``weights`` (no loop).

    Examples
    --------
    >>> m = top_k_mask(np.random.default_rng(0), np.ones(5), np.array([1, 3]))
    >>> m.sum(axis=1).tolist()
    [1, 3]
    """
    keys = np.log(weights)[None, :] + rng.gumbel(size=(len(k), len(weights)))
    rank = np.argsort(np.argsort(-keys, axis=1), axis=1)
    return rank < k[:, None]


def _names(rng, n: int, pool: list[str], length: int) -> np.ndarray:
    parts = [np.array(pool)[rng.integers(len(pool), size=n)] for _ in range(length)]
    out = parts[0].astype(object)
    for p in parts[1:]:
        out = out + p.astype(object)
    return out


def _counties(rng, rows: int, cols: int, prefectures: int):
    n = rows * cols
    r, c = np.divmod(np.arange(n), cols)
    lat = _CENTRE[0] + (r - (rows - 1) / 2) * _SPACING[0] + rng.normal(0, 0.06, n)
    lon = _CENTRE[1] + (c - (cols - 1) / 2) * _SPACING[1] + rng.normal(0, 0.06, n)
    # prefectures: blocks of neighbouring counties (bands of the grid)
    prefecture = (np.arange(n) * prefectures) // n
    names = np.array(
        [
            f"{_SYLLABLES[i % len(_SYLLABLES)]}{_SYLLABLES[(i * 7 + 3) % len(_SYLLABLES)]}"
            f"{'区' if i % 10 == 0 else '县'}"
            for i in rng.permutation(len(_SYLLABLES) ** 2)[:n]
        ],
        dtype=object,
    )
    return names, lat, lon, prefecture


def make_actors(
    scale: str,
    rng: np.random.Generator,
    *,
    quality: Callable[[np.random.Generator, int], np.ndarray] | None = None,
    level_from_quality: float = 0.5,
    party_share: float = 0.4,
) -> Actors:
    """Villages with needs and organizations with capabilities for ``scale``.

    ``quality(rng, n)`` draws the hidden quality of the organizations (standard normal by default); ``level_from_quality``
    says how much capability levels follow it (0: not at all).

    Examples
    --------
    >>> a = make_actors("tiny", np.random.default_rng(0))
    >>> len(a.v_lat), len(a.o_lat), bool((a.need_sev > 0).any(axis=1).all())
    (60, 300, True)
    """
    if scale not in SCALES:
        raise QualityBenchError(f"unknown scale {scale!r}: one of {', '.join(SCALES)}")
    n_v, n_o, rows, pref = SCALES[scale]
    names, c_lat, c_lon, c_pref = _counties(rng, rows, rows, pref)
    n_c = len(names)
    v_w = rng.lognormal(0, 0.4, n_c)
    v_county = np.sort(rng.choice(n_c, n_v, p=v_w / v_w.sum()))
    v_lat = c_lat[v_county] + rng.normal(0, 0.11, n_v)
    v_lon = c_lon[v_county] + rng.normal(0, 0.12, n_v)
    hardship = rng.normal(0, 1, n_v)
    n_needs = rng.integers(2, 6, n_v)
    mask = top_k_mask(rng, NEED_WEIGHTS, n_needs)
    sev = np.clip(np.rint(2.8 + 0.8 * hardship[:, None] + rng.normal(0, 0.8, mask.shape)), 1, 5)
    need_sev = np.where(mask, sev, 0).astype(np.int8)
    v_name = _names(rng, n_v, _SURNAMES, 1) + np.array(_PLACE)[rng.integers(len(_PLACE), size=n_v)]
    v_name = v_name + "村"

    # organizations: most near a county seat, 15 % in their prefecture's seat county
    o_w = rng.lognormal(0, 0.5, n_c)
    o_county = rng.choice(n_c, n_o, p=o_w / o_w.sum())
    seats = np.array([np.flatnonzero(c_pref == p)[0] for p in range(pref)])
    at_seat = rng.random(n_o) < 0.15
    o_county = np.where(at_seat, seats[c_pref[o_county]], o_county)
    order = np.argsort(o_county, kind="stable")
    o_county = o_county[order]
    o_lat = c_lat[o_county] + rng.normal(0, 0.06, n_o)
    o_lon = c_lon[o_county] + rng.normal(0, 0.065, n_o)
    q = rng.normal(0, 1, n_o) if quality is None else np.asarray(quality(rng, n_o), float)
    kind = rng.choice(len(_ORG_KINDS), n_o, p=[k[2] for k in _ORG_KINDS])
    n_caps = rng.choice([1, 2, 3], n_o, p=[0.35, 0.4, 0.25])
    caps = top_k_mask(rng, SUPPLY_WEIGHTS, n_caps)
    lv = np.rint(2.8 + level_from_quality * q[:, None] + rng.normal(0, 0.9, caps.shape))
    o_level = np.where(caps, np.clip(lv, 1, 5), 0).astype(np.int8)
    capacity = 1 + rng.binomial(3, 0.35, n_o)
    volunteers = np.rint(rng.lognormal(3.0, 0.8, n_o)).astype(np.int64)
    word = np.array(_ORG_WORDS, dtype=object)[rng.integers(len(_ORG_WORDS), size=n_o)]
    suffix = np.array([k[1] for k in _ORG_KINDS], dtype=object)[kind]
    serial = np.char.mod("%d", np.arange(1, n_o + 1)).astype(object)
    o_name = names[o_county] + word + serial + suffix  # unique through the serial
    return Actors(
        county_names=names,
        county_lat=c_lat,
        county_lon=c_lon,
        county_prefecture=c_pref,
        v_lat=v_lat,
        v_lon=v_lon,
        v_county=v_county,
        v_name=names[v_county] + v_name,
        v_hardship=hardship,
        need_sev=need_sev,
        o_lat=o_lat,
        o_lon=o_lon,
        o_county=o_county,
        o_name=o_name,
        o_kind=kind,
        o_quality=q,
        o_level=o_level,
        o_capacity=capacity,
        o_volunteers=volunteers,
        o_party=rng.random(n_o) < party_share,
    )
