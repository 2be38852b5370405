"""The first page: each register's top rows kept beside the listing, painted by
the TUI before the register loads, and only when it can be trusted: never a
damaged one, one of another register or tree, or one the files have moved on
from. Nothing is opened or written from it."""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import orjson
import pytest
from conftest import git
from test_tui_flows import commits, issues_table, screen_lines, settle
from textual.pilot import Pilot

from data.first_page import FIRST_PAGE_FILE, FIRST_PAGE_MAX_BYTES, FIRST_PAGE_ROWS, first_page_path
from data.listing import FIELDS, in_default_order
from data.model import Issue
from tracker.register import Register
from tracker.tui.app import Preferences, TrackerApp, build_app
from tracker.tui.screens.record import RecordScreen
from tracker.tui.screens.register_view import Order, sort_rows
from tracker.tui.snapshot import ISSUE_COLUMNS, RegisterSnapshot

ISSUES = FIRST_PAGE_ROWS + 30
"""More issues than the first page keeps, so the full listing shows more rows."""
TODAY = date(2025, 6, 1)


def crockford(number: int) -> str:
    digits = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    return "".join(digits[(number >> shift) & 31] for shift in (25, 20, 15, 10, 5, 0))


@pytest.fixture
def busy_register(register: Register) -> Register:
    """A register of `ISSUES` issues, three raised on each day (so the order
    between records of one day counts), committed in one go."""
    issues = [
        Issue.model_validate(
            {
                "id": f"ISS-{crockford(7919 * number + 13)}",
                "title": f"Receipts not allocated, batch {number}",
                "raised_by": "Priya Nair",
                "owner": "Priya Nair",
                "status": "open",
                "raised_on": (TODAY - timedelta(days=number // 3)).isoformat(),
            }
        )
        for number in range(ISSUES)
    ]
    register.save_many(issues, "Import the old issue log", [], "import")
    return register


def settled_folders(root: Path) -> None:
    """Record folders as they are a while after the last write: a folder changed
    within a second of the first page's stamp is not trusted (a coarse clock
    could hide a change)."""
    past = (TODAY.toordinal() - date(1970, 1, 1).toordinal()) * 86400
    for table in ("issues", "lessons"):
        for folder in [root / table, *(root / table).glob("*/")]:
            if folder.is_dir():
                os.utime(folder, (past, past))


def keep_first_page(root: Path) -> Path:
    """Open the register afresh, load its listing and keep the first page, as
    the TUI does after its first load."""
    settled_folders(root)
    register = Register.open(root)
    register.listing()
    register.keep_first_page()
    return first_page_path(root)


def first_page(root: Path) -> object:
    return Register.open(root).start_first_page()()


# --- kept and read back --------------------------------------------------------------


def test_the_first_page_holds_the_registers_first_rows_in_the_default_order(busy_register: Register):
    path = keep_first_page(busy_register.root)
    page = Register.open(busy_register.root).start_first_page()()
    assert path.name == FIRST_PAGE_FILE and page is not None
    listing = Register.open(busy_register.root).listing()
    for table in ("issues", "lessons"):
        expected = in_default_order(table, listing.rows[table].values())
        assert [row[0] for row in page.rows[table]] == [row[0] for row in expected[:FIRST_PAGE_ROWS]]
        assert page.totals[table] == len(expected)
    raised = [row[FIELDS["issues"].index("raised_on")] for row in page.rows["issues"]]
    assert raised == sorted(raised, reverse=True)


def test_the_listing_file_keeps_its_rows_in_the_default_order(busy_register: Register):
    shutil.rmtree(busy_register.root / ".tracker", ignore_errors=True)
    listing = Register.open(busy_register.root).listing()  # rebuilt and written
    reread = Register.open(busy_register.root).listing()
    assert listing.source == "rebuilt" and reread.source == "cache"
    rows = list(reread.rows["issues"].values())
    assert rows == in_default_order("issues", rows)


def test_a_first_page_is_written_whenever_the_listing_is(busy_register: Register):
    shutil.rmtree(busy_register.root / ".tracker", ignore_errors=True)
    settled_folders(busy_register.root)
    Register.open(busy_register.root).listing()
    assert first_page(busy_register.root) is not None


# --- damaged: never shown --------------------------------------------------------------


def rewrite(path: Path, change: Callable[[dict[str, object]], None]) -> None:
    data = orjson.loads(path.read_bytes())
    change(data)
    path.write_bytes(orjson.dumps(data))


DAMAGE: dict[str, Callable[[Path], None]] = {
    "not JSON": lambda path: path.write_bytes(path.read_bytes()[:-40]),
    "rows not lists": lambda path: rewrite(path, lambda data: data.update(rows={"issues": 3, "lessons": []})),
    "a row of the wrong width": lambda path: rewrite(
        path,
        lambda data: data["rows"]["issues"][0].append("extra"),  # type: ignore[index]
    ),
    "an ID that is not one": lambda path: rewrite(
        path,
        lambda data: data["rows"]["issues"][0].__setitem__(0, "../../etc/passwd"),  # type: ignore[index]
    ),
    "a date that is not one": lambda path: rewrite(
        path,
        lambda data: data["rows"]["issues"][0].__setitem__(  # type: ignore[index]
            FIELDS["issues"].index("raised_on"), "yesterday"
        ),
    ),
    "a title that is not text": lambda path: rewrite(
        path,
        lambda data: data["rows"]["issues"][0].__setitem__(  # type: ignore[index]
            FIELDS["issues"].index("title"), {"bold": True}
        ),
    ),
    "another format version": lambda path: rewrite(path, lambda data: data.update(version=0)),
    "other listing fields": lambda path: rewrite(path, lambda data: data.update(fields={"issues": ["id"]})),
    "more rows than its total": lambda path: rewrite(
        path,
        lambda data: data["totals"].update(issues=3),  # type: ignore[attr-defined]
    ),
    "too big": lambda path: path.write_bytes(path.read_bytes() + b" " * FIRST_PAGE_MAX_BYTES),
}


@pytest.mark.parametrize("damage", DAMAGE, ids=list(DAMAGE))
def test_a_damaged_first_page_is_never_shown(busy_register: Register, damage: str):
    path = keep_first_page(busy_register.root)
    DAMAGE[damage](path)
    assert first_page(busy_register.root) is None


def test_a_first_page_behind_a_link_is_never_shown(busy_register: Register, tmp_path: Path):
    path = keep_first_page(busy_register.root)
    elsewhere = tmp_path / "planted.json"
    path.rename(elsewhere)
    path.symlink_to(elsewhere)
    assert first_page(busy_register.root) is None


def test_a_first_page_in_a_linked_state_folder_is_never_shown(busy_register: Register, tmp_path: Path):
    path = keep_first_page(busy_register.root)
    elsewhere = tmp_path / "state"
    path.parent.rename(elsewhere)
    path.parent.symlink_to(elsewhere, target_is_directory=True)
    assert (busy_register.root / ".tracker" / FIRST_PAGE_FILE).is_file()
    assert first_page(busy_register.root) is None


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="giving a file away needs root")
def test_a_first_page_owned_by_someone_else_is_never_shown(busy_register: Register):
    path = keep_first_page(busy_register.root)
    os.chown(path, 4242, 4242)
    assert first_page(busy_register.root) is None


def test_a_first_page_committed_to_git_is_never_shown(busy_register: Register):
    path = keep_first_page(busy_register.root)
    git(busy_register.root, "add", "--force", str(path))
    git(busy_register.root, "commit", "-q", "-m", "Planted first page")
    rewrite(path, lambda data: data.update(tree=git(busy_register.root, "rev-parse", "HEAD^{tree}")))
    assert first_page(busy_register.root) is None


# --- foreign and stale: never shown -----------------------------------------------------------


def test_a_first_page_from_another_register_is_never_shown(busy_register: Register, tmp_path: Path):
    path = keep_first_page(busy_register.root)
    copy = tmp_path / "copy"
    shutil.copytree(busy_register.root, copy, symlinks=True)
    git(copy, "update-index", "--really-refresh")  # the copy's own files are clean
    settled_folders(copy)
    assert first_page(copy) is None  # the same tree, but another register's page
    assert first_page(busy_register.root) is not None
    assert (copy / ".tracker" / FIRST_PAGE_FILE).read_bytes() == path.read_bytes()


def test_a_first_page_from_another_tree_is_never_shown(busy_register: Register):
    path = keep_first_page(busy_register.root)
    rewrite(path, lambda data: data.update(tree="0" * 40))
    assert first_page(busy_register.root) is None


def test_a_first_page_is_stale_once_head_moves(busy_register: Register):
    keep_first_page(busy_register.root)
    busy_register.add_issue(title="Payroll run failed", raised_by="Priya Nair")
    settled_folders(busy_register.root)
    assert first_page(busy_register.root) is None


def test_a_first_page_is_stale_once_a_record_file_is_edited_on_disk(busy_register: Register):
    keep_first_page(busy_register.root)
    record = next((busy_register.root / "issues").glob("*/*.json"))
    record.write_text(record.read_text().replace("Receipts", "Payments"))
    settled_folders(busy_register.root)
    assert first_page(busy_register.root) is None


def test_a_first_page_is_stale_once_a_record_file_is_added(busy_register: Register):
    keep_first_page(busy_register.root)
    record = next((busy_register.root / "issues").glob("*/*.json"))
    (record.parent / "ISS-ZZZZZZ.json").write_bytes(record.read_bytes().replace(b"ISS-", b"ISS-Z", 1))
    assert first_page(busy_register.root) is None  # git does not know it: its folder's time says so


def test_a_first_page_is_stale_once_a_record_folder_is_added(busy_register: Register):
    keep_first_page(busy_register.root)
    (busy_register.root / "issues" / "ZZ").mkdir()
    assert first_page(busy_register.root) is None


def test_a_first_page_is_stale_once_a_record_file_is_removed(busy_register: Register):
    keep_first_page(busy_register.root)
    next((busy_register.root / "issues").glob("*/*.json")).unlink()
    settled_folders(busy_register.root)
    assert first_page(busy_register.root) is None


def test_a_first_page_is_brought_up_to_date_after_a_commit(busy_register: Register):
    keep_first_page(busy_register.root)
    busy_register.add_issue(title="Payroll run failed", raised_by="Priya Nair", raised_on=TODAY.isoformat())
    keep_first_page(busy_register.root)
    page = first_page(busy_register.root)
    assert page is not None
    titles = [row[FIELDS["issues"].index("title")] for row in page.rows["issues"]]  # type: ignore[attr-defined]
    assert "Payroll run failed" in titles


def test_no_first_page_is_kept_while_a_record_file_is_dirty(busy_register: Register):
    record = next((busy_register.root / "issues").glob("*/*.json"))
    record.write_text(record.read_text().replace("Receipts", "Payments"))
    path = keep_first_page(busy_register.root)
    assert not path.exists()


# --- the TUI ------------------------------------------------------------------------------


def issue_lines(app: TrackerApp) -> list[str]:
    return [line[:-2] for line in screen_lines(app) if "ISS-" in line]  # not the scroll bar


async def first_page_painted(app: TrackerApp, pilot: Pilot[None]) -> None:
    for _ in range(400):
        if issues_table(app).row_count:
            return
        await pilot.pause(0.02)
    raise AssertionError("the first page was never painted")


def run_held(register: Register, steps: Callable[[TrackerApp, Pilot[None]], object]) -> None:
    """Run the app with the register lock held, so that the register cannot load
    while `steps` look at the first page; then let it load."""

    async def main() -> None:
        app = build_app(register, today=TODAY, preferences=Preferences(None, {}))
        held = app.register_lock.acquire()
        try:
            async with app.run_test(size=(120, 40)) as pilot:
                await first_page_painted(app, pilot)
                await pilot.pause()
                await steps(app, pilot)  # type: ignore[misc]
                app.register_lock.release()
                held = False
                await settle(app, pilot)
                await steps(app, pilot)  # type: ignore[misc]
        finally:
            if held:
                app.register_lock.release()

    asyncio.run(main())


def test_the_tui_paints_the_first_page_then_the_full_listing_replaces_it(busy_register: Register):
    keep_first_page(busy_register.root)
    seen: list[tuple[bool, int, list[str]]] = []

    async def look(app: TrackerApp, pilot: Pilot[None]) -> None:
        seen.append((app.snapshot is not None, issues_table(app).row_count, issue_lines(app)))

    run_held(busy_register, look)
    (loaded_before, page_rows, page_lines), (loaded_after, all_rows, full_lines) = seen
    assert not loaded_before and loaded_after
    assert page_rows == FIRST_PAGE_ROWS and all_rows == ISSUES
    assert len(page_lines) > 20
    assert page_lines == full_lines  # exactly the rows the full load shows first


def test_nothing_is_opened_or_changed_from_the_first_page(busy_register: Register):
    keep_first_page(busy_register.root)
    before = commits(busy_register)
    tried: list[str] = []

    async def try_to_change(app: TrackerApp, pilot: Pilot[None]) -> None:
        if app.snapshot is not None:
            return
        notes: list[str] = []
        shown = app.notify
        app.notify = lambda message, **options: (notes.append(str(message)), shown(message, **options))[1]  # type: ignore[method-assign]
        for keys in (["enter"], ["s"], ["e"], ["c"], ["space", "c"], ["u"], ["l"], ["a"], ["n"]):
            await pilot.press(*keys)
            await pilot.pause()
            tried.append(type(app.screen).__name__)
            assert not isinstance(app.screen, RecordScreen)
            await pilot.press("escape")
        assert notes and all("still loading" in note for note in notes)

    run_held(busy_register, try_to_change)
    assert tried == ["RegisterScreen"] * 9
    assert commits(busy_register) == before


def test_with_no_first_page_the_tui_shows_the_register_once_loaded(busy_register: Register):
    shutil.rmtree(busy_register.root / ".tracker", ignore_errors=True)

    async def main() -> None:
        app = build_app(busy_register, today=TODAY, preferences=Preferences(None, {}))
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            assert issues_table(app).row_count == ISSUES
        assert first_page_path(busy_register.root).is_file()  # for the next start

    asyncio.run(main())


def test_the_snapshots_rows_come_sorted_by_age_so_the_table_need_not_sort_them(busy_register: Register):
    busy_register.add_issue(title="Payroll run failed", raised_by="Priya Nair", raised_on=TODAY.isoformat())
    snapshot = RegisterSnapshot.take(Register.open(busy_register.root), TODAY, None)
    pairs = [(row, snapshot.sources["issue"][key]) for key, row in snapshot.rows["issue"].items()]
    age = Order("age", False, lambda _key, cells: int(cells[-1][:-1]))
    assert sort_rows(pairs, age, ISSUE_COLUMNS) == sorted(pairs, key=lambda pair: int(pair[0][1][-1][:-1]))
    assert pairs[0][0][1][1] == "Payroll run failed"


def test_after_a_session_of_edits_the_next_start_still_has_a_first_page(busy_register: Register):
    keep_first_page(busy_register.root)
    first = next(iter(Register.open(busy_register.root).listing().rows["issues"]))

    async def main() -> None:
        app = build_app(Register.open(busy_register.root), today=TODAY, preferences=Preferences(None, {}))
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            app.change(lambda register: register.edit(first, {"title": "Renamed in the TUI"}), "Renaming")
            await settle(app, pilot)
        assert first_page(busy_register.root) is None  # the edit moved HEAD
        settled_folders(busy_register.root)
        app.keep_first_page_at_exit()

    asyncio.run(main())
    page = first_page(busy_register.root)
    assert page is not None
    titles = {row[0]: row[FIELDS["issues"].index("title")] for row in page.rows["issues"]}  # type: ignore[attr-defined]
    assert titles[first] == "Renamed in the TUI"
