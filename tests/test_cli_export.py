"""`tracker export` through the real command line, and the csv/json record export."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

from conftest import git, run_tracker

from data.model import Issue, from_document
from data.settings import RegisterSettings
from exports.tabular import guard_cell, unguard_cell
from tracker.register import Register


def people_register(root: Path) -> Register:
    register = Register.init(root, settings=RegisterSettings(people={"Priya Nair": "Finance systems lead"}))
    register.add_issue(
        title='=HYPERLINK("http://evil") by Priya Nair',
        visibility="public",
        owner="Priya Nair",
        affects_vulnerable=True,
        area="payroll",
        tags=["a", "b"],
        cost_gbp=1234.5,
        cost_basis="estimate",
        raised_on=date(2024, 3, 1),
    )
    register.add_issue(
        title="Ordinary public issue", visibility="public", area="finance", raised_on=date(2024, 3, 2)
    )
    register.add_issue(title="RESTRICTEDWORD", visibility="restricted", raised_on=date(2024, 3, 3))
    register.add_lesson(title="A lesson", event="It happened", visibility="public")
    return register


def export(root: Path, *args: str, cwd: Path | None = None):  # type: ignore[no-untyped-def]
    return run_tracker("--register", str(root), "export", *args, cwd=cwd)


def test_export_writes_a_dated_public_report_under_the_registers_exports_by_default(
    tmp_path: Path, register: Register
) -> None:
    # Under the register's own exports/ folder, not the folder the command was run from (issue 12/16).
    result = export(register.root, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "exports").exists()
    written = list((register.root / "exports").iterdir())
    assert [p.name for p in written] == [f"report-public-{date.today().isoformat()}.md"]
    assert written[0].read_text(encoding="utf-8").startswith("# Programme transparency report")


def test_export_to_standard_output_with_dash(register: Register) -> None:
    result = export(register.root, "-o", "-")
    assert result.returncode == 0 and "## What we have withheld and why" in result.stdout


def test_html_export_is_a_page_without_live_html(tmp_path: Path) -> None:
    register = people_register(tmp_path / "r")
    result = export(register.root, "--format", "html", "-o", "-")
    assert result.stdout.startswith("<!DOCTYPE html>") and "<table>" in result.stdout
    assert "RESTRICTEDWORD" not in result.stdout and "Priya" not in result.stdout


def test_publish_tags_the_register_and_the_next_report_compares_with_it(tmp_path: Path) -> None:
    register = people_register(tmp_path / "r")
    first = export(register.root, "--publish", "-o", str(tmp_path / "one.md"))
    assert first.returncode == 0, first.stderr
    tag = f"report/{date.today().isoformat()}"
    assert git(register.root, "tag", "--list").split() == [tag]
    import hashlib

    digest = hashlib.sha256((tmp_path / "one.md").read_bytes()).hexdigest()
    assert digest in git(register.root, "tag", "-l", "--format=%(contents)", tag)
    register.add_issue(title="Raised after publishing", visibility="public")
    second = export(register.root, "-o", "-")
    assert f"Compared with the report published with the tag {tag}" in second.stdout
    assert "| Raised after publishing | opened |" in second.stdout


def test_publish_refuses_internal_reports_and_record_exports(register: Register) -> None:
    result = export(register.root, "--publish", "--audience", "internal", "-o", "-")
    assert result.returncode == 2 and "public transparency report only" in result.stderr
    assert git(register.root, "tag", "--list") == ""


def test_mismatched_kind_and_format_is_a_usage_error(register: Register) -> None:
    assert export(register.root, "--kind", "report", "--format", "csv").returncode == 2
    assert export(register.root, "--kind", "issues", "--format", "md").returncode == 2


def test_bad_dates_are_refused_in_one_line(register: Register) -> None:
    result = export(register.root, "--from", "2024-02-30")
    assert (
        result.returncode == 1
        and result.stderr.strip() == "tracker: --from: '2024-02-30' is not a date like 2024-06-30"
    )


def test_public_csv_has_only_public_records_roles_and_formula_guards(tmp_path: Path) -> None:
    register = people_register(tmp_path / "r")
    result = export(register.root, "--format", "csv", "-o", "-")
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 2 and "RESTRICTEDWORD" not in result.stdout and "Priya" not in result.stdout
    assert "affects_vulnerable" not in rows[0]
    guarded = next(row for row in rows if "HYPERLINK" in row["title"])
    assert guarded["title"].startswith("'=") and guarded["owner"] == "Finance systems lead"
    assert "1 withheld" in result.stderr


def test_public_query_cannot_select_by_a_field_the_public_may_not_see(tmp_path: Path) -> None:
    register = people_register(tmp_path / "r")
    everything = json.loads(export(register.root, "--format", "json", "-o", "-").stdout)
    vulnerable = json.loads(export(register.root, "--format", "json", "-o", "-", "vulnerable:yes").stdout)
    assert len(everything) == 2 and vulnerable == []
    assert (
        json.loads(export(register.root, "--format", "json", "-o", "-", "area:payroll").stdout)[0]["area"]
        == "payroll"
    )


def test_internal_json_is_the_records_as_stored(tmp_path: Path) -> None:
    register = people_register(tmp_path / "r")
    records = json.loads(
        export(register.root, "--format", "json", "--audience", "internal", "-o", "-").stdout
    )
    stored = register.documents("issue")
    assert {r["id"]: r for r in records} == dict(stored)


def test_internal_csv_round_trips_every_field(tmp_path: Path) -> None:
    register = people_register(tmp_path / "r")
    register.add_update(
        next(iter(register.documents("issue"))), 'An update, with "quotes"', "comment", "public"
    )
    out = tmp_path / "issues.csv"
    assert export(register.root, "--format", "csv", "--audience", "internal", "-o", str(out)).returncode == 0
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    for row in csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))):
        fields = {name: unguard_cell(value) for name, value in row.items() if value != ""}
        fields["updates"] = json.loads(fields.get("updates", "[]"))
        record = from_document(fields)
        assert isinstance(record, Issue)
        assert record.model_dump(mode="json") == from_document(
            register.documents("issue")[record.id]
        ).model_dump(mode="json")


def test_formula_guard_is_undone_exactly() -> None:
    for text in ["=1+1", "+x", "-x", "@x", "\tx", "'=x", "''=x", "'plain", "plain", "", "'"]:
        assert unguard_cell(guard_cell(text)) == text
    assert guard_cell("=1+1") == "'=1+1" and guard_cell("plain") == "plain"


def test_lessons_export_as_records(tmp_path: Path) -> None:
    register = people_register(tmp_path / "r")
    result = export(register.root, "--kind", "lessons", "--format", "json", "-o", "-")
    assert [lesson["title"] for lesson in json.loads(result.stdout)] == ["A lesson"]
