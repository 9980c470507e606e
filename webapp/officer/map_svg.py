"""The dashboard map's layers as SVG markup: links, organization points, villages.

The map has some 2,600 elements at city scale. Through Jinja each cost an attribute lookup, an
escape and for a village a ``gettext`` and a ``url_for``: ~30 ms a render, paid again in every
worker process after each approval. Here an element is one f-string in which every text value
goes through ``escape`` (numbers are ours; ``Markup.format`` was three times slower), and the
organizations, drawn as one path per county colour, are built once until villages or
organizations change (:func:`webapp.officer.dashboard.dashboard_figures`).

Examples
--------
>>> points = {"orgs": [{"x": 10.0, "y": 20.0, "colour": "#0072b2"}], "links": [(1, 2, 3, 4)],
...     "villages": [{"id": "V1", "name": "<村>", "county": "泰山区", "x": 5.0, "y": 6.0,
...     "supported": False, "colour": "#0072b2"}]}
>>> str(orgs_layer(points))
'<g class="map-orgs"><path fill="#0072b2" d="M8.5 18.5h3v3h-3z"/></g>'
>>> str(links_layer(points))
'<g class="map-links"><line x1="1" y1="2" x2="3" y2="4"/></g>'
>>> "&lt;村&gt;（泰山区）no" in villages_layer(points, {"V1": "/v/V1"}, "yes", "no")
True
"""

from __future__ import annotations

from collections import defaultdict

from markupsafe import Markup, escape

__all__ = ["orgs_layer", "links_layer", "villages_layer"]


def _group(css_class: str, parts) -> Markup:
    return Markup(f'<g class="{css_class}">{"".join(parts)}</g>')  # noqa: S704 (escaped parts)


def orgs_layer(points: dict) -> Markup:
    """Organizations as 3×3 squares, one ``<path>`` per colour (a fifth of the bytes of rects)."""
    squares: dict[str, list[str]] = defaultdict(list)
    for o in points["orgs"]:
        squares[o["colour"]].append(
            f"M{round(o['x'] - 1.5, 1):g} {round(o['y'] - 1.5, 1):g}h3v3h-3z"
        )
    return _group(
        "map-orgs", (f'<path fill="{escape(c)}" d="{" ".join(d)}"/>' for c, d in squares.items())
    )


def links_layer(points: dict) -> Markup:
    """A line from each village to each organization of its group."""
    return _group(
        "map-links",
        (f'<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}"/>' for x1, y1, x2, y2 in points["links"]),
    )


def villages_layer(points: dict, hrefs: dict[str, str], supported: str, unsupported: str) -> Markup:
    """Villages as circles linking to their pages: filled when supported, rings when not.

    ``hrefs`` maps village ids to their page; ``supported``/``unsupported`` are the tooltip words.
    """
    words = {True: escape(supported), False: escape(unsupported)}
    parts = []
    for v in points["villages"]:
        on, colour = bool(v["supported"]), escape(v["colour"])
        parts.append(
            f'<a href="{escape(hrefs[v["id"]])}"><circle cx="{v["x"]}" cy="{v["y"]}" '
            f'r="{4.5 if on else 5}" class="{"v-supported" if on else "v-unsupported"}" '
            f'fill="{colour if on else "#fff"}" stroke="{"#fff" if on else colour}"><title>'
            f"{escape(v['name'])}（{escape(v['county'])}）{words[on]}</title></circle></a>"
        )
    return _group("map-villages", parts)
