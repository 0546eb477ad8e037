"""Geometry of the tools' server-side SVG charts. Pure arithmetic: templates draw the shapes and
write the (translated) text, so the page needs no script and no inline style."""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any


def _coord(value: float) -> str:
    """SVG coordinates are written with a dot, whatever the interface language."""
    return f"{value:.1f}"


def points(vertices: Sequence[tuple[float, float]]) -> str:
    return " ".join(f"{_coord(x)},{_coord(y)}" for x, y in vertices)


# A single bar split into parts (NPS: detractors | passives | promoters) --------------------------
@dataclass(frozen=True)
class Segment:
    key: str
    share: float  # percent of the whole bar
    x: float
    width: float


@dataclass(frozen=True)
class StackedBar:
    width: float
    height: float
    bar_x: float
    bar_y: float
    bar_width: float
    bar_height: float
    segments: list[Segment]


def stacked_bar(shares: Sequence[tuple[str, float]], *, width: float = 600, height: float = 70,
                margin: float = 10) -> StackedBar:
    """Parts given as (key, percent); the percents add up to 100."""
    bar_width, bar_height = width - 2 * margin, height - 2 * margin
    segments, x = [], margin
    for key, share in shares:
        w = bar_width * share / 100
        segments.append(Segment(key=key, share=share, x=x, width=w))
        x += w
    return StackedBar(width=width, height=height, bar_x=margin, bar_y=margin, bar_width=bar_width,
                      bar_height=bar_height, segments=segments)


# Vertical bars (a distribution, or value over time) ---------------------------------------------
@dataclass(frozen=True)
class Bar:
    label: Any  # shown under the bar; may be a lazy translation
    value: float
    highlight: bool
    x: float
    y: float
    width: float
    height: float

    @property
    def centre(self) -> float:
        return self.x + self.width / 2


@dataclass(frozen=True)
class Gridline:
    value: float
    y: float


@dataclass(frozen=True)
class BarChart:
    width: float
    height: float
    plot_left: float
    plot_right: float
    baseline: float  # y of the value 0
    label_y: float  # y of the labels under the bars
    title_y: float  # y of the title under the labels
    bars: list[Bar]
    gridlines: list[Gridline]
    reference: Gridline | None  # a horizontal line marking a value, such as a limit


def _nice_step(value: float, whole_numbers: bool) -> float:
    """The smallest 1, 2 or 5 times a power of ten that is at least `value` (at least 1 for counts)."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for multiple in (1, 2, 5, 10):
        step = multiple * power
        if value <= step * (1 + 1e-9):
            break
    return max(step, 1.0) if whole_numbers else step


def bar_chart(items: Sequence[tuple[Any, float, bool]], *, reference: float | None = None,
              whole_numbers: bool = False, width: float = 600, height: float = 280) -> BarChart:
    """Bars for (label, value, highlight) items, under gridlines at round values; the top
    gridline is at or above the tallest bar (and the reference value, when there is one)."""
    plot_left, plot_right, top, bottom = 64.0, width - 12, 24.0, height - 52
    highest = max([value for _, value, _ in items] + [reference or 0])
    step = _nice_step(highest / 4, whole_numbers)
    steps = max(math.ceil(highest / step - 1e-9), 1)
    scale = (bottom - top) / (step * steps)
    slot = (plot_right - plot_left) / max(len(items), 1)
    bar_width = slot * 0.64
    bars = [Bar(label=label, value=value, highlight=highlight, x=plot_left + i * slot + (slot - bar_width) / 2,
                y=bottom - value * scale, width=bar_width, height=value * scale)
            for i, (label, value, highlight) in enumerate(items)]
    gridlines = [Gridline(value=step * n, y=bottom - step * n * scale) for n in range(steps + 1)]
    ref = Gridline(value=reference, y=bottom - reference * scale) if reference is not None else None
    return BarChart(width=width, height=height, plot_left=plot_left, plot_right=plot_right, baseline=bottom,
                    label_y=bottom + 18, title_y=bottom + 42, bars=bars, gridlines=gridlines, reference=ref)


# Radar (the 5D profile) -------------------------------------------------------------------------
@dataclass(frozen=True)
class Axis:
    key: str
    x: float  # outer end
    y: float
    label_x: float
    label_y: float
    anchor: str  # text-anchor for the label: start, middle or end


@dataclass(frozen=True)
class Ring:
    value: int
    points: str
    label_x: float
    label_y: float


@dataclass(frozen=True)
class RadarSeries:
    key: str
    points: str
    vertices: list[tuple[float, float, float]]  # x, y, value


@dataclass(frozen=True)
class RadarChart:
    width: float
    height: float
    cx: float
    cy: float
    axes: list[Axis]
    rings: list[Ring]
    series: list[RadarSeries]


def radar_chart(axes: Sequence[str], series: Sequence[tuple[str, Mapping[str, float]]], *, scale_max: int = 5,
                width: float = 560, height: float = 380, radius: float = 130) -> RadarChart:
    """One axis per key, the first pointing up and the rest clockwise; the centre is 0 and the
    outer ring `scale_max`, with a ring at every whole value."""
    cx, cy = width / 2, height / 2 + 6
    angles = [-math.pi / 2 + 2 * math.pi * i / len(axes) for i in range(len(axes))]

    def at(angle: float, value: float) -> tuple[float, float]:
        r = radius * value / scale_max
        return cx + r * math.cos(angle), cy + r * math.sin(angle)

    drawn_axes = []
    for key, angle in zip(axes, angles):
        x, y = at(angle, scale_max)
        lx, ly = at(angle, scale_max * 1.14)
        cos = math.cos(angle)
        anchor = "middle" if abs(cos) < 0.2 else ("start" if cos > 0 else "end")
        drawn_axes.append(Axis(key=key, x=x, y=y, label_x=lx, label_y=ly + (4 if abs(cos) >= 0.2 else 0), anchor=anchor))
    rings = []
    for value in range(1, scale_max + 1):
        vertices = [at(angle, value) for angle in angles]
        rings.append(Ring(value=value, points=points(vertices), label_x=cx + 4, label_y=vertices[0][1] + 12))
    drawn_series = []
    for key, values in series:
        vertices = [(*at(angle, values[axis]), values[axis]) for axis, angle in zip(axes, angles)]
        drawn_series.append(RadarSeries(key=key, points=points([(x, y) for x, y, _ in vertices]), vertices=vertices))
    return RadarChart(width=width, height=height, cx=cx, cy=cy, axes=drawn_axes, rings=rings, series=drawn_series)
