"""Plausible Chinese names and ids for a demo world, made with vectorised numpy string operations,
and the fast categorical draw the generator uses for tens of millions of rows.

Strings are the memory risk of a national world (20 million volunteers), so names that repeat are
taken from a pool and share one Python ``str`` each; only ids are one string per row.

Examples
--------
>>> import numpy as np
>>> list(ids("V", 3, 6))
['V000000', 'V000001', 'V000002']
>>> rng = np.random.default_rng(0)
>>> all(n.endswith(("村", "庄", "屯", "营", "洼", "峪", "沟", "岭", "店", "集", "寨", "坡", "楼", "堡", "铺", "湾"))
...     for n in village_names(rng, 50))
True
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = [
    "ids",
    "join",
    "rank_in_group",
    "distinct_index",
    "place_names",
    "village_names",
    "person_names",
    "org_names",
    "SURNAMES",
    "categorical",
]

#: common surnames, most frequent first (weights fall off with rank)
SURNAMES = list(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕"
    "丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛阎段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武"
    "戴莫孔向汤易"
)
_GIVEN = list(
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华玉萍红建国文利云凤海燕德成志林荣斌"
    "鹏宇浩俊佳欣怡晨雪梅琳辉兵春秋亮新民福贵生金宝山清连荣梦婷丹晓彬龙飞"
)
_PLACE = list(
    "安平和康宁丰泰兴隆永顺福昌盛源河山石泉桥林柳桃杏梨枣槐松柏龙凤马牛羊鹤燕黄白红青"
    "高新古双东西南北中前后上下大小长望明阳春秋汶泗沂蒙岱徂云峰台坪湖塘"
)
_VILLAGE_PREFIX = list("东西南北前后上下大小新老") + [""] * 12
_VILLAGE_FEATURE = list("石河山柳杨桥泉井坡湾槐枣桃杏松柏龙凤马牛羊黄白红青高古双三五七九")
_VILLAGE_SUFFIX = list("庄屯营洼峪沟岭店集寨坡楼堡铺湾")
_BRANDS = (
    "阳光 仁爱 博爱 春晖 同心 善行 益路 红帆 星耀 暖心 爱心 温馨 和美 众诚 德馨 朝阳 长青 明德 惠民"
    " 康宁 乐助 向善 金晖 夕阳红 彩虹 启航 晨曦 月亮 滴水 心连心 手拉手 映山红 蒲公英 向日葵 萤火虫"
    " 微光 益家 乐龄 福寿 安康 和谐 幸福 大爱 慈航 善德 雷锋 青松 春雨 春苗 希望 扬帆 同行 牵手 馨家"
    " 善源 恒爱 至善 明心 一心 泰和"
).split()
#: name endings by organization kind (social_group, service_agency, foundation)
_ORG_SUFFIXES = (
    "志愿者协会 义工联合会 爱心协会 青年志愿者协会 老年人协会 社会工作协会 助残志愿者协会 公益联合会"
    " 扶贫开发协会 巾帼志愿者协会 爱心助学协会 慈善义工协会".split(),
    "社会工作服务中心 社工服务中心 养老服务中心 康复服务中心 儿童发展服务中心 公益服务中心 家庭服务中心"
    " 志愿服务中心 助残服务中心 居家养老服务中心 青少年服务中心 社区服务中心".split(),
    "慈善基金会 教育基金会 公益基金会 助学基金会 扶贫基金会 爱心基金会".split(),
)


def categorical(
    rng: np.random.Generator, n: int, weights: Sequence[float] | np.ndarray
) -> np.ndarray:
    """``n`` independent draws of an index with probability proportional to ``weights``.

    ``rng.choice(k, n, p=...)`` looks every draw up in the cumulative weights, which is slow for
    millions of draws among many categories; drawing the counts (multinomial) and shuffling the
    repeated labels gives the same distribution in a fraction of the time.
    """
    p = np.asarray(weights, dtype=np.float64)
    p = p / p.sum()
    if len(p) <= 16:
        u = rng.random(n)
        out = np.zeros(n, dtype=np.int64)
        for c in np.cumsum(p)[:-1]:
            out += u >= c
        return out
    counts = rng.multinomial(n, p)
    return rng.permutation(np.repeat(np.arange(len(p), dtype=np.int64), counts))


def ids(prefix: str, n: int, width: int) -> np.ndarray:
    """``prefix`` followed by 0..n-1 zero-padded to ``width`` digits, as an object array of str."""
    codes = np.empty((n, width + len(prefix)), dtype=np.uint32)
    codes[:, : len(prefix)] = [ord(c) for c in prefix]
    x = np.arange(n, dtype=np.int64)
    for k in range(width):
        codes[:, -1 - k] = 48 + x % 10
        x //= 10
    return codes.view(f"<U{width + len(prefix)}").ravel().astype(object)


def join(*parts) -> np.ndarray:
    """Concatenate string arrays (or scalars) element-wise into an object array of str."""
    out = np.asarray(parts[0], dtype=str)
    for p in parts[1:]:
        out = np.strings.add(out, np.asarray(p, dtype=str))
    return out.astype(object)


def rank_in_group(group: np.ndarray) -> np.ndarray:
    """0, 1, 2... for the rows of each group, in row order."""
    order = np.argsort(group, kind="stable")
    sorted_group = group[order]
    starts = np.r_[0, np.flatnonzero(sorted_group[1:] != sorted_group[:-1]) + 1]
    first = np.repeat(starts, np.diff(np.r_[starts, len(group)]))
    rank = np.empty(len(group), dtype=np.int64)
    rank[order] = np.arange(len(group)) - first
    return rank


def distinct_index(
    rng: np.random.Generator, group: np.ndarray, space: int
) -> tuple[np.ndarray, np.ndarray]:
    """Pseudo-random indices into ``range(space)``, distinct within each group for its first
    ``space`` rows; returns ``(index, tier)`` where ``tier`` counts how often a group wrapped."""
    rank = rank_in_group(group)
    offset = rng.integers(0, space, size=int(group.max(initial=0)) + 1)
    stride = next(p for p in (7919, 7907, 7901, 7883, 7879) if np.gcd(p, space) == 1)
    return (offset[group] + (rank % space) * stride) % space, rank // space


def place_names(rng: np.random.Generator, group: np.ndarray, suffixes: Sequence[str]) -> np.ndarray:
    """Two-character place names plus a suffix (镇, 县...), distinct within each group."""
    chars = np.array(_PLACE)
    k = len(chars)
    idx, _ = distinct_index(rng, group, k * (k - 1))
    first, second = idx // (k - 1), idx % (k - 1)
    second = second + (second >= first)  # never the same character twice
    suffix = np.array(list(suffixes))[rng.integers(0, len(suffixes), size=len(group))]
    return join(chars[first], chars[second], suffix)


def village_names(rng: np.random.Generator, n: int) -> np.ndarray:
    """Names like 王家庄村, 东柳峪, 石门洼村: surname or feature + 庄/屯/营/洼/峪…, often + 村."""
    surname_w = 1.0 / np.arange(1, len(SURNAMES) + 1) ** 0.6
    use_surname = rng.random(n) < 0.65
    head = np.where(
        use_surname,
        np.array(SURNAMES)[categorical(rng, n, surname_w)],
        np.array(_VILLAGE_FEATURE)[rng.integers(0, len(_VILLAGE_FEATURE), size=n)],
    )
    jia = np.where(use_surname & (rng.random(n) < 0.4), "家", "")
    prefix = np.array(_VILLAGE_PREFIX)[rng.integers(0, len(_VILLAGE_PREFIX), size=n)]
    suffix = np.array(_VILLAGE_SUFFIX)[rng.integers(0, len(_VILLAGE_SUFFIX), size=n)]
    cun = np.where(rng.random(n) < 0.7, "村", "")
    return join(prefix, head, jia, suffix, cun)


def _person_pool() -> np.ndarray:
    """Every surname with every given name of one or two characters (a fixed pool of strings)."""
    given = np.array(_GIVEN)
    pairs = np.strings.add(given[:, None], given[None, :]).ravel()
    all_given = np.concatenate([given, pairs])
    return np.strings.add(np.array(SURNAMES)[:, None], all_given[None, :]).ravel().astype(object)


_PERSON_POOL: np.ndarray | None = None


def person_names(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` person names (surname + one or two given characters), sharing pooled strings."""
    global _PERSON_POOL
    if _PERSON_POOL is None:
        _PERSON_POOL = _person_pool()
    g = len(_GIVEN)
    per_surname = g + g * g
    surname_w = 1.0 / np.arange(1, len(SURNAMES) + 1) ** 0.8
    surname = categorical(rng, n, surname_w)
    two = rng.random(n) < 0.7
    a = rng.integers(0, g, size=n)
    b = rng.integers(0, g, size=n)
    given = np.where(two, g + a * g + b, a)
    return _PERSON_POOL[surname * per_surname + given]


def org_names(
    rng: np.random.Generator,
    kind: np.ndarray,
    area: np.ndarray,
    area_names: np.ndarray,
    town: np.ndarray,
    town_start: np.ndarray,
    town_count: np.ndarray,
    county: np.ndarray,
) -> np.ndarray:
    """Names like 泰安市阳光志愿者协会, 岱岳区仁爱社会工作服务中心, 泰安市春晖慈善基金会.

    ``kind`` indexes (social_group, service_agency, foundation); ``area`` indexes ``area_names``
    (a county or a region). Names are distinct within an area and kind; when an area has more
    organizations than brand x ending, a town of the organization's county is put in the name.
    """
    n = len(kind)
    out = np.empty(n, dtype=object)
    brands = np.array(_BRANDS)
    for k, suffixes in enumerate(_ORG_SUFFIXES):
        rows = np.flatnonzero(kind == k)
        space = len(brands) * len(suffixes)
        idx, tier = distinct_index(rng, area[rows], space)
        c = county[rows]
        has_town = (tier > 0) & (tier <= town_count[c])
        town_name = np.where(has_town, town[town_start[c] + np.maximum(tier - 1, 0)], "")
        out[rows] = join(
            area_names[area[rows]],
            town_name,
            brands[idx // len(suffixes)],
            np.array(suffixes)[idx % len(suffixes)],
        )
    return out
