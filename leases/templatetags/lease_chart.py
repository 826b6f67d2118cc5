"""A server-rendered SVG line chart of a lease's liability and ROU balances.

Two drawings of the same figures: a wide one for desktops and a narrow one for phones, where
the wide one would shrink its text to 5-6 px; the page's CSS shows one of them (`.chart-wide`,
`.chart-narrow` in app.css).
"""

from __future__ import annotations

from dataclasses import dataclass

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from leases.engine import ScheduleMonth

register = template.Library()

SERIES = (
    ("closing_liability", "Lease liability", "#1f5fbf"),
    ("rou_closing", "ROU asset", "#1c7c43"),
)


@dataclass(frozen=True)
class Layout:
    """One drawing's size in viewBox units; text is `font` units high."""

    css_class: str
    width: int
    height: int
    pad_left: int
    pad_bottom: int
    pad_top: int
    font: int  # the axis labels
    legend_font: int
    legend_on_top: bool  # a row above the plot (narrow) or stacked at its top right (wide)
    compact_top: bool  # "1.2M" for the axis's top value, so it fits a narrow left margin


WIDE = Layout("chart chart-wide", 720, 260, 90, 30, 12, 11, 12, False, False)
# About 330 px wide on a 390 px phone: 13 units of text show at about 12 px.
NARROW = Layout("chart chart-narrow", 360, 250, 52, 30, 36, 13, 13, True, True)
PAD_RIGHT = 10


def _points(values: list[float], top: float, layout: Layout) -> str:
    plot_w = layout.width - layout.pad_left - PAD_RIGHT
    plot_h = layout.height - layout.pad_bottom - layout.pad_top
    step = plot_w / max(len(values) - 1, 1)
    return " ".join(
        f"{layout.pad_left + i * step:.1f},{layout.pad_top + plot_h - (v / top) * plot_h:.1f}"
        for i, v in enumerate(values)
    )


def _axis_top(top: float, compact: bool) -> str:
    """The axis's top value: in full, or shortened to millions / thousands."""
    if compact and top >= 1_000_000:
        return f"{top / 1_000_000:,.1f}M"
    if compact and top >= 10_000:
        return f"{top / 1_000:,.0f}k"
    return f"{top:,.0f}"


def _legend(layout: Layout) -> SafeString:
    if layout.legend_on_top:
        spots = [(layout.pad_left + i * 130, 8) for i in range(len(SERIES))]
    else:
        spots = [(layout.width - 170, layout.pad_top + 6 + i * 16) for i in range(len(SERIES))]
    return format_html_join(
        "",
        '<rect x="{}" y="{}" width="12" height="3" fill="{}"></rect>'
        '<text x="{}" y="{}" font-size="{}">{}</text>',
        (
            (x, y, colour, x + 18, y + 5, layout.legend_font, label)
            for (x, y), (_, label, colour) in zip(spots, SERIES, strict=True)
        ),
    )


def _svg(series: dict[str, list[float]], top: float, first: str, last: str, layout: Layout):
    lines = format_html_join(
        "",
        '<polyline fill="none" stroke="{}" stroke-width="2" points="{}">'
        "<title>{}</title></polyline>",
        ((colour, _points(series[attr], top, layout), label) for attr, label, colour in SERIES),
    )
    base = layout.height - layout.pad_bottom
    return format_html(
        '<svg class="{cls}" role="img" viewBox="0 0 {w} {h}" width="100%" '
        'aria-label="Lease liability and ROU asset balances over the term">'
        '<line x1="{l}" y1="{b}" x2="{r}" y2="{b}" stroke="#c5ccd8"></line>'
        '<line x1="{l}" y1="{t}" x2="{l}" y2="{b}" stroke="#c5ccd8"></line>'
        '<text x="{lx}" y="{ty}" font-size="{f}" text-anchor="end">{top}</text>'
        '<text x="{lx}" y="{b}" font-size="{f}" text-anchor="end">0</text>'
        '<text x="{l}" y="{by}" font-size="{f}">{first}</text>'
        '<text x="{r}" y="{by}" font-size="{f}" text-anchor="end">{last}</text>'
        "{lines}{legend}</svg>",
        cls=layout.css_class,
        w=layout.width,
        h=layout.height,
        l=layout.pad_left,
        r=layout.width - PAD_RIGHT,
        t=layout.pad_top,
        b=base,
        lx=layout.pad_left - 6,
        ty=layout.pad_top + 8,
        by=base + 18,
        f=layout.font,
        top=_axis_top(top, layout.compact_top),
        first=first,
        last=last,
        lines=lines,
        legend=_legend(layout),
    )


@register.simple_tag
def balance_chart(
    months: list[ScheduleMonth], opening_liability=None, opening_rou=None
) -> SafeString:
    """Liability and ROU closing balances month by month, starting from commencement."""
    if not months:
        return SafeString("")
    series = {
        attr: [float(opening_liability if attr == "closing_liability" else opening_rou or 0)]
        + [float(getattr(m, attr)) for m in months]
        for attr, _, _ in SERIES
    }
    top = max(max(v) for v in series.values()) or 1.0
    first, last = months[0].period.strftime("%b %Y"), months[-1].period.strftime("%b %Y")
    return format_html(
        "{}{}",
        _svg(series, top, first, last, WIDE),
        _svg(series, top, first, last, NARROW),
    )
