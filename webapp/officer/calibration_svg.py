"""The model's calibration as a small SVG: mean reviewed against mean predicted score per bin.

Points on the diagonal mean the predictions were right on average for held-out projects; points
above it mean the model predicted too low there, below it too high. A point's area follows how
many projects its bin holds. Built as markup in Python (like :mod:`webapp.officer.map_svg`) so the
run page and ``bench/bench_calibration.py`` (which writes ``docs/calibration.svg``) draw the same.

Examples
--------
>>> from matcher.result import Calibration, CalibrationBin
>>> cal = Calibration(2023, 30, [CalibrationBin(40.0, 60.0, 30, 50.0, 55.0)], [])
>>> svg = str(calibration_svg(cal, "预测分", "评审分"))
>>> svg.startswith("<svg") and "<circle" in svg and "预测分" in svg
True
"""

from __future__ import annotations

from markupsafe import Markup, escape

__all__ = ["calibration_svg"]

_SIZE, _PAD = 260, 36  # the plot is a square; the padding holds the axes' numbers and names


def _xy(value: float) -> float:
    """Score 0..100 to a coordinate inside the padding."""
    return round(_PAD + (_SIZE - 2 * _PAD) * max(0.0, min(100.0, value)) / 100.0, 1)


def calibration_svg(cal, x_label: str, y_label: str, title: str = "") -> Markup:
    """The reliability diagram of ``cal`` (a :class:`matcher.result.Calibration`)."""
    top = _SIZE - _PAD
    most = max((b.count for b in cal.bins), default=1) or 1
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="calibration" viewBox="0 0 {_SIZE} '
        f'{_SIZE}" width="{_SIZE}" height="{_SIZE}" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<rect x="{_PAD}" y="{_PAD}" width="{top - _PAD}" height="{top - _PAD}" fill="#fff" '
        'stroke="#999"/>',
        # the diagonal: predicted = reviewed
        f'<line x1="{_PAD}" y1="{top}" x2="{top}" y2="{_PAD}" stroke="#bbb" '
        'stroke-dasharray="4 3"/>',
    ]
    for tick in (0, 50, 100):
        x, y = _xy(tick), _SIZE - _xy(tick)
        parts.append(
            f'<text x="{x}" y="{top + 14}" font-size="10" text-anchor="middle">{tick}</text>'
            f'<text x="{_PAD - 4}" y="{y + 3}" font-size="10" text-anchor="end">{tick}</text>'
        )
    parts.append(
        f'<text x="{_SIZE / 2}" y="{_SIZE - 4}" font-size="11" text-anchor="middle">'
        f"{escape(x_label)}</text>"
        f'<text x="10" y="{_SIZE / 2}" font-size="11" text-anchor="middle" '
        f'transform="rotate(-90 10 {_SIZE / 2})">{escape(y_label)}</text>'
    )
    previous = None
    for b in cal.bins:
        x, y = _xy(b.mean_predicted), _SIZE - _xy(b.mean_reviewed)
        if previous is not None:
            parts.append(
                f'<line x1="{previous[0]}" y1="{previous[1]}" x2="{x}" y2="{y}" stroke="#0072b2"/>'
            )
        previous = (x, y)
        r = round(2.0 + 3.0 * (b.count / most) ** 0.5, 1)
        parts.append(
            f'<circle cx="{x}" cy="{y}" r="{r}" fill="#0072b2" fill-opacity="0.8">'
            f"<title>{b.mean_predicted:.1f} → {b.mean_reviewed:.1f} (n={b.count})</title></circle>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 (every text value is escaped above)
