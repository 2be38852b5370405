"""Screenshots of the register view and a record for the README, made from a small
register with fixed IDs and dates so that they are the same on every run.

    python tests/screenshots/make_screenshots.py
    # writes register-80x24.svg, register-160x48.svg, quick_add.svg, record.svg and export.svg here

The same sample register is used by the snapshot tests (tests/test_tui_snapshots.py).
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from data.git import Identity  # noqa: E402
from data.model import Issue, Lesson, Update  # noqa: E402
from tracker.register import Register  # noqa: E402

TODAY = date(2025, 3, 31)
MOMENT = datetime(2025, 3, 31, 9, 30, tzinfo=UTC)
AUTHOR = Identity("Priya Nair", "priya.nair@council.example")

ISSUES = [
    (
        "ISS-4K7Q2M",
        "Receipts not allocated to customer accounts",
        "workaround in place",
        "critical",
        "accounts receivable",
        "Gareth Lloyd",
        date(2024, 10, 2),
        "public",
    ),
    (
        "ISS-9TB3XW",
        "Year-end accounts cannot be closed",
        "in progress",
        "critical",
        "finance",
        "Priya Nair",
        date(2024, 11, 18),
        "public",
    ),
    (
        "ISS-2HM8RP",
        "Overtime claims paid a month late",
        "open",
        "high",
        "payroll",
        "Tom Okafor",
        date(2025, 1, 7),
        "internal",
    ),
    (
        "ISS-6WD1NK",
        "Safeguarding checks tracked in a spreadsheet",
        "workaround in place",
        "high",
        "safeguarding checks",
        "Aisha Rahman",
        date(2025, 2, 3),
        "restricted",
    ),
    (
        "ISS-C5JV0Q",
        "Supplier invoices stuck in approval",
        "resolved",
        "medium",
        "procurement",
        "Sam Whitlock",
        date(2025, 2, 20),
        "public",
    ),
    (
        "ISS-R8YZ3E",
        "Pension contributions report totals differ",
        "new",
        "low",
        "pensions",
        "Tom Okafor",
        date(2025, 3, 24),
        "internal",
    ),
]


def sample_register(root: Path) -> Register:
    """A register of six issues and a lesson, fixed to `TODAY`, authored by Priya Nair."""
    register = Register.init(
        root, name="Finance and HR system: issue register", acting_as=AUTHOR, clock=lambda: MOMENT
    )
    records: list[Issue | Lesson] = []
    for record_id, title, status, severity, area, owner, raised, visibility in ISSUES:
        records.append(
            Issue(
                id=record_id,
                title=title,
                status=status,
                severity=severity,
                area=area,
                owner=owner,
                owner_role="Service lead",
                raised_by="Helen Marsh",
                raised_on=raised,
                visibility=visibility,
                created_at=MOMENT,
                target_date=date(2025, 4, 30),
                description=f"**{title}.** Found after go-live.\n\n- raised at the programme board\n- see the lessons log",
                workaround="Staff allocate receipts by hand each morning."
                if status == "workaround in place"
                else "",
                lessons=["LES-8H2Z1P"] if record_id == "ISS-4K7Q2M" else [],
                updates=[
                    Update(
                        id="UPD-0000000" + str(len(records)),
                        at=MOMENT,
                        author="Priya Nair",
                        kind="decision",
                        text="Board agreed to fund a data fix.",
                        visibility="public",
                    )
                ],
            )
        )
    records.append(
        Lesson(
            id="LES-8H2Z1P",
            title="Test receipt allocation with real bank files before go-live",
            logged_by="Helen Marsh",
            logged_on=date(2025, 1, 15),
            source="independent review",
            action_status="agreed",
            area="accounts receivable",
            issues=["ISS-4K7Q2M"],
            created_at=MOMENT,
            event="Receipts stopped being allocated automatically.",
            recommendation="Run parallel files.",
        )
    )
    register.save_many(records, "Sample register for screenshots", [], "import")
    register.acting_as, register.clock = None, None
    return register


QUICK_LINE = "Receipts rejected by the bank severity:high area:fin owner:pri"
"""Typed into quick add, stopping where completion offers the rest."""


async def _capture(register: Register, folder: Path, size: tuple[int, int], record: bool) -> list[str]:
    from tracker.tui.app import Preferences, build_app

    width, height = size
    app = build_app(register, today=TODAY, preferences=Preferences(None, {}))
    written = [f"register-{width}x{height}.svg"]
    async with app.run_test(size=size) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        app.save_screenshot(written[0], str(folder))
        if not record:
            return written
        await pilot.press("a", *["space" if char == " " else char for char in QUICK_LINE])
        await pilot.pause(0.2)
        app.save_screenshot("quick_add.svg", str(folder))
        await pilot.press("escape", "enter")
        await pilot.pause()
        app.save_screenshot("record.svg", str(folder))
        await pilot.press("escape", "x")
        await app.workers.wait_for_complete()
        await pilot.pause(0.5)
        await app.workers.wait_for_complete()
        await pilot.pause()
        app.save_screenshot("export.svg", str(folder))
        return [*written, "quick_add.svg", "record.svg", "export.svg"]


def main() -> None:
    written = []
    with tempfile.TemporaryDirectory() as scratch:
        register = sample_register(Path(scratch) / "register")
        written += asyncio.run(_capture(register, HERE, (80, 24), record=False))
        written += asyncio.run(_capture(register, HERE, (160, 48), record=True))
    print("wrote " + ", ".join(str(HERE / name) for name in written))


if __name__ == "__main__":
    main()
