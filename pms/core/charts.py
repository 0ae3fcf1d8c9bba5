"""Small trend charts as inline SVG, drawn on the server: pages and PDFs alike, no JavaScript.

One helper for every chart of the service (a bar chart, a line chart with one or more series, a
sparkline). Each chart is accessible: `role="img"`, a `<title>`, and a `<desc>` that reads every
value as text, so a screen reader hears "2026-01: 92.5 %" rather than nothing. Colours are fixed
(no CSS variables): WeasyPrint draws the same SVG in a PDF.

Geometry (all charts): the plot area starts `TOP` px below the top edge (room for value labels)
and ends `BOTTOM` px above the bottom edge (room for the x labels). A value v is drawn
`v / max × plot height` high, measured up from the plot's bottom line. Bars: n equal slots across
the width, each bar `BAR_SHARE` of its slot, centred. Lines: the points sit in the middle of the
same slots, so a bar chart and a line chart of the same months line up.

Charts plot rates and counts, never money: the floats here are pixel coordinates and the heights
of plotted quantities (a collection rate in per cent, requests a month). An amount belongs in a
table as integer fen (`core.money.format_fen`); a page that wants a money trend plots a rate.
"""
from __future__ import annotations

import hashlib
from typing import Callable, Optional, Sequence

from markupsafe import Markup, escape

TOP = 14
BOTTOM = 18
BAR_SHARE = 0.7
# Text on white ≥ 4.5:1 (the service's accent green, a dark blue, the muted grey of pms.css).
SERIES_COLOURS = ("#0b6e4f", "#1f4e99", "#8a4b08")
AXIS_COLOUR = "#56616b"
FONT = 'font-family="WenQuanYi Micro Hei, Noto Sans CJK SC, Noto Sans SC, sans-serif"'

# A plotted quantity (a rate or a count; never money, see above), None for a missing month.
Number = Optional[float]


def _num(value: float) -> str:
    """A coordinate with at most two decimals and no trailing zeros: 12.50 → '12.5', 40.0 → '40'."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _default_format(value: float) -> str:
    return _num(value)


def _chart_id(kind: str, title: str, labels: Sequence[str], values: Sequence) -> str:
    """A stable id for the title/desc references (same chart → same id; different charts differ)."""
    digest = hashlib.sha1(repr((kind, title, tuple(labels), tuple(values))).encode()).hexdigest()
    return f"chart-{digest[:10]}"


def _scale_max(values: Sequence[Number], max_value: Number) -> float:
    """The value drawn at full height: the given maximum, else the largest value (1 if none > 0)."""
    if max_value is not None and max_value > 0:
        return float(max_value)
    present = [v for v in values if v is not None]
    top = max(present) if present else 0
    return float(top) if top > 0 else 1.0


def _open(kind: str, width: int, height: int, title: str, desc: str, labels, values, css_class: str) -> str:
    ident = _chart_id(kind, title, labels, values)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart {css_class}" role="img" '
            f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
            f'aria-labelledby="{ident}-t {ident}-d"><title id="{ident}-t">{escape(title)}</title>'
            f'<desc id="{ident}-d">{escape(desc)}</desc>')


def _desc(labels: Sequence[str], series: Sequence[tuple[str, Sequence[Number]]], fmt: Callable,
          empty: str) -> str:
    """Every value as text: 'Jan: 3; Feb: 5' (one series) or 'Opened: Jan: 3; Feb: 5. Closed: …'."""
    parts = []
    for name, values in series:
        text = "; ".join(f"{label}: {fmt(v) if v is not None else empty}" for label, v in zip(labels, values))
        parts.append(f"{name}: {text}" if name else text)
    return ". ".join(parts)


def _x_labels(labels: Sequence[str], width: int, height: int, every: int) -> str:
    """The x labels under the slots (every `every`-th one, and always the last)."""
    slot = width / len(labels)
    out = []
    for i, label in enumerate(labels):
        if i % every and i != len(labels) - 1:
            continue
        out.append(f'<text x="{_num(slot * i + slot / 2)}" y="{height - 4}" font-size="10" '
                   f'text-anchor="middle" fill="{AXIS_COLOUR}" {FONT} aria-hidden="true">{escape(label)}</text>')
    return "".join(out)


def bar_chart(labels: Sequence[str], values: Sequence[Number], *, title: str, max_value: Number = None,
              fmt: Callable[[float], str] = _default_format, width: int = 320, height: int = 120,
              label_every: int = 1, show_values: bool = True, empty: str = "–",
              axis_labels: Optional[Sequence[str]] = None) -> Markup:
    """One bar per label (None: no bar), the value written above its bar; `axis_labels` are drawn
    under the bars instead of `labels` (e.g. '03' for '2026-03'; the text read out keeps `labels`)."""
    if len(labels) != len(values):
        raise ValueError("labels and values differ in length")
    if not labels:
        return Markup("")
    top = _scale_max(values, max_value)
    plot = height - TOP - BOTTOM
    slot = width / len(labels)
    bar = slot * BAR_SHARE
    out = [_open("bar", width, height, title, _desc(labels, [("", values)], fmt, empty), labels, values, "bar"),
           f'<line x1="0" y1="{height - BOTTOM}" x2="{width}" y2="{height - BOTTOM}" stroke="{AXIS_COLOUR}" '
           f'stroke-width="1"/>']
    for i, value in enumerate(values):
        if value is None:
            continue
        h = max(0.0, min(float(value), top)) / top * plot
        x, y = slot * i + (slot - bar) / 2, TOP + plot - h
        out.append(f'<rect x="{_num(x)}" y="{_num(y)}" width="{_num(bar)}" height="{_num(h)}" '
                   f'fill="{SERIES_COLOURS[0]}"/>')
        if show_values:
            out.append(f'<text x="{_num(x + bar / 2)}" y="{_num(y - 3)}" font-size="10" text-anchor="middle" '
                       f'fill="#1d2329" {FONT} aria-hidden="true">{escape(fmt(value))}</text>')
    out.append(_x_labels(axis_labels or labels, width, height, label_every))
    out.append("</svg>")
    return Markup("".join(out))


def line_points(values: Sequence[Number], width: int, height: int, top: float, *,
                margin_top: int = TOP, margin_bottom: int = BOTTOM) -> list[Optional[tuple[float, float]]]:
    """(x, y) of each value in the middle of its slot; None where the value is missing."""
    plot = height - margin_top - margin_bottom
    slot = width / len(values)
    return [None if v is None else
            (slot * i + slot / 2, margin_top + plot - max(0.0, min(float(v), top)) / top * plot)
            for i, v in enumerate(values)]


def _polylines(points, colour: str, stroke: float) -> str:
    """One polyline per unbroken run of points (a missing month breaks the line)."""
    runs, run = [], []
    for p in points + [None]:
        if p is None:
            if run:
                runs.append(run)
            run = []
        else:
            run.append(p)
    out = []
    for run in runs:
        coords = " ".join(f"{_num(x)},{_num(y)}" for x, y in run)
        out.append(f'<polyline points="{coords}" fill="none" stroke="{colour}" stroke-width="{stroke}"/>')
        out += [f'<circle cx="{_num(x)}" cy="{_num(y)}" r="2.5" fill="{colour}"/>' for x, y in run]
    return "".join(out)


def line_chart(labels: Sequence[str], series: Sequence[tuple[str, Sequence[Number]]], *, title: str,
               max_value: Number = None, fmt: Callable[[float], str] = _default_format, width: int = 320,
               height: int = 120, label_every: int = 1, empty: str = "–",
               axis_labels: Optional[Sequence[str]] = None, show_values: bool = False) -> Markup:
    """One line per (name, values) series over the same labels, with a legend when there are several
    (`axis_labels` as for `bar_chart`); `show_values` writes each value above its point (one series)."""
    if any(len(values) != len(labels) for _name, values in series):
        raise ValueError("every series needs one value per label")
    if not labels or not series:
        return Markup("")
    everything = [v for _name, values in series for v in values]
    top = _scale_max(everything, max_value)
    out = [_open("line", width, height, title, _desc(labels, series, fmt, empty), labels, everything, "line"),
           f'<line x1="0" y1="{height - BOTTOM}" x2="{width}" y2="{height - BOTTOM}" stroke="{AXIS_COLOUR}" '
           f'stroke-width="1"/>']
    for n, (name, values) in enumerate(series):
        colour = SERIES_COLOURS[n % len(SERIES_COLOURS)]
        points = line_points(values, width, height, top)
        out.append(_polylines(points, colour, 2))
        if show_values and len(series) == 1:
            out += [f'<text x="{_num(p[0])}" y="{_num(p[1] - 5)}" font-size="10" text-anchor="middle" '
                    f'fill="#1d2329" {FONT} aria-hidden="true">{escape(fmt(v))}</text>'
                    for p, v in zip(points, values) if p is not None]
        if len(series) > 1:  # legend: a swatch and the name, left to right along the top
            x = 4 + n * (width // len(series))
            out.append(f'<rect x="{x}" y="2" width="10" height="3" fill="{colour}"/>'
                       f'<text x="{x + 14}" y="9" font-size="10" fill="{colour}" {FONT} '
                       f'aria-hidden="true">{escape(name)}</text>')
    out.append(_x_labels(axis_labels or labels, width, height, label_every))
    out.append("</svg>")
    return Markup("".join(out))


def sparkline(values: Sequence[Number], *, title: str, max_value: Number = None,
              fmt: Callable[[float], str] = _default_format, labels: Optional[Sequence[str]] = None,
              width: int = 96, height: int = 24, empty: str = "–") -> Markup:
    """A word-sized line (no axis, no labels drawn); its values are still read out as text."""
    if not values:
        return Markup("")
    labels = list(labels) if labels is not None else [str(i + 1) for i in range(len(values))]
    top = _scale_max(values, max_value)
    points = line_points(values, width, height, top, margin_top=2, margin_bottom=2)
    return Markup(_open("spark", width, height, title, _desc(labels, [("", values)], fmt, empty), labels,
                        values, "spark") + _polylines(points, SERIES_COLOURS[0], 1.5) + "</svg>")


def period_month(period: str) -> str:
    """'2026-03' → '03': the month under a chart's bar (the year is in the chart's text)."""
    return period[5:7]


def as_rate(text: Optional[str]) -> Number:
    """A percentage as the services write it ('80.8', None) as a plotted value."""
    return None if text is None else float(text)


def init_app(app) -> None:
    """The charts as Jinja globals, for pages and PDF templates alike."""
    app.jinja_env.globals.update(bar_chart=bar_chart, line_chart=line_chart, sparkline=sparkline)
    app.jinja_env.filters["period_month"] = period_month
    app.jinja_env.filters["as_rate"] = as_rate
