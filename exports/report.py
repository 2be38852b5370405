"""The transparency report: what the programme is dealing with, what has been
resolved, what it costs, what was learned and what was withheld, for a period
and an audience.

`gather` reads the register once (every record's short fields for the
figures, whole records one at a time for their updates, git history, the
published reports) and sets up the publication gate (`exports.gate`); each `_section`
function then turns that into markdown through `exports.markdown`, which
escapes all user text. Every value from a record or from the register's
wording passes the gate. Figures (the headline, counts, costs, the backlog,
vulnerable-resident counts) are computed over every record, withheld ones
included: those are counted, never described, and each section says how many
of its figures are withheld records.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from data.backlog import Backlog, TrendPoint, sample_days
from data.changes_since import Change
from data.ids import kind_of
from data.kinds import label
from data.published import ReportTag
from data.settings import RegisterSettings
from exports.disclosure import Flow, Observation, describe, protect
from exports.gate import PUBLIC_FIELDS, WITHHELD_REASONS, Audience, Gate, Withheld
from exports.markdown import Safe, day, heading, long_day, money, paragraph, record_id, table
from exports.reader import RegisterReader

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


VULNERABLE_LOW = "Vulnerable-Open-Low"
VULNERABLE_HIGH = "Vulnerable-Open-High"
OPEN_TOTAL = "Open-Issues"


def counted(number: int, thing: str, plural: str | None = None) -> str:
    """`1 issue`, `2 issues`, `1,204 issues`."""
    return f"{number:,} {thing if number == 1 else plural or thing + 's'}"


@dataclass
class Vulnerable:
    """The public vulnerable-resident figure and what the disclosure check found."""

    shown: Observation
    findings: list[str]


@dataclass
class ReportInput:
    """Everything a report is built from: every issue for the figures, the ones
    the audience may see for the descriptions (short fields only: no long
    texts, no updates), the actions and decisions taken in the period, and the
    gate for every value."""

    settings: RegisterSettings
    gate: Gate
    period: Period
    today: date
    every_issue: list[dict[str, Any]]
    issues: list[dict[str, Any]]
    every_lesson: list[dict[str, Any]]
    lessons: list[dict[str, Any]]
    withheld: Withheld
    trend: list[TrendPoint]
    backlog_before: TrendPoint
    last_report: ReportTag | None
    changes: list[Change]
    withdrawn: dict[str, int]
    actions: list[Action] = field(default_factory=list)
    vulnerable: Vulnerable | None = None
    _open: dict[bool, list[dict[str, Any]]] = field(default_factory=dict)
    _resolved: dict[bool, list[dict[str, Any]]] = field(default_factory=dict)
    _ranks: tuple[dict[str, int], int] | None = None
    _ages: dict[str, int] = field(default_factory=dict)

    def is_open(self, issue: dict[str, Any], on: date | None = None) -> bool:
        day = (on or self.period.end).isoformat()
        if issue["raised_on"] > day:
            return False
        closed = self.settings.vocabulary.is_closed(issue["status"])
        return not closed or (bool(issue.get("closed_on")) and issue["closed_on"] > day)

    def open_issues(self, every: bool = False) -> list[dict[str, Any]]:
        """Open issues the audience may see, or (`every`) all of them."""
        if every not in self._open:
            self._open[every] = [i for i in (self.every_issue if every else self.issues) if self.is_open(i)]
        return self._open[every]

    def withheld_of(self, every: list[dict[str, Any]]) -> int:
        """How many of these records the audience may not see."""
        return sum(not self.gate.shows(document) for document in every)

    def age(self, issue: dict[str, Any]) -> int:
        raised_on = issue["raised_on"]
        if raised_on not in self._ages:  # (tens of thousands of issues, a few thousand days)
            self._ages[raised_on] = (self.period.end - date.fromisoformat(raised_on)).days
        return self._ages[raised_on]

    def severity_rank(self, issue: dict[str, Any]) -> int:
        """Where an issue's severity stands in the register's order (unknown ones last)."""
        if self._ranks is None:
            order = self.settings.vocabulary.severities
            self._ranks = ({severity: order.index(severity) for severity in order}, len(order))
        ranks, last = self._ranks
        return ranks.get(issue["severity"], last)

    def intro(self, section: str) -> list[str]:
        wording = self.settings.report.sections.get(section)
        return paragraph(self.gate.text(wording, f"report wording, {section}")) if wording else []

    def word(self, name: str, value: Any, where: str) -> str:
        """A vocabulary word of an issue (area, severity, status) through the gate."""
        return str(self.gate.publish("issue", name, value, where) or "")

    def title(self, document: dict[str, Any]) -> str:
        kind = kind_of(document["id"])
        return str(self.gate.publish(kind, "title", document["title"], document["id"]))


def gather(
    register: RegisterReader, audience: Audience, period: Period, today: date, gate: Gate | None = None
) -> ReportInput:
    """Read the register once and set up the publication gate for `audience`."""
    issues_all = list(register.listed("issue"))
    lessons_all = list(register.listed("lesson"))
    settings = register.settings
    gate = gate or Gate.for_register(audience, register, issues_all, lessons_all)
    withheld = Withheld()
    issues: list[dict[str, Any]] = []
    lessons: list[dict[str, Any]] = []
    for kind, documents, shown in (("issue", issues_all, issues), ("lesson", lessons_all, lessons)):
        for document in documents:
            if not gate.shows(document):
                withheld.add(kind, document.get("visibility", "internal"))
                continue
            shown.append(document)
    end = period.end.isoformat()
    every_issue = [issue for issue in issues_all if issue["raised_on"] <= end]
    actions = _updates(
        register, gate, period, issues + lessons, {i["id"] for i in issues if i["raised_on"] <= end}, withheld
    )
    issues = [issue for issue in issues if issue["raised_on"] <= end]
    history = register.status_history()
    words = settings.vocabulary
    first = min((date.fromisoformat(issue["raised_on"]) for issue in every_issue), default=period.end)
    trend_start = max(first, period.end - timedelta(days=365 * TREND_YEARS))
    compare_from = (period.start or period.end - timedelta(days=28)) - timedelta(days=1)
    backlog = Backlog(every_issue, history, words)
    trend = backlog.points(sample_days(trend_start, period.end))
    before = backlog.points([compare_from])[0]
    reports = register.published_reports()
    last = reports[0] if reports else None
    changes = register.changes_since(last.commit) if last else []
    withdrawn = _withdrawn(register, last, issues_all + lessons_all) if last and gate.public else {}
    data = ReportInput(
        settings,
        gate,
        period,
        today,
        every_issue,
        issues,
        lessons_all,
        lessons,
        withheld,
        trend,
        before,
        last,
        changes,
        withdrawn,
        actions,
    )
    if gate.public:
        data.vulnerable = _vulnerable(data, backlog, reports)
    return data


Action = tuple[str, str, dict[str, Any]]
"""An action or decision the audience may see: when, on which issue, the update."""


def _updates(
    register: RegisterReader,
    gate: Gate,
    period: Period,
    shown: list[dict[str, Any]],
    reported: set[str],
    withheld: Withheld,
) -> list[Action]:
    """The one pass over whole records: the updates of the records the audience
    sees, each record read and dropped in turn. Counts the updates withheld from
    them and returns the actions and decisions taken in the period on the
    `reported` issues."""
    wanted = shown if gate.public else [d for d in shown if d["id"] in reported]
    taken: list[Action] = []
    for document in register.records(d["id"] for d in wanted):
        updates = document.get("updates", ())
        withheld.updates += sum(not gate.shows(update) for update in updates)
        if document["id"] not in reported:
            continue
        for update in updates:
            if (
                update["kind"] in ("action", "decision")
                and gate.shows(update)
                and period.holds(update["at"][:10])
            ):
                taken.append((update["at"], document["id"], update))
    return taken


def _withdrawn(register: RegisterReader, last: ReportTag, documents: list[dict[str, Any]]) -> dict[str, int]:
    """Records public when the last report was published that are now withheld or deleted."""
    then = register.public_at(last.commit)
    now = {d["id"]: d.get("visibility") for d in documents}
    return {
        "withheld": sum(1 for record in then if record in now and now[record] != "public"),
        "deleted": sum(1 for record in then if record not in now),
    }


def _vulnerable(data: ReportInput, backlog: Backlog, reports: list[ReportTag]) -> Vulnerable:
    """The band to publish, checked against every earlier report's (`exports.disclosure`)."""
    earlier, later = [], False
    for report in reports:
        try:
            low, high = int(report.figures[VULNERABLE_LOW]), int(report.figures[VULNERABLE_HIGH])
            total = int(report.figures[OPEN_TOTAL])
        except (KeyError, ValueError):
            continue
        # The check works along reports in date order with this one last; a report for a
        # period before one already published is not checked that way, so it shows no band.
        if report.period_end > data.period.end:
            later = True
        earlier.append(Observation(report.period_end, total, low, high))
    open_total = len(data.open_issues(every=True))
    if later:
        return Vulnerable(Observation(data.period.end, open_total, 0, open_total), [])
    earlier.sort(key=lambda observation: observation.day)
    days = [observation.day for observation in earlier] + [data.period.end]
    flows = [Flow(point.raised, point.closed) for point in backlog.points(days)]
    value = sum(bool(i.get("affects_vulnerable")) for i in data.open_issues(every=True))
    shown, findings = protect(earlier, flows, data.period.end, open_total, value, data.gate.threshold)
    return Vulnerable(shown, findings)


def figures_to_publish(data: ReportInput) -> dict[str, str]:
    """What the report's tag keeps, so later reports stay consistent with it."""
    if data.vulnerable is None:
        return {}
    shown = data.vulnerable.shown
    return {
        VULNERABLE_LOW: str(shown.low),
        VULNERABLE_HIGH: str(shown.high),
        OPEN_TOTAL: str(shown.open_total),
    }


def build_report(
    register: RegisterReader,
    audience: Audience = "public",
    start: date | None = None,
    end: date | None = None,
    today: date | None = None,
    gate: Gate | None = None,
) -> str:
    """The transparency report as markdown."""
    today = today or date.today()
    data = gather(register, audience, Period(start, end or today), today, gate)
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
    lines = heading(1, data.gate.text(wording.title, "report wording, title"))
    if not data.gate.public:
        lines += [
            "> **Internal report: not for publication.** It shows every record, including "
            "internal and restricted ones, every update, and the names of staff.",
            "",
        ]
    lines += paragraph(data.gate.text(wording.programme, "report wording, programme"))
    lines += paragraph(Safe(f"Period covered: {data.period.describe()}. Produced on {long_day(data.today)}."))
    lines += paragraph(data.gate.text(wording.introduction, "report wording, introduction"))
    return lines


def rag_status(data: ReportInput) -> str:
    """Red, amber or green, by the rules the register's wording describes, over
    every issue (a restricted critical issue makes the status red all the same)."""
    severities = data.settings.vocabulary.severities
    open_severities = {issue["severity"] for issue in data.open_issues(every=True)}
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
    lines += paragraph(data.gate.text(meaning, f"report wording, rag {status}")) if meaning else []
    every = data.open_issues(every=True)
    change = data.trend[-1].open - data.backlog_before.open
    since = data.backlog_before.day + timedelta(days=1)
    measures: list[tuple[Any, list[dict[str, Any]]]] = [(Safe("Open issues"), every)]
    sentences = []
    for severity in data.settings.vocabulary.severities[:2]:
        group = [issue for issue in every if issue["severity"] == severity]
        word = data.gate.text(severity, "vocabulary, severity")
        measures.append((f"Open {word} issues", group))
        hidden = data.withheld_of(group)
        if hidden and data.gate.public:
            sentences.append(
                f"1 {word} issue is open, and it is withheld."
                if len(group) == 1
                else f"{len(group):,} {word} issues are open, {hidden:,} of them withheld."
            )
    raised = [i for i in data.every_issue if data.period.holds(i["raised_on"])]
    measures += [
        (Safe("Issues raised in the period"), raised),
        (Safe("Issues resolved in the period"), _resolved_issues(data, every=True)),
    ]
    rows: list[list[Any]] = [[name, len(group)] for name, group in measures]
    rows.append([Safe(f"Change in open issues since {long_day(since)}"), Safe(f"{change:+,}")])
    headers: list[Any] = [Safe("Measure"), Safe("Issues")]
    if data.gate.public:
        headers.append(Safe("Of them withheld"))
        for row, (_, group) in zip(rows, measures, strict=False):
            row.append(data.withheld_of(group))
        rows[-1].append(Safe(""))
    lines += table(headers, rows, numeric=list(range(1, len(headers))))
    lines += paragraph(" ".join(sentences)) if sentences else []
    if data.gate.public and data.withheld.total():
        covered = (
            "These figures count every issue in the register, including those withheld from publication, "
            "which are counted but not described; the last section says why."
        )
    else:
        covered = f"These figures cover all {counted(len(data.every_issue), 'issue')} in the register."
    return lines + paragraph(Safe(covered))


def _resolved_issues(data: ReportInput, every: bool = False) -> list[dict[str, Any]]:
    """Issues resolved in the period the audience may see, or (`every`) all of them."""
    if every not in data._resolved:
        words = data.settings.vocabulary
        data._resolved[every] = [
            issue
            for issue in (data.every_issue if every else data.issues)
            if words.is_closed(issue["status"]) and data.period.holds(issue.get("closed_on"))
        ]
    return data._resolved[every]


def _limited(items: list[Any], what: str) -> tuple[list[Any], list[str]]:
    if len(items) <= LIST_LIMIT:
        return items, []
    note = f"Showing {LIST_LIMIT} of {len(items):,} {what}; the counts above include them all."
    return items[:LIST_LIMIT], paragraph(Safe(note))


def _not_listed(number: int, what: str) -> list[str]:
    """`2 further resolved issues are withheld: counted above, not listed.`"""
    if not number:
        return []
    verb = "is" if number == 1 else "are"
    return paragraph(
        Safe(f"{counted(number, 'further ' + what)} {verb} withheld: counted above, not listed.")
    )


def _resolved(data: ReportInput) -> list[str]:
    lines = heading(2, Safe("Issues resolved in this period")) + data.intro("resolved")
    resolved = sorted(_resolved_issues(data), key=lambda i: (i["closed_on"], i["id"]), reverse=True)
    hidden = len(_resolved_issues(data, every=True)) - len(resolved)
    if not resolved:
        none = [] if hidden else paragraph(Safe("No issues were resolved in this period."))
        return lines + none + _not_listed(hidden, "resolved issue")
    shown, note = _limited(resolved, "resolved issues")
    rows = [
        [
            record_id(i["id"]),
            data.title(i),
            data.word("area", i["area"], i["id"]),
            data.word("severity", i["severity"], i["id"]),
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
    return lines + table(headers, rows, numeric=[5]) + note + _not_listed(hidden, "resolved issue")


def _open(data: ReportInput) -> list[str]:
    lines = heading(2, Safe("Open issues")) + data.intro("open")
    every = data.open_issues(every=True)
    if not every:
        return lines + paragraph(Safe("There are no open issues."))
    ages = {issue["id"]: data.age(issue) for issue in every}
    return lines + _by_severity(data, every, ages) + _by_area(data, ages) + _open_list(data, ages)


def _grouped(items: list[dict[str, Any]], field: str) -> dict[str, list[dict[str, Any]]]:
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for item in items:
        groups[item[field]].append(item)
    return groups


def _by_severity(data: ReportInput, every: list[dict[str, Any]], ages: dict[str, int]) -> list[str]:
    """Every open issue by severity (withheld ones counted): severity is counted, not described."""
    rows: list[list[Any]] = []
    groups = _grouped(every, "severity")
    for severity in _present(data.settings.vocabulary.severities, list(groups)):
        in_group = [ages[i["id"]] for i in groups[severity]]
        rows.append(
            [
                data.gate.text(severity, "vocabulary, severity"),
                len(in_group),
                round(sum(in_group) / len(in_group)),
                max(in_group),
            ]
        )
    return heading(3, Safe("By severity")) + table(
        [Safe("Severity"), Safe("Open"), Safe("Average age (days)"), Safe("Oldest (days)")],
        rows,
        numeric=[1, 2, 3],
    )


def _by_area(data: ReportInput, ages: dict[str, int]) -> list[str]:
    """Published open issues by area; withheld ones in one row, their areas not shown."""
    open_now = data.open_issues()
    every = data.open_issues(every=True)
    severities = _present(data.settings.vocabulary.severities, list(_grouped(every, "severity")))
    groups = _grouped(open_now, "area")
    rows = []
    for area in _present(data.settings.vocabulary.areas, list(groups)):
        counts = Counter(i["severity"] for i in groups[area])
        rows.append(
            [
                data.gate.text(area, "vocabulary, area"),
                *[counts[s] for s in severities],
                len(groups[area]),
                max(ages[i["id"]] for i in groups[area]),
            ]
        )
    hidden = [issue for issue in every if not data.gate.shows(issue)]
    if hidden:
        counts = Counter(i["severity"] for i in hidden)
        rows.append(
            [Safe("Withheld (area not shown)"), *[counts[s] for s in severities], len(hidden), Safe("")]
        )
    headers = [
        Safe("Area"),
        *[data.gate.text(s, "vocabulary, severity").capitalize() for s in severities],
        Safe("Total"),
        Safe("Oldest (days)"),
    ]
    return heading(3, Safe("By area")) + table(headers, rows, numeric=range(1, len(headers)))


def _open_list(data: ReportInput, ages: dict[str, int]) -> list[str]:
    ranked = sorted(data.open_issues(), key=lambda i: (data.severity_rank(i), i["raised_on"], i["id"]))
    hidden = len(data.open_issues(every=True)) - len(ranked)
    lines = heading(3, Safe("Open issues, most severe first"))
    if not ranked:
        return lines + _not_listed(hidden, "open issue")
    shown, note = _limited(ranked, "open issues")
    rows = [
        [
            record_id(i["id"]),
            data.title(i),
            data.word("severity", i["severity"], i["id"]),
            data.word("area", i["area"], i["id"]),
            data.word("status", i["status"], i["id"]),
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
    return lines + table(headers, rows, numeric=[5]) + note + _not_listed(hidden, "open issue")


def _present(order: list[str], values: list[str]) -> list[str]:
    """The register's words in its own order, then any other word found."""
    found = set(values)
    return [word for word in order if word in found] + sorted(found - set(order))


def _owner(data: ReportInput, issue: dict[str, Any]) -> str:
    """The owner's role for the public (the role field, or the person's role)."""
    if data.gate.public and issue.get("owner_role"):
        return str(data.gate.publish("issue", "owner_role", issue["owner_role"], issue["id"]))
    return str(data.gate.publish("issue", "owner", issue.get("owner"), issue["id"]) or "")


def _trend(data: ReportInput) -> list[str]:
    from exports.escape import quoted

    lines = heading(2, Safe("Backlog trend")) + data.intro("trend")
    lines += paragraph(
        Safe(
            "The number of open issues at the end of each "
            + ("week" if _weekly(data.trend) else "month")
            + ", from the register's history"
            + (", withheld issues included." if data.gate.public and data.withheld.total() else ".")
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
    every = [i for i in data.every_issue if i.get("cost_gbp") is not None]
    if not every:
        return lines + paragraph(Safe("No cost impact has been recorded for these issues."))
    costed = [i for i in every if data.gate.shows(i)]
    rows: list[list[Any]] = []
    groups = _grouped(costed, "area")
    for area in _present(data.settings.vocabulary.areas, list(groups)):
        rows.append([data.gate.text(area, "vocabulary, area"), *_cost_cells(groups[area])])
    hidden = [i for i in every if not data.gate.shows(i)]
    if hidden:
        rows.append([Safe("Withheld (area not shown)"), *_cost_cells(hidden)])
    rows.append([Safe("**All areas**"), *_cost_cells(every)])
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
            + (" The totals include withheld issues." if hidden else "")
        )
    )


def _cost_cells(issues: list[dict[str, Any]]) -> list[Any]:
    estimates = [i["cost_gbp"] for i in issues if i.get("cost_basis") != "actual"]
    actuals = [i["cost_gbp"] for i in issues if i.get("cost_basis") == "actual"]
    return [money(sum(estimates)), len(estimates), money(sum(actuals)), len(actuals)]


def _impact(data: ReportInput) -> list[str]:
    lines = heading(2, Safe("Impact on vulnerable residents and statutory duties")) + data.intro("impact")
    resolved = _resolved_issues(data, every=True)
    figures = {}
    for flag in ("affects_vulnerable", "statutory_impact"):
        flagged = [i for i in data.every_issue if i.get(flag)]
        figures[flag] = {
            "open": sum(data.is_open(i) for i in flagged),
            "raised": sum(data.period.holds(i["raised_on"]) for i in flagged),
            "resolved": sum(bool(i.get(flag)) for i in resolved),
        }
    labels = (
        ("open", "Open now"),
        ("raised", "Raised in the period"),
        ("resolved", "Resolved in the period"),
    )
    if data.vulnerable is None:
        rows = [
            [Safe(text), figures["affects_vulnerable"][key], figures["statutory_impact"][key]]
            for key, text in labels
        ]
        return lines + table(
            [
                Safe("Issues"),
                Safe("Affecting vulnerable residents"),
                Safe("With a statutory or compliance impact"),
            ],
            rows,
            numeric=[1, 2],
        )
    rows = [[Safe(text), figures["statutory_impact"][key]] for key, text in labels]
    lines += table([Safe("Issues"), Safe("With a statutory or compliance impact")], rows, numeric=[1])
    threshold = data.gate.threshold
    band = describe(data.vulnerable.shown, threshold)
    lines += paragraph(
        Safe(f"Open issues affecting vulnerable residents at the end of the period: **{band}**.")
    )
    return lines + paragraph(
        Safe(
            f"To protect the people involved, this figure is given in bands of {threshold} "
            f'("fewer than {threshold}", "{threshold} to {2 * threshold - 1}"), withheld issues included, and '
            'it is "not shown" when, together with earlier reports, it would let a small number be worked out. '
            "How many such issues were raised or resolved in the period is not published, and individual "
            "issues are not marked."
        )
    )


def _lessons(data: ReportInput) -> list[str]:
    lines = heading(2, Safe("Lessons and the actions taken")) + data.intro("lessons")
    end = data.period.end.isoformat()
    every = [lesson for lesson in data.every_lesson if lesson["logged_on"] <= end]
    statuses = Counter(lesson["action_status"] for lesson in every)
    rows = [
        [Safe(status.capitalize()), statuses[status]]
        for status in ("identified", "agreed", "actioned", "embedded")
    ]
    lines += paragraph(
        Safe("A lesson is not learned until it is acted on. Lessons by the state of their actions:")
    )
    lines += table([Safe("Action status"), Safe("Lessons")], rows, numeric=[1])
    hidden = data.withheld_of(every)
    if hidden and data.gate.public:
        lines += paragraph(
            Safe(f"These counts include {counted(hidden, 'withheld lesson')}, not described here.")
        )
    new = sorted(
        (
            lesson
            for lesson in data.lessons
            if lesson["logged_on"] <= end and data.period.holds(lesson["logged_on"])
        ),
        key=lambda lesson: (lesson["logged_on"], lesson["id"]),
        reverse=True,
    )
    if new:
        lines += heading(3, Safe("Lessons logged in this period"))
        rows = [
            [
                record_id(lesson["id"]),
                data.title(lesson),
                str(data.gate.publish("lesson", "area", lesson["area"], lesson["id"])),
                Safe(lesson["action_status"]),
            ]
            for lesson in _limited(new, "lessons")[0]
        ]
        lines += table([Safe("Lesson"), Safe("Title"), Safe("Area"), Safe("Action status")], rows)
    return lines + _actions(data)


def _actions(data: ReportInput) -> list[str]:
    taken = list(data.actions)
    if not taken:
        return []
    taken.sort(key=lambda item: (item[0], item[1]), reverse=True)
    shown, note = _limited(taken, "actions and decisions")
    rows = []
    for at, issue_id, update in shown:
        view = data.gate.update(update, issue_id)
        rows.append(
            [
                day(at[:10]),
                record_id(issue_id),
                Safe(update["kind"].capitalize()),
                view["text"],
                view["author"],
            ]
        )
    headers = [Safe("Date"), Safe("Issue"), Safe("Kind"), Safe("What was done or decided"), Safe("By")]
    return heading(3, Safe("Actions and decisions in this period")) + table(headers, rows) + note


def _next_steps(data: ReportInput) -> list[str]:
    lines = heading(2, Safe("Next steps")) + data.intro("next_steps")
    planned = sorted(
        (i for i in data.open_issues() if i.get("target_date")),
        key=lambda i: (i["target_date"], data.severity_rank(i), i["id"]),
    )
    undated = len(data.open_issues()) - len(planned)
    extra = []
    if undated:
        verb = "has" if undated == 1 else "have"
        extra = paragraph(Safe(f"{counted(undated, 'further open issue')} {verb} no target date yet."))
    if not planned:
        return lines + paragraph(Safe("No published open issue has a target date.")) + extra
    shown, note = _limited(planned, "open issues with target dates")
    rows = [
        [
            day(i["target_date"]),
            record_id(i["id"]),
            data.title(i),
            data.word("severity", i["severity"], i["id"]),
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
    return lines + table(headers, rows) + note + extra


CHANGE_KINDS = ("opened", "resolved", "reopened", "changed", "logged")


def _changes(data: ReportInput) -> list[str]:
    lines = heading(2, Safe("Changes since the last report")) + data.intro("changes")
    if data.last_report is None:
        return lines + paragraph(
            Safe("This is the first published report; there is no earlier report to compare with.")
        )
    shown_ids = {i["id"] for i in data.issues} | {lesson["id"] for lesson in data.lessons}
    by_id = {d["id"]: d for d in [*data.issues, *data.lessons]}
    rows = []
    counts: Counter[str] = Counter()
    for change in data.changes:
        if change.record_id not in shown_ids:
            continue
        what, described = _describe_change(data, change)
        if described:
            counts[what] += 1
            rows.append([record_id(change.record_id), data.title(by_id[change.record_id]), described])
    # The tag's name is text from git (it may have come from a remote): escaped like record text.
    lines += paragraph(
        f"Compared with the report published with the tag {data.last_report.name} "
        f"(covering up to {long_day(data.last_report.period_end)})."
    )
    count_rows: list[list[Any]] = [[Safe(what.capitalize()), counts[what]] for what in CHANGE_KINDS]
    if data.withdrawn:
        count_rows.append(
            [Safe("Withdrawn (published before, now withheld or deleted)"), sum(data.withdrawn.values())]
        )
    lines += table([Safe("Change"), Safe("Records")], count_rows, numeric=[1])
    if not rows:
        return lines
    shown, note = _limited(rows, "changed records")
    return lines + table([Safe("Record"), Safe("Title"), Safe("What changed")], shown) + note


def _describe_change(data: ReportInput, change: Change) -> tuple[str, str]:
    """What kind of change, and the words for it (field labels, which may name a
    field this Tracker does not know: escaped when written, never Safe)."""
    kind = kind_of(change.record_id)
    allowed = set(PUBLIC_FIELDS[kind]) - {"updates", "id"}
    fields = [label(name, kind).lower() for name in change.fields if not data.gate.public or name in allowed]
    updates = sum(data.gate.shows(update) for update in change.new_updates)
    noted = [counted(updates, "new update")] if updates else []
    if change.what in ("opened", "logged"):
        return change.what, change.what
    if change.what in ("resolved", "reopened"):
        return change.what, "; ".join([change.what, *noted])
    parts = fields + noted
    return "changed", ("changed: " + ", ".join(parts) if parts else "")


def _withheld(data: ReportInput) -> list[str]:
    lines = heading(2, Safe("What we have withheld and why")) + data.intro("withheld")
    if not data.gate.public:
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
            f"{counted(data.withheld.updates, 'update')} on published records "
            f"{'is' if one else 'are'} internal or restricted and not shown."
        )
    withdrawn = sum(data.withdrawn.values())
    if withdrawn:
        notes.append(
            f"{counted(withdrawn, 'record')} published in an earlier report "
            f"{'has' if withdrawn == 1 else 'have'} been withdrawn since "
            f"({data.withdrawn.get('withheld', 0):,} now withheld, {data.withdrawn.get('deleted', 0):,} deleted)."
        )
    notes.append(
        "Names of staff are replaced by their roles, personal details such as e-mail addresses and "
        "telephone numbers are removed, and the number of cases affecting vulnerable residents is given "
        f"only in bands of {data.gate.threshold}."
    )
    if not data.gate.public:
        notes = ["In a public report:", *notes]
    return lines + paragraph(Safe(" ".join(notes)))
