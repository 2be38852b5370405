"""The commit-message codec: what `data.changes` writes, it reads back, and
nothing else in the shipped code matches message text."""

from __future__ import annotations

import ast
from pathlib import Path

from conftest import git

from data.audit import audit_log
from data.changes import MessageField, compose, parse_message, record_message
from data.history import record_history
from tracker.register import Register

ROOT = Path(__file__).resolve().parent.parent
ISSUE = "ISS-4K7Q2M"


def test_a_new_records_message_reads_back_its_subject_fields_and_trailers() -> None:
    text = record_message("add", ISSUE, None, {"id": ISSUE, "title": "Receipts rejected", "status": "new"})
    message = parse_message(text)
    assert message.subject == f'{ISSUE}: new issue "Receipts rejected"'
    assert message.field("status") == MessageField("status", None, "new")
    assert message.field("title") == MessageField("title", None, "Receipts rejected")
    assert message.records == (ISSUE,)
    assert message.record_count == 1
    assert message.action == "add"


def test_a_status_change_reads_back_as_before_and_after() -> None:
    old = {"id": ISSUE, "title": "Receipts", "status": "open", "severity": "high"}
    new = {**old, "status": "resolved", "severity": "medium"}
    message = parse_message(record_message("edit", ISSUE, old, new))
    assert message.field("status") == MessageField("status", "open", "resolved")
    assert message.field("severity") == MessageField("severity", "high", "medium")
    assert message.field("owner") is None
    assert message.action == "edit"


def test_update_lines_and_long_text_are_body_but_not_taken_for_status() -> None:
    old = {"id": ISSUE, "title": "Receipts", "status": "open", "description": "", "updates": []}
    new = {
        **old,
        "description": "Long text",
        "updates": [{"id": "UPD-1", "kind": "comment", "text": "status: closed → open", "author": "Ann"}],
    }
    message = parse_message(record_message("edit", ISSUE, old, new))
    assert "comment (internal) by Ann: status: closed → open" in message.body
    assert message.field("status") is None
    assert message.field("description") == MessageField("description", None, "written (9 characters)")


def test_a_bulk_message_counts_records_beyond_the_named_fifty() -> None:
    records = [f"ISS-{index:06d}" for index in range(60)]
    message = parse_message(compose("Import 60 issues", ["from rows.csv"], records, "import"))
    assert len(message.records) == 50
    assert message.record_count == 60
    assert message.body == ("from rows.csv",)
    assert message.fields == ()
    assert message.action == "import"


def test_a_message_tracker_did_not_write_has_no_records_and_a_one_line_subject() -> None:
    message = parse_message("Fix the\nsettings by hand\n\nTracker-Record is mentioned: but not a trailer\n")
    assert message.subject == "Fix the settings by hand"
    assert message.records == ()
    assert message.action == ""
    assert parse_message("") == parse_message("\n\n")


def test_history_and_audit_read_subject_and_trailers_of_a_hand_made_commit(register: Register) -> None:
    issue = register.add_issue(title="Receipts")
    path = next(register.root.glob("issues/*/*.json"))
    path.write_text(path.read_text().replace('"Receipts"', '"Receipts fixed"'))
    git(
        register.root,
        "commit",
        "-q",
        "-am",
        f"Fix a title\nby hand\n\nsome words\n\nTracker-Record: {issue.id}\nTracker-Action: hand",
    )
    entry = register.history(issue.id)[0]
    assert (entry.subject, entry.action) == ("Fix a title by hand", "hand")
    audited = audit_log(register.git)[0]
    assert (audited.subject, audited.records, audited.action) == ("Fix a title by hand", [issue.id], "hand")
    assert record_history(register.git, issue.id)[0].subject == entry.subject


def _literals_outside_docstrings(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
    ]


def test_only_the_codec_spells_the_trailers_or_reads_git_trailers() -> None:
    offenders = []
    for package in ("data", "exports", "tracker", "widgets"):
        for path in sorted((ROOT / package).rglob("*.py")):
            if path == ROOT / "data" / "changes.py":
                continue
            for text in _literals_outside_docstrings(path):
                if "Tracker-Record" in text or "Tracker-Action" in text or "%(trailers" in text:
                    offenders.append(f"{path.relative_to(ROOT)}: {text!r}")
    assert offenders == []
