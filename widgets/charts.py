"""Small charts for the dashboard: labelled horizontal bars.

Labels are the register's own words (area names, severities), which people
configure, so they are written as plain `Segment`s after control characters are
made visible: a label such as `[red]x[/red]` shows as typed. The widget takes
plain `(label, value)` pairs and knows nothing of where they came from.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from textual.strip import Strip
from textual.widget import Widget

from widgets.record_table import sanitize

__all__ = ["BarChart", "bar_cells"]

BLOCKS = " ▏▎▍▌▋▊▉█"
"""Eighths of a cell, so short bars still differ."""
MAX_LABEL_WIDTH = 24


def bar_cells(value: float, largest: float, width: int) -> str:
    """A bar `width` cells wide at most, in eighths of a cell; a value above zero
    always shows at least an eighth."""
    if largest <= 0 or value <= 0 or width <= 0:
        return ""
    eighths = max(1, round(value / largest * width * 8))
    full, part = divmod(eighths, 8)
    return "█" * full + (BLOCKS[part] if part else "")


def _fit(text: str, width: int) -> str:
    text = sanitize(text)
    if cell_len(text) > width:
        return set_cell_size(text, width - 1) + "…"
    return set_cell_size(text, width)


class BarChart(Widget):
    """One line a bar: `label  ███████▍ 12`, scaled to the largest value."""

    DEFAULT_CSS = """
    BarChart {
        height: auto;
        min-height: 1;
    }
    BarChart > .bar-chart--bar {
        color: $primary;
    }
    BarChart > .bar-chart--value {
        text-style: bold;
    }
    BarChart > .bar-chart--empty {
        color: $text-muted;
    }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {"bar-chart--bar", "bar-chart--value", "bar-chart--empty"}

    def __init__(
        self,
        bars: Sequence[tuple[str, float]] = (),
        *,
        empty: str = "Nothing to show",
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._bars: list[tuple[str, float]] = list(bars)
        self._empty = empty

    @property
    def bars(self) -> list[tuple[str, float]]:
        return list(self._bars)

    def set_bars(self, bars: Sequence[tuple[str, float]]) -> None:
        self._bars = list(bars)
        self.refresh(layout=True)

    def get_content_height(self, container: object, viewport: object, width: int) -> int:
        return max(1, len(self._bars))

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        base = self.rich_style
        if not self._bars:
            if y > 0:
                return Strip.blank(width, base)
            style = base + self.get_component_rich_style("bar-chart--empty")
            return Strip([Segment(_fit(self._empty, width), style)], width)
        if y >= len(self._bars):
            return Strip.blank(width, base)
        label, value = self._bars[y]
        label_width = min(
            MAX_LABEL_WIDTH, max(cell_len(sanitize(name)) for name, _ in self._bars), width // 3
        )
        number_width = max(len(_number(v)) for _, v in self._bars)
        room = max(0, width - label_width - number_width - 3)
        largest = max(v for _, v in self._bars)
        bar = bar_cells(value, largest, room)
        segments = [
            Segment(_fit(label, label_width) + " ", base),
            Segment(bar, base + self.get_component_rich_style("bar-chart--bar")),
            Segment(" " + _number(value), base + self.get_component_rich_style("bar-chart--value")),
        ]
        return Strip(segments).adjust_cell_length(width, base)


def _number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"
