"""Where a demo world lies: counties, their regions, centres, spreads and weights.

Three maps, one per scale of :func:`graph_schema.demo.generate_world`:

- ``city``: Tai'an's six county-level areas with their real towns and rough coordinates;
- ``province``: a Shandong-like province, its 16 prefectures and their real counties;
- ``nation``: 31 China-like provinces, each with a made-up set of counties.

Each county gets a centre and a radius (degrees), a weight for poor villages (rural, poorer places
weigh more) and a weight for organizations (cities and richer places weigh more), so villages
and the organizations that could serve them are not laid out alike. The layout of counties inside
a region is fixed (it does not depend on the world's seed), so a map stays the same map.

Examples
--------
>>> geo = geography("city")
>>> list(geo.county[:2]), geo.region_names
(['泰山区', '岱岳区'], ['泰安市'])
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .names import place_names

__all__ = ["Geography", "geography", "SCALE_BOXES"]

#: ``(lat_min, lat_max, lon_min, lon_max)`` every generated point is clipped to
SCALE_BOXES = {
    "city": (35.6, 36.4, 116.3, 117.9),
    "province": (34.4, 38.3, 114.8, 122.7),
    "nation": (18.2, 53.0, 73.6, 134.7),
}

_LAYOUT_SEED = 20201231  # the map's own seed: counties stay put whatever the world's seed

# county | lat | lon | radius | village weight | organization weight | towns
_TAIAN = """
泰山区|36.19|117.15|0.05|0.03|0.30|泰前街道 财源街道 岱庙街道 上高街道 徐家楼街道 省庄镇 邱家店镇
岱岳区|36.10|117.05|0.15|0.20|0.17|粥店街道 天平街道 北集坡街道 山口镇 祝阳镇 范镇 角峪镇 徂徕镇 满庄镇 夏张镇 道朗镇 黄前镇 大汶口镇 马庄镇 房村镇 良庄镇 下港镇
新泰市|35.91|117.74|0.14|0.20|0.16|青云街道 新汶街道 东都镇 小协镇 翟镇 泉沟镇 羊流镇 果都镇 西张庄镇 天宝镇 楼德镇 禹村镇 宫里镇 谷里镇 石莱镇 放城镇 刘杜镇 汶南镇 龙廷镇 岳家庄乡
肥城市|36.18|116.77|0.12|0.15|0.14|新城街道 老城街道 王瓜店街道 仪阳街道 潮泉镇 桃园镇 王庄镇 湖屯镇 石横镇 安临站镇 孙伯镇 安驾庄镇 边院镇 汶阳镇
宁阳县|35.76|116.80|0.10|0.17|0.11|文庙街道 八仙桥街道 堽城镇 蒋集镇 泗店镇 东疏镇 伏山镇 华丰镇 葛石镇 磁窑镇 乡饮乡 鹤山乡 东庄乡
东平县|35.94|116.46|0.11|0.25|0.12|东平街道 州城街道 彭集街道 沙河站镇 老湖镇 银山镇 斑鸠店镇 接山镇 大羊镇 梯门镇 新湖镇 商老庄乡 旧县乡 戴庙镇
"""

# prefecture | lat | lon | radius | village weight | organization weight | counties (districts first)
_SHANDONG = """
济南市|36.62|117.12|0.45|0.05|0.12|历下区 槐荫区 天桥区 历城区 长清区 章丘区 济阳区 莱芜区 钢城区 平阴县 商河县
青岛市|36.30|120.20|0.45|0.03|0.12|崂山区 黄岛区 城阳区 即墨区 胶州市 平度市 莱西市
淄博市|36.65|118.05|0.35|0.03|0.05|张店区 淄川区 博山区 临淄区 周村区 桓台县 高青县 沂源县
枣庄市|34.88|117.40|0.25|0.04|0.03|市中区 薛城区 峄城区 台儿庄区 山亭区 滕州市
东营市|37.45|118.55|0.35|0.03|0.03|东营区 河口区 垦利区 利津县 广饶县
烟台市|37.35|120.90|0.55|0.05|0.08|芝罘区 福山区 牟平区 莱山区 蓬莱区 龙口市 莱阳市 莱州市 招远市 栖霞市 海阳市
潍坊市|36.55|119.10|0.50|0.06|0.09|潍城区 寒亭区 坊子区 奎文区 临朐县 昌乐县 青州市 诸城市 寿光市 安丘市 高密市 昌邑市
济宁市|35.40|116.70|0.45|0.09|0.07|任城区 兖州区 微山县 鱼台县 金乡县 嘉祥县 汶上县 泗水县 梁山县 曲阜市 邹城市
泰安市|36.00|117.10|0.40|0.05|0.05|泰山区 岱岳区 新泰市 肥城市 宁阳县 东平县
威海市|37.20|122.00|0.30|0.02|0.03|环翠区 文登区 荣成市 乳山市
日照市|35.55|119.20|0.30|0.03|0.03|东港区 岚山区 五莲县 莒县
临沂市|35.30|118.30|0.60|0.14|0.09|兰山区 罗庄区 河东区 沂南县 郯城县 沂水县 兰陵县 费县 平邑县 莒南县 蒙阴县 临沭县
德州市|37.30|116.60|0.45|0.08|0.05|德城区 陵城区 宁津县 庆云县 临邑县 齐河县 平原县 夏津县 武城县 乐陵市 禹城市
聊城市|36.45|115.90|0.40|0.09|0.05|东昌府区 茌平区 阳谷县 莘县 东阿县 冠县 高唐县 临清市
滨州市|37.40|117.80|0.40|0.05|0.04|滨城区 沾化区 惠民县 阳信县 无棣县 博兴县 邹平市
菏泽市|35.25|115.65|0.45|0.16|0.06|牡丹区 定陶区 曹县 单县 成武县 巨野县 郓城县 鄄城县 东明县
"""

# province | lat | lon | radius | poor villages (2015, rounded) | population (millions) | counties
_CHINA = """
北京市|40.10|116.40|0.45|60|22|16
天津市|39.20|117.30|0.40|60|14|16
河北省|38.70|115.80|1.60|7366|75|168
山西省|37.60|112.30|1.50|7993|35|117
内蒙古自治区|43.50|114.50|4.00|2834|24|103
辽宁省|41.50|122.80|1.50|1791|43|100
吉林省|43.70|126.20|1.50|1489|24|60
黑龙江省|47.20|127.80|2.20|1778|31|121
上海市|31.20|121.45|0.30|60|25|16
江苏省|32.90|119.40|1.20|800|85|95
浙江省|29.30|120.10|1.10|500|65|90
安徽省|31.80|117.20|1.40|3000|61|104
福建省|26.10|118.20|1.30|2000|41|84
江西省|27.60|115.70|1.50|3000|45|100
山东省|36.30|118.20|1.50|3500|101|136
河南省|33.90|113.50|1.50|9536|99|157
湖北省|30.90|112.30|1.60|4821|58|103
湖南省|27.60|111.70|1.60|6920|66|122
广东省|23.40|113.40|1.60|2277|126|122
广西壮族自治区|23.80|108.80|1.60|5000|50|111
海南省|19.20|109.80|0.50|300|10|25
重庆市|29.90|107.60|1.00|1919|32|38
四川省|30.60|103.50|2.20|11501|84|183
贵州省|26.80|106.70|1.40|9000|39|88
云南省|25.00|101.70|2.20|8502|47|129
西藏自治区|31.00|89.00|4.00|5369|4|74
陕西省|35.20|108.90|1.80|8808|40|107
甘肃省|36.00|103.80|2.40|6220|25|86
青海省|35.70|96.00|2.80|1622|6|44
宁夏回族自治区|37.30|106.20|0.90|1100|7|22
新疆维吾尔自治区|41.50|85.50|4.50|3029|26|107
"""


@dataclass(frozen=True)
class Geography:
    """Counties (arrays indexed by county) and the regions (city, prefecture or province) above them."""

    county: np.ndarray  # object array of str: the county's name
    region: np.ndarray  # int: index into ``region_names``
    region_names: list[str]
    lat: np.ndarray
    lon: np.ndarray
    radius: np.ndarray  # degrees of latitude: how far a county's villages spread
    village_weight: np.ndarray  # sums to 1
    org_weight: np.ndarray  # sums to 1
    town: np.ndarray  # object array of str: every town, grouped by county
    town_start: np.ndarray  # first town of each county in ``town``
    town_count: np.ndarray
    box: tuple[float, float, float, float]


def _rows(text: str) -> list[list[str]]:
    return [line.split("|") for line in text.strip().splitlines()]


def _sunflower(n: int, radius: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``n`` offsets spread evenly over a disc (first ones near the centre), slightly jittered."""
    i = np.arange(n)
    r = radius * np.sqrt((i + 0.5) / n)
    theta = i * 2.399963 + rng.uniform(0, 2 * np.pi)
    jitter = rng.normal(0, 0.15 * radius / np.sqrt(n), size=(2, n))
    return r * np.sin(theta) + jitter[0], r * np.cos(theta) + jitter[1]


@dataclass
class _Counties:
    """Counties collected region by region, before they become a :class:`Geography`."""

    name: list[str] = field(default_factory=list)
    region: list[int] = field(default_factory=list)
    region_names: list[str] = field(default_factory=list)
    parts: dict[str, list[np.ndarray]] = field(
        default_factory=lambda: {k: [] for k in ("lat", "lon", "radius", "vw", "ow")}
    )

    def add_region(
        self,
        rng,
        name: str,
        centre: tuple[float, float],
        radius: float,
        counties: list[str],
        village_weight: np.ndarray,
        org_weight: np.ndarray,
    ) -> None:
        """Lay ``counties`` out over a disc of ``radius`` degrees around ``centre``."""
        n = len(counties)
        dy, dx = _sunflower(n, radius, rng) if rng is not None else (np.zeros(n), np.zeros(n))
        self.region_names.append(name)
        self.name += counties
        self.region += [len(self.region_names) - 1] * n
        self.parts["lat"].append(centre[0] + dy)
        self.parts["lon"].append(centre[1] + dx / np.cos(np.radians(centre[0])))
        self.parts["radius"].append(np.full(n, 0.8 * radius / np.sqrt(n)))
        self.parts["vw"].append(village_weight)
        self.parts["ow"].append(org_weight)

    def geography(
        self, towns: list[np.ndarray], box: tuple[float, float, float, float]
    ) -> Geography:
        lat, lon, radius, vw, ow = (
            np.concatenate(self.parts[k]) for k in ("lat", "lon", "radius", "vw", "ow")
        )
        counts = np.array([len(t) for t in towns])
        return Geography(
            county=np.array(self.name, dtype=object),
            region=np.asarray(self.region),
            region_names=self.region_names,
            lat=np.clip(lat, box[0], box[1]),
            lon=np.clip(lon, box[2], box[3]),
            radius=radius,
            village_weight=vw / vw.sum(),
            org_weight=ow / ow.sum(),
            town=np.concatenate([np.asarray(t, dtype=object) for t in towns]),
            town_start=np.concatenate([[0], np.cumsum(counts)[:-1]]),
            town_count=counts,
            box=box,
        )


def _made_up_towns(rng: np.random.Generator, county_count: int) -> list[np.ndarray]:
    per_county = rng.integers(8, 16, size=county_count)
    group = np.repeat(np.arange(county_count), per_county)
    names = place_names(rng, group, suffixes=("镇", "镇", "镇", "乡", "街道"))
    return np.split(names, np.cumsum(per_county)[:-1])


def _city() -> Geography:
    rows = _rows(_TAIAN)
    geo = _Counties()
    geo.add_region(
        None,
        "泰安市",
        (0.0, 0.0),
        1.0,
        [r[0] for r in rows],
        np.array([float(r[4]) for r in rows]),
        np.array([float(r[5]) for r in rows]),
    )
    # Tai'an's counties have their own centres and sizes rather than a laid-out disc
    geo.parts["lat"] = [np.array([float(r[1]) for r in rows])]
    geo.parts["lon"] = [np.array([float(r[2]) for r in rows])]
    geo.parts["radius"] = [np.array([float(r[3]) for r in rows])]
    return geo.geography([np.array(r[6].split(), dtype=object) for r in rows], SCALE_BOXES["city"])


def _province() -> Geography:
    rng = np.random.default_rng(_LAYOUT_SEED)
    geo = _Counties()
    for name, clat, clon, rad, vweight, oweight, names in _rows(_SHANDONG):
        counties = names.split()
        district = np.array([c.endswith("区") for c in counties])
        # poor villages lie in rural counties; organizations gather in city districts
        v = np.where(district, 0.3, 1.0)
        o = np.where(district, 2.0, 1.0)
        geo.add_region(
            rng,
            name,
            (float(clat), float(clon)),
            float(rad),
            counties,
            float(vweight) * v / v.sum(),
            float(oweight) * o / o.sum(),
        )
    return geo.geography(_made_up_towns(rng, len(geo.name)), SCALE_BOXES["province"])


def _nation() -> Geography:
    rng = np.random.default_rng(_LAYOUT_SEED + 1)
    rows = _rows(_CHINA)
    sizes = [int(r[6]) for r in rows]
    # county names are made up, but distinct across the nation
    names = place_names(rng, np.zeros(sum(sizes), dtype=np.int64), ("县",) * 7 + ("市", "市", "区"))
    starts = np.cumsum([0] + sizes)
    geo = _Counties()
    for (name, clat, clon, rad, poor, people, _), a, b in zip(
        rows, starts[:-1], starts[1:], strict=True
    ):
        share = rng.dirichlet(np.full(b - a, 3.0))
        geo.add_region(
            rng,
            name,
            (float(clat), float(clon)),
            float(rad),
            list(names[a:b]),
            float(poor) * share,
            float(people) * (0.5 * share + 0.5 / (b - a)),
        )
    return geo.geography(_made_up_towns(rng, len(geo.name)), SCALE_BOXES["nation"])


def geography(scale: str) -> Geography:
    """The map of ``scale`` (``city``, ``province`` or ``nation``)."""
    return {"city": _city, "province": _province, "nation": _nation}[scale]()
