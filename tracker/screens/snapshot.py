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

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.message import Message

from data.listing import TextIndex
from tracker.query import Kind
from tracker.settings import RegisterSettings
from widgets.record_table import Column

if TYPE_CHECKING:
    from textual.dom import DOMNode

    from tracker.app import TrackerApp
    from tracker.register import Register

Document = dict[str, Any]
Row = tuple[str, Sequence[str]]

ISSUE_COLUMNS = (
    Column("id", "ID", 10),
    Column("title", "Title"),
    Column("status", "Status", 11),
    Column("severity", "Severity", 8),
    Column("area", "Area", 10),
    Column("owner", "Owner", 10),
    Column("age", "Age", 5, align="right"),
)
LESSON_COLUMNS = (
    Column("id", "ID", 10),
    Column("title", "Title"),
    Column("action_status", "Action", 10),
    Column("priority", "Priority", 8),
    Column("area", "Area", 10),
    Column("source", "Source", 10),
    Column("age", "Age", 5, align="right"),
)
COLUMNS: dict[Kind, tuple[Column, ...]] = {"issue": ISSUE_COLUMNS, "lesson": LESSON_COLUMNS}


def age_text(document: Document, today: date) -> str:
    raised = document.get("raised_on") or document.get("logged_on")
    return _age(raised, today) if raised else ""


@lru_cache(maxsize=4096)
def _age(raised: str, today: date) -> str:
    """Ages by date: a register has far fewer distinct dates than records."""
    return f"{(today - date.fromisoformat(raised)).days}d"


def row_of(document: Document, kind: Kind, today: date) -> Row:
    """One table row; cells are the stored strings (the table shows them literally)."""
    get = document.get
    if kind == "issue":
        cells = (document["id"], get("title") or "", get("status") or "", get("severity") or "",
                 get("area") or "", get("owner") or "", age_text(document, today))
    else:
        cells = (document["id"], get("title") or "", get("action_status") or "", get("priority") or "",
                 get("area") or "", get("source") or "", age_text(document, today))
    return document["id"], cells


@dataclass(frozen=True)
class RegisterSnapshot:
    """The register as of one moment: settings, documents and rows by kind."""

    root: str
    settings: RegisterSettings
    head: str | None
    today: date
    documents: dict[Kind, dict[str, Document]] = field(repr=False)
    rows: dict[Kind, dict[str, Row]] = field(repr=False)
    problems: int = 0
    notices: list[str] = field(default_factory=list)
    sources: dict[Kind, dict[str, tuple[Any, ...]]] = field(default_factory=dict, repr=False)
    text_index: TextIndex | None = field(default=None, repr=False, compare=False)

    @classmethod
    def take(cls, register: Register, today: date, previous: RegisterSnapshot | None) -> RegisterSnapshot:
        """Read the register (call with the register lock held, in a worker)."""
        listing = register.listing()
        sources: dict[Kind, dict[str, tuple[Any, ...]]] = {
            "issue": listing.rows["issues"], "lesson": listing.rows["lessons"]
        }
        documents: dict[Kind, dict[str, Document]] = {
            kind: newest_first(
                _documents(kind, sources[kind], previous), previous.documents[kind] if previous else None
            )
            for kind in sources
        }
        rows = {kind: _rows(kind, documents[kind], today, previous) for kind in documents}
        notices, register.notices[:] = list(register.notices), []
        return cls(
            root=str(register.root),
            settings=register.settings,
            head=register.git.head_commit(),
            today=today,
            documents=documents,
            rows=rows,
            problems=len(register.problems()),
            notices=notices,
            sources={kind: dict(rows) for kind, rows in sources.items()},
            text_index=previous.text_index if previous is not None else TextIndex(register.root),
        )

    def title_of(self, record_id: str) -> str:
        document = self.find(record_id)
        return str(document["title"]) if document is not None else "(not in this register)"

    def find(self, record_id: str) -> Document | None:
        """A record's short fields (no long texts, no updates); see `record`."""
        return self.documents["issue"].get(record_id) or self.documents["lesson"].get(record_id)

    def record(self, record_id: str) -> Document | None:
        """A record's whole document, read from its file (a few kB) when the
        record is in this snapshot; None when it is not, or cannot be read."""
        if self.find(record_id) is None:
            return None
        from data.files import read_bytes, relative_path
        from data.load import validate_file
        from tracker.errors import TrackerError

        path = relative_path(record_id)
        try:
            raw = read_bytes(Path(self.root), path)
            return validate_file(path, raw) if raw is not None else None
        except TrackerError:
            return None


def _documents(kind: Kind, sources: dict[str, tuple[Any, ...]],
               previous: RegisterSnapshot | None) -> dict[str, Document]:
    """Documents from the listing's rows, reusing the previous snapshot's document
    for every row that is the same object as before (an unchanged record)."""
    from data.listing import FIELDS

    names = FIELDS["issues" if kind == "issue" else "lessons"]
    old_sources = previous.sources.get(kind, {}) if previous is not None else {}
    old_documents = previous.documents[kind] if previous is not None else {}
    documents = {}
    for record_id, source in sources.items():
        if old_sources.get(record_id) is source and record_id in old_documents:
            documents[record_id] = old_documents[record_id]
        else:
            documents[record_id] = dict(zip(names, source, strict=True))
    return documents


def _raised(document: Document) -> str:
    return document.get("raised_on") or document.get("logged_on") or ""


def newest_first(documents: dict[str, Document], previous: dict[str, Document] | None) -> dict[str, Document]:
    """Documents newest first: the registers' default order, so that sorting rows
    already in that order costs one linear pass. When no record changed its date
    and none went, the previous order is kept (new records go first), without a
    full sort: a sort of 50,000 keys holds the GIL long enough to stall the UI."""
    if previous is not None and all(record_id in documents for record_id in previous):
        fresh = [record_id for record_id in documents if record_id not in previous]
        moved = any(
            previous[record_id] is not document and _raised(previous[record_id]) != _raised(document)
            for record_id, document in documents.items() if record_id in previous
        )
        newest = _raised(next(iter(previous.values()))) if previous else ""
        if not moved and all(_raised(documents[record_id]) >= newest for record_id in fresh):
            order = [*sorted(fresh, key=lambda record_id: _raised(documents[record_id]), reverse=True), *previous]
            return {record_id: documents[record_id] for record_id in order}
    return dict(sorted(documents.items(), key=lambda item: _raised(item[1]), reverse=True))


def _rows(kind: Kind, documents: dict[str, Document], today: date, previous: RegisterSnapshot | None) -> dict[str, Row]:
    reusable = previous is not None and previous.today == today
    old_documents = previous.documents[kind] if previous is not None else {}
    old_rows = previous.rows[kind] if previous is not None else {}
    rows = {}
    for record_id, document in documents.items():
        if reusable and old_documents.get(record_id) is document:
            rows[record_id] = old_rows[record_id]
        else:
            rows[record_id] = row_of(document, kind, today)
    return rows


class RegisterChanged(Message):
    """A new snapshot of the register is ready (after loading, a save, a reload or a sync)."""

    def __init__(self, snapshot: RegisterSnapshot) -> None:
        self.snapshot = snapshot
        super().__init__()


def tracker_app(node: DOMNode) -> TrackerApp:
    """The running TrackerApp, typed (imported late: the app imports the screens)."""
    from tracker.app import TrackerApp

    app = node.app
    assert isinstance(app, TrackerApp)
    return app
