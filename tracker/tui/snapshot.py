"""What the screens show, taken from the register in a worker thread.

The `Register` object is not thread-safe, so screens never call it. A worker
that holds the app's register lock reads it and hands the screens a
`RegisterSnapshot`: the settings, every record's short fields (the register's
listing, `data.listing`: no long texts, no updates) and the table rows, built in
the worker so that even at 50,000 records the UI thread only swaps lists.
Documents and rows of records that did not change are reused from the previous
snapshot. A record's whole document (its texts and timeline, for the record view
and the edit form) is read from its own file when it is opened: one small file,
never the register; a filter that searches text reads the whole register once,
in the filter's worker.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property, lru_cache
from operator import itemgetter
from typing import TYPE_CHECKING, Any, cast

from textual.message import Message

from data.errors import TrackerError
from data.ids import Kind
from data.kinds import KINDS
from data.query import Access
from data.settings import RegisterSettings
from widgets.record_table import Column

if TYPE_CHECKING:
    from textual.dom import DOMNode

    from data.listing import TextIndex
    from tracker.register import Register
    from tracker.tui.app import TrackerApp

Document = dict[str, Any]
Row = tuple[str, Sequence[str]]

WIDE_TITLE = 60
"""Columns shown only on wide screens leave the title at least this wide."""
ISSUE_COLUMNS = (
    Column("id", "ID", 10),
    Column("title", "Title", min_width=30),
    Column("status", "Status", 19, min_width=11, priority=1),
    Column("severity", "Severity", 8, priority=3),
    Column("area", "Area", 19, min_width=10, priority=4),
    Column("owner", "Owner", 16, min_width=10, priority=5),
    Column("target_date", "Target", 10, priority=6, room=WIDE_TITLE),
    Column("priority", "Priority", 8, priority=7, room=WIDE_TITLE),
    Column("visibility", "Visibility", 10, priority=8, room=WIDE_TITLE),
    Column("age", "Age", 5, align="right", priority=2),
)
"""The title gets the space first: at 80 columns the owner and area hide; the
target date, priority and visibility show once the title keeps `WIDE_TITLE`
beside them, all of them from about 180 columns (`layout_widths`)."""
LESSON_COLUMNS = (
    Column("id", "ID", 10),
    Column("title", "Title", min_width=30),
    Column("action_status", "Action", 10, priority=1),
    Column("priority", "Priority", 8, priority=3),
    Column("area", "Area", 19, min_width=10, priority=4),
    Column("source", "Source", 13, min_width=8, priority=5),
    Column("visibility", "Visibility", 10, priority=6, room=WIDE_TITLE),
    Column("age", "Age", 5, align="right", priority=2),
)
COLUMNS: dict[Kind, tuple[Column, ...]] = {"issue": ISSUE_COLUMNS, "lesson": LESSON_COLUMNS}


@lru_cache(maxsize=4096)
def _age(raised: str, today: date) -> str:
    """Ages by date: a register has far fewer distinct dates than records."""
    return f"{(today - date.fromisoformat(raised)).days}d"


_CELLS: dict[Kind, tuple[str, ...]] = {
    kind: tuple(column.key for column in columns[:-1]) for kind, columns in COLUMNS.items()
}
"""A row's cells: every column's field but the age, which comes last."""


class Listed(Mapping[str, Document]):
    """A kind's records as documents of their short fields, made from the
    listing's rows when asked for: at 50,000 records the snapshot keeps rows,
    not 50,000 dictionaries."""

    def __init__(self, names: tuple[str, ...], sources: dict[str, tuple[Any, ...]]) -> None:
        self.names = names
        self.sources = sources

    def __getitem__(self, record_id: str) -> Document:
        return dict(zip(self.names, self.sources[record_id], strict=True))

    def __iter__(self) -> Iterator[str]:
        return iter(self.sources)

    def __len__(self) -> int:
        return len(self.sources)

    def __contains__(self, record_id: object) -> bool:
        return record_id in self.sources


@dataclass(frozen=True)
class RegisterSnapshot:
    """The register as of one moment: settings, each kind's listing rows (in the
    registers' default order, newest first) and table rows."""

    root: str
    settings: RegisterSettings
    head: str | None
    today: date
    sources: dict[Kind, dict[str, tuple[Any, ...]]] = field(repr=False)
    rows: dict[Kind, dict[str, Row]] = field(repr=False)
    problems: int = 0
    notices: list[str] = field(default_factory=list)
    text_index: TextIndex | None = field(default=None, repr=False, compare=False)
    listing: Any = field(default=None, repr=False, compare=False)
    changes_seen: int = 0
    fields: dict[Kind, tuple[str, ...]] = field(default_factory=dict, repr=False, compare=False)
    """Each kind's listing row layout: the field in each place of a row."""
    access: dict[Kind, Access] = field(default_factory=dict, repr=False, compare=False)
    """How a query reads each kind's listing rows (see `data.query.parse`)."""
    reader: Callable[[str], Document | None] | None = field(default=None, repr=False, compare=False)
    me: str | None = None
    """The person at the keyboard (their git identity's name), for `owner:me`."""

    @property
    def documents(self) -> dict[Kind, Listed]:
        return {kind: Listed(self.fields[kind], self.sources[kind]) for kind in self.sources}

    @classmethod
    def take(cls, register: Register, today: date, previous: RegisterSnapshot | None) -> RegisterSnapshot:
        """Read the register (call with the register lock held, in a worker).
        After a write, only the records the write changed are made again."""
        listing = register.listing()
        fields = {kind: register.listing_fields(kind) for kind in KINDS}
        sources: dict[Kind, dict[str, tuple[Any, ...]]] = {}
        rows: dict[Kind, dict[str, Row]] = {}
        following = previous is not None and previous.listing is listing and previous.today == today
        for kind, spec in KINDS.items():
            table = spec.table
            current = listing.rows[table]
            if following and previous is not None:
                changed = {
                    i
                    for i in listing.changed[previous.changes_seen :]
                    if i in current or i in previous.sources[kind]
                }
                patched = _patched(fields[kind], kind, current, previous, changed, today)
                if patched is not None:
                    sources[kind], rows[kind] = patched
                    continue
            ordered = register.in_default_order(kind, current.values())
            sources[kind], rows[kind] = _made(fields[kind], kind, ordered, today)
        notices, register.notices[:] = list(register.notices), []
        return cls(
            root=str(register.root),
            settings=register.settings,
            head=register.git.head_commit(),
            today=today,
            sources=sources,
            rows=rows,
            problems=len(register.problems()),
            notices=notices,
            text_index=previous.text_index if previous is not None else register.text_index(),
            listing=listing,
            changes_seen=len(listing.changed),
            fields=fields,
            access={kind: register.row_access(kind) for kind in KINDS},
            reader=register.read_document,
            me=_me(register),
        )

    def people(self) -> list[str]:
        """Everyone the register knows: the `[people]` of tracker.toml, then every
        name in a name field of a record (owner, raised by, logged by), for
        completion; worked out once per snapshot."""
        return list(self._people)

    @cached_property
    def _people(self) -> tuple[str, ...]:
        names = dict.fromkeys(self.settings.people)
        for kind, sources in self.sources.items():
            for name in KINDS[kind].names("person"):
                if name in self.fields[kind]:
                    place = self.fields[kind].index(name)
                    names.update(dict.fromkeys(source[place] for source in sources.values() if source[place]))
        return tuple(names)

    def title_of(self, record_id: str) -> str:
        document = self.find(record_id)
        return str(document["title"]) if document is not None else "(not in this register)"

    def find(self, record_id: str) -> Document | None:
        """A record's short fields (no long texts, no updates); see `record`."""
        for kind, sources in self.sources.items():
            if record_id in sources:
                return Listed(self.fields[kind], sources)[record_id]
        return None

    def record(self, record_id: str) -> Document | None:
        """A record's whole document, read from its file (a few kB) when the
        record is in this snapshot; None when it is not, or cannot be read."""
        if self.find(record_id) is None or self.reader is None:
            return None
        return self.reader(record_id)


def _me(register: Register) -> str | None:
    try:
        return register.identity().name
    except TrackerError:  # no git identity: `owner:me` stays as typed
        return None


def _row_maker(names: tuple[str, ...], kind: Kind, today: date) -> Callable[[tuple[Any, ...]], Row]:
    cells = itemgetter(*(names.index(name) for name in _CELLS[kind]))
    place = names.index(KINDS[kind].raised_on)

    def make(source: tuple[Any, ...]) -> Row:
        values: tuple[str, ...] = cells(source)
        if None in values:
            values = tuple(value or "" for value in values)
        raised = source[place]
        return values[0], (*values, _age(raised, today) if raised else "")

    return make


def _made(
    names: tuple[str, ...], kind: Kind, ordered: list[tuple[Any, ...]], today: date
) -> tuple[dict[str, tuple[Any, ...]], dict[str, Row]]:
    """Every record (already in the registers' default order) and its row."""
    make = _row_maker(names, kind, today)
    sources = {source[0]: source for source in ordered}
    return sources, {source[0]: make(source) for source in ordered}


def first_rows(
    kind: Kind, names: tuple[str, ...], page: Sequence[tuple[Any, ...]], today: date
) -> list[Row] | None:
    """The table rows of a first page's listing rows, or None when one of them
    would not make a row of text (the page is then not shown)."""
    make = _row_maker(names, kind, today)
    rows = [make(source) for source in page]
    if all(type(cell) is str for _key, cells in rows for cell in cells):
        return rows
    return None


def _patched(
    names: tuple[str, ...],
    kind: Kind,
    current: dict[str, tuple[Any, ...]],
    previous: RegisterSnapshot,
    changed: set[str],
    today: date,
) -> tuple[dict[str, tuple[Any, ...]], dict[str, Row]] | None:
    """The previous order and rows with the changed records replaced, when no
    record was added or removed and none changed its date; else None."""
    place = names.index(KINDS[kind].raised_on)
    old_sources, old_rows = previous.sources[kind], previous.rows[kind]
    if len(current) != len(old_sources):
        return None
    for record_id in changed:
        if record_id not in current or record_id not in old_sources:
            return None
        if current[record_id][place] != old_sources[record_id][place]:
            return None
    if not changed:
        return old_sources, old_rows
    make = _row_maker(names, kind, today)
    sources, rows = old_sources.copy(), old_rows.copy()
    for record_id in changed:
        sources[record_id] = current[record_id]
        rows[record_id] = make(current[record_id])
    return sources, rows


class RegisterChanged(Message):
    """A new snapshot of the register is ready (after loading, a save, a reload or a sync)."""

    def __init__(self, snapshot: RegisterSnapshot) -> None:
        self.snapshot = snapshot
        super().__init__()


@dataclass(frozen=True)
class FirstPageRows:
    """Each register's first rows, from the first page kept beside the listing
    (`Register.start_first_page`), and how many records it holds: a picture to
    paint while the register loads, never a snapshot to act on."""

    rows: dict[Kind, list[Row]]
    totals: dict[Kind, int]


class FirstPageRead(Message):
    """The first page is ready to paint (the register has not loaded yet)."""

    def __init__(self, page: FirstPageRows) -> None:
        self.page = page
        super().__init__()


def tracker_app(node: DOMNode) -> TrackerApp:
    """The running TrackerApp, typed. (Screens run only inside it; importing it
    here would make the app and its screens import each other.)"""
    return cast("TrackerApp", node.app)


def loaded_snapshot(node: DOMNode) -> RegisterSnapshot:
    """The register as last loaded, for screens that open only once it has been
    (forms, pickers, quick add); TrackerError if it has not been loaded yet."""
    from data.errors import TrackerError

    snapshot = tracker_app(node).snapshot
    if snapshot is None:
        raise TrackerError("the register is still loading; try again in a moment")
    return snapshot


def register_lock(node: DOMNode) -> AbstractContextManager[Any]:
    """The app's register lock, which every worker holds while it uses the
    register (the `Register` object is not thread-safe): the one way screens
    take it. (A screen run on its own, in a test's small app, has none to take.)"""
    lock: AbstractContextManager[Any] | None = getattr(node.app, "register_lock", None)
    return lock if lock is not None else nullcontext()
