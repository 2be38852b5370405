"""The audit log: every change in a period, with the fields each commit changed."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import git, run_tracker, sync

from data.audit import AuditChange, audit_log
from data.errors import TrackerError
from data.files import relative_path
from data.git import Identity
from data.sync import add_remote, clone
from tracker.register import Register

ANN = Identity("Ann Lee", "ann@council.example")
BO = Identity("Bo Stone", "bo@council.example")


def at(day: int, hour: int = 10) -> datetime:
    return datetime(2026, 3, day, hour, tzinfo=UTC)


def test_an_edit_is_reported_field_by_field_from_and_to(register: Register) -> None:
    record_id = register.add_issue(title="Receipts not allocated").id
    register.edit(record_id, {"status": "workaround in place", "severity": "high"})
    [latest, *_] = audit_log(register.git)
    assert latest.changes == [
        AuditChange(record_id, "status", "new", "workaround in place"),
        AuditChange(record_id, "severity", "medium", "high"),
    ]
    assert [change.describe() for change in latest.changes] == [
        "status: new → workaround in place",
        "severity: medium → high",
    ]


def test_a_new_record_lists_the_fields_it_was_given_and_updates_are_changes(register: Register) -> None:
    record_id = register.add_issue(title="Payroll run late", area="payroll", tags=["month-end"]).id
    register.add_update(record_id, "Escalated to the programme board", kind="decision")
    update_entry, created = audit_log(register.git)[:2]
    fields = {change.field: change.after for change in created.changes}
    assert fields["title"] == "Payroll run late" and fields["area"] == "payroll"
    assert fields["tags"] == ["month-end"]
    assert all(change.before is None for change in created.changes)
    [added] = update_entry.changes
    assert (added.field, added.after["text"], added.after["kind"]) == (
        "update",
        "Escalated to the programme board",
        "decision",
    )
    assert added.describe() == "decision added (internal) by Test Person: Escalated to the programme board"


def test_the_period_and_author_filters_pick_the_right_changes(register: Register) -> None:
    register.acting_as = ANN
    register.clock = lambda: at(2)
    first = register.add_issue(title="Bank file rejected").id
    register.acting_as = BO
    register.clock = lambda: at(10)
    register.edit(first, {"status": "open"})
    register.clock = lambda: at(20)
    register.edit(first, {"status": "resolved"})
    in_period = audit_log(register.git, since="2026-03-05", until="2026-03-15")
    assert [(e.author, [c.after for c in e.changes]) for e in in_period] == [("Bo Stone", ["open"])]
    by_ann = audit_log(register.git, since="2026-03-01", author="ann lee")
    assert [e.subject for e in by_ann] == [f'{first}: new issue "Bank file rejected"']
    assert audit_log(register.git, since="2026-03-20", until="2026-03-20")[0].changes[0].after == "resolved"


def test_a_bad_date_is_refused_naming_the_option(register: Register) -> None:
    with pytest.raises(TrackerError, match="--since: '1st March'"):
        audit_log(register.git, since="1st March")


def test_a_change_made_with_plain_git_is_reported_too(register: Register) -> None:
    record_id = register.add_issue(title="Pension feed").id
    path = register.root / relative_path(record_id)
    document = json.loads(path.read_text())
    path.write_text(json.dumps({**document, "owner": "Cara Diaz"}, indent=2) + "\n")
    git(register.root, "commit", "--quiet", "-am", "hand edit")
    [latest, *_] = audit_log(register.git)
    assert latest.subject == "hand edit"
    assert latest.changes == [AuditChange(record_id, "owner", None, "Cara Diaz")]


def test_a_sync_merge_reports_only_what_the_merge_itself_produced(tmp_path: Path) -> None:
    bare = tmp_path / "shared.git"
    git(tmp_path, "init", "--quiet", "--bare", str(bare))
    founder = Register.init(tmp_path / "founder", name="Shared")
    add_remote(founder.root, str(bare))
    record_id = founder.add_issue(title="Receipts not allocated").id
    sync(founder.root)
    ann, bo = (
        Register.open(clone(str(bare), tmp_path / "ann")),
        Register.open(clone(str(bare), tmp_path / "bo")),
    )
    ann.acting_as, ann.clock = ANN, lambda: at(3, 9)
    bo.acting_as, bo.clock = BO, lambda: at(3, 11)
    ann.edit(record_id, {"status": "open", "owner": "Cara Diaz"})
    bo.edit(record_id, {"status": "in progress"})
    sync(ann.root)
    sync(bo.root)
    [merge, *_] = audit_log(bo.git)
    assert merge.action == "sync"
    [produced] = merge.changes
    assert produced.field == "update" and produced.after["kind"] == "conflict"
    assert produced.after["conflict"]["replaced"]["value"] == "open"


def test_the_log_command_prints_field_changes_as_json(register: Register) -> None:
    record_id = register.add_issue(title="Recruitment checks").id
    register.edit(record_id, {"priority": "urgent"})
    result = run_tracker("--register", str(register.root), "log", "--json")
    assert result.returncode == 0, result.stderr
    entries = json.loads(result.stdout)
    assert entries[0]["changes"] == [
        {"record": record_id, "field": "priority", "from": "medium", "to": "urgent"}
    ]


def test_the_demo_registers_log_agrees_with_git_log(demo_register: Register) -> None:
    entries = audit_log(demo_register.git)
    logged = git(demo_register.root, "log", "--format=%H %an").split("\n")
    assert [f"{e.commit} {e.author}" for e in entries] == [line for line in logged if line]
    for entry in entries:
        if entry.action == "edit":
            body = git(demo_register.root, "show", "-s", "--format=%b", entry.commit)
            described = [c.describe() for c in entry.changes if c.field != "update"]
            assert described and all(line in body for line in described), entry.subject
        if entry.records and entry.action in ("create", "edit", "update"):
            assert {c.record for c in entry.changes} <= set(entry.records)
            assert entry.changes, entry.subject
