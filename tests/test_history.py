"""A record's history from git, field by field: `data.history` and `tracker history`.

Real registers in real git repositories; the history must agree with `git log`
for the record's file and say who changed what, when, from and to."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from conftest import TEST_NAME, git, run_tracker

from data.errors import InvalidId
from data.files import relative_path
from data.git import Identity
from data.history import describe, keep_commit_graph_current, record_history
from data.load import STATE_DIR
from tracker.register import Register

PRIYA = Identity("Priya Nair", "priya.nair@council.example")
TOM = Identity("Tom Okafor", "tom.okafor@council.example")


def as_person(register: Register, who: Identity, when: datetime) -> None:
    register.acting_as, register.clock = who, lambda: when


def test_each_change_says_who_when_which_field_from_and_to(register: Register):
    as_person(register, PRIYA, datetime(2025, 3, 3, 9, 0, tzinfo=UTC))
    issue = register.add_issue(title="Receipts not allocated", severity="high")
    as_person(register, TOM, datetime(2025, 3, 4, 10, 30, tzinfo=UTC))
    register.edit(issue.id, {"status": "workaround in place", "owner": "Tom Okafor"})

    newest, created = record_history(register.git, issue.id)

    assert (newest.author, newest.email, newest.when) == (
        "Tom Okafor",
        TOM.email,
        "2025-03-04T10:30:00+00:00",
    )
    assert newest.event == "changed" and newest.action == "edit"
    assert [(c.field, c.old, c.new) for c in newest.changes] == [
        ("status", "new", "workaround in place"),
        ("owner", None, "Tom Okafor"),
    ]
    assert describe(newest) == ["status: new → workaround in place", "owner: (none) → Tom Okafor"]
    assert created.event == "created" and created.author == "Priya Nair" and created.action == "create"
    assert "severity: high" in describe(created)
    assert "title: Receipts not allocated" in describe(created)


def test_long_text_is_shown_as_a_size_change_and_updates_by_kind_visibility_and_author(register: Register):
    issue = register.add_issue(title="Payroll run late", description="short")
    register.edit(issue.id, {"description": "much longer text " * 5})
    register.add_update(issue.id, "Manual run agreed with the bank.\nSecond line.", "decision", "public")

    update, edit, _ = record_history(register.git, issue.id)

    assert describe(update) == [f"decision added (public) by {TEST_NAME}: Manual run agreed with the bank."]
    assert update.updates_added[0]["text"].startswith("Manual run agreed")
    assert describe(edit) == ["description: edited (5 → 85 characters)"]


def test_history_lists_exactly_the_commits_git_log_lists_for_the_record_file(demo_register: Register):
    record_id = busiest_record(demo_register)
    path = relative_path(record_id)
    logged = git(demo_register.root, "log", "--format=%H%x09%an%x09%aI%x09%s", "--", path).splitlines()

    entries = record_history(demo_register.git, record_id)

    assert [(e.commit, e.author, e.when, e.subject) for e in entries] == [
        tuple(line.split("\t")) for line in logged
    ]
    assert entries[-1].event == "created"
    assert all(describe(entry) for entry in entries)


def busiest_record(register: Register) -> str:
    records = git(register.root, "log", "--format=%(trailers:key=Tracker-Record,valueonly)").split()
    return max(set(records), key=records.count)


def test_tracker_history_on_the_demo_shows_who_changed_what_and_when(demo_register: Register):
    record_id = busiest_record(demo_register)
    path = relative_path(record_id)
    status_commits = [
        line.split("\t")
        for line in git(demo_register.root, "log", "--format=%aI%x09%an%x09%s", "--", path).splitlines()
        if ": status " in line
    ]
    assert status_commits, "the demo's busiest record has status changes"

    result = run_tracker("--register", str(demo_register.root), "history", record_id)

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"{record_id}  ")
    for when, who, subject in status_commits:
        change = subject.split(": ", 1)[1]
        assert any(
            line.startswith(when[:16].replace("T", " "))
            and f"  {who}" in line
            and line.endswith(change.replace("status ", "status: ", 1))
            for line in lines
        ), (subject, lines)


def test_tracker_history_json_gives_every_change_with_old_and_new_values(cli, register: Register):
    issue = register.add_issue(title="Supplier invoices on hold")
    cli("edit", issue.id, "--severity", "critical")

    result = cli("history", issue.id, "--json")

    assert result.returncode == 0, result.stderr
    newest, created = json.loads(result.stdout)
    assert newest["changes"] == [{"field": "severity", "old": "medium", "new": "critical"}]
    assert newest["author"] == TEST_NAME and newest["event"] == "changed"
    assert created["event"] == "created"


def test_control_characters_in_git_authors_are_made_visible(register: Register):
    register.acting_as = Identity("Eve \x1b[31mRed", "eve@council.example")
    issue = register.add_issue(title="Report")
    result = run_tracker("--register", str(register.root), "history", issue.id)
    assert result.returncode == 0, result.stderr
    assert "\x1b" not in result.stdout
    assert "Eve \\x1b[31mRed" in result.stdout


def test_an_id_that_is_not_a_record_id_never_becomes_a_path(register: Register):
    with pytest.raises(InvalidId):
        record_history(register.git, "../../../etc/passwd")
    result = run_tracker("--register", str(register.root), "history", "ISS-../x")
    assert result.returncode == 1
    assert "is not a record ID" in result.stderr


def test_history_of_a_record_that_does_not_exist_says_so(register: Register):
    assert record_history(register.git, "ISS-4K7Q2M") == []
    result = run_tracker("--register", str(register.root), "history", "iss-4k7q2m")
    assert result.returncode == 1
    assert "ISS-4K7Q2M: no such record" in result.stderr


def test_a_sync_conflict_reads_as_a_conflict_in_the_history(register: Register):
    issue = register.add_issue(title="Recruitment checks delayed", area="recruitment")
    git(register.root, "switch", "--quiet", "--create", "other-clone")
    as_person(register, TOM, datetime(2025, 5, 1, 9, 0, tzinfo=UTC))
    register.edit(issue.id, {"status": "open"})
    git(register.root, "switch", "--quiet", "main")
    as_person(register, PRIYA, datetime(2025, 5, 1, 11, 0, tzinfo=UTC))
    register.edit(issue.id, {"status": "in progress"})
    git(register.root, "merge", "--quiet", "--no-edit", "other-clone")

    merge, *older = record_history(register.git, issue.id)

    assert merge.event == "merged"
    assert merge.changes == []
    assert describe(merge) == [
        "conflict on status: kept in progress (Priya Nair); Tom Okafor's open recorded in the timeline"
    ]
    assert {entry.author for entry in older} == {"Priya Nair", "Tom Okafor", TEST_NAME}


def test_merging_changes_to_different_fields_adds_nothing_of_its_own(register: Register):
    issue = register.add_issue(title="Pension feed failing", area="pensions")
    git(register.root, "switch", "--quiet", "--create", "other-clone")
    register.edit(issue.id, {"severity": "high"})
    git(register.root, "switch", "--quiet", "main")
    register.edit(issue.id, {"owner": "Priya Nair"})
    git(register.root, "merge", "--quiet", "--no-edit", "other-clone")

    merge, *_ = record_history(register.git, issue.id)

    assert merge.event == "merged"
    assert describe(merge) == ["merged changes made in another copy of the register (nothing new of its own)"]


def test_a_damaged_version_in_the_history_is_reported_not_fatal(register: Register):
    issue = register.add_issue(title="Bank file rejected")
    path = relative_path(issue.id)
    (register.root / path).write_text("{ not json", encoding="utf-8")
    git(register.root, "commit", "--quiet", "-am", "broken by hand")
    (register.root / path).write_bytes(git_show(register, f"HEAD~1:{path}"))
    git(register.root, "commit", "--quiet", "-am", "restored by hand")

    restored, broken, created = record_history(register.git, issue.id)

    assert broken.event == "unreadable" and "not valid JSON" in broken.note
    assert describe(broken)[0].startswith("this version could not be read as a record")
    assert restored.event == "changed" and restored.changes == []
    assert created.event == "created"


def git_show(register: Register, what: str) -> bytes:
    return register.git.run("show", what).stdout


def bloom_statistics(register: Register, path: str) -> dict[str, int]:
    trace = register.root / STATE_DIR / "trace.txt"
    trace.unlink(missing_ok=True)
    register.git.run("log", "--format=%H", "--", path, env={"GIT_TRACE2_PERF": str(trace)})
    found = [
        line.split("statistics:", 1)[1] for line in trace.read_text().splitlines() if "statistics:" in line
    ]
    return json.loads(found[-1]) if found else {}


def test_the_commit_graph_with_changed_path_filters_is_written_and_kept_current(
    register: Register, monkeypatch: pytest.MonkeyPatch
):
    issue = register.add_issue(title="Ledger codes missing")
    register.add_issue(title="Another record, another file")

    assert keep_commit_graph_current(register.git) is True
    assert keep_commit_graph_current(register.git) is False
    statistics = bloom_statistics(register, relative_path(issue.id))
    assert statistics["filter_not_present"] == 0 and statistics["definitely_not"] >= 1

    register.edit(issue.id, {"severity": "low"})
    assert keep_commit_graph_current(register.git) is False, "one new commit does not need a new graph"
    monkeypatch.setattr("data.history.GRAPH_LAG", 0)
    assert keep_commit_graph_current(register.git) is True
    assert bloom_statistics(register, relative_path(issue.id))["filter_not_present"] == 0
