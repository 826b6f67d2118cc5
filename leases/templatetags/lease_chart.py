"""A server-rendered SVG line chart of a lease's liability and ROU balances."""

from __future__ import annotations

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from leases.engine import ScheduleMonth

register = template.Library()

WIDTH, HEIGHT, PAD_LEFT, PAD_BOTTOM, PAD_TOP = 720, 260, 90, 30, 12
SERIES = (
    ("closing_liability", "Lease liability", "#1f5fbf"),
    ("rou_closing", "ROU asset", "#1c7c43"),
)


def _points(values: list[float], top: float) -> str:
    plot_w, plot_h = WIDTH - PAD_LEFT - 10, HEIGHT - PAD_BOTTOM - PAD_TOP
    step = plot_w / max(len(values) - 1, 1)
    return " ".join(
        f"{PAD_LEFT + i * step:.1f},{PAD_TOP + plot_h - (v / top) * plot_h:.1f}"
        for i, v in enumerate(values)
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
    lines = format_html_join(
        "",
        '<polyline fill="none" stroke="{}" stroke-width="2" points="{}">'
        "<title>{}</title></polyline>",
        ((colour, _points(series[attr], top), label) for attr, label, colour in SERIES),
    )
    legend = format_html_join(
        "",
        '<rect x="{}" y="{}" width="12" height="3" fill="{}"></rect>'
        '<text x="{}" y="{}" font-size="12">{}</text>',
        (
            (WIDTH - 170, PAD_TOP + 6 + i * 16, colour, WIDTH - 152, PAD_TOP + 11 + i * 16, label)
            for i, (_, label, colour) in enumerate(SERIES)
        ),
    )
    base = HEIGHT - PAD_BOTTOM
    return format_html(
        '<svg class="chart" role="img" viewBox="0 0 {w} {h}" width="100%" '
        'aria-label="Lease liability and ROU asset balances over the term">'
        '<line x1="{l}" y1="{b}" x2="{r}" y2="{b}" stroke="#c5ccd8"></line>'
        '<line x1="{l}" y1="{t}" x2="{l}" y2="{b}" stroke="#c5ccd8"></line>'
        '<text x="{lx}" y="{ty}" font-size="11" text-anchor="end">{top}</text>'
        '<text x="{lx}" y="{b}" font-size="11" text-anchor="end">0</text>'
        '<text x="{l}" y="{by}" font-size="11">{first}</text>'
        '<text x="{r}" y="{by}" font-size="11" text-anchor="end">{last}</text>'
        "{lines}{legend}</svg>",
        w=WIDTH,
        h=HEIGHT,
        l=PAD_LEFT,
        r=WIDTH - 10,
        t=PAD_TOP,
        b=base,
        lx=PAD_LEFT - 6,
        ty=PAD_TOP + 8,
        by=base + 18,
        top=f"{top:,.0f}",
        first=months[0].period.strftime("%b %Y"),
        last=months[-1].period.strftime("%b %Y"),
        lines=lines,
        legend=legend,
    )
