"""Tests for `widgets.record_table.RecordTable`, the virtual register table.

The tests drive a small app through Textual's Pilot. pytest-asyncio is not
a dependency, so each test is a plain function that runs its scenario with
`asyncio.run`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence

import pytest
from rich.cells import cell_len
from rich.color import Color
from textual import on
from textual.app import App, ComposeResult
from textual.pilot import Pilot

from widgets.record_table import Column, RecordTable, fit, layout_widths, sanitize

COLUMNS = [
    Column("id", "ID", width=8),
    Column("title", "Title"),
    Column("status", "Status", width=8),
    Column("age", "Age", width=5, align="right"),
]
Rows = Sequence[tuple[str, Sequence[str]]]


def make_rows(count: int) -> Rows:
    """`count` simple rows keyed r0, r1, ... whose age counts down."""
    return [
        (f"r{n}", [f"ISS-{n}", f"Title {n}", "open" if n % 2 else "closed", str(count - n)])
        for n in range(count)
    ]


class TableApp(App[None]):
    """An app holding one table, recording the messages it posts."""

    def __init__(self, rows: Rows, columns: Sequence[Column] = COLUMNS) -> None:
        super().__init__()
        self.rows = rows
        self.columns = columns
        self.messages: list[tuple[str, object]] = []

    def compose(self) -> ComposeResult:
        yield RecordTable(self.columns, id="issues")

    def on_mount(self) -> None:
        self.query_one(RecordTable).set_rows(self.rows)

    @on(RecordTable.Highlighted, "#issues")
    def record_highlighted(self, message: RecordTable.Highlighted) -> None:
        self.messages.append(("highlighted", message.row_key))

    @on(RecordTable.Selected, "#issues")
    def record_selected(self, message: RecordTable.Selected) -> None:
        self.messages.append(("selected", message.row_key))

    @on(RecordTable.SortChanged, "#issues")
    def record_sort(self, message: RecordTable.SortChanged) -> None:
        self.messages.append(("sort", (message.column_key, message.reverse)))


Scenario = Callable[[Pilot[None], RecordTable], Awaitable[None]]


def run(app: TableApp, scenario: Scenario, size: tuple[int, int] = (80, 12)) -> None:
    """Run `scenario` against the app's table in a headless terminal."""

    async def main() -> None:
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            await scenario(pilot, app.query_one(RecordTable))

    asyncio.run(main())


def screen_lines(table: RecordTable) -> list[str]:
    """The text of every line the table currently shows."""
    return [table.render_line(y).text for y in range(table.size.height)]


def cell_offset(line: str, text: str) -> int:
    """The cell (column) position where `text` starts in `line`."""
    return cell_len(line[: line.index(text)])


def test_rows_render_under_a_fixed_header() -> None:
    async def scenario(pilot: Pilot[None], table: RecordTable) -> None:
        lines = screen_lines(table)
        assert lines[0].split() == ["ID", "Title", "Status", "Age"]
        assert lines[1].split() == ["ISS-0", "Title", "0", "closed", "100"]
        assert lines[11].split()[0] == "ISS-10"
        assert table.row_count == 100
        table.scroll_to(y=50, animate=False)
        await pilot.pause()
        assert screen_lines(table)[0].split()[0] == "ID"
        assert screen_lines(table)[1].split()[0] == "ISS-50"

    run(TableApp(make_rows(100)), scenario)


def test_keys_move_the_cursor_and_post_messages() -> None:
    app = TableApp(make_rows(100))

    async def scenario(pilot: Pilot[None], table: RecordTable) -> None:
        table.focus()
        await pilot.press("j", "j", "k", "down", "G", "up", "g", "enter", "end", "home")
        assert app.messages == [
            ("highlighted", "r0"),
            ("highlighted", "r1"),
            ("highlighted", "r2"),
            ("highlighted", "r1"),
            ("highlighted", "r2"),
            ("highlighted", "r99"),
            ("highlighted", "r98"),
            ("highlighted", "r0"),
            ("selected", "r0"),
            ("highlighted", "r99"),
            ("highlighted", "r0"),
        ]

    run(app, scenario)


def test_cursor_stays_visible_when_it_moves_off_screen() -> None:
    async def scenario(pilot: Pilot[None], table: RecordTable) -> None:
        table.focus()
        await pilot.press("G")
        assert table.cursor_row == 99
        assert screen_lines(table)[-1].split()[0] == "ISS-99"
        await pilot.press("pageup")
        assert table.cursor_row == 88  # the page is 11 rows below the header
        assert "ISS-88" in "".join(screen_lines(table)[1:])
        await pilot.press("g", "pagedown", "pagedown")
        assert table.cursor_row == 22
        assert "ISS-22" in "".join(screen_lines(table)[1:])

    run(TableApp(make_rows(100)), scenario)


def test_bindings_have_ids_and_tooltips() -> None:
    bindings = [binding for binding in RecordTable.BINDINGS if not isinstance(binding, tuple)]
    assert len(bindings) == len(RecordTable.BINDINGS)
    assert all(b.id and b.id.startswith("record_table.") and b.tooltip for b in bindings)


def test_clicking_a_header_sorts_then_reverses() -> None:
    app = TableApp(make_rows(8))

    async def scenario(pilot: Pilot[None], table: RecordTable) -> None:
        age_x = cell_offset(screen_lines(table)[0], "Age")
        table.set_sort_key("age", lambda _key, cells: int(cells[3]))
        await pilot.click(RecordTable, offset=(age_x, 0))
        assert (table.sort_column, table.sort_reverse) == ("age", False)
        assert "Age ▲" in screen_lines(table)[0]
        assert [line.split()[0] for line in screen_lines(table)[1:4]] == [
            "ISS-7",
            "ISS-6",
            "ISS-5",
        ]
        assert (table.cursor_key, table.cursor_row) == ("r0", 7)
        await pilot.click(RecordTable, offset=(age_x, 0))
        assert (table.sort_column, table.sort_reverse) == ("age", True)
        assert "Age ▼" in screen_lines(table)[0]
        assert screen_lines(table)[1].split()[0] == "ISS-0"
        assert ("sort", ("age", False)) in app.messages
        assert ("sort", ("age", True)) in app.messages

    run(app, scenario)


def test_sort_keys_and_programmatic_sort() -> None:
    app = TableApp(make_rows(12))

    async def scenario(pilot: Pilot[None], table: RecordTable) -> None:
        table.focus()
        table.sort_by("title")
        assert screen_lines(table)[1].split()[0:2] == ["ISS-0", "Title"]
        assert screen_lines(table)[2].split()[0] == "ISS-1"  # "title 1" < "title 10"
        table.sort_by("title")
        assert table.sort_reverse is True
        await pilot.press("greater_than_sign")
        assert (table.sort_column, table.sort_reverse) == ("status", False)
        await pilot.press("I")
        assert (table.sort_column, table.sort_reverse) == ("status", True)
        assert [m for m in app.messages if m[0] == "sort"] == [
            ("sort", ("status", False)),
            ("sort", ("status", True)),
        ]

    run(app, scenario)


def test_set_rows_keeps_the_cursor_on_the_same_key() -> None:
    app = TableApp(make_rows(50))

    async def scenario(pilot: Pilot[None], table: RecordTable) -> None:
        table.move_cursor_to_key("r30")
        assert (table.cursor_row, table.cursor_key) == (30, "r30")
        table.set_rows(list(reversed(make_rows(50))))
        assert (table.cursor_row, table.cursor_key) == (19, "r30")
        table.set_rows(make_rows(10))  # r30 filtered out: the cursor clamps
        assert (table.cursor_row, table.cursor_key) == (9, "r9")
        table.set_rows(make_rows(50), keep_cursor=False)
        assert (table.cursor_row, table.cursor_key) == (0, "r0")
        await pilot.pause()
        assert app.messages == [
            ("highlighted", "r0"),
            ("highlighted", "r30"),
            ("highlighted", "r9"),
            ("highlighted", "r0"),
        ]

    run(app, scenario)


def test_cells_are_shown_literally_never_as_markup_or_escapes() -> None:
    hostile = [
        ("markup", ["ISS-1", "[red]x[/red] [link=https://e.invalid]go[/link]", "open", "1"]),
        ("escape", ["ISS-2", "\x1b[31mred\x1b[0m\x07bell\rcr\ttab\nnl\x9b2J", "open", "2"]),
        ("bidi", ["ISS-3", "abc\u202edcba\ud800", "open", "3"]),
    ]

    async def scenario(pilot: Pilot[None], table: RecordTable) -> None:
        table.focus()
        strips = [table.render_line(y) for y in range(table.size.height)]
        assert "[red]x[/red] [link=https://e.invalid]go[/link]" in strips[1].text
        assert "�[31mred�[0m�bell cr tab nl�2J" in strips[2].text
        assert "abc�dcba�" in strips[3].text
        for segment in (segment for strip in strips for segment in strip):
            assert all(ord(char) >= 0x20 and not 0x7F <= ord(char) < 0xA0 for char in segment.text)
            style = segment.style
            assert style is None or style.color != Color.parse("red")
            assert style is None or not style.link

    run(TableApp(hostile), scenario)


def test_fifty_thousand_rows_render_sort_and_navigate() -> None:
    async def scenario(pilot: Pilot[None], table: RecordTable) -> None:
        assert table.row_count == 50_000
        assert "Title 0 " in screen_lines(table)[1]
        table.focus()
        await pilot.press("G")
        assert table.cursor_key == "r49999"
        assert "Title 49999" in screen_lines(table)[-1]
        table.set_sort_key("age", lambda _key, cells: int(cells[3]))
        table.sort_by("age")
        assert table.cursor_row == 0 and table.cursor_key == "r49999"
        table.set_rows(make_rows(50_000)[::7])
        assert table.row_count == 7143 and table.cursor_key == "r49994"

    run(TableApp(make_rows(50_000)), scenario)


def test_long_and_wide_text_truncates_with_alignment_at_80_columns() -> None:
    rows: Rows = [
        ("long", ["ISS-1234567", "A very long title " * 10, "blocked-on-vendor", "12345678"]),
        ("cjk", ["ISS-2", "会计系统迁移延误 😀 " * 6, "open", "7"]),
    ]

    async def scenario(pilot: Pilot[None], table: RecordTable) -> None:
        header, long_line, cjk_line = screen_lines(table)[:3]
        status_x = cell_offset(header, "Status")
        for line in (long_line, cjk_line):
            assert cell_len(line) == 80
            assert "…" in line
        assert long_line.split()[0] == "ISS-123…"
        assert cell_offset(long_line, "blocked…") == status_x
        assert cell_offset(cjk_line, "open") == status_x
        assert long_line.rstrip().endswith("1234…")

    run(TableApp(rows), scenario, size=(80, 6))


def test_flexible_columns_share_a_wide_screen() -> None:
    columns = [Column("id", "ID", width=10), Column("title", "Title"), Column("area", "Area")]

    async def scenario(pilot: Pilot[None], table: RecordTable) -> None:
        header = screen_lines(table)[0]
        assert cell_offset(header, "Title") == 12
        assert cell_offset(header, "Area") == 12 + 93 + 1
        assert table.virtual_size.width == table.scrollable_content_region.width

    run(TableApp(make_rows(3), columns), scenario, size=(200, 10))


def test_empty_table_shows_header_and_message() -> None:
    async def scenario(pilot: Pilot[None], table: RecordTable) -> None:
        lines = screen_lines(table)
        assert lines[0].split() == ["ID", "Title", "Status", "Age"]
        assert lines[1].strip() == "No records match"
        assert table.cursor_key is None and table.row_count == 0
        table.focus()
        await pilot.press("j", "enter")

    app = TableApp([])
    run(app, scenario)
    assert app.messages == []


def test_click_moves_the_cursor_and_click_again_selects() -> None:
    app = TableApp(make_rows(20))

    async def scenario(pilot: Pilot[None], table: RecordTable) -> None:
        await pilot.click(RecordTable, offset=(3, 3))
        assert table.cursor_key == "r2"
        await pilot.click(RecordTable, offset=(3, 3))
        await pilot.double_click(RecordTable, offset=(3, 5))
        await pilot.pause()
        assert app.messages == [
            ("highlighted", "r0"),
            ("highlighted", "r2"),
            ("selected", "r2"),
            ("highlighted", "r4"),
            ("selected", "r4"),
        ]

    run(app, scenario)


def test_sanitize_fit_and_layout_helpers() -> None:
    assert sanitize("a\x1b[0m\tb") == "a�[0m b"
    assert fit("abcdef", 4) == "abc…"
    assert fit("ab", 4, "right") == "  ab"
    assert cell_len(fit("会计系统", 5)) == 5
    assert layout_widths(COLUMNS, 80) == [8, 54, 8, 5]
    assert layout_widths(COLUMNS, 20)[1] == 10


def test_growing_rows_adds_a_scrollbar_without_horizontal_overflow() -> None:
    async def scenario(pilot: Pilot[None], table: RecordTable) -> None:
        table.set_rows(make_rows(100))
        await pilot.pause()
        assert table.show_vertical_scrollbar and not table.show_horizontal_scrollbar
        assert table.virtual_size.width == table.scrollable_content_region.width == 78
        table.set_rows(make_rows(2))
        await pilot.pause()
        assert table.virtual_size.width == table.scrollable_content_region.width == 80

    run(TableApp(make_rows(2)), scenario)


def test_cursor_style_follows_focus_and_theme() -> None:
    def background(table: RecordTable, y: int) -> object:
        style = next(iter(table.render_line(y))).style
        return style.bgcolor if style else None

    async def scenario(pilot: Pilot[None], table: RecordTable) -> None:
        table.blur()
        await pilot.pause()
        blurred = background(table, 1)
        assert blurred != background(table, 3)  # the cursor stands out
        table.focus()
        await pilot.pause()
        focused = background(table, 1)
        assert focused != blurred
        pilot.app.theme = "textual-light"
        await pilot.pause()
        assert background(table, 1) not in (focused, blurred)

    run(TableApp(make_rows(5)), scenario)


@pytest.mark.parametrize("columns", [[], [Column("id", "ID"), Column("id", "Other")]])
def test_columns_must_be_present_and_distinct(columns: list[Column]) -> None:
    with pytest.raises(ValueError, match="distinct keys"):
        RecordTable(columns)
