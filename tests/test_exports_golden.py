"""Golden files: the public report, the internal report and the lessons digest
of a fixed register (fixed IDs, clock and content) match the files in
tests/golden/. Regenerate them after an intended change with

    UPDATE_GOLDEN=1 python -m pytest tests/test_exports_golden.py
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from test_exports_report import parse_checked

from data.git import Identity
from data.model import Issue, Lesson, Update
from data.settings import RegisterSettings, ReportWording
from exports.digest import build_digest
from exports.report import build_report
from tracker.register import Register

GOLDEN = Path(__file__).parent / "golden"
TODAY = date(2024, 6, 30)
PEOPLE = {
    "Priya Nair": "Finance systems lead",
    "Tom Okafor": "Payroll manager",
    "Helen Marsh": "Programme director",
}


class Clock:
    def __init__(self) -> None:
        self.moment = datetime(2024, 1, 8, 9, 30, tzinfo=UTC)

    def at(self, day: str) -> None:
        self.moment = datetime.fromisoformat(f"{day}T10:00:00+00:00")

    def __call__(self) -> datetime:
        return self.moment


def _issue(number: int, **fields: object) -> Issue:
    defaults: dict[str, object] = {
        "id": f"ISS-AAAA{number:02d}",
        "raised_by": "Priya Nair",
        "owner": "Priya Nair",
        "owner_role": "Finance systems lead",
        "status": "open",
        "created_at": "2024-01-08T09:30:00+00:00",
    }
    return Issue.model_validate({**defaults, **fields})


def fixed_register(root: Path) -> Register:
    clock = Clock()
    wording = ReportWording(
        title="Finance system: transparency report",
        programme="The finance system programme",
        sections={"cost": "Costs are reported as the programme knows them."},
    )
    register = Register.init(
        root,
        settings=RegisterSettings(name="Golden", people=PEOPLE, report=wording),
        acting_as=Identity("Helen Marsh", "helen@council.example"),
        clock=clock,
    )
    issues = [
        _issue(
            1,
            title="Receipts not allocated to accounts",
            area="accounts receivable",
            severity="critical",
            raised_on="2024-01-08",
            target_date="2024-07-31",
            cost_gbp=420000,
            cost_basis="estimate",
            affects_vulnerable=True,
            visibility="public",
            updates=[
                Update(
                    id="UPD-AAAAAAA1",
                    at="2024-02-01T10:00:00+00:00",
                    author="Tom Okafor",
                    kind="action",
                    text="Temporary team allocates receipts by hand.",
                    visibility="public",
                ),
                Update(
                    id="UPD-AAAAAAA2",
                    at="2024-02-02T10:00:00+00:00",
                    author="Tom Okafor",
                    kind="comment",
                    text="Backlog is 18,500.",
                    visibility="internal",
                ),
            ],
        ),
        _issue(
            2,
            title="Payroll overpayments | mapping *errors*",
            area="payroll",
            severity="high",
            raised_on="2024-01-20",
            cost_gbp=86000,
            cost_basis="actual",
            owner="Tom Okafor",
            owner_role="Payroll manager",
            statutory_impact=True,
            visibility="public",
        ),
        _issue(
            3,
            title="DBS checks not triggered",
            area="safeguarding checks",
            severity="critical",
            raised_on="2024-02-10",
            affects_vulnerable=True,
            statutory_impact=True,
            visibility="public",
            description="Checks requested by hand; see Priya Nair.",
        ),
        _issue(
            4,
            title="Supplier invoices on hold",
            area="procurement",
            severity="medium",
            raised_on="2024-03-05",
            target_date="2024-06-15",
            visibility="public",
        ),
        _issue(
            5,
            title="Segregation of duties breach",
            area="finance",
            severity="high",
            raised_on="2024-03-10",
            visibility="restricted",
        ),
        _issue(
            6,
            title="Support tickets late",
            area="programme",
            severity="low",
            raised_on="2024-04-01",
            visibility="internal",
        ),
    ]
    register.save_many(
        issues, "Import the programme's issues", ["6 issues from the old spreadsheet"], "import"
    )
    for issue_id, day, status in (
        ("ISS-AAAA02", "2024-03-01", "resolved"),
        ("ISS-AAAA03", "2024-02-11", "workaround in place"),
        ("ISS-AAAA03", "2024-05-20", "resolved"),
        ("ISS-AAAA04", "2024-04-01", "closed"),
        ("ISS-AAAA04", "2024-05-02", "open"),
    ):
        clock.at(day)
        register.edit(issue_id, {"status": status})
    lessons = [
        Lesson(
            id="LES-AAAA01",
            title="Test matching with real bank files",
            area="accounts receivable",
            event="Matching was tested with made-up references.",
            effect="A backlog of receipts.",
            cause="Test data did not match real payments.",
            early_warnings="Low match rates in parallel runs.",
            recommendation="Use real, anonymised files.\nSet a match-rate gate.",
            logged_by="Priya Nair",
            logged_on="2024-03-01",
            action_status="actioned",
            source="retrospective",
            visibility="public",
            owner_role="Income team leader",
            issues=["ISS-AAAA01", "ISS-AAAA05"],
            created_at="2024-03-01T10:00:00+00:00",
        ),
        Lesson(
            id="LES-AAAA02",
            title="Escalate critical issues within a week",
            area="programme",
            event="The board heard of problems months late.",
            recommendation="One register the board can see.",
            logged_by="Helen Marsh",
            logged_on="2024-04-01",
            action_status="embedded",
            source="audit",
            visibility="public",
            created_at="2024-04-01T10:00:00+00:00",
        ),
        Lesson(
            id="LES-AAAA03",
            title="Access reviews after go-live",
            area="finance",
            logged_by="Priya Nair",
            logged_on="2024-04-02",
            visibility="restricted",
            created_at="2024-04-02T10:00:00+00:00",
        ),
    ]
    clock.at("2024-04-02")
    register.save_many(lessons, "Log lessons", [], "import")
    register.acting_as, register.clock = None, None
    return register


@pytest.fixture
def golden_register(tmp_path: Path) -> Register:
    return fixed_register(tmp_path / "register")


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"{path} is missing; create it with UPDATE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8"), f"{name} differs from its golden file"


def test_public_report_matches_its_golden_file(golden_register: Register) -> None:
    report = build_report(golden_register, "public", start=date(2024, 4, 1), end=TODAY, today=TODAY)
    parse_checked(report)
    check_golden("report-public.md", report)


def test_internal_report_matches_its_golden_file(golden_register: Register) -> None:
    report = build_report(golden_register, "internal", end=TODAY, today=TODAY)
    parse_checked(report, internal=True)
    check_golden("report-internal.md", report)


def test_lessons_digest_matches_its_golden_file(golden_register: Register) -> None:
    digest = build_digest(golden_register, "public", end=TODAY, today=TODAY)
    parse_checked(digest)
    check_golden("digest-public.md", digest)
