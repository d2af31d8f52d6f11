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
