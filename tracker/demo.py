"""The demo register: realistic, fictional programme issues and lessons.

The story is a council's replacement of its finance and HR system, paraphrased:
the approach changed from adopting the product's processes to customising it,
problems reached senior officers late, receipts stopped being allocated to
accounts automatically, the year's accounts could not be closed, and payroll,
recruitment and safeguarding checks ran on manual workarounds. Every person,
reference and figure here is invented.

The register is built through the same service as everything else, one commit per
change, by several people over the months since a go-live date set relative to
today, so its history, dashboard and reports look like a real programme's.
"""

from __future__ import annotations

import random
import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

from data.errors import TrackerError
from data.git import Identity
from data.settings import RegisterSettings, ReportWording
from tracker.register import Register

PEOPLE = {
    "Priya Nair": ("Finance systems lead", "priya.nair"),
    "Tom Okafor": ("Payroll manager", "tom.okafor"),
    "Helen Marsh": ("Programme director", "helen.marsh"),
    "Sam Whitlock": ("Integration analyst", "sam.whitlock"),
    "Aisha Rahman": ("HR operations lead", "aisha.rahman"),
    "Gareth Lloyd": ("Income team leader", "gareth.lloyd"),
    "Nina Kowalski": ("Communications officer", "nina.kowalski"),
}
GO_LIVE_DAYS_AGO = 240


@dataclass
class DemoIssue:
    title: str
    area: str
    severity: str
    by: str
    owner: str
    day: int
    description: str
    visibility: str = "public"
    vulnerable: bool = False
    statutory: bool = False
    cost: tuple[float, str] | None = None
    tags: list[str] = field(default_factory=list)
    type: str = "problem"
    target_in: int | None = 60
    story: list[tuple[int, str, Any]] = field(default_factory=list)


def _issues() -> list[DemoIssue]:
    """The programme's issues; `story` is (days after raising, what, detail)."""
    return [
        DemoIssue(
            "Customer receipts no longer allocated to accounts automatically",
            "accounts receivable",
            "critical",
            "Gareth Lloyd",
            "Priya Nair",
            2,
            "Since go-live, payments received through the bank are not matched to the "
            "customer accounts they pay. Each receipt lands in a **suspense account** and must "
            "be allocated by hand.\n\nAbout 4,000 receipts a week are affected.",
            cost=(420000, "estimate"),
            tags=["backlog", "go-live"],
            story=[
                (1, "status", "open"),
                (
                    3,
                    "update",
                    (
                        "decision",
                        "public",
                        "Temporary team of six to allocate receipts by hand while the matching rules are rebuilt.",
                    ),
                ),
                (5, "status", "workaround in place"),
                (
                    5,
                    "workaround",
                    "Receipts are exported daily and allocated by the income team using the reference on the bank line. Oldest first; council tax and rents prioritised.",
                ),
                (
                    30,
                    "update",
                    (
                        "comment",
                        "internal",
                        "Backlog now 18,500 receipts. Matching rule for rent references fixed in test.",
                    ),
                ),
                (
                    75,
                    "update",
                    (
                        "action",
                        "public",
                        "Matching rules for rents and council tax deployed; about 60% of receipts now allocate automatically.",
                    ),
                ),
                (
                    120,
                    "update",
                    (
                        "comment",
                        "internal",
                        "Backlog down to 6,200. Remaining failures are business-rates references with spaces.",
                    ),
                ),
            ],
        ),
        DemoIssue(
            "Year-end accounts cannot be closed: suspense balance unreconciled",
            "finance",
            "critical",
            "Priya Nair",
            "Helen Marsh",
            60,
            "The draft statement of accounts cannot be prepared while unallocated receipts sit "
            "in suspense. External audit has been told the deadline will be missed.",
            statutory=True,
            cost=(1250000, "estimate"),
            tags=["year-end", "audit"],
            target_in=200,
            story=[
                (2, "status", "open"),
                (
                    10,
                    "update",
                    (
                        "decision",
                        "public",
                        "Programme board agreed to report the delay to the audit committee.",
                    ),
                ),
                (14, "status", "in progress"),
                (
                    90,
                    "update",
                    ("comment", "internal", "Reconciliation of bank to ledger complete for Q1 and Q2."),
                ),
            ],
        ),
        DemoIssue(
            "Payroll overpayments after pay elements were mapped incorrectly",
            "payroll",
            "high",
            "Tom Okafor",
            "Tom Okafor",
            28,
            "Some allowances were mapped to the wrong pay elements during data migration, so a "
            "number of staff were overpaid in the first two pay runs.",
            cost=(86000, "actual"),
            tags=["data-migration"],
            story=[
                (1, "status", "open"),
                (
                    4,
                    "update",
                    (
                        "action",
                        "internal",
                        "Affected staff identified; letters agreed with unions before any recovery.",
                    ),
                ),
                (20, "status", "resolved"),
                (
                    20,
                    "update",
                    (
                        "comment",
                        "public",
                        "Mapping corrected and checked against the old system for three pay runs.",
                    ),
                ),
                (40, "status", "closed"),
            ],
        ),
        DemoIssue(
            "Safeguarding (DBS) checks not triggered for new starters",
            "safeguarding checks",
            "critical",
            "Aisha Rahman",
            "Aisha Rahman",
            9,
            "The recruitment workflow no longer starts a criminal records check when an offer "
            "is accepted. Checks are being requested by hand.",
            vulnerable=True,
            statutory=True,
            tags=["safeguarding", "workaround"],
            story=[
                (0, "status", "open"),
                (1, "status", "workaround in place"),
                (
                    1,
                    "workaround",
                    "HR operations run a daily report of accepted offers and request checks manually. Roles working with children and vulnerable adults are done first and nobody starts before a clear check.",
                ),
                (
                    2,
                    "update",
                    (
                        "decision",
                        "public",
                        "No new starter in a regulated role begins work until a check is confirmed by hand.",
                    ),
                ),
                (
                    45,
                    "update",
                    (
                        "comment",
                        "internal",
                        "Supplier fix in the next release; the manual process continues until it is tested.",
                    ),
                ),
                (95, "status", "resolved"),
            ],
        ),
        DemoIssue(
            "Care providers paid late after interface with social care system failed",
            "integration",
            "critical",
            "Sam Whitlock",
            "Sam Whitlock",
            14,
            "Payments to home-care providers are created in the social care system and sent to "
            "finance. The interface rejected files with the new supplier numbers, so providers "
            "were paid up to three weeks late.",
            vulnerable=True,
            cost=(35000, "estimate"),
            tags=["interface", "suppliers"],
            story=[
                (0, "status", "open"),
                (
                    2,
                    "update",
                    (
                        "action",
                        "public",
                        "Emergency manual payment run so providers caring for residents were paid.",
                    ),
                ),
                (3, "status", "workaround in place"),
                (3, "workaround", "Payment files are checked and loaded by hand each Tuesday and Thursday."),
                (50, "status", "resolved"),
                (70, "status", "closed"),
            ],
        ),
        DemoIssue(
            "Direct payments to residents with care needs delayed",
            "finance",
            "high",
            "Gareth Lloyd",
            "Priya Nair",
            20,
            "A small number of direct payments to residents who arrange their own care were "
            "delayed because bank details were not migrated.",
            vulnerable=True,
            tags=["data-migration"],
            visibility="internal",
            story=[(1, "status", "open"), (6, "status", "resolved"), (30, "status", "closed")],
        ),
        DemoIssue(
            "Monthly budget reports unavailable to budget holders",
            "reporting",
            "high",
            "Priya Nair",
            "Sam Whitlock",
            35,
            "Managers cannot see spending against budget. The standard reports do not reflect "
            "the council's cost-centre structure.",
            tags=["reporting"],
            story=[
                (3, "status", "open"),
                (15, "status", "in progress"),
                (
                    60,
                    "update",
                    (
                        "comment",
                        "public",
                        "Interim reports are produced by the finance team each month and sent to budget holders.",
                    ),
                ),
            ],
        ),
        DemoIssue(
            "Real-time payroll submission to HMRC sent late",
            "payroll",
            "high",
            "Tom Okafor",
            "Tom Okafor",
            33,
            "The full payment submission for month two was sent after the deadline because the "
            "file failed validation.",
            statutory=True,
            cost=(1200, "actual"),
            tags=["hmrc"],
            story=[(0, "status", "open"), (3, "status", "resolved"), (10, "status", "closed")],
        ),
        DemoIssue(
            "Pension contributions file rejected by the pension fund",
            "pensions",
            "high",
            "Tom Okafor",
            "Tom Okafor",
            40,
            "The monthly contributions file does not match the fund's format, so member records "
            "are not being updated.",
            statutory=True,
            tags=["pensions"],
            story=[
                (2, "status", "open"),
                (10, "status", "in progress"),
                (
                    30,
                    "update",
                    ("comment", "internal", "Fund has accepted a test file; live file due next month."),
                ),
            ],
        ),
        DemoIssue(
            "Purchase order approvals routed to people who have left",
            "procurement",
            "medium",
            "Sam Whitlock",
            "Priya Nair",
            18,
            "Approval hierarchies were migrated from a two-year-old extract, so orders wait for "
            "approvers who no longer work here.",
            tags=["data-migration", "workflow"],
            story=[
                (1, "status", "open"),
                (4, "status", "workaround in place"),
                (4, "workaround", "Procurement reassign stuck approvals each morning."),
                (35, "status", "resolved"),
            ],
        ),
        DemoIssue(
            "Supplier invoices on hold for mismatched purchase order lines",
            "procurement",
            "high",
            "Priya Nair",
            "Sam Whitlock",
            25,
            "Three-way matching is stricter than the old system; invoices with small differences "
            "are held, and small local suppliers are waiting longer to be paid.",
            cost=(15000, "estimate"),
            tags=["suppliers", "backlog"],
            story=[
                (2, "status", "open"),
                (20, "status", "in progress"),
                (22, "update", ("decision", "public", "Tolerance of 2% agreed for invoices under £5,000.")),
            ],
        ),
        DemoIssue(
            "Change request: restore the council's own debt-recovery workflow",
            "accounts receivable",
            "medium",
            "Gareth Lloyd",
            "Helen Marsh",
            70,
            "The product's standard dunning process does not fit the council's policy of "
            "contacting residents before reminders escalate.",
            type="request for change",
            tags=["customisation"],
            story=[
                (5, "status", "open"),
                (
                    30,
                    "update",
                    ("decision", "internal", "Deferred: board wants fewer customisations, not more."),
                ),
            ],
        ),
        DemoIssue(
            "Vacancies not advertised: job posting integration failing",
            "recruitment",
            "medium",
            "Aisha Rahman",
            "Sam Whitlock",
            50,
            "Approved vacancies do not appear on the jobs website.",
            tags=["interface"],
            story=[
                (1, "status", "open"),
                (3, "status", "workaround in place"),
                (3, "workaround", "Recruitment post vacancies on the website by hand."),
                (40, "status", "resolved"),
                (60, "status", "closed"),
            ],
        ),
        DemoIssue(
            "Segregation of duties: some users can raise and approve the same payment",
            "finance",
            "high",
            "Priya Nair",
            "Priya Nair",
            80,
            "A role design error gave a group of finance users both raise and approve rights.",
            visibility="restricted",
            tags=["controls", "audit"],
            story=[
                (0, "status", "open"),
                (2, "status", "resolved"),
                (
                    2,
                    "update",
                    (
                        "comment",
                        "restricted",
                        "Access removed; internal audit reviewing payments made in the window.",
                    ),
                ),
            ],
        ),
        DemoIssue(
            "Schools' payroll queries backlog",
            "payroll",
            "medium",
            "Tom Okafor",
            "Aisha Rahman",
            55,
            "Schools buying the council's payroll service raised more than 900 queries in a month.",
            tags=["backlog", "schools"],
            story=[
                (1, "status", "open"),
                (12, "status", "in progress"),
                (
                    45,
                    "update",
                    ("comment", "public", "Queries down to 210; a dedicated schools helpline is open."),
                ),
            ],
        ),
        DemoIssue(
            "Bank reconciliation takes five days instead of one",
            "finance",
            "medium",
            "Priya Nair",
            "Priya Nair",
            95,
            "Statement import splits lines differently, so daily reconciliation is slow.",
            tags=["backlog"],
            story=[(3, "status", "open")],
        ),
        DemoIssue(
            "Training materials describe the old processes",
            "programme",
            "low",
            "Nina Kowalski",
            "Aisha Rahman",
            12,
            "Guides were written for the product's standard processes before the approach changed.",
            tags=["training"],
            story=[(4, "status", "open"), (60, "status", "resolved")],
        ),
        DemoIssue(
            "Problems reached the programme board months late",
            "programme",
            "high",
            "Helen Marsh",
            "Helen Marsh",
            100,
            "Issues logged by teams were not summarised for senior officers; the board learned of "
            "the receipts backlog from a service complaint.",
            tags=["governance"],
            target_in=30,
            story=[
                (0, "status", "open"),
                (
                    7,
                    "update",
                    (
                        "decision",
                        "public",
                        "Weekly issue summary to the board; this register is now the single source.",
                    ),
                ),
                (20, "status", "resolved"),
            ],
        ),
        DemoIssue(
            "Business rates refunds cannot be issued",
            "accounts receivable",
            "high",
            "Gareth Lloyd",
            "Gareth Lloyd",
            120,
            "Refunds need a supplier record for each ratepayer; the process is not set up.",
            cost=(8000, "estimate"),
            tags=["refunds"],
            story=[(2, "status", "open"), (15, "status", "in progress")],
        ),
        DemoIssue(
            "Off-specification: mileage claims rounded down",
            "payroll",
            "low",
            "Tom Okafor",
            "Tom Okafor",
            130,
            "Mileage is rounded to whole miles, not to the council's policy of one decimal place.",
            type="off-specification",
            tags=["expenses"],
            story=[(5, "status", "open")],
        ),
        DemoIssue(
            "Sickness absence not recorded for agency social workers",
            "hr",
            "medium",
            "Aisha Rahman",
            "Aisha Rahman",
            140,
            "Agency workers are outside the HR module, so absence cover in children's services "
            "is planned on spreadsheets.",
            vulnerable=True,
            visibility="internal",
            tags=["agency"],
            story=[(2, "status", "open")],
        ),
        DemoIssue(
            "Support tickets with the supplier breach agreed response times",
            "programme",
            "medium",
            "Helen Marsh",
            "Helen Marsh",
            150,
            "High-priority tickets wait on average nine days for a first response.",
            tags=["supplier"],
            visibility="internal",
            story=[
                (1, "status", "open"),
                (10, "update", ("action", "internal", "Service credits claimed under the contract.")),
            ],
        ),
        DemoIssue(
            "VAT return figures need manual adjustment",
            "finance",
            "medium",
            "Priya Nair",
            "Priya Nair",
            165,
            "Tax codes on migrated suppliers were defaulted; the quarterly return is adjusted by hand.",
            statutory=True,
            tags=["tax"],
            story=[
                (1, "status", "open"),
                (3, "status", "workaround in place"),
                (
                    3,
                    "workaround",
                    "Finance adjust the VAT return from a reconciliation spreadsheet, checked by a second officer.",
                ),
            ],
        ),
        DemoIssue(
            "Leavers still have system access after their last day",
            "hr",
            "high",
            "Sam Whitlock",
            "Aisha Rahman",
            180,
            "The leaver process does not end access on the leaving date.",
            visibility="restricted",
            tags=["controls"],
            story=[(0, "status", "open"), (5, "status", "in progress")],
        ),
        DemoIssue(
            "Cost of the programme reported inconsistently",
            "programme",
            "high",
            "Nina Kowalski",
            "Helen Marsh",
            190,
            "Different reports gave different totals for the programme's cost. A single "
            "reconciled figure is needed for the cabinet paper.",
            cost=(0, "estimate"),
            tags=["governance", "transparency"],
            target_in=21,
            story=[(1, "status", "open"), (4, "status", "in progress")],
        ),
        DemoIssue(
            "Debt recovery letters sent to residents who had paid",
            "accounts receivable",
            "high",
            "Gareth Lloyd",
            "Gareth Lloyd",
            200,
            "Because receipts were unallocated, reminder letters went to some residents who had "
            "already paid.",
            vulnerable=True,
            tags=["backlog", "residents"],
            story=[
                (0, "status", "open"),
                (
                    1,
                    "update",
                    (
                        "decision",
                        "public",
                        "Automatic reminders suspended until accounts are reconciled; apology letters sent.",
                    ),
                ),
                (2, "status", "workaround in place"),
                (2, "workaround", "Reminders are reviewed by hand against the suspense list before sending."),
            ],
        ),
        DemoIssue(
            "Overtime claims for care staff paid a month late",
            "payroll",
            "medium",
            "Tom Okafor",
            "Tom Okafor",
            210,
            "Claims approved after the cut-off are not picked up until the following pay run.",
            tags=["care-staff"],
            story=[(1, "status", "open")],
        ),
        DemoIssue(
            "Procurement card transactions not loading",
            "procurement",
            "low",
            "Sam Whitlock",
            "Sam Whitlock",
            222,
            "The card provider's file format changed.",
            tags=["interface"],
            story=[],
        ),
    ]


LESSONS: list[dict[str, Any]] = [
    {
        "title": "Changing from adopting the product's processes to customising it needed re-planning",
        "type": "corporate/programme",
        "area": "programme",
        "priority": "high",
        "source": "independent review",
        "event": "Part way through, the programme moved from adopting the product's standard processes to customising it to fit existing ones.",
        "effect": "Customisations multiplied testing and delayed go-live; costs rose far beyond the original budget.",
        "cause": "The decision was taken without re-baselining scope, cost or timescale.",
        "early_warnings": "Growing numbers of change requests; design sign-offs slipping; supplier estimates revised upwards.",
        "recommendation": "Treat a change of approach as a new business case: re-plan, re-cost and take it to the decision-makers.",
        "was_risk": True,
        "action_status": "agreed",
        "owner_role": "Programme director",
        "by": "Helen Marsh",
        "day": -20,
    },
    {
        "title": "Problems must reach senior officers in weeks, not months",
        "type": "corporate/programme",
        "area": "programme",
        "priority": "urgent",
        "source": "audit",
        "event": "Serious issues were known to teams for months before the board heard of them.",
        "effect": "Decisions were made late and the scale of the problem surprised members.",
        "cause": "No single register; reporting filtered issues as they went up the chain.",
        "early_warnings": "Teams keeping their own spreadsheets of problems; board papers with all-green status.",
        "recommendation": "One register, visible to the board, with critical issues escalated within a week.",
        "was_risk": False,
        "action_status": "embedded",
        "owner_role": "Programme director",
        "by": "Helen Marsh",
        "day": 105,
    },
    {
        "title": "Test receipt matching with real bank files before go-live",
        "type": "project",
        "area": "accounts receivable",
        "priority": "high",
        "source": "retrospective",
        "event": "Matching rules were tested with made-up references that did not reflect real payments.",
        "effect": "Most receipts failed to allocate after go-live and a large backlog built up.",
        "cause": "Test data did not include the formats residents actually use.",
        "early_warnings": "Low match rates in the one parallel run that used a real file.",
        "recommendation": "Run parallel matching on several months of real, anonymised bank files and set a match-rate gate.",
        "was_risk": True,
        "action_status": "actioned",
        "owner_role": "Income team leader",
        "by": "Gareth Lloyd",
        "day": 40,
    },
    {
        "title": "Safeguarding checks need a manual fallback designed in advance",
        "type": "both",
        "area": "safeguarding checks",
        "priority": "urgent",
        "source": "staff",
        "event": "Automatic check requests stopped at go-live.",
        "effect": "Checks were requested by hand; starts in regulated roles were delayed.",
        "cause": "The dependency on the workflow was not in the cut-over plan.",
        "early_warnings": "No end-to-end test of the offer-to-check workflow.",
        "recommendation": "For every safeguarding control, document and rehearse the manual fallback before cut-over.",
        "was_risk": False,
        "action_status": "embedded",
        "owner_role": "HR operations lead",
        "by": "Aisha Rahman",
        "day": 30,
    },
    {
        "title": "Migrated reference data needs an owner and a freshness check",
        "type": "project",
        "area": "data migration",
        "priority": "high",
        "source": "retrospective",
        "event": "Approval hierarchies, bank details and tax codes came from old extracts.",
        "effect": "Stuck approvals, delayed payments and manual tax adjustments.",
        "cause": "No business owner signed off reference data close to cut-over.",
        "early_warnings": "Extract dates months older than the go-live date.",
        "recommendation": "Name an owner for each reference data set and re-extract within two weeks of go-live.",
        "was_risk": True,
        "action_status": "agreed",
        "owner_role": "Finance systems lead",
        "by": "Priya Nair",
        "day": 60,
    },
    {
        "title": "Interfaces with care systems must be monitored daily after go-live",
        "type": "project",
        "area": "integration",
        "priority": "high",
        "source": "staff",
        "event": "Rejected payment files were not noticed for days.",
        "effect": "Care providers were paid late.",
        "cause": "No alerting on rejected interface files.",
        "early_warnings": "Interface error logs nobody was assigned to read.",
        "recommendation": "Alert a named team on every rejected file and report rejections daily for the first quarter.",
        "was_risk": False,
        "action_status": "actioned",
        "owner_role": "Integration analyst",
        "by": "Sam Whitlock",
        "day": 70,
    },
    {
        "title": "Publish a single reconciled programme cost figure",
        "type": "corporate/programme",
        "area": "programme",
        "priority": "medium",
        "source": "audit",
        "event": "Several different cost totals circulated.",
        "effect": "Loss of confidence among members and residents.",
        "cause": "Costs were recorded in several budgets with no reconciliation.",
        "early_warnings": "Cost questions at scrutiny that officers could not answer consistently.",
        "recommendation": "Maintain one reconciled cost figure, published with each transparency report.",
        "was_risk": False,
        "action_status": "identified",
        "owner_role": "Programme director",
        "by": "Nina Kowalski",
        "day": 195,
    },
    {
        "title": "Plan for year-end before go-live, not after",
        "type": "both",
        "area": "finance",
        "priority": "high",
        "source": "independent review",
        "event": "The year-end close was planned only after problems emerged.",
        "effect": "The statutory accounts deadline will be missed.",
        "cause": "Go-live date chosen without a rehearsal of the year-end close.",
        "early_warnings": "No year-end scenario in the test plan.",
        "recommendation": "Rehearse a full period and year-end close in test before choosing a go-live date.",
        "was_risk": True,
        "action_status": "identified",
        "owner_role": "Finance systems lead",
        "by": "Priya Nair",
        "day": 150,
    },
]


def _settings() -> RegisterSettings:
    return RegisterSettings(
        name="Finance and HR system replacement: issue register",
        demo=True,
        people={name: role for name, (role, _email) in PEOPLE.items()},
        report=ReportWording(
            title="Finance and HR system: transparency report",
            programme="The finance and HR system replacement programme",
        ),
    )


def _identity(name: str) -> Identity:
    return Identity(name, f"{PEOPLE[name][1]}@council.example")


class _Clock:
    """The demo's clock: a moment set before each change, in working hours."""

    def __init__(self) -> None:
        self.moment = datetime.min.replace(tzinfo=UTC)

    def set(self, day: datetime, rng: random.Random) -> None:
        """A working-hours moment on `day`, never before the previous change."""
        moment = datetime.combine(day.date(), time(rng.randint(8, 17), rng.randint(0, 59)), UTC)
        self.moment = max(moment, self.moment + timedelta(minutes=rng.randint(3, 40)))

    def __call__(self) -> datetime:
        return self.moment


def build_demo(root: Path, replace_default: bool = False) -> Register:
    """Create the demo register at `root`. An existing demo register there is
    replaced only when it is the default demo location and is marked `demo`."""
    if root.exists() and any(root.iterdir()):
        if (
            replace_default
            and (root / "tracker.toml").is_file()
            and "demo = true" in (root / "tracker.toml").read_text(encoding="utf-8")
        ):
            shutil.rmtree(root)
        else:
            raise TrackerError(f"{root}: folder is not empty; give an empty or new folder for the demo")
    rng = random.Random(2024)
    clock = _Clock()
    go_live = datetime.now(UTC) - timedelta(days=GO_LIVE_DAYS_AGO)
    clock.set(go_live - timedelta(days=40), rng)
    register = Register.init(root, settings=_settings(), acting_as=_identity("Helen Marsh"), clock=clock)
    events: list[tuple[datetime, int, str, Any]] = []
    for number, issue in enumerate(_issues()):
        raised = go_live + timedelta(days=issue.day)
        events.append((raised, number, "issue", issue))
        for offset, what, detail in issue.story:
            events.append((raised + timedelta(days=offset, minutes=1), number, what, detail))
    for number, lesson in enumerate(LESSONS):
        events.append((go_live + timedelta(days=lesson["day"]), 1000 + number, "lesson", lesson))
    today = datetime.now(UTC)
    events = [event for event in events if event[0] <= today]
    events.sort(key=lambda event: (event[0], event[1]))
    ids: dict[int, str] = {}
    for moment, number, what, detail in events:
        clock.set(moment, rng)
        _apply(register, ids, number, what, detail, rng)
    _link_lessons(register, ids)
    register.acting_as, register.clock = None, None
    return register


def _apply(
    register: Register, ids: dict[int, str], number: int, what: str, detail: Any, rng: random.Random
) -> None:
    if what == "issue":
        issue: DemoIssue = detail
        register.acting_as = _identity(issue.by)
        target = register.today() + timedelta(days=issue.target_in) if issue.target_in else None
        added = register.add_issue(
            title=issue.title,
            type=issue.type,
            description=issue.description,
            area=issue.area,
            severity=issue.severity,
            priority={"critical": "urgent"}.get(issue.severity, issue.severity),
            raised_by=issue.by,
            owner=issue.owner,
            owner_role=PEOPLE[issue.owner][0],
            target_date=target,
            affects_vulnerable=issue.vulnerable,
            statutory_impact=issue.statutory,
            cost_gbp=issue.cost[0] if issue.cost else None,
            cost_basis=issue.cost[1] if issue.cost else None,
            tags=issue.tags,
            visibility=issue.visibility,
        )
        ids[number] = added.id
        return
    if what == "lesson":
        lesson = dict(detail)
        register.acting_as = _identity(lesson.pop("by"))
        lesson.pop("day")
        ids[number] = register.add_lesson(**lesson, visibility="public").id
        return
    record = register.get(ids[number])
    owner = getattr(record, "owner", None) or "Helen Marsh"
    register.acting_as = _identity(owner if rng.random() < 0.7 else rng.choice(list(PEOPLE)))
    if what == "update":
        kind, visibility, text = detail
        register.add_update(record.id, text, kind, visibility)
    else:
        register.edit(record.id, {what: detail})


def _link_lessons(register: Register, ids: dict[int, str]) -> None:
    """Each lesson points at the issues it was learned from."""
    links = {
        1000: [12],
        1001: [17, 1],
        1002: [0, 25],
        1003: [3],
        1004: [9, 5, 22],
        1005: [4],
        1006: [24],
        1007: [1],
    }
    register.acting_as = _identity("Helen Marsh")
    for lesson, issues in links.items():
        for issue in issues:
            if lesson in ids and issue in ids:
                register.link(ids[issue], ids[lesson])
