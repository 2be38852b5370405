"""`tracker import`: real CSV, Excel and JSON files into real registers, checked
before anything is written and written in one commit."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from conftest import TEST_NAME, git, run_tracker

from tracker.importing import (
    ImportOptions,
    ImportPlan,
    ImportRefused,
    ImportSetupError,
    UnreadableFile,
    apply_import,
    import_file,
    parse_column_overrides,
    parse_value_overrides,
    plan_import,
    report_lines,
)
from tracker.importing.columns import Kind, guess_field
from tracker.importing.values import to_amount, to_bool, to_date
from tracker.register import Register

KINDS: tuple[Kind, Kind] = ("issue", "lesson")
RAID_HEADERS = [
    "Ref",
    "Date Raised",
    "Raised By",
    "Issue Description",
    "Impact (H/M/L)",
    "Owner",
    "Status (RAG)",
    "Mitigation / Workaround",
    "Target Date",
]


def record_files(register: Register) -> list[Path]:
    return sorted(register.root.glob("issues/*/*.json")) + sorted(register.root.glob("lessons/*/*.json"))


def commits(register: Register) -> list[str]:
    return git(register.root, "log", "--format=%s").splitlines()


def imported(
    register: Register, path: Path, kind: Kind = "issue", sheet: str | None = None
) -> tuple[ImportPlan, str | None]:
    return import_file(register, path, ImportOptions(kind=kind, sheet=sheet))


def by_ref(register: Register, kind: str = "issue") -> dict[str, dict]:
    return {doc["external_ref"]: doc for doc in Register.open(register.root).documents(kind).values()}


# --- reading files ------------------------------------------------------------------------


def test_csv_from_excel_with_bom_semicolons_quoted_newlines_and_crlf_imports(
    register: Register, tmp_path: Path
):
    path = tmp_path / "issues.csv"
    path.write_bytes(
        "\ufeffRef;Title;Description;Date raised;Status\r\n"
        'A-1;Receipts not allocated;"Receipts from the bank\r\nare not matched";01/04/2024;Open\r\n'
        'A-2;"Payroll; late";"Two\r\nlines\r\nhere";2024-04-02;WIP\r\n'.encode()
    )
    _, commit = imported(register, path)
    assert commit is not None
    records = by_ref(register)
    assert set(records) == {"A-1", "A-2"}
    assert records["A-1"]["description"] == "Receipts from the bank\nare not matched"
    assert records["A-1"]["raised_on"] == "2024-04-01"
    assert records["A-2"]["title"] == "Payroll; late"
    assert records["A-2"]["status"] == "in progress"
    assert commits(register)[0] == "Import issues.csv: 2 created, 0 updated"


def test_csv_in_windows_1252_is_read(register: Register, tmp_path: Path):
    path = tmp_path / "old.csv"
    path.write_bytes("Title,Cost\nCafé refunds,£1,200\n".replace("£1,200", '"£1,200"').encode("cp1252"))
    imported(register, path)
    (record,) = Register.open(register.root).documents("issue").values()
    assert (record["title"], record["cost_gbp"]) == ("Café refunds", 1200.0)


def test_xlsx_written_with_openpyxl_imports_dates_numbers_and_booleans(register: Register, tmp_path: Path):
    path = tmp_path / "log.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["ERP programme issue log"])
    sheet.append([])
    sheet.append(["Issue ID", "Summary", "Date logged", "Statutory", "Cost (£)", "Vulnerable residents"])
    sheet.append([42, "Pension returns late", datetime(2024, 4, 1), True, 1234.5, "Y"])
    sheet.append([43, "Supplier payments held", date(2024, 5, 2), False, "£12k", "no"])
    book.save(path)
    plan, commit = imported(register, path)
    assert plan.ok and commit
    records = by_ref(register)
    assert records["42"]["raised_on"] == "2024-04-01"
    assert records["42"]["statutory_impact"] is True
    assert records["42"]["affects_vulnerable"] is True
    assert records["42"]["cost_gbp"] == 1234.5
    assert records["43"]["cost_gbp"] == 12000.0
    assert records["43"]["affects_vulnerable"] is False


def test_xlsx_sheet_is_chosen_by_name(register: Register, tmp_path: Path):
    path = tmp_path / "book.xlsx"
    book = openpyxl.Workbook()
    book.active.title = "Cover"
    book.active.append(["Nothing to see here"])
    issues = book.create_sheet("Issues")
    issues.append(["Title", "Raised by"])
    issues.append(["Payslips wrong", "A. Officer"])
    book.save(path)
    with pytest.raises(UnreadableFile, match="has no sheet 'Risks'; its sheets are Cover, Issues"):
        plan_import(register, path, ImportOptions(sheet="Risks"))
    plan, _ = imported(register, path, sheet="Issues")
    assert [record.title for record in plan.created] == ["Payslips wrong"]


def test_a_file_that_is_not_a_table_is_refused_in_one_line(register: Register, tmp_path: Path):
    path = tmp_path / "data.json"
    path.write_text("{not json")
    with pytest.raises(UnreadableFile, match=r"data.json: is not valid JSON .*nothing was written"):
        plan_import(register, path, ImportOptions())


# --- values ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "01/04/2024",
        "1/4/2024",
        "2024-04-01",
        "1 Apr 2024",
        "1 April 2024",
        "1-Apr-2024",
        "01.04.2024",
        "Monday 1st April 2024",
        "April 1, 2024",
        "2024-04-01 00:00:00",
        "45383",
        45383,
    ],
)
def test_dates_are_read_as_councils_write_them_day_first(text: object):
    assert to_date(text) == date(2024, 4, 1)


@pytest.mark.parametrize("text", ["31/02/2024", "next week", "13/13/2024"])
def test_impossible_dates_say_how_to_write_one(text: str):
    with pytest.raises(ValueError, match="is not a date"):
        to_date(text)


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("£1,234.56", 1234.56),
        ("1234", 1234.0),
        ("£12k", 12000.0),
        ("£1.5m", 1_500_000.0),
        ("TBC", None),
        ("", None),
    ],
)
def test_amounts_in_pounds(text: str, amount: float | None):
    assert to_amount(text) == amount


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Yes", True),
        ("Y", True),
        ("TRUE", True),
        ("x", True),
        ("No", False),
        ("N", False),
        ("FALSE", False),
        ("", False),
    ],
)
def test_yes_and_no_answers(text: str, value: bool):
    assert to_bool(text) is value


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("Date Raised", "raised_on"),
        ("date_logged", "raised_on"),
        ("Impact (H/M/L)", "severity"),
        ("Status (RAG)", "status"),
        ("Mitigation / Workaround", "workaround"),
        ("Assigned to", "owner"),
        ("ISSUE ID", "external_ref"),
        ("Service area", "area"),
        ("Cost (£)", "cost_gbp"),
        ("Vulnerable Residents?", "affects_vulnerable"),
        ("Due date", "target_date"),
    ],
)
def test_headers_are_matched_ignoring_case_spacing_and_punctuation(header: str, field: str):
    assert guess_field(header, "issue") == field


def test_status_and_severity_words_are_read_as_the_registers_words(register: Register, tmp_path: Path):
    path = tmp_path / "words.csv"
    path.write_text(
        "Title,Status,Severity,Priority,Area\n"
        "A,In Progress,H,P1,Human Resources\nB,Complete,Very High,Normal,AR\n"
        "C,Amber,2 - Medium,low,payroll\n"
    )
    plan = plan_import(register, path, ImportOptions())
    fields = {r.title: (r.status, r.severity, r.priority, r.area) for r in plan.created}
    assert fields == {
        "A": ("in progress", "high", "urgent", "hr"),
        "B": ("resolved", "critical", "medium", "accounts receivable"),
        "C": ("open", "medium", "low", "payroll"),
    }
    assert "  status: 'Complete' → resolved (1 row(s))" in report_lines(plan)


def test_map_value_overrides_the_reading_of_a_word(register: Register, tmp_path: Path):
    path = tmp_path / "parked.csv"
    path.write_text("Title,Status\nA,Parked\nB,Green\n")
    refused = plan_import(register, path, ImportOptions())
    assert [(p.row, p.column, p.value) for p in refused.problems] == [(2, "Status", "Parked")]
    values = parse_value_overrides(["status:Parked=open", "status:green=workaround in place"])
    plan = plan_import(register, path, ImportOptions(values=values))
    assert [r.status for r in plan.created] == ["open", "workaround in place"]


def test_map_value_to_a_word_the_register_does_not_use_is_refused(register: Register, tmp_path: Path):
    path = tmp_path / "a.csv"
    path.write_text("Title,Status\nA,Parked\n")
    with pytest.raises(ImportSetupError, match="'parked' is not one of new, open"):
        plan_import(register, path, ImportOptions(values=parse_value_overrides(["status:Parked=parked"])))


def test_map_overrides_a_column_and_can_leave_one_out(register: Register, tmp_path: Path):
    path = tmp_path / "a.csv"
    path.write_text("Title,Logged,Zone,Secret notes\nA,01/04/2024,finance,do not import\n")
    columns = parse_column_overrides(["Logged=raised_on", "Zone=area", "Secret notes="], "issue")
    plan = plan_import(register, path, ImportOptions(columns=columns))
    (record,) = plan.created
    assert (record.raised_on, record.area) == (date(2024, 4, 1), "finance")
    assert plan.columns.left_out == {"Secret notes": "left out by --map"}


def test_map_naming_a_column_or_field_that_does_not_exist_is_refused(register: Register, tmp_path: Path):
    path = tmp_path / "a.csv"
    path.write_text("Title\nA\n")
    with pytest.raises(ImportSetupError, match="'headline' is not a field of an issue"):
        parse_column_overrides(["Title=headline"], "issue")
    with pytest.raises(ImportSetupError, match=r"--map names column\(s\) not in a.csv: 'Date Logged'"):
        plan_import(register, path, ImportOptions(columns={"Date Logged": "raised_on"}))


def test_unknown_columns_are_reported_not_silently_dropped(register: Register, tmp_path: Path):
    path = tmp_path / "a.csv"
    path.write_text("Title,Budget code\nA,XY-12\n")
    plan = plan_import(register, path, ImportOptions())
    assert "column 'Budget code' not imported: no field of that name; use --map to import it" in plan.notes


def test_a_comments_column_becomes_one_update_and_is_not_repeated(register: Register, tmp_path: Path):
    path = tmp_path / "a.csv"
    path.write_text("Ref,Title,Latest update\nR1,A,Chased the supplier\n")
    imported(register, path)
    imported(register, path)
    (record,) = Register.open(register.root).documents("issue").values()
    assert [(u["text"], u["author"], u["visibility"]) for u in record["updates"]] == [
        ("Chased the supplier", TEST_NAME, "internal")
    ]


# --- validation first, all or nothing ---------------------------------------------------------


def bad_file(tmp_path: Path) -> Path:
    path = tmp_path / "bad.csv"
    path.write_text(
        "Ref,Title,Date raised,Severity,Cost,Vulnerable residents\n"
        "B-1,Fine row,01/04/2024,high,£10,no\n"
        "B-2,,31/02/2024,high,£10,no\n"
        "B-3,Bad severity,01/04/2024,enormous,£10,no\n"
        "B-4,Bad cost,01/04/2024,low,lots,perhaps\n"
        "B-1,Same ref again,01/04/2024,low,£10,no\n"
    )
    return path


def test_a_file_with_bad_rows_names_each_problem_and_writes_nothing(register: Register, tmp_path: Path):
    before = commits(register)
    plan = plan_import(register, bad_file(tmp_path), ImportOptions())
    assert [(p.row, p.column, p.value) for p in plan.problems] == [
        (3, "Date raised", "31/02/2024"),
        (4, "Severity", "enormous"),
        (5, "Cost", "lots"),
        (5, "Vulnerable residents", "perhaps"),
        (6, "Ref", "B-1"),
    ]
    assert plan.problems[-1].reason == "reference repeats row 2"
    with pytest.raises(ImportRefused, match=r"bad.csv: 5 problem\(s\) in the file; nothing was written"):
        apply_import(register, plan)
    assert commits(register) == before
    assert record_files(register) == []


def test_a_row_with_no_title_and_no_description_is_a_problem(register: Register, tmp_path: Path):
    path = tmp_path / "a.csv"
    path.write_text("Title,Owner\n,Sam\n")
    (problem,) = plan_import(register, path, ImportOptions()).problems
    assert (problem.row, problem.column, problem.field) == (2, "Title", "title")
    assert "row 2, column 'Title'" in problem.describe()


def test_cli_refuses_a_bad_file_with_the_report_on_stderr_and_exit_1(cli, register: Register, tmp_path: Path):
    before = commits(register)
    result = cli("import", str(bad_file(tmp_path)))
    assert result.returncode == 1
    assert (
        "column 'Severity' (severity): 'enormous' is not one of critical, high, medium, low — 1 row(s): 4"
        in result.stderr
    )
    assert "Problems (5 in 5 group(s)); nothing was written" in result.stderr
    assert result.stdout == ""
    assert commits(register) == before
    assert record_files(register) == []


def test_dry_run_counts_what_would_happen_and_writes_nothing(cli, register: Register, tmp_path: Path):
    path = tmp_path / "a.csv"
    path.write_text("Ref,Title\nR1,One\nR2,Two\n")
    before = commits(register)
    result = cli("import", str(path), "--dry-run", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert (report["created"], report["updated"], report["unchanged"], report["written"]) == (2, 0, 0, False)
    assert commits(register) == before
    assert record_files(register) == []


def test_without_a_git_identity_the_dry_run_works_and_the_import_refuses(
    register: Register, tmp_path: Path, no_identity: None
):
    from data.errors import IdentityMissing

    path = tmp_path / "a.csv"
    path.write_text("Title\nA\n")
    before = commits(register)
    plan = plan_import(register, path, ImportOptions())
    assert plan.ok and len(plan.created) == 1
    with pytest.raises(IdentityMissing):
        apply_import(register, plan)
    assert commits(register) == before
    assert record_files(register) == []


# --- re-import and round trips ---------------------------------------------------------------


def test_reimporting_the_same_file_updates_instead_of_duplicating(register: Register, tmp_path: Path):
    path = tmp_path / "log.csv"
    path.write_text("Ref,Title,Status\nR1,One,open\nR2,Two,open\n")
    imported(register, path)
    first = by_ref(register)
    register.add_update(first["R1"]["id"], "Escalated to the director")
    path.write_text("Ref,Title,Status\nR1,One,resolved\nR2,Two,open\nR3,Three,new\n")
    plan, _ = imported(register, path)
    assert (len(plan.created), len(plan.updated), plan.unchanged) == (1, 1, 1)
    after = by_ref(register)
    assert set(after) == {"R1", "R2", "R3"}
    assert len(record_files(register)) == 3
    assert after["R1"]["id"] == first["R1"]["id"]
    assert after["R1"]["created_at"] == first["R1"]["created_at"]
    assert after["R1"]["status"] == "resolved"
    assert [u["text"] for u in after["R1"]["updates"]] == ["Escalated to the director"]
    assert commits(register)[0] == "Import log.csv: 1 created, 1 updated"


def test_reimport_changes_only_the_fields_the_file_has(register: Register, tmp_path: Path):
    path = tmp_path / "log.csv"
    path.write_text("Ref,Title\nR1,One\n")
    imported(register, path)
    record_id = by_ref(register)["R1"]["id"]
    register.edit(record_id, {"severity": "critical", "owner": "Sam"})
    path.write_text("Ref,Title\nR1,One renamed\n")
    imported(register, path)
    record = by_ref(register)["R1"]
    assert (record["title"], record["severity"], record["owner"]) == ("One renamed", "critical", "Sam")


def test_tracker_json_into_an_empty_register_reproduces_every_field(demo_register: Register, tmp_path: Path):
    empty = Register.init(tmp_path / "empty", name="Empty")
    for flag, kind in zip(([], ["--lessons"]), KINDS, strict=True):
        listed = run_tracker("--register", str(demo_register.root), "list", *flag, "--json")
        assert listed.returncode == 0, listed.stderr
        path = tmp_path / f"{kind}s.json"
        path.write_text(listed.stdout)
        plan, commit = imported(empty, path, kind=kind)
        assert plan.ok and commit, plan.problems
    for kind in ("issue", "lesson"):
        assert Register.open(empty.root).documents(kind) == demo_register.documents(kind)


def test_one_record_from_show_json_imports(demo_register: Register, register: Register, tmp_path: Path):
    some_id = next(iter(demo_register.documents("issue")))
    shown = run_tracker("--register", str(demo_register.root), "show", some_id, "--json")
    path = tmp_path / "one.json"
    path.write_text(shown.stdout)
    imported(register, path)
    assert Register.open(register.root).documents("issue") == {
        some_id: demo_register.documents("issue")[some_id]
    }


def test_tracker_csv_export_into_an_empty_register_reproduces_every_field(
    demo_register: Register, tmp_path: Path
):
    from exports.tabular import columns, select, to_csv

    empty = Register.init(tmp_path / "empty", name="Empty")
    for kind in KINDS:
        records, _ = select(demo_register, kind, "", "internal")
        path = tmp_path / f"{kind}s.csv"
        path.write_bytes(("\ufeff" + to_csv(records, columns(kind, "internal", records))).encode())
        plan, _ = imported(empty, path, kind=kind)
        assert plan.ok, plan.problems
    for kind in ("issue", "lesson"):
        assert Register.open(empty.root).documents(kind) == demo_register.documents(kind)


def test_reimporting_tracker_json_is_unchanged(demo_register: Register, tmp_path: Path):
    path = tmp_path / "issues.json"
    path.write_text(json.dumps(list(demo_register.documents("issue").values())))
    before = commits(demo_register)
    plan, commit = imported(demo_register, path)
    assert commit is None
    assert plan.unchanged == len(demo_register.documents("issue"))
    assert commits(demo_register) == before


def test_lessons_import_with_their_own_columns(register: Register, tmp_path: Path):
    path = tmp_path / "lessons.csv"
    path.write_text(
        "Lesson ID,Lesson,What happened,Root cause,Recommendation,Source,Status,Date logged\n"
        "L1,Test with real data,Migration failed,Dummy data only,Use real extracts,Internal audit,"
        "Complete,3 June 2024\n"
    )
    plan, _ = imported(register, path, kind="lesson")
    (lesson,) = plan.created
    assert (lesson.event, lesson.cause, lesson.source, lesson.action_status, lesson.logged_on) == (
        "Migration failed",
        "Dummy data only",
        "audit",
        "actioned",
        date(2024, 6, 3),
    )


def test_lesson_ids_are_refused_in_an_issue_import(register: Register, tmp_path: Path):
    path = tmp_path / "lessons.json"
    path.write_text(json.dumps([{"id": "LES-8H2Z1P", "title": "A lesson", "logged_by": "A"}]))
    (problem,) = plan_import(register, path, ImportOptions()).problems
    assert problem.reason == "is a lesson ID; import lessons with --lessons"


# --- the council's spreadsheet, and scale ----------------------------------------------------------


def council_log(path: Path, rows: int) -> Path:
    statuses, impacts = ["Red", "Amber", "Green", "Closed", "WIP"], ["H", "M", "L", "H", "M"]
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("RAID log")
    sheet.append(["Finance and HR system: issue log (OFFICIAL)"])
    sheet.append(RAID_HEADERS)
    for n in range(1, rows + 1):
        sheet.append(
            [
                f"ISS{n:04d}",
                datetime(2024, 4, 1 + n % 28),
                "Programme Office",
                f"Issue {n}: receipts not allocated\nfor cost centre {n}",
                impacts[n % 5],
                "Finance lead",
                statuses[n % 5],
                "Manual journal each week" if n % 2 else None,
                f"{1 + n % 28:02d}/07/2024",
            ]
        )
    book.save(path)
    return path


def test_a_council_raid_log_imports_in_one_command_and_one_commit(cli, register: Register, tmp_path: Path):
    path = council_log(tmp_path / "RAID log.xlsx", 25)
    result = cli("import", str(path))
    assert result.returncode == 0, result.stderr
    assert "RAID log.xlsx: 25 row(s) of issues" in result.stdout
    assert "  Impact (H/M/L) → severity" in result.stdout
    assert "  status: 'Red' → open (5 row(s))" in result.stdout
    assert "Imported: 25 created, 0 updated, 0 unchanged" in result.stdout
    assert commits(register)[0] == "Import RAID log.xlsx: 25 created, 0 updated"
    assert git(register.root, "show", "--stat", "--format=", "HEAD").count("issues/") == 25
    listed = cli("list", "ref:ISS0007")
    assert "Issue 7: receipts not allocated" in listed.stdout
    assert cli("list", "--count").stdout.strip() == "25"


def test_two_thousand_rows_import_in_one_commit(register: Register, tmp_path: Path):
    path = tmp_path / "big.csv"
    lines = ["Ref,Title,Date raised,Severity,Status,Area"]
    lines += [f"R{n},Issue number {n},{1 + n % 28:02d}/04/2024,high,open,finance" for n in range(2000)]
    path.write_text("\n".join(lines) + "\n")
    before = len(commits(register))
    plan, _ = imported(register, path)
    assert len(plan.created) == 2000
    assert len(commits(register)) == before + 1
    assert len(record_files(register)) == 2000
