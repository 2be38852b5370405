"""The command line end to end: real processes, a real register, real git."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import git, run_tracker


def test_add_list_show_edit_update_link_lesson(cli, register):
    added = cli(
        "add",
        "Receipts not allocated",
        "--severity",
        "high",
        "--area",
        "finance",
        "--tag",
        "backlog",
        "--vulnerable",
        "--cost",
        "42000",
        "--cost-basis",
        "estimate",
    )
    assert added.returncode == 0, added.stderr
    issue_id = added.stdout.strip()
    assert issue_id.startswith("ISS-")

    listed = cli("list", "status:new", "severity:high")
    assert listed.returncode == 0 and issue_id in listed.stdout and "Receipts not allocated" in listed.stdout

    assert cli("edit", issue_id, "--status", "workaround in place", "--workaround", "Manual").returncode == 0
    assert (
        cli("update", issue_id, "Vendor patch due", "--kind", "decision", "--visibility", "public").returncode
        == 0
    )
    lesson = cli("lesson", "add", "Test with real bank files", "--source", "audit", "--issue", issue_id)
    assert lesson.returncode == 0, lesson.stderr
    lesson_id = lesson.stdout.strip()
    linked = cli("link", issue_id, lesson_id)
    assert linked.returncode == 0 and linked.stdout.strip() == f"{issue_id} ↔ {lesson_id}"

    shown = json.loads(cli("show", issue_id, "--json").stdout)
    assert shown["status"] == "workaround in place"
    assert shown["lessons"] == [lesson_id]
    assert shown["cost_gbp"] == 42000 and shown["affects_vulnerable"] is True
    assert shown["updates"][0]["text"] == "Vendor patch due"
    text = cli("show", issue_id).stdout
    assert "Workaround:" in text and "decision [public]" in text

    subjects = git(register.root, "log", "--format=%s").splitlines()
    assert subjects[:4] == [  # lesson add --issue links both ways, so the link made nothing new
        f'{lesson_id}: new lesson "Test with real bank files"',
        f"{issue_id}: decision added",
        f"{issue_id}: edit status, workaround",
        f'{issue_id}: new issue "Receipts not allocated"',
    ]


def test_description_from_standard_input(cli):
    added = cli("add", "From stdin", "--description", "-", input="Line one\n\nLine **two**\n")
    issue_id = added.stdout.strip()
    assert json.loads(cli("show", issue_id, "--json").stdout)["description"] == "Line one\n\nLine **two**"


def test_list_as_json_sorted_and_counted(cli):
    for title, severity in (("Low one", "low"), ("Critical one", "critical"), ("High one", "high")):
        cli("add", title, "--severity", severity)
    ordered = json.loads(cli("list", "--sort", "severity", "--json").stdout)
    assert [d["title"] for d in ordered] == ["Critical one", "High one", "Low one"]
    assert cli("list", "severity:low,high", "--count").stdout.strip() == "2"
    reverse = json.loads(cli("list", "--sort", "-severity", "--json").stdout)
    assert reverse[0]["title"] == "Low one"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["list", "colour:red"], "tracker: unknown field 'colour' for issues"),
        (["show", "../../etc/passwd"], "tracker: '../../etc/passwd' is not a record ID"),
        (["show", "ISS-4K7Q2M"], "tracker: ISS-4K7Q2M: no such record in this register"),
        (["add", "x", "--severity", "apocalyptic"], "tracker: the new issue (nothing was saved): severity"),
        (["add", "x", "--raised-on", "31/02/2024"], "raised_on: must be a valid date like 2025-03-31"),
        (["edit", "ISS-4K7Q2M", "--set", "colour=red"], "tracker: ISS-4K7Q2M: no such record"),
        (["log", "--since", "last tuesday"], "tracker: --since: 'last tuesday' is not a date"),
    ],
)
def test_user_errors_are_one_line_with_exit_status_1(cli, args, message):
    result = cli(*args)
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert message in result.stderr


def test_unknown_fields_in_edit_are_named(cli):
    issue_id = cli("add", "x").stdout.strip()
    result = cli("edit", issue_id, "--set", "colour=red")
    assert result.returncode == 1 and f"{issue_id}: colour: not a field of a issue" in result.stderr


def test_usage_errors_exit_with_status_2(cli):
    assert cli("add").returncode == 2
    assert cli("frobnicate").returncode == 2
    assert cli("edit", "ISS-4K7Q2M").returncode == 2


def test_missing_identity_is_explained_and_nothing_written(cli, register, no_identity):
    before = git(register.root, "rev-list", "--count", "HEAD")
    result = cli("add", "Not written")
    assert result.returncode == 1
    assert "git config --global user.name" in result.stderr
    assert git(register.root, "rev-list", "--count", "HEAD") == before


def test_terminal_escapes_in_record_text_are_never_printed_raw(cli):
    issue_id = cli(
        "add", "Title", "--description", "desc \x1b[2J\x1b]8;;http://evil\x07 end", "--owner", "Eve\x1b[31m"
    ).stdout.strip()
    cli("update", issue_id, "bell \x07 and \x1b[5m blink")
    for args in (["list"], ["show", issue_id], ["log"]):
        output = cli(*args).stdout
        assert "\x1b" not in output and "\x07" not in output


def test_the_register_is_found_from_the_environment_then_the_current_repository(register, tmp_path: Path):
    env_result = run_tracker("add", "Via environment", env={"TRACKER_REGISTER": str(register.root)})
    assert env_result.returncode == 0, env_result.stderr
    (register.root / "issues").mkdir(exist_ok=True)
    here = run_tracker("list", cwd=register.root / "issues")
    assert "Via environment" in here.stdout


def test_the_default_register_is_created_on_first_use(isolated_environment: Path, tmp_path: Path):
    result = run_tracker("add", "First ever", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    default = isolated_environment / "data" / "register"
    assert (default / "tracker.toml").exists()
    assert "First ever" in git(default, "log", "-1", "--format=%s")


def test_init_in_a_new_folder(tmp_path: Path):
    result = run_tracker("init", str(tmp_path / "reg"), "--name", "Payroll recovery")
    assert result.returncode == 0, result.stderr
    assert 'name = "Payroll recovery"' in (tmp_path / "reg" / "tracker.toml").read_text()


def test_log_lists_changes_newest_first_and_filters_by_author(cli, register):
    issue_id = cli("add", "Logged").stdout.strip()
    lines = cli("log").stdout.splitlines()
    assert 'new issue "Logged"' in lines[0] and issue_id in lines[0]
    assert cli("log", "--author", "nobody-by-this-name").stdout == ""
    entries = json.loads(cli("log", "--json").stdout)
    assert entries[0]["records"] == [issue_id] and entries[0]["action"] == "create"


def test_demo_builds_a_realistic_register_with_history(tmp_path: Path):
    result = run_tracker("demo", str(tmp_path / "demo"), "--no-open")
    assert result.returncode == 0, result.stderr
    root = tmp_path / "demo"
    authors = set(git(root, "log", "--format=%an").splitlines())
    assert len(authors) >= 5
    assert int(git(root, "rev-list", "--count", "HEAD")) > 100
    listed = run_tracker("--register", str(root), "list", "is:open", "--count")
    assert int(listed.stdout) >= 10
    lessons = run_tracker("--register", str(root), "list", "--lessons", "--count")
    assert int(lessons.stdout) >= 5
    again = run_tracker("demo", str(root), "--no-open")  # issue 16: reopened, no longer refused
    assert again.returncode == 0 and "Reopening the demo register" in again.stderr
