"""The registers: issues and lessons, each a table with a live filter.

`1` and `2` (or a click on the tabs) switch register; `/` filters with the query
language of `tracker list`; enter opens a record; the quick actions act on the
highlighted record. The screen keeps a filter and a cursor per register, and
keeps the cursor on its record when the register changes underneath it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import ContentSwitcher, Footer, Input, Tab, Tabs
from textual.worker import NoActiveWorker, Worker, WorkerState, get_current_worker

from data.errors import QueryError, TrackerError
from data.ids import Kind, kind_of
from data.kinds import KINDS as KINDS_OF
from data.kinds import label
from data.model import ACTION_STATUSES, Vocabulary
from data.query import parse
from tracker.tui.screens.record_actions import RecordActionsScreen
from tracker.tui.snapshot import (
    COLUMNS,
    FirstPageRead,
    RegisterChanged,
    RegisterSnapshot,
    Row,
    loaded_snapshot,
    tracker_app,
)
from tracker.tui.views import resolve_me
from widgets.filter_bar import FilterBar
from widgets.record_table import Column, RecordTable, SortKey
from widgets.status_bar import StatusBar

KINDS: tuple[Kind, Kind] = ("issue", "lesson")
FILTER_HINTS: dict[Kind, str] = {
    "issue": "/ filter issues: status:open severity:high area:finance owner:me words…",
    "lesson": "/ filter lessons: action:agreed priority:high source:audit area:finance words…",
}
BULK_FIELDS: dict[Kind, tuple[str, ...]] = {
    "issue": ("status", "owner", "area", "severity", "visibility", "priority"),
    "lesson": ("action_status", "area", "priority", "visibility"),
}
"""What triage changes on many records at once (`c`)."""


def choices_for(kind: Kind, name: str, snapshot: RegisterSnapshot) -> list[str]:
    """The words a field may take: the register's vocabulary, the table's fixed
    choices, or the people the register knows."""
    about = KINDS_OF[kind].fields()[name]
    if about.words:
        return list(getattr(snapshot.settings.vocabulary, about.words))
    if about.choices:
        return list(about.choices)
    return snapshot.people()


def _number(text: str) -> int:
    return int(text[:-1]) if text else 1 << 30


def rank_key(order: list[str], index: int) -> SortKey:
    """Sort a column by a word's place in the register's vocabulary, unknown words last."""
    rank = {word: position for position, word in enumerate(order)}
    return lambda _key, cells: rank.get(cells[index], len(rank))


@dataclass(frozen=True)
class Order:
    """How the table is sorted, so a filter worker can hand it rows in that order."""

    column: str | None
    reverse: bool
    key: SortKey | None


@dataclass(frozen=True)
class Ordered:
    """Every row of one snapshot in one sort order, with its listing row: worked
    out once per snapshot and order, so a keystroke only filters a sorted list."""

    snapshot: RegisterSnapshot
    order: Order
    pairs: list[tuple[Row, tuple[Any, ...]]]


@dataclass(frozen=True)
class Filtered:
    """A filter's result: rows to show (in the table's order), or why the query
    cannot be read."""

    kind: Kind
    text: str
    rows: list[Row]
    total: int
    ordered: Ordered | None = None
    error: str | None = None


_PLAIN_WORD = re.compile(r'[^\s\-:<>=",][^\s:<>=",]*')
"""A free word that is neither negated nor a field term nor a phrase."""


def refines(old: str, new: str) -> bool:
    """Whether query `new` can only match records `old` matched, so that it can be
    run over `old`'s result alone: it adds whole terms (every term must match),
    or it lengthens a last free word (the longer word is found in fewer texts).
    Anything else (a value list growing, a negated word, an open phrase, a
    comparison) can match more, and is run over every record."""
    if not old.strip() or not new.startswith(old) or old.count('"') % 2:
        return False
    grown = new[len(old) :]
    if old[-1].isspace() or grown[:1].isspace():
        return True
    last = old.split()[-1]
    return bool(_PLAIN_WORD.fullmatch(last) and _PLAIN_WORD.fullmatch(last + grown))


def filter_rows(
    kind: Kind,
    text: str,
    snapshot: RegisterSnapshot,
    order: Order,
    orders: dict[Kind, Ordered],
    previous: Filtered | None = None,
) -> Filtered | None:
    """The rows matching `text`, in the table's order (runs in a thread worker;
    returns None when a newer filter has cancelled it). The query reads each
    record's listing row through a view, so no document is made. The sorted
    rows are kept in `orders` as soon as they are made, so that a filter
    cancelled by the next keystroke still leaves them for it. When the query
    only narrows the `previous` result's (`refines`), only its rows are tried."""
    cached = orders.get(kind)
    total = len(snapshot.sources[kind])
    try:
        query = parse(text, kind, snapshot.settings.vocabulary, snapshot.today) if text.strip() else None
    except QueryError as error:
        return Filtered(kind, text, [], total, cached, str(error))
    if cached is None or cached.snapshot is not snapshot or cached.order != order:
        sources = snapshot.sources[kind]
        pairs = [(row, sources[record_id]) for record_id, row in snapshot.rows[kind].items()]
        cached = Ordered(snapshot, order, sort_rows(pairs, order, COLUMNS[kind]))
        orders[kind] = cached
    if query is None:
        return Filtered(kind, text, [row for row, _ in cached.pairs], total, cached)
    try:
        worker: Worker[Any] | None = get_current_worker()
    except NoActiveWorker:  # called directly (tests): nothing can cancel it
        worker = None
    table = KINDS_OF[kind].table
    on_rows = parse(text, kind, snapshot.settings.vocabulary, snapshot.today, access=snapshot.access[kind])
    test = on_rows.fields
    words: Callable[[str], bool] | None = None
    if on_rows.words:
        if snapshot.text_index is None:
            raise TrackerError("the register's text index is not loaded")
        words = on_rows.matching_words(snapshot.text_index.texts(table, snapshot.head))
    tried: Iterable[tuple[Row, Any]] = cached.pairs
    if (
        previous is not None
        and previous.error is None
        and previous.ordered is cached
        and previous.kind == kind
        and refines(previous.text, text)
    ):
        sources = snapshot.sources[kind]
        tried = [(row, sources[row[0]]) for row in previous.rows]
    shown = []
    for count, (row, source) in enumerate(tried):
        if count % 4096 == 0 and worker is not None and worker.is_cancelled:
            return None
        if (words is None or words(row[0])) and test(source):
            shown.append(row)
    return Filtered(kind, text, shown, total, cached)


def sort_rows(
    pairs: list[tuple[Row, Any]], order: Order, columns: tuple[Column, ...]
) -> list[tuple[Row, Any]]:
    """Sort as `RecordTable` does (stable, same keys), so its own re-sort of a
    filtered part is a single linear pass. The snapshot's rows come newest
    first, which is youngest first: sorted by age already, ties included."""
    if order.column is None or (order.column == "age" and not order.reverse):
        return pairs
    custom = order.key
    if custom is not None:
        return sorted(pairs, key=lambda pair: custom(*pair[0]), reverse=order.reverse)
    index = [column.key for column in columns].index(order.column)
    return sorted(pairs, key=lambda pair: pair[0][1][index].casefold(), reverse=order.reverse)


class RegisterScreen(RecordActionsScreen):
    """Both registers; the one shown is `self.kind`."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "1",
            "show('issue')",
            "Issues",
            show=False,
            id="register.issues",
            tooltip="Show the issues register",
        ),
        Binding(
            "2",
            "show('lesson')",
            "Lessons",
            show=False,
            id="register.lessons",
            tooltip="Show the lessons log",
        ),
        Binding(
            "slash",
            "filter",
            "Filter",
            key_display="/",
            id="register.filter",
            tooltip="Filter with the query language, e.g. status:open severity:high backlog",
        ),
        Binding(
            "n", "new_record", "New", id="register.new", tooltip="Add a new issue or lesson: the full form"
        ),
        Binding(
            "a",
            "quick_add",
            "Quick add",
            id="register.quick_add",
            tooltip="Add from one line: a title, then fields like severity:high owner:priya",
        ),
        Binding(
            "c",
            "change_field",
            "Change",
            id="register.change",
            tooltip="Change status, owner, area, severity or visibility of the marked rows (space marks)",
        ),
        Binding(
            "w",
            "views",
            "Views",
            id="register.views",
            tooltip="Saved views: the named queries of [views] in your config.toml",
        ),
        Binding(
            "escape",
            "clear_filter",
            "Clear filter",
            show=False,
            id="register.clear_filter",
            tooltip="Clear the filter and show every record",
        ),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.kind: Kind = "issue"
        self._sort_keys: dict[Kind, dict[str, SortKey]] = {"issue": {}, "lesson": {}}
        self._words: Vocabulary | None = None
        self._wanted: dict[Kind, str] = {}
        self._ordered: dict[Kind, Ordered] = {}
        self._counts: dict[Kind, tuple[int, int]] = {}
        self._last: dict[Kind, Filtered] = {}
        """Each kind's last result shown: the next, narrower query starts from it."""

    def compose(self) -> ComposeResult:
        yield Tabs(Tab("1 Issues", id="tab-issue"), Tab("2 Lessons", id="tab-lesson"))
        with ContentSwitcher(initial="issue"):
            for kind in KINDS:
                with Vertical(id=kind):
                    yield FilterBar(FILTER_HINTS[kind], id=f"filter-{kind}")
                    yield RecordTable(COLUMNS[kind], id=f"table-{kind}")
        yield StatusBar()
        yield Footer()

    def on_mount(self) -> None:
        for kind in KINDS:
            table = self.table(kind)
            self._set_sort_key(kind, "age", lambda _key, cells: _number(cells[-1]))
            table.sort_by("age", reverse=False)
        self.table("issue").focus()
        app = tracker_app(self)
        for number, view in enumerate(app.preferences.views):
            if view.key:
                self._bindings.bind(
                    view.key, f"view({number})", f"View: {view.name}", show=False, key_display=view.key
                )
        self.query_one(StatusBar).show_sync(app.sync_state)
        if app.snapshot is not None:
            self._show(app.snapshot)

    def table(self, kind: Kind) -> RecordTable:
        return self.query_one(f"#table-{kind}", RecordTable)

    def filter_bar(self, kind: Kind) -> FilterBar:
        return self.query_one(f"#filter-{kind}", FilterBar)

    def current_record_id(self) -> str | None:
        return self.table(self.kind).cursor_key

    # --- the register changing --------------------------------------------------------

    def on_register_changed(self, message: RegisterChanged) -> None:
        self._show(message.snapshot)

    def on_first_page_read(self, message: FirstPageRead) -> None:
        """Paint the first page's rows until the register has loaded (its rows then
        replace them); a filter already typed waits for the register instead."""
        if tracker_app(self).snapshot is not None:
            return
        for kind in KINDS:
            if not self.filter_bar(kind).text:
                total = message.page.totals[kind]
                self.table(kind).set_rows(message.page.rows[kind], presorted=True)
                self.filter_bar(kind).show_count(total, total, 0)

    def _show(self, snapshot: RegisterSnapshot) -> None:
        if snapshot.settings.vocabulary != self._words:
            self._words = snapshot.settings.vocabulary
            self._set_rank_keys(snapshot)
        for kind in KINDS:
            self._filter(kind, snapshot)
        self.query_one(StatusBar).show_register(
            snapshot.settings.name,
            len(snapshot.documents["issue"]),
            len(snapshot.documents["lesson"]),
            snapshot.problems,
        )

    def _set_rank_keys(self, snapshot: RegisterSnapshot) -> None:
        """Severity, status and priority sort in the register's own order, not A to Z."""
        words = snapshot.settings.vocabulary
        ranked: list[tuple[Kind, str, list[str]]] = [
            ("issue", "severity", words.severities),
            ("issue", "status", words.statuses),
            ("lesson", "priority", words.priorities),
            ("lesson", "action_status", list(ACTION_STATUSES)),
        ]
        for kind, column, order in ranked:
            index = [c.key for c in COLUMNS[kind]].index(column)
            self._set_sort_key(kind, column, rank_key(order, index))

    # --- filtering ----------------------------------------------------------------------

    def _filter(self, kind: Kind, snapshot: RegisterSnapshot | None = None) -> None:
        """Filter and sort the kind's records in a thread worker; the latest
        filter wins (an older one still running is cancelled and its result
        dropped), and the UI thread only swaps in the finished rows."""
        snapshot = snapshot or tracker_app(self).snapshot
        if snapshot is None:
            return
        table = self.table(kind)
        order = Order(
            table.sort_column, table.sort_reverse, self._sort_keys[kind].get(table.sort_column or "")
        )
        last = self._last.get(kind)
        work = partial(filter_rows, kind, self.filter_bar(kind).text, snapshot, order, self._ordered, last)
        self.run_worker(
            work,
            name=f"filter {kind}s",
            description=f"filter {kind}s",
            group=f"filter-{kind}",
            thread=True,
            exclusive=True,
            exit_on_error=False,
        )

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        result = event.worker.result
        if event.state != WorkerState.SUCCESS or not isinstance(result, Filtered):
            return
        bar = self.filter_bar(result.kind)
        if result.text != bar.text:
            return
        if result.error is not None:
            bar.show_error(result.error)
            return
        table = self.table(result.kind)
        current = Order(
            table.sort_column, table.sort_reverse, self._sort_keys[result.kind].get(table.sort_column or "")
        )
        presorted = result.ordered is not None and result.ordered.order == current
        self._last[result.kind] = result
        table.empty_message = (
            f"No {result.kind}s match (escape clears the filter)"
            if result.total
            else f"No {result.kind}s yet: a adds one from a line, n opens the full form"
        )
        table.set_rows(result.rows, presorted=presorted)
        bar.show_count(len(result.rows), result.total, len(table.marked_keys))
        self._counts[result.kind] = (len(result.rows), result.total)
        self._find_wanted(result.kind)

    def _set_sort_key(self, kind: Kind, column: str, key: SortKey) -> None:
        self._sort_keys[kind][column] = key
        self.table(kind).set_sort_key(column, key)

    @on(RecordTable.SortChanged)
    def _sorted(self, event: RecordTable.SortChanged) -> None:
        """Later filters sort the same way, in their worker."""
        self._filter(self._kind_of_table(event.table))

    @on(RecordTable.MarksChanged)
    def _marks_changed(self, event: RecordTable.MarksChanged) -> None:
        kind = self._kind_of_table(event.table)
        if kind in self._counts:
            self.filter_bar(kind).show_count(*self._counts[kind], len(event.row_keys))

    # --- changing many records at once (triage) ------------------------------------------

    def _targets(self) -> list[str]:
        """The marked rows, or else the highlighted one."""
        table = self.table(self.kind)
        marked = table.marked_keys
        return marked or ([table.cursor_key] if table.cursor_key else [])

    def action_change_field(self) -> None:
        from tracker.tui.screens.choice_picker import ChoicePicker

        if not self.loaded():
            return
        targets = self._targets()
        if not targets:
            self.notify("no record selected", severity="warning")
            return
        fields = BULK_FIELDS[self.kind]
        labels = [label(name, self.kind) for name in fields]
        question = f"{self._counted(targets)}: change which field?"

        def chosen(word: str | None) -> None:
            if word is not None:
                self._change_many(targets, fields[labels.index(word)])

        self.app.push_screen(ChoicePicker(question, labels), chosen)

    def _counted(self, targets: list[str]) -> str:
        if len(targets) == 1:
            snapshot = tracker_app(self).snapshot
            return f"{targets[0]}  {snapshot.title_of(targets[0]) if snapshot else ''}"
        return f"{len(targets)} marked {KINDS_OF[self.kind].plural}"

    def _change_many(self, targets: list[str], name: str) -> None:
        from tracker.tui.screens.choice_picker import ChoicePicker

        if not self.loaded():
            return
        snapshot = loaded_snapshot(self)
        choices = choices_for(self.kind, name, snapshot)
        found = [snapshot.find(target) for target in targets]
        current = {document.get(name) for document in found if document is not None}
        now = current.pop() if len(current) == 1 else None
        question = f"{self._counted(targets)}\n{label(name, self.kind).lower()}:"
        self.app.push_screen(
            ChoicePicker(question, choices, now if isinstance(now, str) else None),
            lambda word: self._set_many(targets, name, word),
        )

    def _set_many(self, targets: list[str], name: str, value: str | None) -> None:
        if value is None:
            return
        if len(targets) == 1:
            self._set(targets[0], name, value)
            return
        said = f"{len(targets)} {KINDS_OF[self.kind].plural}: {label(name, self.kind).lower()} → {value}"
        table = self.table(self.kind)

        def done(_records: object) -> None:
            self.notify(said)
            table.clear_marks()

        tracker_app(self).change(
            lambda register: register.edit_many(targets, {name: value}, action=name),
            f"Changing {said}",
            on_done=done,
        )

    def action_change_status(self) -> None:
        if len(self.table(self.kind).marked_keys) > 1:
            self._change_many(self._targets(), KINDS_OF[self.kind].state)
        else:
            super().action_change_status()

    def action_change_visibility(self) -> None:
        if len(self.table(self.kind).marked_keys) > 1:
            self._change_many(self._targets(), "visibility")
        else:
            super().action_change_visibility()

    @staticmethod
    def _kind_of_table(table: RecordTable) -> Kind:
        return "issue" if table.id == "table-issue" else "lesson"

    @on(FilterBar.Changed)
    def _filter_typed(self, event: FilterBar.Changed) -> None:
        self._filter(self._kind_of(event.bar))

    @on(FilterBar.Closed)
    def _filter_left(self, event: FilterBar.Closed) -> None:
        self.table(self._kind_of(event.bar)).focus()

    @staticmethod
    def _kind_of(bar: FilterBar) -> Kind:
        return "issue" if bar.id == "filter-issue" else "lesson"

    def action_filter(self) -> None:
        self.filter_bar(self.kind).focus_input()

    def action_clear_filter(self) -> None:
        self.filter_bar(self.kind).query_one(Input).value = ""
        self.table(self.kind).focus()

    # --- saved views ------------------------------------------------------------------------

    def action_views(self) -> None:
        from tracker.tui.screens.choice_picker import ChoicePicker

        views = tracker_app(self).preferences.views
        if not views:
            self.notify(
                'no saved views yet: add [views] to config.toml, e.g. mine = "owner:me -status:closed"',
                timeout=8,
            )
            return
        names = [f"{view.name}: {view.query}" for view in views]
        self.app.push_screen(
            ChoicePicker("Saved views", names),
            lambda chosen: self.action_view(names.index(chosen)) if chosen is not None else None,
        )

    def action_view(self, number: int) -> None:
        """Filter the register shown by saved view `number` (`owner:me` is you)."""
        app = tracker_app(self)
        view = app.preferences.views[number]
        me = app.snapshot.me if app.snapshot is not None else None
        self.filter_bar(self.kind).query_one(Input).value = resolve_me(view.query, me)
        self.table(self.kind).focus()

    # --- switching and opening -------------------------------------------------------------

    def action_show(self, kind: Kind) -> None:
        self.query_one(Tabs).active = f"tab-{kind}"

    @on(Tabs.TabActivated)
    def _tab_chosen(self, event: Tabs.TabActivated) -> None:
        if event.tab.id is None:
            return
        self.kind = "issue" if event.tab.id == "tab-issue" else "lesson"
        self.query_one(ContentSwitcher).current = self.kind
        self.table(self.kind).focus()

    @on(RecordTable.Selected)
    def _open(self, event: RecordTable.Selected) -> None:
        from tracker.tui.screens.record import RecordScreen

        if self.loaded():
            self.app.push_screen(RecordScreen(event.row_key))

    def action_new_record(self) -> None:
        from tracker.tui.screens.record_form import RecordForm

        if self.loaded():
            self.app.push_screen(RecordForm(self.kind, None), self._created)

    def action_quick_add(self) -> None:
        from tracker.tui.screens.quick_add import QuickAdd

        if self.loaded():
            self.app.push_screen(QuickAdd(self.kind), self._quick_added)

    def _quick_added(self, result: str | dict[str, Any] | None) -> None:
        from tracker.tui.screens.record_form import RecordForm

        if isinstance(result, dict):
            self.app.push_screen(RecordForm(self.kind, None, start=result), self._created)
        else:
            self._created(result)

    def _created(self, record_id: str | None) -> None:
        """Put the cursor on the record just added (clearing a filter that hides it)."""
        if record_id is None:
            return
        kind = kind_of(record_id)
        self.action_show(kind)
        self._wanted[kind] = record_id
        self._find_wanted(kind)

    def _find_wanted(self, kind: Kind) -> None:
        """Move to the record waited for once the table has it; clear a filter that hides it."""
        wanted, table = self._wanted.get(kind), self.table(kind)
        if wanted is None:
            return
        table.move_cursor_to_key(wanted)
        if table.cursor_key == wanted:
            del self._wanted[kind]
        elif self.filter_bar(kind).text:
            self.filter_bar(kind).query_one(Input).value = ""
