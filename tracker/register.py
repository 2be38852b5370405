"""The register service: the one object the CLI and the TUI call.

It ties the model, the storage and git together. Every change a person makes is
validated first, then written (atomically, only the records that changed), then
committed as one commit authored by the person at the keyboard, all under the
register's writer lock. Reads of one record go straight to its file; reads of
the whole register go through TinyDB over the load cache.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from data import commits
from data.catfile import read_object
from data.changes import compose, field_changes, record_message, show
from data.errors import (
    DamagedFile,
    GitError,
    InvalidId,
    InvalidRecord,
    InvalidSettings,
    RecordNotFound,
    RegisterNotFound,
    TrackerError,
)
from data.files import (
    encode,
    free_record_id,
    id_from_path,
    read_bytes,
    relative_path,
    remove,
    remove_dead_temporaries,
    table_name,
    table_of,
    write_atomic,
    write_many_atomic,
)
from data.git import Git, Identity
from data.gitconfig import GITATTRIBUTES, GITIGNORE, configure, ensure_git_settings
from data.ids import Kind, is_record_id, kind_of, normalise_id
from data.journal import Journal
from data.kinds import KINDS, of_record
from data.load import STATE_DIR, validate_file
from data.lock import WriterLock, wait_for_git
from data.model import (
    AnyRecord,
    Issue,
    Lesson,
    Update,
    close_or_reopen,
    from_document,
    model_for,
    now,
    problems,
    to_document,
    vocabulary_problems,
)
from data.query import Access, Query, parse, sort_key
from data.settings import SETTINGS_FILE, RegisterSettings, load_settings, settings_text
from data.text import one_line
from data.validation import ValidationError

if TYPE_CHECKING:
    from data.audit import AuditEntry
    from data.backlog import Transition
    from data.changes_since import Change
    from data.first_page import FirstPage
    from data.history import HistoryEntry
    from data.listing import Listing, TextIndex
    from data.people import PeopleSeen
    from data.published import ReportTag
    from data.records import RecordStore
    from data.storage import RegisterDatabase
    from data.sync import SyncResult, SyncStatus


@dataclass(frozen=True)
class Recovery:
    """Record files found changed but not committed, left by an interrupted write."""

    committed: list[str]
    damaged: dict[str, str]


def check_id(text: str) -> str:
    """A record ID from a person or a file, normalised and checked by pattern
    before it is allowed anywhere near a path."""
    record_id = normalise_id(text)
    if not is_record_id(record_id):
        raise InvalidId(text)
    return record_id


def _check_editable(text: str, changes: dict[str, Any]) -> None:
    for name in ("id", "updates", "created_at"):
        if name in changes:
            raise InvalidRecord(text, [f"{name}: cannot be edited"])


def _validated(model: type[AnyRecord], data: dict[str, Any], record_id: str) -> AnyRecord:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise InvalidRecord(record_id, problems(error)) from None


REMOTE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
BEFORE_KEPT_MAX = 100
"""A write of up to this many records keeps each file's previous bytes in memory,
so a refused commit puts back an uncommitted hand edit rather than HEAD."""


class Register:
    """A register on disk: a git repository with `tracker.toml` at its top."""

    def __init__(self, root: Path, last_good_settings: bool = False):
        self.root = root
        self.last_good_settings = last_good_settings
        self.git = Git(root)
        self.lock = WriterLock(root / STATE_DIR)
        self.journal = Journal(root / STATE_DIR)
        self._settings: RegisterSettings | None = None
        self._db: RegisterDatabase | None = None
        self._listing: Listing | None = None
        self._texts: Listing | None = None
        self._records: RecordStore | None = None
        self._listed: dict[Kind, tuple[RecordStore, int, list[dict[str, Any]]]] = {}
        self.acting_as: Identity | None = None
        self.clock: Callable[[], datetime] | None = None
        self.notices: list[str] = []
        self._people_seen: tuple[str | None, PeopleSeen] | None = None
        self._before: dict[str, bytes | None] = {}

    # --- opening and creating --------------------------------------------------

    @classmethod
    def open(cls, root: Path, last_good_settings: bool = False) -> Register:
        """A register at `root`. With `last_good_settings` (sync), a damaged
        `tracker.toml` gives way to the newest valid one in git, with a notice."""
        lost = not (root / SETTINGS_FILE).exists() and (root / ".git").exists()
        if lost and any((root / name).exists() for name in ("issues", "lessons", STATE_DIR)):
            raise RegisterNotFound(
                f"{root / SETTINGS_FILE}: missing from this register (a commit removed it?); "
                f"nothing was written: restore it with: git checkout $(git rev-list -1 HEAD -- "
                f"{SETTINGS_FILE})~1 -- {SETTINGS_FILE}"
            )
        if not (root / SETTINGS_FILE).is_file() or not (root / ".git").exists():
            raise RegisterNotFound(
                f"{root}: not a Tracker register (no tracker.toml in a git repository); "
                "create one with: tracker init"
            )
        register = cls(root, last_good_settings)
        register.settings  # noqa: B018 - a register with bad settings fails to open
        return register

    @classmethod
    def init(
        cls,
        root: Path,
        name: str | None = None,
        settings: RegisterSettings | None = None,
        acting_as: Identity | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> Register:
        """Create a register in an empty (or absent) folder, or adopt an existing
        git repository that is not yet a register. One commit."""
        root = root.absolute()
        if (root / SETTINGS_FILE).exists():
            raise TrackerError(f"{root}: already a register")
        if root.exists() and any(p.name != ".git" for p in root.iterdir()):
            raise TrackerError(f"{root}: folder is not empty; give an empty or new folder")
        register = cls(root)
        register.acting_as, register.clock = acting_as, clock
        register._check_identity_early(root)
        root.mkdir(parents=True, exist_ok=True)
        if not (root / ".git").exists():
            register.git.run("init", "--quiet", "--initial-branch=main")
        settings = settings or RegisterSettings()
        if name:
            settings = settings.model_copy(update={"name": name})
        (root / SETTINGS_FILE).write_text(settings_text(settings), encoding="utf-8")
        (root / ".gitignore").write_text(GITIGNORE, encoding="utf-8")
        (root / ".gitattributes").write_text(GITATTRIBUTES, encoding="utf-8")
        configure(register.git)
        register._commit(
            [SETTINGS_FILE, ".gitignore", ".gitattributes"],
            compose(f"Register created: {settings.name}", [], [], "init"),
        )
        return register

    def _check_identity_early(self, root: Path) -> None:
        probe = Git(root if (root / ".git").exists() else Path.cwd())
        if self.acting_as is None:
            probe.identity()

    @property
    def settings(self) -> RegisterSettings:
        if self._settings is None:
            try:
                self._settings = load_settings(self.root)
            except InvalidSettings as error:
                from data.settings_history import last_good_settings

                found = last_good_settings(self.git) if self.last_good_settings else None
                if found is None:
                    raise
                self._settings, commit = found
                self.notices.append(
                    f"{error}; using the last good settings, from commit {commit[:10]} "
                    "(correct tracker.toml, then run tracker sync)"
                )
        return self._settings

    @property
    def db(self) -> RegisterDatabase:
        if self._db is None:
            # TinyDB is imported only by commands that read the whole register.
            from data.storage import RegisterDatabase

            self._db = RegisterDatabase(self.root, self.git)
        return self._db

    def reload(self) -> None:
        """Forget what is in memory; the next read loads from disk and git again."""
        self._settings = None
        self._forget_loaded()

    # --- reading -----------------------------------------------------------------

    def get(self, text: str) -> AnyRecord:
        """One record by ID, read from its own file."""
        record_id = check_id(text)
        if self._db is not None:
            document = self._db.register_storage.read()[table_of(record_id)].get(record_id)
            if document is None:
                raise RecordNotFound(record_id)
            return from_document(document)
        path = relative_path(record_id)
        raw = read_bytes(self.root, path)
        if raw is None:
            raise RecordNotFound(record_id)
        return from_document(validate_file(path, raw))

    def documents(self, kind: Kind) -> dict[str, dict[str, Any]]:
        """Every record of one kind as stored documents, by ID (do not modify)."""
        return self.db.register_storage.read()[table_name(kind)]

    def listed(self, kind: Kind) -> list[dict[str, Any]]:
        """Every record of one kind with its short fields only (no long texts,
        no updates): what figures and tables are made of. From the record
        store's own listing rows, so they are always of the records `records`
        reads (made once for each state of the store; do not modify)."""
        store = self._record_store()
        made = self._listed.get(kind)
        if made is None or made[0] is not store or made[1] != store.changes:
            made = self._listed[kind] = (store, store.changes, store.listed(table_name(kind)))
        return made[2]

    def records(self, ids: Iterable[str]) -> Iterator[dict[str, Any]]:
        """The whole documents of these records, read one at a time in the order
        given, from the record store (`data.records`); IDs of records the
        register does not hold are skipped. Holds none of them."""
        return self._record_store().documents(ids)

    def people_in_records(self) -> set[str]:
        """Every name the records hold in a name field or as an update's author."""
        return self._record_store().people()

    def _record_store(self) -> RecordStore:
        if self._records is None:
            from data.records import load_records

            self._records = load_records(self.root, self.git)
        return self._records

    def problems(self) -> dict[str, str]:
        """Files that could not be loaded: path → reason."""
        if self._db is None and self._listing is not None:
            return dict(self._listing.problems)
        return dict(self.db.register_storage.loaded.problems)

    def listing(self) -> Listing:
        """Every record's short fields, without long texts and updates, from a
        cache of its own (`data.listing`): a tenth of the full register to read."""
        if self._listing is None:
            from data.listing import load_listing

            self._listing = load_listing(self.root, self.git)
        return self._listing

    def read_document(self, text: str) -> dict[str, Any] | None:
        """A record's whole document straight from its file (validated), or None
        when there is no such record or its file cannot be read. Touches nothing
        the register holds in memory, so any thread may call it."""
        try:
            record_id = check_id(text)
            path = relative_path(record_id)
            raw = read_bytes(self.root, path)
            return validate_file(path, raw) if raw is not None else None
        except TrackerError:
            return None

    def start_first_page(self) -> Callable[[], FirstPage | None]:
        """Start reading the first page (`data.first_page`: each register's top
        rows, kept beside the listing) and return what gives it, or None when
        there is none fit to show. Touches nothing the register holds in
        memory, so it may run beside a worker loading the register."""
        from data.first_page import start_reading_first_page
        from data.listing import FIELDS

        return start_reading_first_page(self.root, Git(self.root), FIELDS)

    def keep_first_page(self, refresh: bool = False) -> None:
        """Bring the first page up to the listing loaded (after a commit moved
        HEAD, the one kept is stale). With `refresh`, a listing written to since
        it was loaded is first refreshed from git (the files this register
        committed since, and any changed on disk: a few files), so that the
        next start after a session of edits still paints its first page."""
        from data.listing import keep_first_page, load_listing

        listing = self._listing
        if listing is None:
            return
        if refresh and len(listing.changed) != listing.settled:
            listing = self._listing = load_listing(self.root, self.git, previous=listing)
        keep_first_page(self.root, self.git, listing)

    @staticmethod
    def in_default_order(kind: Kind, rows: Iterable[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        """Listing rows in the registers' default order (newest first, then by
        ID): the order of the first page and of the listing file, which is kept
        in it, so that sorting it again is one pass."""
        from data.listing import in_default_order

        return in_default_order(table_name(kind), rows)

    @staticmethod
    def listing_fields(kind: Kind) -> tuple[str, ...]:
        """The fields of a listing row of this kind, in the row's order."""
        from data.listing import FIELDS

        return FIELDS[table_name(kind)]

    @staticmethod
    def row_access(kind: Kind) -> Access:
        """How a query reads a listing row of this kind (pass to `data.query.parse`)."""
        from data.listing import row_access

        return row_access(table_name(kind))

    def text_index(self) -> TextIndex:
        """Every record's searchable text, loaded when first asked for, safe to
        share between worker threads."""
        from data.listing import TextIndex

        return TextIndex(self.root)

    def query(self, text: str, kind: Kind, today: date | None = None) -> Query:
        return parse(text, kind, self.settings.vocabulary, today)

    def texts(self) -> Listing:
        """Every record's searchable text (`data.query.haystack_of`), from a
        cache of its own, for free words in a query."""
        if self._texts is None:
            from data.listing import load_listing

            self._texts = load_listing(self.root, self.git, "texts")
        return self._texts

    def search(
        self, text: str, kind: Kind = "issue", sort: str | None = None, whole: bool = True
    ) -> list[dict[str, Any]]:
        """Records matching a query, optionally sorted (`severity`, or `-age` for
        descending). `whole=False` allows records without their long texts and
        updates, read from the listing cache (free words are looked for in the
        texts cache)."""
        if not whole and self._db is None:
            from data.listing import row_access

            table = table_name(kind)
            on_rows = parse(text, kind, self.settings.vocabulary, access=row_access(table))
            texts = self.texts().rows[table] if on_rows.needs_text else None
            found = self.listing().matching(table, on_rows, texts)
        else:
            found = cast(
                list[dict[str, Any]], self.db.records(table_name(kind)).search(self.query(text, kind))
            )
        field = (sort or "-age").lstrip("-")
        descending = sort.startswith("-") if sort else True
        found.sort(key=sort_key(field, self.settings.vocabulary), reverse=descending)
        return found

    # --- writing ------------------------------------------------------------------

    def identity(self) -> Identity:
        return self.acting_as or self.git.identity()

    def today(self) -> date:
        return self.now().date()

    def now(self) -> datetime:
        return self.clock() if self.clock else now()

    @contextmanager
    def writing(self) -> Iterator[Identity]:
        """The conditions of every write: a git identity, a branch checked out, the
        writer lock (waited for while another Tracker, a sync say, holds it), no
        half-done git operation (one an interrupted sync left is undone here),
        and no leftovers of an earlier interrupted write. If the write fails
        before its commit lands, the files it wrote are put back as they were,
        so a failed command writes nothing."""
        identity = self.identity()
        with self.lock:
            if self._leftovers_trusted():
                self._finish_interrupted_sync()
            busy = self.git.operation_in_progress()
            if busy:
                raise GitError(
                    f"{self.root}: {busy} is in progress in the register; finish or abort it first "
                    "(git commit or git merge --abort; git rebase --continue or --abort), then run "
                    "tracker sync (nothing was written)"
                )
            if self.git.is_detached():
                raise GitError(
                    f"{self.root}: HEAD is detached; check out a branch "
                    "(git switch main) first (nothing was written)"
                )
            if self._leftovers_trusted():
                self.recover()
            self._before = {}
            try:
                yield identity
            except BaseException:
                self._roll_back()
                raise
            finally:
                self._before = {}
            self.journal.clear()

    def _leftovers_trusted(self) -> bool:
        """Whether what an interrupted write or sync left in `.tracker/` (the
        journal, the sync marker) is Tracker's own: never when git tracks files
        there (a remote committed them), which is looked up only when such a file
        exists, so an ordinary write pays nothing."""
        state = self.root / STATE_DIR
        if not any(os.path.lexists(state / name) for name in ("pending.json", "sync-merge")):
            return True
        from data.load import state_folder_trusted

        if state_folder_trusted(self.root, self.git):
            return True
        note = (
            f"{STATE_DIR}/ holds files committed to git (by a remote?); Tracker ignores its journal and "
            "sync marker there: remove them with: git rm -r --cached .tracker"
        )
        if note not in self.notices:
            self.notices.append(note)
        return False

    def _finish_interrupted_sync(self) -> None:
        """A `tracker sync` killed with its merge under way: its git child is
        waited for, then what it left is undone, and the notice says so."""
        from data.sync_merge import interrupted_sync, undo_interrupted_merge

        if interrupted_sync(self.git):
            done = undo_interrupted_merge(self.git)
            if done:
                self.notices.append(f"{done}; run tracker sync again to share your changes")
                self._forget_loaded()

    def recover(self) -> Recovery:
        """Finish what an interrupted write left behind (the journal names its
        files). One record's write is committed, so nothing a person saved is
        lost; a many-record operation (an import, a sync, a renumbering) is one
        unit and is rolled back whole, never committed in part. Damaged files
        are left alone and reported. Temporary files a killed write left (beside
        the journal's files, and in `.tracker/`) are removed once their writer
        has ended; this runs with the writer lock held."""
        pending = self.journal.paths()
        remove_dead_temporaries(self.root, pending or [])
        if pending is None:
            return Recovery([], {})
        wait_for_git(self.root)  # a killed writer's git child (a commit) finishes first
        unit = self.journal.unit()
        if unit is not None:
            dirty = [p for p in self.git.dirty_paths(*pending) if id_from_path(p) or p == SETTINGS_FILE]
            self._roll_back(dirty)
            if dirty:
                self.notices.append(
                    f"rolled back an interrupted {unit} of {len(dirty)} record file(s): none of it "
                    f"was committed (run the {unit} again)"
                )
            self.journal.clear()
            return Recovery([], {})
        dirty = [p for p in self.git.dirty_paths(*pending) if id_from_path(p)] if pending else []
        committed, damaged = [], {}
        for path in dirty:
            try:
                raw = read_bytes(self.root, path)
                if raw is not None:
                    validate_file(path, raw)
                committed.append(path)
            except DamagedFile as problem:
                damaged[path] = problem.reason
        if committed:
            ids = [str(id_from_path(p)) for p in committed]
            body = [f"{path}: changed on disk but not committed" for path in committed]
            body.append(
                "An earlier write was interrupted before its commit; Tracker committed what it found."
            )
            subject = f"Recover uncommitted changes to {len(ids)} record(s)"
            self._commit(committed, compose(subject, body, ids, "recover"))
            self.notices.append(
                f"recovered uncommitted changes to {', '.join(ids)} (an earlier write was interrupted)"
            )
            self._forget_loaded()
        for path, reason in damaged.items():
            self.notices.append(f"{path}: {reason}; left uncommitted and untouched")
        self.journal.clear()
        return Recovery(committed, damaged)

    def _roll_back(self, paths: list[str] | None = None) -> None:
        """Put the files a failed write touched back as they were before it: what
        was on disk when this write began (a person's uncommitted hand edit
        included), else as HEAD has them; the index as HEAD has them."""
        pending = self.journal.paths() if paths is None else paths
        if not pending:
            self.journal.clear()
            return
        tracked = set(self.git.tracked(*pending))
        failed = False
        in_head = [path for path in pending if path in tracked]
        for start in range(0, len(in_head), 1000):
            batch = in_head[start : start + 1000]
            failed |= self.git.run("checkout", "HEAD", "--", *batch, check=False).returncode != 0
        new = [path for path in pending if path not in tracked]
        for start in range(0, len(new), 1000):
            batch = new[start : start + 1000]
            undone = self.git.run("rm", "--cached", "--quiet", "--ignore-unmatch", "--", *batch, check=False)
            failed |= undone.returncode != 0
        for path in new:
            remove(self.root, path)
        for path, before in self._before.items():
            if path in pending and before is not None and before != self._committed_bytes(path):
                write_many_atomic(self.root, [(path, before)])  # a hand edit, put back
        self._forget_loaded()
        if not failed:  # otherwise the journal still names them: the next write recovers them, and says so
            self.journal.clear()

    def _committed_bytes(self, path: str) -> bytes | None:
        shown = read_object(self.git, f"HEAD:{path}")
        return shown.content if shown is not None else None

    def _forget_loaded(self) -> None:
        """Files changed under what is in memory: read them again when next needed."""
        self._listing = self._texts = None
        self._listed = {}
        if self._records is not None:
            self._records.close()
            self._records = None
        if self._db is not None:
            self._db.register_storage.reload()

    def _commit(self, paths: list[str], message: str, when: datetime | None = None) -> str:
        moment = when or (self.clock() if self.clock else None)
        return commits.commit(
            self.git, paths, message, author=self.acting_as, when=moment.isoformat() if moment else None
        )

    def _unique_id(self, prefix: str) -> str:
        def taken(record_id: str) -> bool:
            return self._db is not None and record_id in self.documents(kind_of(record_id))

        return free_record_id(self.root, prefix, taken)

    def _check_words(self, record: AnyRecord, fields: set[str] | None = None) -> None:
        lines = vocabulary_problems(record, self.settings.vocabulary)
        if fields is not None:
            lines = [line for line in lines if line.split(":")[0] in fields]
        if lines:
            raise InvalidRecord(record.id, lines)

    def _save(self, documents: list[dict[str, Any]], unit: str | None = None) -> list[str]:
        """Write records (validated already) and return their paths. The journal
        names them first (as one `unit` when they must land whole), so an
        interrupted write can be found and recovered or rolled back; what each
        file held before is kept, so a failed write puts back a hand edit too."""
        paths = [relative_path(document["id"]) for document in documents]
        if len(paths) <= BEFORE_KEPT_MAX:
            for path in paths:
                self._before.setdefault(path, read_bytes(self.root, path))
        self.journal.record(paths, unit)
        for listing in (self._listing, self._texts):
            if listing is not None:
                listing.put(documents)
        if self._records is not None:
            from data.records import stored_form

            for document in documents:
                table = table_of(document["id"])
                self._records.put(table, document["id"], stored_form(table, document))
        if self._db is not None:
            for kind in KINDS.values():
                batch = [document for document in documents if document["id"].startswith(kind.prefix + "-")]
                if batch:
                    self._db.records(kind.table).put_many(batch)
            return self._db.register_storage.take_written()
        items = [(relative_path(document["id"]), encode(document)) for document in documents]
        write_many_atomic(self.root, items)
        return [path for path, _ in items]

    def add(self, kind: Kind, **fields: Any) -> AnyRecord:
        """Log a new issue or lesson: validated, written, one commit. Who logged it
        and when default to the person at the keyboard and today; the records it
        links to link back to it in the same commit."""
        spec = KINDS[kind]
        with self.writing() as me:
            record_id = self._unique_id(spec.prefix)
            fields.setdefault(spec.raised_by, me.name)
            fields.setdefault(spec.raised_on, self.today())
            fields.setdefault("created_at", self.now())
            record = _validated(spec.model, {**fields, "id": record_id}, record_id)
            self._check_words(record)
            close_or_reopen(record, None, self.settings.vocabulary, self.today())
            document = to_document(record)
            linked = self._linked_back(document)
            paths = self._save([document, *linked], unit="link" if linked else None)
            message = record_message("create", record_id, None, document)
            if linked:
                ids = [record_id, *(d["id"] for d in linked)]
                body = [f"{record_id} ↔ {d['id']}" for d in linked]
                subject = message.split("\n", 1)[0]
                message = compose(subject, [*body, "The linked records link back to it."], ids, "create")
            self._commit(paths, message)
            return record

    def _linked_back(self, document: dict[str, Any]) -> list[dict[str, Any]]:
        """The records a new record links to, each with a link back to it."""
        linked = []
        for name in of_record(document["id"]).links():
            for other in dict.fromkeys(document.get(name) or ()):
                old = to_document(self.get(other))
                new = self._with_link(old, document["id"])
                if new != old:
                    linked.append(to_document(_validated(model_for(other), new, other)))
        return linked

    def add_issue(self, **fields: Any) -> Issue:
        issue = self.add("issue", **fields)
        return cast(Issue, issue)

    def add_lesson(self, **fields: Any) -> Lesson:
        lesson = self.add("lesson", **fields)
        return cast(Lesson, lesson)

    def edit(self, text: str, changes: dict[str, Any], action: str = "edit") -> AnyRecord:
        """Change fields of one record: one commit, or nothing if nothing changed."""
        _check_editable(text, changes)
        with self.writing():
            record, old, document = self._changed(text, changes)
            if document == old:
                return record
            paths = self._save([document])
            self._commit(paths, record_message(action, record.id, old, document))
            return record

    def _changed(
        self, text: str, changes: dict[str, Any]
    ) -> tuple[AnyRecord, dict[str, Any], dict[str, Any]]:
        """A record with `changes` made, validated against the model, the
        register's words and the closing rule: (record, old document, new document)."""
        current = self.get(text)
        old = to_document(current)
        unknown = [name for name in changes if name not in type(current).model_fields]
        if unknown:
            raise InvalidRecord(
                current.id, [f"{name}: not a field of a {kind_of(current.id)}" for name in unknown]
            )
        record = _validated(type(current), {**old, **changes}, current.id)
        self._check_words(record, set(changes))
        if "closed_on" not in changes:
            close_or_reopen(record, old.get("status"), self.settings.vocabulary, self.today())
        return record, old, to_document(record)

    def edit_many(self, texts: list[str], changes: dict[str, Any], action: str = "edit") -> list[AnyRecord]:
        """Give many records the same field values (triage): one commit for all
        of them, through `save_many`; the records that changed are returned."""
        if not texts:
            return []
        _check_editable(texts[0], changes)
        with self.writing():
            changed: list[AnyRecord] = []
            body: list[str] = []
            for text in texts:
                record, old, document = self._changed(text, changes)
                if document != old:
                    changed.append(record)
                    body += [f"{record.id}: {change.describe()}" for change in field_changes(old, document)]
            if changed:
                said = ", ".join(
                    f"{name.replace('_', ' ')} → {show(value)}" for name, value in changes.items()
                )
                kinds = {kind_of(record.id) for record in changed}
                what = KINDS[kinds.pop()].plural if len(kinds) == 1 else "records"
                self.save_many(changed, f"{len(changed)} {what}: {said}", body, action)
            return changed

    def add_update(self, text: str, body: str, kind: str = "comment", visibility: str = "internal") -> Update:
        with self.writing() as me:
            current = self.get(text)
            old = to_document(current)
            try:
                update = Update(author=me.name, text=body, kind=kind, visibility=visibility, at=self.now())
            except ValidationError as error:
                raise InvalidRecord(current.id, ["update " + line for line in problems(error)]) from None
            document = {**old, "updates": [*old["updates"], update.model_dump(mode="json")]}
            record = _validated(type(current), document, current.id)
            document = to_document(record)
            paths = self._save([document])
            self._commit(paths, record_message("update", current.id, old, document))
            return update

    def link(self, first: str, second: str) -> tuple[AnyRecord, AnyRecord]:
        """Link an issue to a lesson (or to another issue), on both records, in one commit."""
        a_id, b_id = check_id(first), check_id(second)
        if a_id == b_id:
            raise InvalidRecord(a_id, ["cannot be linked to itself"])
        if not of_record(a_id).links_to(kind_of(b_id)):
            raise InvalidRecord(
                a_id, [f"{of_record(a_id).plural} link to issues, not to other {of_record(b_id).plural}"]
            )
        with self.writing():
            a, b = self.get(a_id), self.get(b_id)
            olds = [to_document(a), to_document(b)]
            news = [self._with_link(olds[0], b_id), self._with_link(olds[1], a_id)]
            if news == olds:
                return a, b
            records = [_validated(model_for(d["id"]), d, d["id"]) for d in news]
            paths = self._save([to_document(r) for r in records], unit="link")
            body = [f"{a_id} ↔ {b_id}"]
            message = compose(f"{a_id}: linked to {b_id}", body, [a_id, b_id], "link")
            self._commit(paths, message)
            return records[0], records[1]

    @staticmethod
    def _with_link(document: dict[str, Any], other: str) -> dict[str, Any]:
        name = of_record(document["id"]).link_field(kind_of(other))
        if other in document[name]:
            return document
        return {**document, name: [*document[name], other]}

    def save_many(
        self,
        records: list[AnyRecord],
        subject: str,
        body: list[str],
        action: str,
        settings: RegisterSettings | None = None,
    ) -> list[str]:
        """Write many records as one commit (imports, bulk changes); with `settings`,
        tracker.toml is rewritten in that same commit (an import's new words)."""
        with self.writing():
            unit = action if len(records) > 1 or settings is not None else None
            if settings is not None:
                self._before.setdefault(SETTINGS_FILE, read_bytes(self.root, SETTINGS_FILE))
                self.journal.record([SETTINGS_FILE], unit)
                write_atomic(self.root, SETTINGS_FILE, settings_text(settings).encode("utf-8"))
                self._settings = None
            try:
                for record in records:
                    self._check_words(record)
                documents = [to_document(record) for record in records]
                paths = self._save(documents, unit=unit) + ([SETTINGS_FILE] if settings is not None else [])
                if paths:
                    self._commit(paths, compose(subject, body, [d["id"] for d in documents], action))
            except BaseException:
                self._settings = None  # read again: the rollback puts the file back
                raise
            return paths

    # --- history, publishing and sharing: git, for the CLI and the TUI --------------

    def head(self) -> str | None:
        """The commit the register's branch is at (None before the first)."""
        return self.git.head_commit()

    def history(self, text: str) -> list[HistoryEntry]:
        """Every committed change to one record, newest first (git's commit-graph
        is brought up to date first, so a long history reads quickly)."""
        from data.history import keep_commit_graph_current, record_history

        record_id = check_id(text)
        keep_commit_graph_current(self.git)
        return record_history(self.git, record_id)

    def audit_log(
        self, since: str | None = None, until: str | None = None, author: str | None = None
    ) -> list[AuditEntry]:
        """Every change in a period, newest first, field by field."""
        from data.audit import audit_log

        return audit_log(self.git, since=since, until=until, author=author)

    def status_history(self) -> dict[str, list[Transition]]:
        """Every issue's status transitions, from git (kept in `.tracker/`
        between commands: `data.history_cache`)."""
        from data.history_cache import kept_status_history

        return kept_status_history(self.root, self.git)

    def latest_report(self) -> ReportTag | None:
        """The newest published report (its `report/…` tag)."""
        from data.published import latest_report

        return latest_report(self.git)

    def changes_since(self, commit: str) -> list[Change]:
        """Records added or changed since a commit (a published report's)."""
        from data.changes_since import changes_since

        return changes_since(self.git, commit, self._changed_record, self.settings.vocabulary)

    def _changed_record(self, record_id: str) -> dict[str, Any] | None:
        return next(self.records([record_id]), None)

    def people_in_history(self) -> PeopleSeen:
        """Every name any record's name field has held, and every commit author
        and committer with their e-mail address (for the publication gate)."""
        from data.history_cache import kept_people_in_history

        # Read once per commit: the TUI's preview asks again at every change of choice.
        head = self.head()
        if self._people_seen is None or self._people_seen[0] != head:
            self._people_seen = (head, kept_people_in_history(self.root, self.git))
        return self._people_seen[1]

    def public_at(self, commit: str) -> set[str]:
        """The records that were public at a commit (a published report's)."""
        from data.published import public_at

        return public_at(self.git, commit)

    def accepted_words(self) -> set[str]:
        """Words reviewed before publishing and accepted as not personal data."""
        from data.published import read_accepted

        return read_accepted(self.root)

    def accept_words(self, words: set[str]) -> None:
        """Keep reviewed words as accepted, in a versioned file, one commit."""
        from data.files import write_atomic
        from data.published import ACCEPTED_FILE, accepted_text, read_accepted

        with self.writing():
            known = read_accepted(self.root)
            if words <= known:
                return
            write_atomic(self.root, ACCEPTED_FILE, accepted_text(known | words).encode("utf-8"))
            added = sorted(words - known, key=str.casefold)
            self._commit(
                [ACCEPTED_FILE],
                f"Publication review: {len(added)} word{'s' if len(added) != 1 else ''} accepted as not personal data\n\n"
                + "\n".join(f"- {one_line(word)}" for word in added),
            )

    def next_report_tag(self, end: date) -> str:
        """The name the next published report's tag will take (`report/2024-06-30`)."""
        from data.published import free_tag_name

        return free_tag_name(self.git, end)

    def published_reports(self) -> list[ReportTag]:
        """Every published report (its `report/…` tag), newest first."""
        from data.published import published_reports

        return published_reports(self.git)

    def publish_report(
        self,
        content: bytes,
        start: date | None,
        end: date,
        file_name: str,
        figures: dict[str, str] | None = None,
    ) -> ReportTag:
        """Tag the register's current commit as a published report, in the name of
        the person at the keyboard, with the figures later reports must stay
        consistent with."""
        from data.published import publish

        return publish(self.git, content, start, end, self.identity(), file_name, figures)

    @classmethod
    def clone(cls, url: str, path: Path) -> Register:
        """Join a shared register: clone it and set the clone up for Tracker."""
        from data.sync import clone

        return cls.open(clone(url, path))

    @staticmethod
    def merge_file(base: str, ours: str, theirs: str, record_path: str) -> int:
        """Git's merge driver for one record file (run by git, in the work tree's
        top folder): 0 when merged, 3 (and a line on stderr) when it declines."""
        from data.merge_driver import main

        return main(base, ours, theirs, record_path)

    @staticmethod
    def check_new_remote(url: str) -> None:
        """Refuse a remote that cannot be reached or already holds a repository."""
        from data.sync import check_new_remote

        check_new_remote(url)

    def add_remote(self, url: str, name: str = "origin") -> None:
        from data.sync import add_remote

        add_remote(self.root, url, name)

    def sync_status(self, remote: str | None = None) -> SyncStatus:
        """Where this clone stands against its remote as last fetched: no network."""
        from data.sync import sync_status

        return sync_status(self.root, remote or self.settings.sync.remote)

    def sync(self, remote: str | None = None, retries: int = 5) -> SyncResult:
        """Fetch, merge and push, retrying when another clone pushed first: the
        register's writer lock is held throughout, a merge a killed sync left half
        done is undone first, and the outcome is kept for `sync_status`."""
        from data.history import write_commit_graph
        from data.sync import NoRemote, SyncRun, record_state, remote_url

        remote = remote or self.settings.sync.remote
        if not REMOTE_NAME.fullmatch(remote):
            raise NoRemote(
                f"{self.root}: the remote to sync with (sync.remote in tracker.toml, or --remote) is not "
                "a git remote name (letters, digits, '.', '_' and '-' only); nothing was done"
            )
        if remote_url(self.git, remote) is None:
            raise NoRemote(
                f"{self.root}: this register has no remote {remote!r} to sync with; "
                f"add one with: git remote add {remote} URL (then tracker sync)"
            )
        try:
            with self.writing() as me:
                ensure_git_settings(self.git)
                result = SyncRun(self.git, remote, me).run(max(1, retries))
            result.notices = list(self.notices)
            self.notices = []
        except TrackerError as error:
            record_state(self.root, str(error))
            raise
        finally:
            self.reload()
        record_state(self.root, None)
        write_commit_graph(self.git)
        return result
