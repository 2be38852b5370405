"""A virtual, sortable table for large registers, built on Textual's Line API.

Textual's `DataTable` builds renderables per cell and needs seconds to show
50,000 rows. `RecordTable` keeps rows as plain `(row_key, cells)` tuples and
renders only the lines on screen (`render_line`), so replacing, filtering and
sorting the rows cost one list copy or one `sorted` call, and painting costs
one screenful of lines whatever the row count.

Cell text is untrusted record data: it is written as plain `Segment`s (never
parsed as markup) after control characters are replaced, so a title such as
`[red]x[/red]` or one holding terminal escape codes shows as typed and cannot
act on the terminal.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from operator import indexOf, itemgetter
from typing import Any, ClassVar, Literal

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size, Spacing
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

__all__ = ["Column", "RecordTable", "sanitize"]

Row = tuple[str, Sequence[str]]
"""One record: its key and its cells (strings, aligned to the columns)."""

SortKey = Callable[[str, Sequence[str]], Any]
"""Custom sort key: `(row_key, cells) -> comparable value`."""

PLACEHOLDER = "\N{REPLACEMENT CHARACTER}"
ELLIPSIS = "\N{HORIZONTAL ELLIPSIS}"
EMPTY_MESSAGE = "No records match"
MIN_FLEX_WIDTH = 10
"""Narrowest a flexible column gets, even if the table must then scroll."""
GAP = 1
"""Blank cells between columns and at both ends of a line."""

_WHITESPACE_CONTROLS = (0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x2028, 0x2029)
_INVISIBLE_CONTROLS = (
    *range(0x00, 0x20),  # C0 controls, including ESC
    0x7F,  # DEL
    *range(0x80, 0xA0),  # C1 controls, including the 8-bit CSI
    *range(0x202A, 0x202F),  # bidi embeddings and overrides
    *range(0x2066, 0x206A),  # bidi isolates
    *range(0xD800, 0xE000),  # lone surrogates (cannot be encoded for output)
)
_SANITIZE_TABLE: dict[int, str] = {
    **{code: PLACEHOLDER for code in _INVISIBLE_CONTROLS},
    **{code: " " for code in _WHITESPACE_CONTROLS},
}


def sanitize(text: str) -> str:
    """Return `text` safe to write to a terminal as one line.

    Whitespace controls (tab, newline, carriage return, ...) become spaces;
    every other control character (ESC, BEL, C1 codes, bidi overrides, lone
    surrogates) becomes a visible replacement character, so no escape
    sequence ever reaches the terminal and nothing moves the cursor.
    """
    return text.translate(_SANITIZE_TABLE)


def fit(text: str, width: int, align: Literal["left", "right"] = "left") -> str:
    """Sanitize `text` and pad or truncate it to exactly `width` cells.

    Widths are counted in terminal cells, so wide (CJK, emoji) characters
    keep columns aligned; text too long ends with an ellipsis.
    """
    if width <= 0:
        return ""
    text = sanitize(text)
    length = cell_len(text)
    if length > width:
        return set_cell_size(text, width - 1) + ELLIPSIS
    padding = " " * (width - length)
    return padding + text if align == "right" else text + padding


def join_cells(cells: list[str]) -> str:
    """Join fitted cells into one line, with the gaps around and between them."""
    gap = " " * GAP
    return gap + gap.join(cells) + gap


def layout_widths(columns: Sequence[Column], available: int) -> list[int]:
    """Return the width of each column for a table `available` cells wide (0:
    the column is hidden).

    The flexible columns (the title) get the space first: when they would be
    narrower than their `min_width`, the other columns give way, the highest
    `priority` number first: each shrinks to its own `min_width`, then hides
    (if it has a priority), until the flexible columns have their room or
    nothing more can give. Flexible columns then share what is left, each at least
    `MIN_FLEX_WIDTH` wide.
    """
    widths = [column.width or 0 for column in columns]
    flexible = [index for index, column in enumerate(columns) if column.width is None]
    wanted = sum(max(MIN_FLEX_WIDTH, columns[index].min_width or 0) for index in flexible)

    def spare() -> int:
        shown = sum(1 for index, width in enumerate(widths) if width or index in flexible)
        return available - sum(widths) - GAP * (shown + 1)

    giving = sorted(
        (index for index in range(len(columns)) if index not in flexible),
        key=lambda index: -columns[index].priority,
    )
    for index in giving:  # the least important column gives first: shrinks, then hides
        floor, needed = columns[index].min_width, max(wanted, columns[index].room)
        if spare() < needed and floor is not None:
            widths[index] = max(floor, widths[index] - (needed - spare()))
        if spare() < needed and columns[index].priority > 0:
            widths[index] = 0
    if flexible:
        share, extra = divmod(max(spare(), 0), len(flexible))
        for position, index in enumerate(flexible):
            widths[index] = max(MIN_FLEX_WIDTH, share + (position < extra))
    return widths


def _binding(keys: str, action: str, description: str, tooltip: str) -> Binding:
    """A hidden table binding whose id (`record_table.<action>`) keymaps can rebind."""
    return Binding(keys, action, description, show=False, id=f"record_table.{action}", tooltip=tooltip)


@dataclass(frozen=True)
class Column:
    """A table column: `width=None` makes it share the spare width.

    `min_width`: a fixed column may shrink to it, and a flexible one asks for
    that much before others shrink; `priority` above 0: the column may hide
    when the table is narrow, the highest number first."""

    key: str
    label: str
    width: int | None = None
    align: Literal["left", "right"] = "left"
    min_width: int | None = None
    priority: int = 0
    room: int = 0
    """The width the flexible columns must keep for this column to show (a
    column that only wide screens afford); 0: their `min_width`."""


class RecordTable(ScrollView, can_focus=True):
    """A read-only table that shows any number of rows instantly.

    Rows are `(row_key, cells)` tuples given to `set_rows`; the table keeps a
    row cursor (by key, across re-filtering and sorting), a fixed header that
    sorts on click, and posts `Highlighted`, `Selected` and `SortChanged`.

    Keys: up/down or j/k, pageup/pagedown, home/end or g/G, enter to select,
    `<`/`>` to sort by the previous/next column and `I` to invert the sort;
    `space` marks a row (then moves down), `shift+up`/`shift+down`, ctrl+click
    and shift+click mark more, escape unmarks (`marked_keys`, `MarksChanged`);
    every binding has an id `record_table.<action>` for keymaps. Styling:
    the component classes `record-table--header`, `--cursor`, `--odd`
    (zebra stripes) and `--empty`, themed in `DEFAULT_CSS`.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        _binding("up,k", "cursor_up", "Up", "Move the cursor up a row"),
        _binding("down,j", "cursor_down", "Down", "Move the cursor down a row"),
        _binding("pageup", "page_up", "Page up", "Move the cursor up a page"),
        _binding("pagedown", "page_down", "Page down", "Move the cursor down a page"),
        _binding("home,g", "cursor_first", "First", "Move the cursor to the first row"),
        _binding("end,G", "cursor_last", "Last", "Move the cursor to the last row"),
        _binding("enter", "select", "Open", "Open the highlighted record"),
        _binding(">", "sort_next", "Sort next", "Sort by the next column"),
        _binding("<", "sort_previous", "Sort previous", "Sort by the previous column"),
        _binding("I", "sort_invert", "Invert sort", "Reverse the sort order"),
        _binding(
            "space", "toggle_mark", "Mark", "Mark or unmark the row (for a change to many), then go down"
        ),
        _binding("shift+down", "mark_down", "Mark down", "Mark this row and the one below"),
        _binding("shift+up", "mark_up", "Mark up", "Mark this row and the one above"),
        _binding("escape", "clear_marks", "Unmark all", "Unmark every marked row"),
    ]

    ALLOW_SELECT = False
    """Rows are picked with the cursor, not selected as text (as in DataTable)."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "record-table--header",
        "record-table--cursor",
        "record-table--odd",
        "record-table--empty",
        "record-table--marked",
    }

    DEFAULT_CSS = """
    RecordTable {
        height: 1fr;
        background: $surface;
        color: $foreground;
        & > .record-table--header {
            background: $panel;
            color: $foreground;
            text-style: bold;
        }
        & > .record-table--odd {
            background: $surface-lighten-1 50%;
        }
        & > .record-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
        &:focus > .record-table--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: $block-cursor-text-style;
        }
        & > .record-table--marked {
            background: $secondary 30%;
            text-style: bold;
        }
        & > .record-table--empty {
            color: $text-muted;
            text-style: italic;
        }
    }
    """

    class Highlighted(Message):
        """The cursor moved to another row (`row_key` is None once empty)."""

        def __init__(self, table: RecordTable, row_key: str | None) -> None:
            self.table = table
            self.row_key = row_key
            super().__init__()

        @property
        def control(self) -> RecordTable:
            """The table that posted the message (for `@on` selectors)."""
            return self.table

    class Selected(Message):
        """A row was chosen: enter, or a click on the highlighted row."""

        def __init__(self, table: RecordTable, row_key: str) -> None:
            self.table = table
            self.row_key = row_key
            super().__init__()

        @property
        def control(self) -> RecordTable:
            """The table that posted the message (for `@on` selectors)."""
            return self.table

    class MarksChanged(Message):
        """Rows were marked or unmarked (`row_keys`: the marked rows, in order)."""

        def __init__(self, table: RecordTable, row_keys: list[str]) -> None:
            self.table = table
            self.row_keys = row_keys
            super().__init__()

        @property
        def control(self) -> RecordTable:
            """The table that posted the message (for `@on` selectors)."""
            return self.table

    class SortChanged(Message):
        """The user sorted the table by a header click or a key."""

        def __init__(self, table: RecordTable, column_key: str, reverse: bool) -> None:
            self.table = table
            self.column_key = column_key
            self.reverse = reverse
            super().__init__()

        @property
        def control(self) -> RecordTable:
            """The table that posted the message (for `@on` selectors)."""
            return self.table

    def __init__(
        self,
        columns: Sequence[Column],
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._columns = tuple(columns)
        self._column_index = {column.key: index for index, column in enumerate(columns)}
        if not columns or len(self._column_index) != len(columns):
            raise ValueError("RecordTable needs columns with distinct keys")
        self._widths = layout_widths(self._columns, 0)
        self._source: list[Row] = []
        self._view: list[Row] = []
        self._cursor = 0
        self._sort_column: str | None = None
        self._sort_reverse = False
        self._sort_keys: dict[str, SortKey] = {}
        self._last_click_selected = False
        self._marked: dict[str, None] = {}
        self.empty_message = EMPTY_MESSAGE
        """What an empty table says (the app says why it is empty)."""

    # Public API ------------------------------------------------------------

    @property
    def columns(self) -> tuple[Column, ...]:
        """The table's columns, in display order."""
        return self._columns

    @property
    def row_count(self) -> int:
        """Number of rows currently shown."""
        return len(self._view)

    @property
    def cursor_row(self) -> int:
        """Display index of the cursor row (0 when the table is empty)."""
        return self._cursor

    @property
    def cursor_key(self) -> str | None:
        """Key of the highlighted row, or None when the table is empty."""
        return self._view[self._cursor][0] if self._view else None

    @property
    def sort_column(self) -> str | None:
        """Key of the column the rows are sorted by, or None for given order."""
        return self._sort_column

    @property
    def sort_reverse(self) -> bool:
        """True when the sort is descending."""
        return self._sort_reverse

    @property
    def marked_keys(self) -> list[str]:
        """Keys of the marked rows, in the order they are shown."""
        return [key for key, _cells in self._view if key in self._marked] if self._marked else []

    def clear_marks(self) -> None:
        """Unmark every row."""
        if self._marked:
            self._marked.clear()
            self._marks_changed()

    def set_rows(self, rows: Sequence[Row], *, keep_cursor: bool = True, presorted: bool = False) -> None:
        """Replace all rows, re-applying the current sort.

        With `keep_cursor` the cursor stays on the same row key when that row
        is still present, else it keeps its position (clamped); without it,
        the cursor and the scroll go back to the top. Costs one list copy
        (plus a sort when sorted): no per-row objects are made. `presorted`
        says the rows already come in the table's sort order (sorted off the
        UI thread by the caller), so no sort is done here.
        """
        previous_key = self.cursor_key
        self._source = list(rows)
        self._view = list(self._source) if presorted else self._sorted(self._source)
        index = self._index_of(previous_key) if keep_cursor else None
        if index is None:
            index = self._cursor if keep_cursor else 0
        if not keep_cursor:
            self.scroll_to(y=0, animate=False, force=True)
        self._update_virtual_size()
        self._place_cursor(index, previous_key)
        if self._marked:  # a row no longer shown cannot stay marked
            shown = set(map(itemgetter(0), self._view))
            kept = {key: None for key in self._marked if key in shown}
            if len(kept) != len(self._marked):
                self._marked = kept
                self._marks_changed()
        self.refresh()

    def sort_by(self, column_key: str, reverse: bool | None = None) -> None:
        """Sort rows by `column_key`, keeping the cursor on its row.

        `reverse=None` toggles the direction when already sorted by this
        column and sorts ascending otherwise. Posts no message: the caller
        knows (only user sorts post `SortChanged`).
        """
        if column_key not in self._column_index:
            raise KeyError(f"no column {column_key!r}")
        if reverse is None:
            reverse = column_key == self._sort_column and not self._sort_reverse
        self._sort_column = column_key
        self._sort_reverse = reverse
        self._resort()

    def set_sort_key(self, column_key: str, key: SortKey) -> None:
        """Sort `column_key` by `key(row_key, cells)` instead of its text.

        Use it for columns whose text does not sort naturally, such as a
        severity rank or a numeric age. Re-sorts if that column is active.
        """
        if column_key not in self._column_index:
            raise KeyError(f"no column {column_key!r}")
        self._sort_keys[column_key] = key
        if column_key == self._sort_column:
            self._resort()

    def move_cursor_to_key(self, row_key: str) -> None:
        """Highlight the row `row_key` and scroll to it; ignore unknown keys."""
        index = self._index_of(row_key)
        if index is not None:
            self._move_cursor(index)

    # Rows, sorting and the cursor ------------------------------------------

    def _sorted(self, rows: list[Row]) -> list[Row]:
        """Return `rows` in the current sort order (`rows` itself if unsorted).

        Sorting starts from the given order, so ties keep it (sort is stable).
        """
        if self._sort_column is None:
            return rows
        custom = self._sort_keys.get(self._sort_column)
        if custom is not None:
            return sorted(rows, key=lambda row: custom(*row), reverse=self._sort_reverse)
        index = self._column_index[self._sort_column]

        def text_key(row: Row) -> str:
            cells = row[1]
            return cells[index].casefold() if index < len(cells) else ""

        return sorted(rows, key=text_key, reverse=self._sort_reverse)

    def _resort(self) -> None:
        """Re-sort the rows and keep the cursor on the same row."""
        key = self.cursor_key
        self._view = self._sorted(self._source)
        index = self._index_of(key)
        self._place_cursor(self._cursor if index is None else index, key)
        self.refresh()

    def _index_of(self, row_key: str | None) -> int | None:
        """Return the display index of `row_key`, or None (a linear scan)."""
        if row_key is None:
            return None
        try:
            return indexOf(map(itemgetter(0), self._view), row_key)
        except ValueError:
            return None

    def _place_cursor(self, index: int, previous_key: str | None) -> None:
        """Put the cursor on row `index` (clamped), show it, and post
        `Highlighted` if that changed which row is highlighted."""
        old_line = self._cursor + 1
        self._cursor = max(0, min(index, len(self._view) - 1))
        self.refresh_line(old_line)
        self.refresh_line(self._cursor + 1)
        self._scroll_to_cursor()
        if self.cursor_key != previous_key:
            self.post_message(self.Highlighted(self, self.cursor_key))

    def _move_cursor(self, index: int) -> None:
        """Move the cursor to row `index` on the user's behalf."""
        self._place_cursor(index, self.cursor_key)

    def _scroll_to_cursor(self) -> None:
        """Scroll the least needed so the cursor row is below the header."""
        row_region = Region(int(self.scroll_x), self._cursor + 1, 1, 1)
        self.scroll_to_region(
            row_region,
            spacing=Spacing(top=1),
            animate=False,
            force=True,
            x_axis=False,
            immediate=True,
        )

    @property
    def _page_height(self) -> int:
        """Number of rows visible below the header."""
        return max(1, self.scrollable_content_region.height - 1)

    # Layout and rendering --------------------------------------------------

    def _update_virtual_size(self) -> None:
        """Lay out the columns for the current width and size the scroll area.

        The header is line 0 of the virtual area; the empty-table message
        needs one line when there are no rows.
        """
        height = max(len(self._view), 1) + 1
        self._widths = layout_widths(self._columns, self._table_width_for(height))
        shown = sum(1 for width in self._widths if width)
        self.virtual_size = Size(sum(self._widths) + GAP * (shown + 1), height)

    def _table_width_for(self, height: int) -> int:
        """Cells left for the table beside a vertical scrollbar, if one is due.

        Predicted from `height` rather than read from the layout, because
        Textual adds the scrollbar after `virtual_size` changes and sends no
        Resize, so a measured width would lag one update behind.
        """
        styles = self.styles
        scrollbar = (
            styles.overflow_y == "scroll"
            or styles.scrollbar_gutter == "stable"
            or (styles.overflow_y == "auto" and height > self.size.height)
        )
        return self.size.width - (styles.scrollbar_size_vertical if scrollbar else 0)

    def on_resize(self, _event: events.Resize) -> None:
        """Re-share the width among flexible columns; keep the cursor shown."""
        self._update_virtual_size()
        self._scroll_to_cursor()
        self.refresh()

    def render_line(self, y: int) -> Strip:
        """Render line `y` of the widget: the fixed header, a row or blank.

        Only the row under `y` is touched, so the cost of a screen does not
        depend on the number of rows.
        """
        scroll_x, scroll_y = self.scroll_offset
        if y == 0:
            text, style = self._header_text(), self._style("record-table--header")
        elif not self._view and y == 1:
            text, style = join_cells([self.empty_message]), self._style("record-table--empty")
        elif (index := y - 1 + scroll_y) < len(self._view):
            key, cells = self._view[index]
            text, style = self._row_text(cells), self._row_style(index)
            if key in self._marked:
                text = "•" + text[GAP:]
                if index != self._cursor:
                    style = self._style("record-table--marked")
        else:
            return Strip.blank(self.size.width, self.rich_style)
        strip = Strip([Segment(text, style)], cell_len(text))
        return strip.crop_extend(scroll_x, scroll_x + self.size.width, style)

    def _style(self, component: str) -> Style:
        """The full Rich style of a component class (cached by Textual)."""
        return self.get_component_rich_style(component)

    def _row_style(self, index: int) -> Style:
        """Style for row `index`: cursor, zebra stripe or plain."""
        if index == self._cursor:
            return self._style("record-table--cursor")
        if index % 2:
            return self._style("record-table--odd")
        return self.rich_style

    def _row_text(self, cells: Sequence[str]) -> str:
        """One row as a single plain string, every cell fitted to its column."""
        count = len(cells)
        return join_cells(
            [
                fit(cells[index] if index < count else "", width, column.align)
                for index, (column, width) in enumerate(zip(self._columns, self._widths, strict=True))
                if width
            ]
        )

    def _header_text(self) -> str:
        """The header line, with ▲ or ▼ after the sorted column's label."""
        return join_cells(
            [
                self._header_cell(column, width)
                for column, width in zip(self._columns, self._widths, strict=True)
                if width
            ]
        )

    def _header_cell(self, column: Column, width: int) -> str:
        """A header label fitted to `width`, keeping the sort arrow visible."""
        if column.key != self._sort_column or width < 3:
            return fit(column.label, width, column.align)
        arrow = " ▼" if self._sort_reverse else " ▲"
        label = sanitize(column.label)
        if cell_len(label) + 2 > width:
            return fit(label, width - 2) + arrow
        return fit(label + arrow, width, column.align)

    # User input ------------------------------------------------------------

    async def _on_click(self, event: events.Click) -> None:
        """Sort on a header click; move to a row, or select it when it was
        already highlighted (a double click selects once)."""
        offset = event.get_content_offset(self)
        if offset is None:
            return
        event.stop()
        if offset.y == 0:
            if column := self._column_at(offset.x + int(self.scroll_x)):
                self._user_sort(column.key)
            return
        index = offset.y - 1 + int(self.scroll_y)
        if index >= len(self._view):
            return
        if event.ctrl or event.meta:  # ctrl+click marks or unmarks one row
            self._toggle(self._view[index][0])
            self._move_cursor(index)
            return
        if event.shift:  # shift+click marks from the cursor to the row
            low, high = sorted((self._cursor, index))
            self._mark([key for key, _cells in self._view[low : high + 1]])
            self._move_cursor(index)
            return
        if event.chain > 1 and self._last_click_selected:
            return
        self._last_click_selected = index == self._cursor
        if self._last_click_selected:
            self.action_select()
        else:
            self._move_cursor(index)

    def _column_at(self, x: int) -> Column | None:
        """The column under virtual x (a gap belongs to the column before)."""
        right = GAP
        for column, width in zip(self._columns, self._widths, strict=True):
            if not width:
                continue
            right += width + GAP
            if x < right:
                return column
        return None

    def _user_sort(self, column_key: str, reverse: bool | None = None) -> None:
        """Sort as the user asked and tell the app with `SortChanged`."""
        self.sort_by(column_key, reverse)
        self.post_message(self.SortChanged(self, column_key, self._sort_reverse))

    def _sort_step(self, step: int) -> None:
        """Sort ascending by the column `step` away from the sorted one."""
        keys = list(self._column_index)
        if self._sort_column is None:
            target = keys[0] if step > 0 else keys[-1]
        else:
            target = keys[(keys.index(self._sort_column) + step) % len(keys)]
        self._user_sort(target, reverse=False)

    def action_cursor_up(self) -> None:
        """Move the cursor up one row."""
        self._move_cursor(self._cursor - 1)

    def action_cursor_down(self) -> None:
        """Move the cursor down one row."""
        self._move_cursor(self._cursor + 1)

    def action_page_up(self) -> None:
        """Move the cursor and the view up one page."""
        self.scroll_to(y=self.scroll_y - self._page_height, animate=False, force=True)
        self._move_cursor(self._cursor - self._page_height)

    def action_page_down(self) -> None:
        """Move the cursor and the view down one page."""
        self.scroll_to(y=self.scroll_y + self._page_height, animate=False, force=True)
        self._move_cursor(self._cursor + self._page_height)

    def action_cursor_first(self) -> None:
        """Move the cursor to the first row."""
        self._move_cursor(0)

    def action_cursor_last(self) -> None:
        """Move the cursor to the last row."""
        self._move_cursor(len(self._view) - 1)

    def action_select(self) -> None:
        """Post `Selected` for the highlighted row (nothing when empty)."""
        if (key := self.cursor_key) is not None:
            self.post_message(self.Selected(self, key))

    def _toggle(self, key: str) -> None:
        if key in self._marked:
            del self._marked[key]
        else:
            self._marked[key] = None
        self._marks_changed()

    def _mark(self, keys: list[str]) -> None:
        self._marked.update(dict.fromkeys(keys))
        self._marks_changed()

    def _marks_changed(self) -> None:
        self.refresh()
        self.post_message(self.MarksChanged(self, self.marked_keys))

    def action_toggle_mark(self) -> None:
        """Mark or unmark the highlighted row, then move down (space, space…)."""
        if (key := self.cursor_key) is not None:
            self._toggle(key)
            self._move_cursor(self._cursor + 1)

    def _mark_step(self, step: int) -> None:
        if (key := self.cursor_key) is None:
            return
        self._move_cursor(self._cursor + step)
        self._mark([key, self.cursor_key or key])

    def action_mark_down(self) -> None:
        """Mark the highlighted row and the one below, and move to it."""
        self._mark_step(1)

    def action_mark_up(self) -> None:
        """Mark the highlighted row and the one above, and move to it."""
        self._mark_step(-1)

    def action_clear_marks(self) -> None:
        """Unmark every row."""
        self.clear_marks()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Escape unmarks only when rows are marked (else it is the screen's)."""
        if action == "clear_marks":
            return bool(self._marked)
        return True

    def action_sort_next(self) -> None:
        """Sort by the column right of the sorted one."""
        self._sort_step(1)

    def action_sort_previous(self) -> None:
        """Sort by the column left of the sorted one."""
        self._sort_step(-1)

    def action_sort_invert(self) -> None:
        """Reverse the sort (sorts by the first column if unsorted)."""
        self._user_sort(self._sort_column or self._columns[0].key)
