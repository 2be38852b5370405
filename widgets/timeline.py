"""A scrollable list of dated, attributed entries: a record's history.

It takes plain values (`TimelineEntry`), in the order the caller gives them, and
is built on Textual's Line API: entries are wrapped to the widget's width once
(again only when the width changes) and only the lines on screen are painted, so
a record with thousands of changes scrolls as smoothly as one with three. Every
piece of text is record data or a git author name, so it is written as plain
`Segment`s (never parsed as markup) after control characters are made visible.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from widgets.record_table import sanitize

__all__ = ["Timeline", "TimelineEntry"]

INDENT = 5
"""Cells before a detail's text: `   • ` on its first line, spaces after."""


@dataclass(frozen=True)
class TimelineEntry:
    """One moment: when, who, a heading (what happened) and one line per detail."""

    when: str
    who: str
    heading: str
    details: tuple[str, ...] = ()


Line = list[tuple[str, str]]
"""One screen line as (text, component class) pieces."""


class Timeline(ScrollView, can_focus=True):
    """The entries, scrolled with the arrow keys, page keys, home and end.

    The scrollbar's gutter is always kept, so wrapping never depends on whether
    a scrollbar is showing (Textual adds it after `virtual_size` changes)."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "timeline--moment",
        "timeline--heading",
        "timeline--bullet",
        "timeline--empty",
    }
    DEFAULT_CSS = """
    Timeline {
        height: 1fr;
        padding: 0 1;
        scrollbar-gutter: stable;
        & > .timeline--moment { text-style: bold; }
        & > .timeline--heading { color: $text-muted; }
        & > .timeline--bullet { color: $primary; }
        & > .timeline--empty { color: $text-muted; text-style: italic; }
    }
    """

    def __init__(
        self,
        entries: Sequence[TimelineEntry] = (),
        *,
        empty: str = "Nothing yet",
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._entries = list(entries)
        self._empty = empty
        self._lines: list[Line] = []
        self._laid_out_for = -1

    @property
    def entries(self) -> list[TimelineEntry]:
        return list(self._entries)

    def show(self, entries: Sequence[TimelineEntry]) -> None:
        self._entries = list(entries)
        self._laid_out_for = -1
        self._lay_out()
        self.scroll_home(animate=False)
        self.refresh()

    def on_resize(self, _event: events.Resize) -> None:
        self._lay_out()

    def on_mount(self) -> None:
        self._lay_out()

    def _lay_out(self) -> None:
        width = self.scrollable_content_region.width
        if width <= 0 or width == self._laid_out_for:
            return
        self._laid_out_for = width
        self._lines = lines_of(self._entries, self._empty, width)
        self.virtual_size = Size(width, len(self._lines))
        self.refresh()

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        base = self.rich_style
        index = self.scroll_offset.y + y
        if index >= len(self._lines):
            return Strip.blank(width, base)
        styles: dict[str, Style] = {}
        segments = []
        for text, component in self._lines[index]:
            if component and component not in styles:
                styles[component] = base + self.get_component_rich_style(component)
            segments.append(Segment(text, styles[component] if component else base))
        return Strip(segments).adjust_cell_length(width, base)


def lines_of(entries: Sequence[TimelineEntry], empty: str, width: int) -> list[Line]:
    """Every entry laid out at `width` cells: a `when  who` line, the heading and
    each detail wrapped under a hanging indent, a blank line between entries."""
    console = Console(width=width, file=io.StringIO(), color_system=None)
    if not entries:
        return [[(line, "timeline--empty")] for line in _wrap(console, empty, width)]
    room = max(10, width - INDENT)
    lines: list[Line] = []
    for entry in entries:
        if lines:
            lines.append([])
        moment = sanitize(entry.when), sanitize(entry.who)
        lines.append([(moment[0], "timeline--moment"), ("  ", ""), (moment[1], "timeline--moment")])
        if entry.heading:
            indent = (" " * INDENT, "")
            lines += [[indent, (part, "timeline--heading")] for part in _wrap(console, entry.heading, room)]
        for detail in entry.details:
            for number, part in enumerate(_wrap(console, detail, room)):
                lead = BULLET if number == 0 else [(" " * INDENT, "")]
                lines.append([*lead, (part, "")])
    return lines


BULLET: Line = [("   ", ""), ("•", "timeline--bullet"), (" ", "")]


def _wrap(console: Console, text: str, width: int) -> list[str]:
    """Word-wrapped to `width` terminal cells (wide characters count double)."""
    wrapped = Text(sanitize(text)).wrap(console, width, overflow="fold")
    return [line.plain.rstrip() for line in wrapped] or [""]
