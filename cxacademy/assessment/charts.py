"""Server-side SVG for assessment reports (no chart library, no inline script)."""
from __future__ import annotations

from flask_babel import format_date
from flask_babel import gettext as _
from markupsafe import Markup, escape


def trend_chart(trend: list, width: int = 560, height: int = 220) -> Markup:
    """A line of mock-exam scores (per cent), oldest to newest, with labelled points."""
    left, right, top, bottom = 44, 16, 16, 36
    plot_w, plot_h = width - left - right, height - top - bottom
    points = []
    for index, row in enumerate(trend):
        percent = 100 * (row.correct_count or 0) / row.question_count if row.question_count else 0
        x = left + (plot_w * index / max(1, len(trend) - 1))
        y = top + plot_h * (1 - percent / 100)
        points.append((x, y, percent, row))
    grid = "".join(
        f'<line x1="{left}" x2="{width - right}" y1="{top + plot_h * (1 - p / 100):.1f}" '
        f'y2="{top + plot_h * (1 - p / 100):.1f}" class="chart-grid"/>'
        f'<text x="{left - 6}" y="{top + plot_h * (1 - p / 100) + 4:.1f}" class="chart-axis" text-anchor="end">{p}%</text>'
        for p in (0, 25, 50, 75, 100))
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y, _p, _r in points)
    dots = "".join(
        f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" class="chart-dot"><title>{escape(format_date(r.submitted_at))}: '
        f'{p:.0f}%</title></circle>' for x, y, p, r in points)
    labels = "".join(
        f'<text x="{x:.1f}" y="{height - 12}" class="chart-axis" text-anchor="middle">{escape(format_date(r.submitted_at, "short"))}</text>'
        for x, _y, _p, r in points)
    summary = ", ".join(f"{format_date(r.submitted_at)} {p:.0f}%" for _x, _y, p, r in points)
    return Markup(
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-labelledby="trend-title trend-desc">'
        f'<title id="trend-title">{escape(_("Mock exam scores over time"))}</title>'
        f'<desc id="trend-desc">{escape(summary)}</desc>{grid}'
        f'<polyline points="{line}" class="chart-line"/>{dots}{labels}</svg>')
