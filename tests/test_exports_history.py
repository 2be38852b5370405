"""The parts of the report that come from git: the backlog trend, publishing a
report as a tag, and the changes since the last published report."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from conftest import git

from data.backlog import backlog_trend, sample_days, status_history
from data.changes_since import changes_since
from data.git import Identity
from data.published import content_hash, free_tag_name, latest_report, publish
from exports.report import build_report
from tracker.register import Register

ME = Identity("Helen Marsh", "helen@council.example")


class Clock:
    def __init__(self) -> None:
        self.moment = datetime(2024, 1, 1, 10, tzinfo=UTC)

    def at(self, day: str) -> None:
        self.moment = datetime.fromisoformat(f"{day}T10:00:00+00:00")

    def __call__(self) -> datetime:
        return self.moment


def register_with_history(root: Path) -> tuple[Register, Clock, str]:
    clock = Clock()
    register = Register.init(root, acting_as=ME, clock=clock)
    issue = register.add_issue(title="Reopened later", raised_on=date(2024, 1, 1), visibility="public")
    for day, status in (
        ("2024-01-15", "open"),
        ("2024-02-10", "resolved"),
        ("2024-03-05", "open"),
        ("2024-04-20", "closed"),
    ):
        clock.at(day)
        register.edit(issue.id, {"status": status})
    clock.at("2024-02-01")
    register.add_issue(title="Still open", raised_on=date(2024, 2, 1), visibility="public")
    return register, clock, issue.id


def test_status_history_reads_each_transition_from_commit_messages(tmp_path: Path) -> None:
    register, _, issue_id = register_with_history(tmp_path / "r")
    steps = status_history(register.git)[issue_id]
    assert [(s.day.isoformat(), s.old, s.new) for s in steps] == [
        ("2024-01-01", None, "new"),
        ("2024-01-15", "new", "open"),
        ("2024-02-10", "open", "resolved"),
        ("2024-03-05", "resolved", "open"),
        ("2024-04-20", "open", "closed"),
    ]


def test_backlog_trend_counts_reopened_issues_again(tmp_path: Path) -> None:
    register, _, _ = register_with_history(tmp_path / "r")
    documents = list(register.documents("issue").values())
    days = [date(2024, 1, 31), date(2024, 2, 29), date(2024, 3, 31), date(2024, 4, 30)]
    points = backlog_trend(documents, status_history(register.git), register.settings.vocabulary, days)
    assert [(p.open, p.raised, p.closed) for p in points] == [(1, 1, 0), (1, 1, 1), (2, 1, 0), (1, 0, 1)]


def test_issues_without_status_history_use_their_dates(tmp_path: Path) -> None:
    from data.model import Issue

    register = Register.init(tmp_path / "r", acting_as=ME)
    imported = Issue(
        title="Imported closed",
        raised_on=date(2024, 1, 5),
        status="closed",
        closed_on=date(2024, 3, 1),
        raised_by="x",
    )
    register.save_many([imported], "Import", [], "import")
    points = backlog_trend(
        register.documents("issue").values(),
        status_history(register.git),
        register.settings.vocabulary,
        [date(2024, 2, 1), date(2024, 3, 1)],
    )
    assert [p.open for p in points] == [1, 0]


def test_sample_days_are_month_ends_for_long_periods_and_weeks_for_short() -> None:
    assert sample_days(date(2024, 1, 10), date(2024, 4, 12)) == [
        date(2024, 1, 31),
        date(2024, 2, 29),
        date(2024, 3, 31),
        date(2024, 4, 12),
    ]
    assert sample_days(date(2024, 3, 1), date(2024, 3, 22)) == [
        date(2024, 3, 1),
        date(2024, 3, 8),
        date(2024, 3, 15),
        date(2024, 3, 22),
    ]


def test_publish_tags_with_the_content_hash_and_a_unique_name(register: Register) -> None:
    first = publish(register.git, b"report one", None, date(2024, 6, 30), ME, "report.md")
    second = publish(register.git, b"report two", None, date(2024, 6, 30), ME, "report.md")
    assert (first.name, second.name) == ("report/2024-06-30", "report/2024-06-30-2")
    message = git(register.root, "tag", "-l", "--format=%(contents)", "report/2024-06-30")
    assert f"Content-SHA256: {content_hash(b'report one')}" in message
    assert git(register.root, "cat-file", "-t", "report/2024-06-30").strip() == "tag"
    assert free_tag_name(register.git, date(2024, 6, 30)) == "report/2024-06-30-3"


def test_latest_report_is_the_newest_tag_and_gives_its_period_end(register: Register) -> None:
    assert latest_report(register.git) is None
    publish(register.git, b"x", None, date(2024, 3, 31), ME, "a.md")
    publish(register.git, b"y", date(2024, 4, 1), date(2024, 6, 30), ME, "b.md")
    last = latest_report(register.git)
    assert last is not None and last.name == "report/2024-06-30" and last.period_end == date(2024, 6, 30)


def test_changes_since_the_tag_list_opened_resolved_and_changed(tmp_path: Path) -> None:
    register, _, issue_id = register_with_history(tmp_path / "r")
    still_open = next(i for i, d in register.documents("issue").items() if d["title"] == "Still open")
    register.edit(issue_id, {"status": "open"})
    tag = publish(register.git, b"r", None, date(2024, 5, 1), ME, "r.md")
    register.edit(issue_id, {"status": "resolved"})
    register.edit(still_open, {"severity": "high"})
    register.add_update(still_open, "Progress", "comment", "public")
    added = register.add_issue(title="Brand new", visibility="public")
    current = register.documents("issue")
    changes = {
        c.record_id: c
        for c in changes_since(register.git, tag.commit, current.get, register.settings.vocabulary)
    }
    assert changes[issue_id].what == "resolved"
    assert changes[still_open].what == "changed" and changes[still_open].fields == ("severity",)
    assert len(changes[still_open].new_updates) == 1
    assert changes[added.id].what == "opened"


def test_public_report_lists_changes_since_the_last_report_without_hidden_records(tmp_path: Path) -> None:
    register, _, issue_id = register_with_history(tmp_path / "r")
    register.edit(issue_id, {"status": "open"})
    tag = publish(register.git, b"r", None, date(2024, 5, 1), ME, "r.md")
    register.edit(issue_id, {"status": "resolved", "affects_vulnerable": True})
    register.add_update(issue_id, "SECRETUPDATE", "comment", "internal")
    hidden = register.add_issue(title="HIDDENTITLE", visibility="restricted")
    report = build_report(register, "public", end=date(2024, 6, 30), today=date(2024, 6, 30))
    section = report.split("## Changes since the last report")[1].split("## ")[0]
    assert tag.name in section and f"| {issue_id} | Reopened later | resolved |" in section
    assert "HIDDENTITLE" not in report and hidden.id not in report and "SECRETUPDATE" not in report
    assert "vulnerable" not in section
