"""Charts of a plan, drawn on the server as inline SVG (pygal) in kefu.css's colours.

Why server-side SVG: the page needs no chart library in the browser and nothing from a CDN; pygal's own
tooltip script is switched off (`js=[]`) and its inline config script removed, so the SVG is inert
markup that fetches nothing. The figures are in a table beside each chart for screen readers and for exact values.
Titles come in from the caller already translated: this module knows no Django.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import pygal
from pygal.style import Style

FONT = ('-apple-system, BlinkMacSystemFont, "PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", '
        '"Noto Sans CJK SC", "WenQuanYi Micro Hei", "Segoe UI", Roboto, Arial, sans-serif')
INFO, BRAND, OK, INK_3 = "#1664c0", "#e1251b", "#1a7f4b", "#86909c"  # kefu.css --info, --brand, --ok, --ink-3

# pygal colours the primary series first, then the secondary: the day chart's required, rostered, forecast.
STYLE = Style(
    background="transparent", plot_background="transparent", foreground="#4e5969", foreground_strong="#1f2329",
    foreground_subtle="#e5e6eb", opacity=".16", opacity_hover=".22", transition="none", colors=(BRAND, OK, INFO),
    font_family=FONT, label_font_size=11, major_label_font_size=11, legend_font_size=12, title_font_size=13,
    value_font_size=11, value_label_font_size=11, tooltip_font_size=11, stroke_opacity="1", stroke_opacity_hover="1",
)
_INERT = re.compile(r"<script\b[^>]*>.*?</script>|<!--.*?-->", re.DOTALL)  # pygal's config script, its credits


@dataclass(frozen=True)
class DaySeries:
    """One day of the plan, interval by interval (only the intervals worth drawing)."""

    times: Sequence[str]  # "08:30"
    forecast: Sequence[float]  # contacts expected
    required: Sequence[int]  # agents Erlang asks for
    rostered: Sequence[int]  # agents working (not on break) on the roster


def day_chart(series: DaySeries, *, forecast_title: str, required_title: str, rostered_title: str,
              agents_axis: str, contacts_axis: str) -> str:
    """Agents required and rostered (left axis) against the contacts forecast (right axis), per interval."""
    chart = pygal.Line(
        _config(), width=960, height=380, show_dots=False, show_minor_x_labels=False,
        x_labels_major_every=4, x_label_rotation=0, y_title=agents_axis, legend_at_bottom=True,
        legend_at_bottom_columns=3, include_x_axis=True, stroke_style={"width": 2}, truncate_legend=-1,
        truncate_label=-1, value_formatter=lambda value: f"{round(value, 1):g}",
    )
    chart.x_labels = list(series.times)
    chart.add(f"{forecast_title} ({contacts_axis})", [round(value, 1) for value in series.forecast],
              secondary=True, fill=True, stroke_style={"width": 1.5})
    chart.add(required_title, list(series.required), stroke_style={"width": 2, "dasharray": "6, 4"})
    chart.add(rostered_title, list(series.rostered), stroke_style={"width": 2.5})
    return _svg(chart)


def paid_hours_chart(bars: Sequence[tuple[str, float]], *, title: str, unit: str) -> str:
    """Horizontal bars of paid hours: the rosters compared (fixed shifts, optimised, the LP bound)."""
    chart = pygal.HorizontalBar(
        _config(), width=760, height=100 + 40 * len(bars), show_legend=True, legend_at_bottom=True,
        legend_at_bottom_columns=len(bars) or 1, truncate_legend=-1, print_values=True, print_values_position="top",
        value_formatter=lambda hours: f"{hours:,.0f} {unit}", title=title, include_x_axis=True,
        show_y_labels=False,
    )
    chart.config.style = Style(**{**_style_kwargs(), "opacity": ".9", "opacity_hover": "1",
                                  "colors": (INK_3, OK, INFO)})
    for label, hours in bars:
        chart.add(label, [hours])
    return _svg(chart)


def _config() -> pygal.Config:
    config = pygal.Config()
    config.js = []  # no tooltip script fetched from the web
    config.style = STYLE
    config.disable_xml_declaration = True  # inline in HTML
    config.explicit_size = False  # scales with its container (viewBox)
    config.margin = 12
    return config


def _style_kwargs() -> dict:
    return {name: getattr(STYLE, name) for name in (
        "background", "plot_background", "foreground", "foreground_strong", "foreground_subtle", "opacity",
        "opacity_hover", "transition", "font_family", "label_font_size", "major_label_font_size",
        "legend_font_size", "title_font_size", "value_font_size", "value_label_font_size", "tooltip_font_size",
        "stroke_opacity", "stroke_opacity_hover")}


def _svg(chart: pygal.graph.graph.Graph) -> str:
    return _INERT.sub("", chart.render(is_unicode=True))


# --- the supervisors' wallboard (kefu/workbench/views_wallboard.py) ------------------------------------------------

WARN = "#b25e00"  # kefu.css --warn


def _coloured(*colours: str, opacity: str = ".85") -> Style:
    return Style(**{**_style_kwargs(), "opacity": opacity, "opacity_hover": "1", "colors": colours})


def contacts_chart(times: Sequence[str], offered: Sequence[int], answered: Sequence[int], *, offered_title: str,
                   answered_title: str) -> str:
    """Contacts offered and answered per interval, side by side (the wallboard's day so far)."""
    chart = pygal.Bar(
        _config(), width=960, height=300, show_minor_x_labels=False, x_labels_major_every=4, x_label_rotation=0,
        legend_at_bottom=True, legend_at_bottom_columns=2, truncate_legend=-1, truncate_label=-1,
        include_x_axis=True, value_formatter=lambda value: f"{value:g}",
    )
    chart.config.style = _coloured(INK_3, OK)
    chart.x_labels = list(times)
    chart.add(offered_title, list(offered))
    chart.add(answered_title, list(answered))
    return _svg(chart)


def rates_chart(times: Sequence[str], lines: Sequence[tuple[str, Sequence[float | None]]],
                targets: Sequence[tuple[str, float]]) -> str:
    """Percentages per interval (service level, answer rate) against their targets as dashed lines; an interval
    with no contacts is a gap, not a zero."""
    chart = pygal.Line(
        _config(), width=960, height=280, show_minor_x_labels=False, x_labels_major_every=4, x_label_rotation=0,
        legend_at_bottom=True, legend_at_bottom_columns=max(len(lines) + len(targets), 1), truncate_legend=-1,
        truncate_label=-1, range=(0, 100), include_x_axis=True, dots_size=2.5, allow_interruptions=True,
        value_formatter=lambda value: f"{value:.0f}%",
    )
    chart.config.style = _coloured(INFO, OK, INFO, OK, opacity=".16")
    chart.x_labels = list(times)
    for title, values in lines:
        chart.add(title, [None if v is None else round(v, 1) for v in values], stroke_style={"width": 2.5})
    for title, value in targets:
        chart.add(title, [value] * len(times), show_dots=False, stroke_style={"width": 1.5, "dasharray": "6, 4"})
    return _svg(chart)


def states_chart(categories: Sequence[str], series: Sequence[tuple[str, str, Sequence[int]]]) -> str:
    """Agents by state now, one stacked bar per channel; `series` is (state title, colour, count per category)."""
    chart = pygal.HorizontalStackedBar(
        _config(), width=460, height=120 + 56 * max(len(categories), 1), legend_at_bottom=True,
        legend_at_bottom_columns=min(max(len(series), 1), 3), truncate_legend=-1, truncate_label=-1,
        print_values=True, print_zeroes=False, value_formatter=lambda value: f"{value:g}", include_x_axis=True,
    )
    chart.config.style = _coloured(*([colour for _title, colour, _values in series] or [INK_3]), opacity=".9")
    chart.x_labels = list(categories)
    most = max((sum(column) for column in zip(*(values for _t, _c, values in series), strict=True)), default=0)
    step = max(1, -(-most // 8))  # whole agents on the axis, at most ~8 ticks
    chart.y_labels = list(range(0, most + step, step))
    for title, _colour, values in series:
        chart.add(title, list(values))
    return _svg(chart)
