"""Registers as councils keep them, imported first time: each sheet is built with
openpyxl (or written as the file councils send) in the layout of a published
template, and imports in one command with at most one option the report itself
suggested."""

from __future__ import annotations

import zipfile
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from conftest import git

from data.settings import load_settings
from tracker.importing import (
    ImportOptions,
    UnreadableFile,
    apply_fix,
    fixes,
    grouped,
    import_file,
    plan_import,
    report_lines,
)
from tracker.register import Register

TODAY_ISH = datetime(2024, 6, 1)


def documents(register: Register, kind: str = "issue") -> dict[str, dict]:
    return {
        doc.get("external_ref") or doc["title"]: doc
        for doc in Register.open(register.root).documents(kind).values()
    }


def commits(register: Register) -> list[str]:
    return git(register.root, "log", "--format=%s").splitlines()


def save(book: openpyxl.Workbook, path: Path) -> Path:
    book.save(path)
    return path


def prince2_issue_register(path: Path) -> Path:
    """PRINCE2 issue register (AXELOS template): a cover sheet, then the register
    under a document-control block. Columns: Issue Identifier, Issue Type, Date
    Raised, Raised By, Issue Report Author, Issue Description, Priority,
    Severity, Status, Closure Date."""
    book = openpyxl.Workbook()
    cover = book.active
    cover.title = "Cover"
    cover.append(["Finance and HR system replacement"])
    cover.append(["Issue Register"])
    cover.append(["Status", "Draft"])  # one known word: not a header
    sheet = book.create_sheet("Issue Register")
    for line in (
        ["Document control"],
        ["Project", "ERP replacement"],
        ["Version", "0.3"],
        ["Owner", "Programme office"],
        ["Date", datetime(2024, 5, 1)],
        [],
        ["Issue Register"],
    ):
        sheet.append(line)
    sheet.append(
        [
            "Issue Identifier",
            "Issue Type",
            "Date Raised",
            "Raised By",
            "Issue Report Author",
            "Issue Description",
            "Priority",
            "Severity",
            "Status",
            "Closure Date",
        ]
    )
    sheet.append(
        [
            1,
            "Problem/concern",
            datetime(2024, 4, 1),
            "Sam Patel",
            "PMO",
            "Payroll file rejected",
            "High",
            "Major",
            "Open",
            None,
        ]
    )
    sheet.append(
        [
            2,
            "Request for change",
            datetime(2024, 4, 3),
            "Jo Bloggs",
            "PMO",
            "Add cost centre",
            "Medium",
            "Moderate",
            "Closed",
            None,
        ]
    )
    for row in sheet.iter_rows(min_row=9, max_row=10, max_col=1):
        row[0].number_format = "000"
    return save(book, path)


def test_prince2_register_behind_a_cover_and_document_control_imports_and_says_which_sheet(
    register: Register, tmp_path: Path
):
    plan, commit = import_file(register, prince2_issue_register(tmp_path / "p2.xlsx"), ImportOptions())
    assert commit is not None, report_lines(plan)
    assert any("read sheet 'Issue Register' of 2" in note and "row 8" in note for note in plan.notes)
    records = documents(register)
    assert set(records) == {"001", "002"}  # leading zeros kept: Issue Identifier is the reference
    assert records["001"]["type"] == "problem" and records["001"]["severity"] == "high"
    assert records["002"]["status"] == "closed" and records["002"]["closed_on"] is None
    assert any("recorded as closed before the import" in note for note in plan.notes)
    assert records["001"]["visibility"] == "internal"
    again, _ = import_file(register, tmp_path / "p2.xlsx", ImportOptions())
    assert (len(again.created), again.unchanged) == (0, 2)


def test_raid_workbook_with_a_summary_first_reads_its_issues_sheet(register: Register, tmp_path: Path):
    """RAID workbook: Summary, Risks, Assumptions, Issues, Dependencies sheets
    (ID, Description, Owner, Status, Date Raised, Due Date)."""
    book = openpyxl.Workbook()
    book.active.title = "Summary"
    book.active.append(["RAID summary", "Open", "Closed"])
    for name in ("Risks", "Assumptions", "Issues", "Dependencies"):
        sheet = book.create_sheet(name)
        sheet.append(["ID", "Description", "Owner", "Status", "Date Raised", "Due Date"])
        sheet.append([f"{name[0]}1", f"A {name[:-1].lower()}", "Sam", "Open", datetime(2024, 3, 1), None])
    plan, commit = import_file(register, save(book, tmp_path / "raid.xlsx"), ImportOptions())
    assert commit is not None
    assert "sheet 'Issues'" in plan.file
    assert set(documents(register)) == {"I1"}


def test_two_equally_likely_sheets_stop_with_their_names_and_sheet(register: Register, tmp_path: Path):
    book = openpyxl.Workbook()
    book.active.title = "North"
    book.create_sheet("South")
    for sheet in book.worksheets:
        sheet.append(["Ref", "Title", "Status"])
    with pytest.raises(
        UnreadableFile, match="sheets 'North' and 'South' both look like issue logs; choose one with --sheet"
    ):
        plan_import(register, save(book, tmp_path / "two.xlsx"), ImportOptions())


def test_combined_raid_log_suggests_where_and_imports_only_issues_with_it(register: Register, tmp_path: Path):
    """One-sheet RAID log: Type (Risk/Assumption/Issue/Dependency), Ref, Title,
    Impact, Likelihood, Owner, Status."""
    path = tmp_path / "raid.csv"
    path.write_text(
        "Type,Ref,Title,Impact,Likelihood,Owner,Status\n"
        "Risk,R1,Supplier may fail,High,Low,Sam,Open\n"
        "Issue,I1,Interface down,High,,Sam,Open\n"
        "Assumption,A1,Staff available,Low,,Jo,Open\n"
    )
    plan = plan_import(register, path, ImportOptions())
    assert '--where "Type=Issue"' in [fix.option for fix in fixes(plan)]
    plan, commit = import_file(register, path, apply_fix(ImportOptions(), fixes(plan)[0]))
    assert commit is not None, report_lines(plan)
    assert set(documents(register)) == {"I1"}


def test_two_row_merged_lessons_header_imports_and_owner_names_never_become_roles(
    register: Register, tmp_path: Path
):
    """PRINCE2 lessons log with a two-row header: "Lesson" merged over Ref and
    Title, "Lesson detail" over Event, Effect, Causes/trigger, then Owner."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Lessons log"])
    sheet.append(["Lesson", None, "Lesson detail", None, None, "Date logged", "Owner"])
    sheet.append(["Ref", "Title", "Event", "Effect", "Causes/trigger", None, None])
    sheet.merge_cells("A2:B2")
    sheet.merge_cells("C2:E2")
    sheet.merge_cells("F2:F3")
    sheet.merge_cells("G2:G3")
    sheet.append(
        [
            "L-01",
            "Test data late",
            "Data arrived late",
            "Two weeks lost",
            "No owner",
            datetime(2024, 2, 1),
            "Ravi DeSouza",
        ]
    )
    path = save(book, tmp_path / "lessons.xlsx")
    as_issues = plan_import(register, path, ImportOptions())
    assert any("looks like a lessons log" in note and "add --lessons" in note for note in as_issues.notes)
    plan, commit = import_file(register, path, ImportOptions(kind="lesson"))
    assert commit is not None, report_lines(plan)
    (lesson,) = documents(register, "lesson").values()
    assert (lesson["event"], lesson["cause"], lesson["logged_on"]) == (
        "Data arrived late",
        "No owner",
        "2024-02-01",
    )
    assert lesson["owner_role"] is None
    assert "holds people's names" in plan.columns.left_out["Owner"]


def test_servicenow_export_reads_ranked_words(register: Register, tmp_path: Path):
    """ServiceNow incident export: Number, Short description, State, Priority,
    Impact, Urgency, Opened, Opened by, Assigned to."""
    path = tmp_path / "incident.csv"
    path.write_text(
        "Number,Short description,State,Priority,Impact,Urgency,Opened,Opened by,Assigned to\n"
        "INC0010001,Payslips wrong,In Progress,1 - Critical,3 - Moderate,2 - High,01/04/2024 09:00,Sam Patel,Jo Bloggs\n"
    )
    path.write_text(path.read_text().replace("01/04/2024 09:00", "2024-04-01 09:00:00"))
    plan, commit = import_file(register, path, ImportOptions())
    assert commit is not None, report_lines(plan)
    record = documents(register)["INC0010001"]
    assert (record["priority"], record["severity"], record["status"]) == ("urgent", "medium", "in progress")
    assert (record["raised_by"], record["owner"]) == ("Sam Patel", "Jo Bloggs")


def test_a_status_column_beats_rag_and_impact_rating_beats_free_text_impact(
    register: Register, tmp_path: Path
):
    path = tmp_path / "log.csv"
    path.write_text(
        "Ref,Title,RAG,Status,Impact,Impact Rating\n"
        "1,Closed one,Red,Closed,Payments to 300 suppliers delayed,Low\n"
    )
    plan, commit = import_file(register, path, ImportOptions())
    assert commit is not None, report_lines(plan)
    record = documents(register)["1"]
    assert (record["status"], record["severity"]) == ("closed", "low")


def test_two_columns_equally_like_one_field_stop_with_the_map_that_settles_it(
    register: Register, tmp_path: Path
):
    path = tmp_path / "log.csv"
    path.write_text("Ref,Title,Due date,Deadline\n1,One,01/05/2024,02/05/2024\n")
    plan = plan_import(register, path, ImportOptions())
    (group,) = grouped(plan)
    assert "'Due date / Deadline'" in group.describe() and "both look like target_date" in group.describe()
    assert [fix.option for fix in group.fixes] == [
        '--map "Due date=target_date"',
        '--map "Deadline=target_date"',
    ]
    plan, commit = import_file(register, path, apply_fix(ImportOptions(), group.fixes[1]))
    assert commit and documents(register)["1"]["target_date"] == "2024-05-02"


def test_two_digit_and_future_years_are_problems_not_guesses(register: Register, tmp_path: Path):
    path = tmp_path / "log.csv"
    path.write_text("Ref,Title,Date raised\n1,Old,01/04/99\n2,Typo,01/04/2099\n")
    plan = plan_import(register, path, ImportOptions())
    reasons = [group.describe() for group in grouped(plan)]
    assert any("'01/04/99' has a two-digit year" in reason for reason in reasons)
    assert any("'2099-04-01' is in the future" in reason for reason in reasons)
    assert "--century 19" in [fix.option for fix in fixes(plan)]  # 2099 would be in the future
    assert plan.created == []


def test_merged_area_cells_fill_only_their_range(register: Register, tmp_path: Path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Ref", "Title", "Service area"])
    sheet.append(["1", "One", "Payroll"])
    sheet.append(["2", "Two", None])
    sheet.append(["3", "Three", None])
    sheet.merge_cells("C2:C3")
    plan, commit = import_file(register, save(book, tmp_path / "m.xlsx"), ImportOptions())
    assert commit is not None, report_lines(plan)
    records = documents(register)
    assert [records[ref]["area"] for ref in "123"] == ["payroll", "payroll", "programme"]
    assert any("merged ranges" in note for note in plan.notes)


def test_long_titles_closed_flags_and_unreadable_costs_left_blank_on_request(
    register: Register, tmp_path: Path
):
    title = "Supplier payments " + "held because the interface rejects files " * 6
    path = tmp_path / "log.csv"
    path.write_text(f'Ref,Title,Closed?,Cost\n1,{title.strip()},Y,"£2,000 - £5,000"\n2,Short,N,c. £12k\n')
    plan = plan_import(register, path, ImportOptions())
    assert [fix.option for fix in fixes(plan)] == ["--blank-bad cost_gbp"]
    plan, commit = import_file(register, path, apply_fix(ImportOptions(), fixes(plan)[0]))
    assert commit is not None, report_lines(plan)
    records = documents(register)
    assert len(records["1"]["title"]) <= 200 and records["1"]["description"].startswith(title.strip())
    assert (records["1"]["status"], records["1"]["cost_gbp"]) == ("closed", None)
    assert (records["2"]["status"], records["2"]["cost_gbp"], records["2"]["cost_basis"]) == (
        "new",
        12000.0,
        "estimate",  # "c. £12k": about £12,000
    )


def test_a_2000_row_sheet_reports_distinct_values_once_each_with_their_fix(
    register: Register, tmp_path: Path
):
    areas = ["Adult social care", "Highways", "Waste", "Libraries", "Council tax"]
    lines = ["Ref,Title,Status,Service area"]
    for n in range(2000):
        status = "With supplier" if n % 2 else "Open"
        lines.append(f"R{n},Issue {n},{status},{areas[n % 5]}")
    path = tmp_path / "big.csv"
    path.write_text("\n".join(lines) + "\n")
    plan = plan_import(register, path, ImportOptions())
    report = report_lines(plan)
    assert len(grouped(plan)) == 6
    assert '    fix: --new-word status:"With supplier"  or  --map-value status:"With supplier"=open' in report
    assert any('--new-area "Adult social care"' in line for line in report)
    assert len(report) < 40
    options = ImportOptions(
        values={"status": {"with supplier": "open"}}, new_words={"area": [a.lower() for a in areas]}
    )
    plan, commit = import_file(register, path, options)
    assert commit is not None
    assert "adult social care" in load_settings(register.root).vocabulary.areas
    changed = git(register.root, "show", "--name-only", "--format=", "HEAD").splitlines()
    assert "tracker.toml" in changed and len(changed) == 2001
    assert git(register.root, "status", "--porcelain") == ""


def test_visibility_is_read_strictly_and_never_loosened_by_re_import(register: Register, tmp_path: Path):
    path = tmp_path / "log.csv"
    path.write_text(
        "Ref,Title,Visibility,Status\n1,A,Not public,Open\n2,B,Non-public,Open\n3,C,Not yet public,Open\n"
        "4,D,Public: no,Not resolved\n"
    )
    plan = plan_import(register, path, ImportOptions())
    assert len([p for p in plan.problems if p.field == "visibility"]) == 4
    assert [p.value for p in plan.problems if p.field == "status"] == ["Not resolved"]
    path.write_text("Ref,Title,Visibility\n1,A,restricted\n")
    import_file(register, path, ImportOptions())
    path.write_text("Ref,Title,Visibility\n1,A,public\n")
    plan = plan_import(register, path, ImportOptions())
    assert "would loosen visibility" in plan.problems[0].reason
    assert [fix.option for fix in fixes(plan)] == ["--allow-loosen"]


def test_re_import_keeps_what_was_changed_in_tracker_and_shows_field_changes(
    register: Register, tmp_path: Path
):
    path = tmp_path / "log.csv"
    path.write_text("Ref,Title,Status,Severity\n1,One,Open,Low\n2,Two,Open,Low\n")
    import_file(register, path, ImportOptions())
    ids = {ref: doc["id"] for ref, doc in documents(register).items()}
    register = Register.open(register.root)
    register.edit(ids["1"], {"status": "resolved", "closed_on": "2024-05-01"})
    path.write_text("Ref,Title,Status,Severity\n1,One,Open,High\n2,Two,In progress,Low\n")
    plan = plan_import(register, path, ImportOptions())
    report = "\n".join(report_lines(plan))
    assert f"row 2, {ids['1']} status: kept 'resolved'; the sheet says 'open'" in report
    assert f"{ids['1']} (ref 1): severity: 'low' → 'high'" in report
    assert f"{ids['2']} (ref 2): status: 'open' → 'in progress'" in report
    import_file(register, path, ImportOptions())
    records = documents(register)
    assert (records["1"]["status"], records["1"]["severity"]) == ("resolved", "high")
    path.write_text("Ref,Title,Status,Severity\n1,One,New,High\n2,Two,In progress,Low\n")
    plan = plan_import(register, path, ImportOptions())
    (conflict,) = plan.conflicts
    assert (conflict.field, conflict.kept, conflict.sheet) == ("status", "resolved", "new")
    assert "Conflicts: changed in Tracker since the last import" in "\n".join(report_lines(plan))


def test_a_file_without_a_reference_column_says_so_and_is_not_imported_twice(
    register: Register, tmp_path: Path
):
    path = tmp_path / "log.csv"
    path.write_text("Title,Status\nOne,Open\nTwo,Open\n")
    plan, commit = import_file(register, path, ImportOptions())
    assert commit and plan.notes[0].startswith("NO REFERENCE COLUMN")
    plan = plan_import(register, path, ImportOptions())
    assert [fix.option for fix in fixes(plan)] == ["--allow-duplicates"]
    plan, commit = import_file(register, path, ImportOptions(allow_duplicates=True))
    assert (
        commit and len(documents(register)) == 2 and len(Register.open(register.root).documents("issue")) == 4
    )


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("unicode.txt", "Title\tStatus\r\nCafé refunds\tOpen\r\n".encode("utf-16")),
        ("oldmac.csv", "Title,Status\rCafé refunds,Open\r".encode("mac_roman")),
    ],
)
def test_excel_unicode_text_and_old_mac_csvs_are_read(
    register: Register, tmp_path: Path, name: str, content: bytes
):
    path = tmp_path / name
    path.write_bytes(content)
    _, commit = import_file(register, path, ImportOptions())
    assert commit is not None and "Café refunds" in documents(register)


def test_ods_spreadsheets_are_read(register: Register, tmp_path: Path):
    table = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
    office = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
    text = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"

    def cell(value: str, kind: str = "string", extra: str = "") -> str:
        return f'<table:table-cell office:value-type="{kind}" {extra}><text:p>{value}</text:p></table:table-cell>'

    rows = [
        cell("Ref") + cell("Title") + cell("Date raised"),
        cell("007")
        + cell("Council tax refunds")
        + cell("01/04/2024", "date", 'office:date-value="2024-04-01"'),
    ]
    content = (
        f'<office:document-content xmlns:office="{office}" xmlns:table="{table}" xmlns:text="{text}">'
        '<office:body><office:spreadsheet><table:table table:name="Issues">'
        + "".join(f"<table:table-row>{row}</table:table-row>" for row in rows)
        + "</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    path = tmp_path / "log.ods"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", content)
    plan, commit = import_file(register, path, ImportOptions())
    assert commit is not None, report_lines(plan)
    assert documents(register)["007"]["raised_on"] == "2024-04-01"


def test_a_csv_saved_as_xlsx_is_one_clear_line(register: Register, tmp_path: Path):
    path = tmp_path / "log.xlsx"
    path.write_text("Title,Status\nOne,Open\n")
    with pytest.raises(
        UnreadableFile, match=r"log.xlsx: is CSV text, not an Excel workbook: rename it to .csv"
    ):
        plan_import(register, path, ImportOptions())


def test_a_formula_reference_with_no_saved_value_is_a_problem_not_empty(register: Register, tmp_path: Path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Ref", "Title"])
    sheet.append(['="I-"&ROW()', "One"])  # openpyxl saves formulas without a calculated value
    plan = plan_import(register, save(book, tmp_path / "f.xlsx"), ImportOptions())
    (problem,) = plan.problems
    assert (problem.column, problem.value) == ("Ref", '="I-"&ROW()')
    assert "formula with no saved value" in problem.reason


def test_the_command_line_accepts_dates_and_amounts_as_import_does(cli, register: Register):
    result = cli("add", "Payroll late", "--target", "31/12/2026", "--cost", "£12k")
    assert result.returncode == 0, result.stderr
    (record,) = Register.open(register.root).documents("issue").values()
    assert (record["target_date"], record["cost_gbp"]) == ("2026-12-31", 12000.0)


def test_cli_import_offers_the_fix_and_accepts_a_new_area(cli, register: Register, tmp_path: Path):
    path = tmp_path / "log.csv"
    path.write_text("Ref,Title,Service area\n1,One,Adult social care\n")
    refused = cli("import", str(path), "--dry-run")
    assert refused.returncode == 1 and '--new-area "Adult social care"' in refused.stderr
    done = cli("import", str(path), "--new-area", "Adult social care")
    assert done.returncode == 0, done.stderr
    assert "Words added to the register" in done.stdout
    assert git(register.root, "status", "--porcelain") == ""
    assert date.fromisoformat(documents(register)["1"]["raised_on"]) <= date.today()


@pytest.mark.parametrize(
    ("text", "amount"),
    [("£1,234.56", 1234.56), ("£12k", 12000.0), ("£1.5m", 1_500_000.0), ("(500)", -500.0), ("2bn", 2e9)],
)
def test_one_reading_of_amounts_for_every_way_in(text: str, amount: float):
    from data.values import read_amount

    assert read_amount(text) == amount


def test_one_reading_of_dates_for_every_way_in_refuses_to_guess_a_century():
    from data.values import TwoDigitYear, read_date
    from tracker.tui.screens.record_form import DateText

    assert (
        read_date("31/12/2026") == read_date("31 Dec 2026") == read_date("2026-12-31") == date(2026, 12, 31)
    )
    with pytest.raises(TwoDigitYear):
        read_date("01/04/99")
    assert read_date("01/04/99", century=19) == date(1999, 4, 1)
    form_check = DateText(optional=False)
    assert form_check.validate("31/12/2026").is_valid
    assert not form_check.validate("01/04/99").is_valid


def test_import_json_report_holds_the_groups_and_no_progress_bar_in_a_pipe(
    cli, register: Register, tmp_path: Path
):
    import json

    path = tmp_path / "log.csv"
    path.write_text("Ref,Title,Status\n1,One,With supplier\n2,Two,With supplier\n")
    result = cli("import", str(path), "--json")
    report = json.loads(result.stderr)
    (group,) = report["problem_groups"]
    assert (group["value"], group["rows"]) == ("With supplier", [2, 3])
    assert '--map-value status:"With supplier"=open' in group["fixes"]
    assert "Checking" not in result.stderr
