"""Charts drawn on the server as SVG (no script, no network): bars for one series, lines for several,
with a y-axis of round numbers, dated x labels, a legend and the numbers as a table under them."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

# Okabe and Ito's colours, told apart by colour-blind readers; the first is the bars' colour.
COLOURS = ["#0b5cad", "#d55e00", "#009e73", "#cc79a7", "#8a6d00"]
WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 64, 12, 12, 44


@dataclass
class Line:
    label: str
    colour: str
    values: list[float | None]
    points: str = ""  # the polyline's "x,y x,y ..."
    dots: list[dict[str, Any]] = field(default_factory=list)
    total: int = 0


@dataclass
class Chart:
    label: str  # what the chart shows, read out by screen readers (the svg's title)
    measure: str  # "count" or "share"
    interval: str
    starts: list[str]
    lines: list[Line]
    bars: list[dict[str, Any]] = field(default_factory=list)
    yticks: list[dict[str, Any]] = field(default_factory=list)
    xticks: list[dict[str, Any]] = field(default_factory=list)
    note: str | None = None
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    top: int = TOP
    bottom: int = HEIGHT - BOTTOM
    right: int = WIDTH - RIGHT
    y_title: str = ""
    rows: list[dict[str, Any]] = field(default_factory=list)  # the table: start, then a cell per line


def nice_step(top: float, ticks: int = 5) -> float:
    """A round step (1, 2, 2.5 or 5 times a power of ten) giving about `ticks` ticks up to `top`."""
    if top <= 0:
        return 1.0
    rough = top / ticks
    power = 10 ** math.floor(math.log10(rough))
    for factor in (1, 2, 2.5, 5, 10):
        if factor * power >= rough:
            return float(factor * power)
    return float(10 * power)


def label_of_start(start: str, interval: str) -> str:
    return start[:7] if interval == "month" else start


def _number(value: float, measure: str) -> str:
    if measure == "share":
        return f"{value * 100:.3g}%"
    return f"{value:,.0f}" if value == int(value) else f"{value:,.1f}"


def draw(starts: list[str], series: list[tuple[str, list[float | None], int]], *, interval: str,
         label: str, measure: str = "count", note: str | None = None) -> Chart | None:
    """A chart of the series (label, value per start, total) over the buckets `starts`; bars when there is
    one series of counts, lines otherwise. None when there is nothing to draw."""
    if not starts or not series:
        return None
    lines = [Line(name, COLOURS[number % len(COLOURS)], values, total=total)
             for number, (name, values, total) in enumerate(series)]
    chart = Chart(label=label, measure=measure, interval=interval, starts=starts, lines=lines, note=note,
                  y_title="share of all articles" if measure == "share" else "articles")
    highest = max((value for line in lines for value in line.values if value is not None), default=0.0)
    step = nice_step(highest) if highest > 0 else (0.25 if measure == "share" else 1.0)
    if measure == "count":
        step = max(step, 1.0)
    top = step * max(math.ceil(highest / step), 1)
    plot_height = chart.bottom - chart.top
    plot_width = chart.right - chart.left
    slot = plot_width / len(starts)

    def y_of(value: float) -> float:
        return round(chart.bottom - plot_height * value / top, 1)

    tick = 0.0
    while tick <= top + step / 1000:
        chart.yticks.append({"y": y_of(tick), "text": _number(tick, measure)})
        tick += step
    every = max(1, math.ceil(len(starts) / 7))
    for index in range(0, len(starts), every):
        chart.xticks.append({"x": round(chart.left + slot * (index + 0.5), 1),
                             "text": label_of_start(starts[index], interval)})
    if len(lines) == 1 and measure == "count":
        width = max(min(slot - 1, 40.0), 1.0)
        for index, value in enumerate(lines[0].values):
            count = value or 0
            chart.bars.append({"x": round(chart.left + slot * index + (slot - width) / 2, 1),
                               "y": y_of(count), "width": round(width, 1),
                               "height": round(plot_height * count / top, 1),
                               "start": starts[index], "text": _number(count, measure)})
    else:
        for line in lines:
            points = []
            for index, value in enumerate(line.values):
                if value is None:
                    continue
                x = round(chart.left + slot * (index + 0.5), 1)
                points.append(f"{x},{y_of(value)}")
                if len(starts) <= 120:
                    line.dots.append({"x": x, "y": y_of(value), "start": starts[index],
                                      "text": _number(value, measure)})
            line.points = " ".join(points)
    for index, start in enumerate(starts):
        chart.rows.append({"start": label_of_start(start, interval),
                           "cells": [("" if line.values[index] is None else _number(line.values[index] or 0,
                                                                                    measure))
                                     for line in lines]})
    return chart


def bars(buckets: list[dict[str, Any]], what: str, interval: str = "day",
         note: str | None = None) -> Chart | None:
    """One series of counts (buckets of start and count) as bars."""
    if not buckets:
        return None
    total = sum(bucket["count"] for bucket in buckets)
    starts = [bucket["start"] for bucket in buckets]
    label = (f"{what} per {interval}: {total:,} from {label_of_start(starts[0], interval)} to "
             f"{label_of_start(starts[-1], interval)}")
    return draw(starts, [(what, [float(bucket["count"]) for bucket in buckets], total)], interval=interval,
                label=label, note=note)


def comparison(result: dict[str, Any], measure: str = "count") -> Chart | None:
    """The chart of `newsdesk.coverage.compare`'s result: counts, or shares of all articles."""
    series = [(item["label"], [float(v) for v in item["counts"]] if measure == "count" else item["shares"],
               item["total"]) for item in result["series"]]
    what = "Matching articles" if measure == "count" else "Share of all stored articles"
    names = "; ".join(f"{item['label']}: {item['total']:,}" for item in result["series"])
    starts = result["starts"]
    if not starts:
        return None
    label = (f"{what} per {result['interval']} from {label_of_start(starts[0], result['interval'])} to "
             f"{label_of_start(starts[-1], result['interval'])} ({names})")
    return draw(starts, series, interval=result["interval"], label=label, measure=measure,
                note=result["note"])
