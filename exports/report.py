"""The transparency report: what the programme is dealing with, what has been
resolved, what it costs, what was learned and what was withheld, for a period
and an audience.

`gather` reads the register once (records, git history, the last published
report) and applies the publication rules; each `_section` function then turns
that into markdown through `exports.markdown`, which escapes all user text.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from data.backlog import Backlog, TrendPoint, sample_days
from data.changes_since import Change
from data.ids import kind_of
from data.published import ReportTag
from data.settings import RegisterSettings
from exports.markdown import Safe, day, heading, long_day, money, paragraph, record_id, table
from exports.reader import RegisterReader
from exports.rules import WITHHELD_REASONS, Audience, Publication, Withheld, small_counts

LIST_LIMIT = 50
TREND_YEARS = 2


@dataclass(frozen=True)
class Period:
    """The days a report covers; `start` None means from the register's beginning."""

    start: date | None
    end: date

    def holds(self, value: str | None) -> bool:
        """Whether an ISO date (as records store them) falls in the period;
        ISO dates compare correctly as text, which is much faster at 50,000 records."""
        if not value:
            return False
        return (self.start is None or value >= self.start.isoformat()) and value <= self.end.isoformat()

    def describe(self) -> str:
        begins = long_day(self.start) if self.start else "the start of the register"
        return f"{begins} to {long_day(self.end)}"


@dataclass
class ReportInput:
    """Everything a report is built from, already filtered for its audience."""

    settings: RegisterSettings
    rules: Publication
    period: Period
    today: date
    issues: list[dict[str, Any]]
    lessons: list[dict[str, Any]]
    withheld: Withheld
    trend: list[TrendPoint]
    backlog_before: TrendPoint
    last_report: ReportTag | None
    changes: list[Change]
    _open: list[dict[str, Any]] | None = None

    def is_open(self, issue: dict[str, Any], on: date | None = None) -> bool:
        day = (on or self.period.end).isoformat()
        if issue["raised_on"] > day:
            return False
        closed = self.settings.vocabulary.is_closed(issue["status"])
        return not closed or (bool(issue.get("closed_on")) and issue["closed_on"] > day)

    def open_issues(self) -> list[dict[str, Any]]:
        if self._open is None:
            self._open = [issue for issue in self.issues if self.is_open(issue)]
        return self._open

    def age(self, issue: dict[str, Any]) -> int:
        return (self.period.end - date.fromisoformat(issue["raised_on"])).days

    def severity_rank(self, issue: dict[str, Any]) -> int:
        order = self.settings.vocabulary.severities
        return order.index(issue["severity"]) if issue["severity"] in order else len(order)

    def intro(self, section: str) -> list[str]:
        wording = self.settings.report.sections.get(section)
        return paragraph(self.rules.text(wording)) if wording else []


def gather(register: RegisterReader, audience: Audience, period: Period, today: date) -> ReportInput:
    """Read the register once and apply the publication rules for `audience`."""
    issues_all = list(register.documents("issue").values())
    lessons_all = list(register.documents("lesson").values())
    settings = register.settings
    rules = Publication.for_documents(audience, settings, issues_all, lessons_all)
    withheld = Withheld()
    issues: list[dict[str, Any]] = []
    lessons: list[dict[str, Any]] = []
    for kind, documents, shown in (("issue", issues_all, issues), ("lesson", lessons_all, lessons)):
        for document in documents:
            if rules.public and document.get("visibility") != "public":
                withheld.add(kind, document.get("visibility", "internal"))
                continue
            shown.append(document)
            withheld.updates += sum(not rules.shows(update) for update in document.get("updates", ()))
    issues = [issue for issue in issues if issue["raised_on"] <= period.end.isoformat()]
    history = register.status_history()
    words = settings.vocabulary
    first = min((date.fromisoformat(issue["raised_on"]) for issue in issues), default=period.end)
    trend_start = max(first, period.end - timedelta(days=365 * TREND_YEARS))
    compare_from = (period.start or period.end - timedelta(days=28)) - timedelta(days=1)
    backlog = Backlog(issues, history, words)
    trend = backlog.points(sample_days(trend_start, period.end))
    before = backlog.points([compare_from])[0]
    last = register.latest_report()
    changes = register.changes_since(last.commit) if last else []
    return ReportInput(
        settings, rules, period, today, issues, lessons, withheld, trend, before, last, changes
    )


def build_report(
    register: RegisterReader,
    audience: Audience = "public",
    start: date | None = None,
    end: date | None = None,
    today: date | None = None,
) -> str:
    """The transparency report as markdown."""
    today = today or date.today()
    data = gather(register, audience, Period(start, end or today), today)
    return render(data)


def render(data: ReportInput) -> str:
    lines: list[str] = []
    for section in (
        _title,
        _headline,
        _resolved,
        _open,
        _trend,
        _cost,
        _impact,
        _lessons,
        _next_steps,
        _changes,
        _withheld,
    ):
        lines += section(data)
    return "\n".join(lines).rstrip("\n") + "\n"


# --- sections ----------------------------------------------------------------------------


def _title(data: ReportInput) -> list[str]:
    wording = data.settings.report
    lines = heading(1, data.rules.text(wording.title))
    if not data.rules.public:
        lines += [
            "> **Internal report: not for publication.** It shows every record, including "
            "internal and restricted ones, every update, and the names of staff.",
            "",
        ]
    lines += paragraph(data.rules.text(wording.programme))
    lines += paragraph(Safe(f"Period covered: {data.period.describe()}. Produced on {long_day(data.today)}."))
    lines += paragraph(data.rules.text(wording.introduction))
    return lines


def rag_status(data: ReportInput) -> str:
    """Red, amber or green, by the rules the register's wording describes."""
    severities = data.settings.vocabulary.severities
    open_severities = {issue["severity"] for issue in data.open_issues()}
    grew = data.trend[-1].open > data.backlog_before.open
    if severities[0] in open_severities or grew:
        return "red"
    if len(severities) > 1 and severities[1] in open_severities:
        return "amber"
    return "green"


def _headline(data: ReportInput) -> list[str]:
    status = rag_status(data)
    lines = heading(2, Safe("Headline status")) + data.intro("headline")
    meaning = data.settings.report.rag.get(status, "")
    lines += paragraph(Safe(f"**Overall status: {status.capitalize()}.**"))
    lines += paragraph(data.rules.text(meaning)) if meaning else []
    open_now = data.open_issues()
    change = data.trend[-1].open - data.backlog_before.open
    since = data.backlog_before.day + timedelta(days=1)
    rows: list[list[Any]] = [[Safe("Open issues"), len(open_now)]]
    for severity in data.settings.vocabulary.severities[:2]:
        count = sum(issue["severity"] == severity for issue in open_now)
        rows.append([f"Open {severity} issues", count])
    rows += [
        [Safe("Issues raised in the period"), sum(data.period.holds(i["raised_on"]) for i in data.issues)],
        [Safe("Issues resolved in the period"), len(_resolved_issues(data))],
        [Safe(f"Change in open issues since {long_day(since)}"), Safe(f"{change:+,}")],
    ]
    lines += table([Safe("Measure"), Safe("Issues")], rows, numeric=[1])
    covered = f"These figures cover the {len(data.issues):,} issues published in this report."
    if data.rules.public and data.withheld.total():
        covered += (
            f" {data.withheld.total():,} records are withheld from publication; the last section says why."
        )
    return lines + paragraph(Safe(covered))


def _resolved_issues(data: ReportInput) -> list[dict[str, Any]]:
    words = data.settings.vocabulary
    return [
        issue
        for issue in data.issues
        if words.is_closed(issue["status"]) and data.period.holds(issue.get("closed_on"))
    ]


def _limited(items: list[Any], what: str) -> tuple[list[Any], list[str]]:
    if len(items) <= LIST_LIMIT:
        return items, []
    note = f"Showing {LIST_LIMIT} of {len(items):,} {what}; the counts above include them all."
    return items[:LIST_LIMIT], paragraph(Safe(note))


def _issue_title(data: ReportInput, issue: dict[str, Any]) -> str:
    return data.rules.view(issue)["title"]


def _resolved(data: ReportInput) -> list[str]:
    lines = heading(2, Safe("Issues resolved in this period")) + data.intro("resolved")
    resolved = sorted(_resolved_issues(data), key=lambda i: (i["closed_on"], i["id"]), reverse=True)
    if not resolved:
        return lines + paragraph(Safe("No issues were resolved in this period."))
    shown, note = _limited(resolved, "resolved issues")
    rows = [
        [
            record_id(i["id"]),
            _issue_title(data, i),
            data.rules.text(i["area"]),
            data.rules.text(i["severity"]),
            day(i["closed_on"]),
            (date.fromisoformat(i["closed_on"]) - date.fromisoformat(i["raised_on"])).days,
        ]
        for i in shown
    ]
    headers = [
        Safe("Issue"),
        Safe("Title"),
        Safe("Area"),
        Safe("Severity"),
        Safe("Resolved on"),
        Safe("Days open"),
    ]
    return lines + table(headers, rows, numeric=[5]) + note


def _open(data: ReportInput) -> list[str]:
    lines = heading(2, Safe("Open issues")) + data.intro("open")
    open_now = data.open_issues()
    if not open_now:
        return lines + paragraph(Safe("There are no open issues."))
    ages = {issue["id"]: data.age(issue) for issue in open_now}
    return (
        lines + _by_severity(data, open_now, ages) + _by_area(data, open_now, ages) + _open_list(data, ages)
    )


def _grouped(items: list[dict[str, Any]], field: str) -> dict[str, list[dict[str, Any]]]:
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for item in items:
        groups[item[field]].append(item)
    return groups


def _by_severity(data: ReportInput, open_now: list[dict[str, Any]], ages: dict[str, int]) -> list[str]:
    rows: list[list[Any]] = []
    groups = _grouped(open_now, "severity")
    for severity in _present(data.settings.vocabulary.severities, list(groups)):
        in_group = [ages[i["id"]] for i in groups[severity]]
        rows.append(
            [data.rules.text(severity), len(in_group), round(sum(in_group) / len(in_group)), max(in_group)]
        )
    return heading(3, Safe("By severity")) + table(
        [Safe("Severity"), Safe("Open"), Safe("Average age (days)"), Safe("Oldest (days)")],
        rows,
        numeric=[1, 2, 3],
    )


def _by_area(data: ReportInput, open_now: list[dict[str, Any]], ages: dict[str, int]) -> list[str]:
    severities = _present(data.settings.vocabulary.severities, list(_grouped(open_now, "severity")))
    groups = _grouped(open_now, "area")
    rows = []
    for area in _present(data.settings.vocabulary.areas, list(groups)):
        counts = Counter(i["severity"] for i in groups[area])
        rows.append(
            [
                data.rules.text(area),
                *[counts[s] for s in severities],
                len(groups[area]),
                max(ages[i["id"]] for i in groups[area]),
            ]
        )
    headers = [
        Safe("Area"),
        *[data.rules.text(s).capitalize() for s in severities],
        Safe("Total"),
        Safe("Oldest (days)"),
    ]
    return heading(3, Safe("By area")) + table(headers, rows, numeric=range(1, len(headers)))


def _open_list(data: ReportInput, ages: dict[str, int]) -> list[str]:
    ranked = sorted(data.open_issues(), key=lambda i: (data.severity_rank(i), i["raised_on"], i["id"]))
    shown, note = _limited(ranked, "open issues")
    rows = [
        [
            record_id(i["id"]),
            _issue_title(data, i),
            data.rules.text(i["severity"]),
            data.rules.text(i["area"]),
            data.rules.text(i["status"]),
            ages[i["id"]],
            _owner(data, i),
        ]
        for i in shown
    ]
    headers = [
        Safe("Issue"),
        Safe("Title"),
        Safe("Severity"),
        Safe("Area"),
        Safe("Status"),
        Safe("Age (days)"),
        Safe("Owner"),
    ]
    return heading(3, Safe("Open issues, most severe first")) + table(headers, rows, numeric=[5]) + note


def _present(order: list[str], values: list[str]) -> list[str]:
    """The register's words in its own order, then any other word found."""
    found = set(values)
    return [word for word in order if word in found] + sorted(found - set(order))


def _owner(data: ReportInput, issue: dict[str, Any]) -> str:
    if data.rules.public:
        role = issue.get("owner_role")
        return data.rules.text(role) if role else data.rules.person(issue.get("owner"))
    return issue.get("owner") or ""


def _trend(data: ReportInput) -> list[str]:
    from exports.escape import quoted

    lines = heading(2, Safe("Backlog trend")) + data.intro("trend")
    lines += paragraph(
        Safe(
            "The number of open issues at the end of each "
            + ("week" if _weekly(data.trend) else "month")
            + ", from the register's history."
        )
    )
    labels = ", ".join(quoted(point.day.isoformat()) for point in data.trend)
    values = ", ".join(str(point.open) for point in data.trend)
    top = max(max(point.open for point in data.trend), 1)
    lines += [
        "```mermaid",
        "xychart-beta",
        '    title "Open issues"',
        f"    x-axis [{labels}]",
        f'    y-axis "Open issues" 0 --> {top + max(1, top // 10)}',
        f"    bar [{values}]",
        f"    line [{values}]",
        "```",
        "",
    ]
    rows = [[day(p.day), p.open, p.raised, p.closed] for p in data.trend]
    return lines + table(
        [Safe("Date"), Safe("Open issues"), Safe("Raised or reopened"), Safe("Closed")],
        rows,
        numeric=[1, 2, 3],
    )


def _weekly(points: list[TrendPoint]) -> bool:
    return len(points) > 1 and (points[1].day - points[0].day).days == 7


def _cost(data: ReportInput) -> list[str]:
    lines = heading(2, Safe("Cost impact")) + data.intro("cost")
    costed = [i for i in data.issues if i.get("cost_gbp") is not None]
    if not costed:
        return lines + paragraph(Safe("No cost impact has been recorded for these issues."))
    rows: list[list[Any]] = []
    groups = _grouped(costed, "area")
    for area in _present(data.settings.vocabulary.areas, list(groups)):
        rows.append([data.rules.text(area), *_cost_cells(groups[area])])
    rows.append([Safe("**All areas**"), *_cost_cells(costed)])
    headers = [
        Safe("Area"),
        Safe("Estimated cost"),
        Safe("Issues estimated"),
        Safe("Actual cost"),
        Safe("Issues with actual cost"),
    ]
    lines += table(headers, rows, numeric=[1, 2, 3, 4])
    return lines + paragraph(
        Safe(
            "Estimates and actual costs are shown apart and are not added together. "
            "An issue's estimate is replaced by its actual cost once that is known."
        )
    )


def _cost_cells(issues: list[dict[str, Any]]) -> list[Any]:
    estimates = [i["cost_gbp"] for i in issues if i.get("cost_basis") != "actual"]
    actuals = [i["cost_gbp"] for i in issues if i.get("cost_basis") == "actual"]
    return [money(sum(estimates)), len(estimates), money(sum(actuals)), len(actuals)]


def _impact(data: ReportInput) -> list[str]:
    lines = heading(2, Safe("Impact on vulnerable residents and statutory duties")) + data.intro("impact")
    figures = {}
    resolved = _resolved_issues(data)
    for flag in ("affects_vulnerable", "statutory_impact"):
        flagged = [i for i in data.issues if i.get(flag)]
        figures[flag] = {
            "open": sum(data.is_open(i) for i in flagged),
            "raised": sum(data.period.holds(i["raised_on"]) for i in flagged),
            "resolved": sum(bool(i.get(flag)) for i in resolved),
        }
    vulnerable = small_counts(data.rules, figures["affects_vulnerable"], [("raised", ("open", "resolved"))])
    statutory = {name: f"{value:,}" for name, value in figures["statutory_impact"].items()}
    rows = [
        [Safe(label), Safe(vulnerable[key]), Safe(statutory[key])]
        for key, label in (
            ("open", "Open now"),
            ("raised", "Raised in the period"),
            ("resolved", "Resolved in the period"),
        )
    ]
    lines += table(
        [
            Safe("Issues"),
            Safe("Affecting vulnerable residents"),
            Safe("With a statutory or compliance impact"),
        ],
        rows,
        numeric=[1, 2],
    )
    if data.rules.public:
        threshold = data.rules.threshold
        lines += paragraph(
            Safe(
                f"To protect the people involved, counts of fewer than {threshold} cases affecting vulnerable "
                f'residents are shown as "fewer than {threshold}" (zero included), and a figure that would let '
                'a hidden count be worked out is marked "not shown". Individual issues are not marked.'
            )
        )
    return lines


def _lessons(data: ReportInput) -> list[str]:
    lines = heading(2, Safe("Lessons and the actions taken")) + data.intro("lessons")
    logged = [lesson for lesson in data.lessons if date.fromisoformat(lesson["logged_on"]) <= data.period.end]
    statuses = Counter(lesson["action_status"] for lesson in logged)
    rows = [
        [Safe(status.capitalize()), statuses[status]]
        for status in ("identified", "agreed", "actioned", "embedded")
    ]
    lines += paragraph(
        Safe("A lesson is not learned until it is acted on. Lessons by the state of their actions:")
    )
    lines += table([Safe("Action status"), Safe("Lessons")], rows, numeric=[1])
    new = sorted(
        (lesson for lesson in logged if data.period.holds(lesson["logged_on"])),
        key=lambda lesson: (lesson["logged_on"], lesson["id"]),
        reverse=True,
    )
    if new:
        lines += heading(3, Safe("Lessons logged in this period"))
        rows = [
            [
                record_id(lesson["id"]),
                data.rules.view(lesson)["title"],
                data.rules.text(lesson["area"]),
                Safe(lesson["action_status"]),
            ]
            for lesson in _limited(new, "lessons")[0]
        ]
        lines += table([Safe("Lesson"), Safe("Title"), Safe("Area"), Safe("Action status")], rows)
    return lines + _actions(data)


def _actions(data: ReportInput) -> list[str]:
    taken = []
    for issue in data.issues:
        for update in issue.get("updates", ()):
            if (
                update["kind"] in ("action", "decision")
                and data.rules.shows(update)
                and data.period.holds(update["at"][:10])
            ):
                taken.append((update["at"], issue["id"], data.rules.update(update)))
    if not taken:
        return []
    taken.sort(key=lambda item: (item[0], item[1]), reverse=True)
    shown, note = _limited(taken, "actions and decisions")
    rows = [
        [
            day(at[:10]),
            record_id(issue_id),
            Safe(update["kind"].capitalize()),
            update["text"],
            update["author"],
        ]
        for at, issue_id, update in shown
    ]
    headers = [Safe("Date"), Safe("Issue"), Safe("Kind"), Safe("What was done or decided"), Safe("By")]
    return heading(3, Safe("Actions and decisions in this period")) + table(headers, rows) + note


def _next_steps(data: ReportInput) -> list[str]:
    lines = heading(2, Safe("Next steps")) + data.intro("next_steps")
    planned = sorted(
        (i for i in data.open_issues() if i.get("target_date")),
        key=lambda i: (i["target_date"], data.severity_rank(i), i["id"]),
    )
    if not planned:
        return lines + paragraph(Safe("No open issue has a target date."))
    shown, note = _limited(planned, "open issues with target dates")
    rows = [
        [
            day(i["target_date"]),
            record_id(i["id"]),
            _issue_title(data, i),
            data.rules.text(i["severity"]),
            _owner(data, i),
            Safe("overdue" if date.fromisoformat(i["target_date"]) < data.period.end else ""),
        ]
        for i in shown
    ]
    headers = [
        Safe("Target date"),
        Safe("Issue"),
        Safe("Title"),
        Safe("Severity"),
        Safe("Owner"),
        Safe("Note"),
    ]
    lines += paragraph(Safe("Open issues with a target date for their resolution, soonest first."))
    undated = len(data.open_issues()) - len(planned)
    extra = paragraph(Safe(f"{undated:,} further open issues have no target date yet.")) if undated else []
    return lines + table(headers, rows) + note + extra


def _changes(data: ReportInput) -> list[str]:
    lines = heading(2, Safe("Changes since the last report")) + data.intro("changes")
    if data.last_report is None:
        return lines + paragraph(
            Safe("This is the first published report; there is no earlier report to compare with.")
        )
    shown_ids = {i["id"] for i in data.issues} | {lesson["id"] for lesson in data.lessons}
    by_id = {d["id"]: d for d in [*data.issues, *data.lessons]}
    rows = []
    for change in data.changes:
        if change.record_id not in shown_ids:
            continue
        described = _describe_change(data, change)
        if described:
            rows.append(
                [
                    record_id(change.record_id),
                    data.rules.view(by_id[change.record_id])["title"],
                    Safe(described),
                ]
            )
    lines += paragraph(
        Safe(
            f"Compared with the report published with the tag {data.last_report.name} "
            f"(covering up to {long_day(data.last_report.period_end)})."
        )
    )
    counts = Counter(row[2].split(":")[0].split(";")[0] for row in rows)
    lines += table(
        [Safe("Change"), Safe("Records")],
        [
            [Safe(what.capitalize()), counts[what]]
            for what in ("opened", "resolved", "reopened", "changed", "logged")
        ],
        numeric=[1],
    )
    if not rows:
        return lines
    shown, note = _limited(rows, "changed records")
    return lines + table([Safe("Record"), Safe("Title"), Safe("What changed")], shown) + note


def _describe_change(data: ReportInput, change: Change) -> str:
    from exports.rules import PUBLIC_FIELDS

    allowed = set(PUBLIC_FIELDS[kind_of(change.record_id)])
    allowed -= {"updates", "id"}
    fields = [name.replace("_", " ") for name in change.fields if not data.rules.public or name in allowed]
    updates = sum(data.rules.shows(update) for update in change.new_updates)
    noted = [f"{updates} new update{'s' if updates != 1 else ''}"] if updates else []
    if change.what in ("opened", "logged"):
        return change.what
    if change.what in ("resolved", "reopened"):
        return "; ".join([change.what, *noted])
    parts = fields + noted
    return "changed: " + ", ".join(parts) if parts else ""


def _withheld(data: ReportInput) -> list[str]:
    lines = heading(2, Safe("What we have withheld and why")) + data.intro("withheld")
    if not data.rules.public:
        lines += paragraph(
            Safe("This internal report withholds nothing. A public report would withhold the following.")
        )
    rows = [
        [
            Safe(f"{kind.capitalize()}s"),
            Safe(visibility.capitalize()),
            count,
            Safe(WITHHELD_REASONS.get(visibility, "not cleared for publication").capitalize()),
        ]
        for (kind, visibility), count in sorted(data.withheld.records.items())
    ]
    if rows:
        lines += table([Safe("Records"), Safe("Visibility"), Safe("Number"), Safe("Why")], rows, numeric=[2])
    else:
        lines += paragraph(Safe("No records were withheld."))
    notes = []
    if data.withheld.updates:
        one = data.withheld.updates == 1
        notes.append(
            f"{data.withheld.updates:,} update{'' if one else 's'} on published records "
            f"{'is' if one else 'are'} internal or restricted and not shown."
        )
    notes.append(
        "Names of staff are replaced by their roles, and counts of fewer than "
        f"{data.rules.threshold} cases affecting vulnerable residents are not shown exactly."
    )
    if not data.rules.public:
        notes = ["In a public report:", *notes]
    return lines + paragraph(Safe(" ".join(notes)))
