"""Honest figures, withdrawn records, the publication review and `--publish`,
and the smaller classes of issue 12 (hostile tag names and wording, escaping
without needless backslashes, grammar of counts)."""

from __future__ import annotations

import json
import subprocess
from datetime import date
from pathlib import Path

from conftest import git, run_tracker
from markdown_it import MarkdownIt

from data.settings import RegisterSettings, ReportWording
from exports.escape import cell
from exports.html import to_html
from exports.report import build_report
from exports.service import ExportRequest, render
from tracker.register import Register

TODAY = date(2024, 6, 30)


def report(register: Register, audience: str = "public", **kwargs: object) -> str:
    return build_report(register, audience, end=TODAY, today=TODAY, **kwargs)  # type: ignore[arg-type]


# --- honest aggregates ---------------------------------------------------------------


def test_a_restricted_critical_issue_keeps_the_headline_from_saying_green(register: Register) -> None:
    register.add_issue(title="Public low", severity="low", visibility="public", raised_on=date(2024, 6, 1))
    register.add_issue(
        title="SECRETCRIT", severity="critical", visibility="restricted", raised_on=date(2024, 6, 1)
    )
    text = report(register)
    assert "**Overall status: Red.**" in text and "Green" not in text
    assert "1 critical issue is open, and it is withheld." in text
    assert "| Open critical issues | 1 | 1 |" in text
    assert "SECRETCRIT" not in text


def test_costs_and_counts_include_withheld_issues_without_describing_them(register: Register) -> None:
    register.add_issue(
        title="Shown", cost_gbp=1000, area="payroll", visibility="public", raised_on=date(2024, 6, 1)
    )
    register.add_issue(
        title="HIDDENCOST", cost_gbp=5000, area="pensions", visibility="internal", raised_on=date(2024, 6, 1)
    )
    text = report(register)
    assert "| Withheld (area not shown) | £5,000 | 1 | £0 | 0 |" in text
    assert "| **All areas** | £6,000 | 2 | £0 | 0 |" in text
    assert "pensions" not in text.split("## Cost impact")[1].split("##")[0]


def test_records_published_before_and_withheld_or_deleted_since_are_counted_as_withdrawn(
    register: Register,
) -> None:
    kept = register.add_issue(title="Kept", visibility="public", raised_on=date(2024, 5, 1))
    hidden = register.add_issue(title="Later restricted", visibility="public", raised_on=date(2024, 5, 1))
    gone = register.add_issue(title="Later deleted", visibility="public", raised_on=date(2024, 5, 1))
    register.publish_report(b"first", None, date(2024, 5, 31), "first.md")
    register.edit(hidden.id, {"visibility": "restricted"})
    (register.root / "issues" / gone.id[4:6] / f"{gone.id}.json").unlink()
    git(register.root, "commit", "-qam", "Delete a record")
    register.reload()
    text = build_report(register, "public", end=TODAY, today=TODAY)
    assert "| Withdrawn (published before, now withheld or deleted) | 2 |" in text
    assert (
        "2 records published in an earlier report have been withdrawn since (1 now withheld, 1 deleted)."
        in text
    )
    assert kept.id in text and "Later restricted" not in text


def test_counts_read_as_english(register: Register) -> None:
    register.add_issue(
        title="Dated", visibility="public", target_date=date(2024, 9, 1), raised_on=date(2024, 6, 1)
    )
    register.add_issue(title="Undated", visibility="public", raised_on=date(2024, 6, 1))
    assert "1 further open issue has no target date yet." in report(register)


# --- hostile tag names and wording ----------------------------------------------------


def test_a_hostile_tag_name_is_escaped_and_never_becomes_a_link(register: Register) -> None:
    register.add_issue(title="Something", visibility="public", raised_on=date(2024, 5, 1))
    git(register.root, "tag", "-a", "-m", "Period-End: 2024-05-31", "report/<b>x</b>evil@example.com", "HEAD")
    register.add_issue(title="Later", visibility="public", raised_on=date(2024, 6, 1))
    text = report(register)
    page = to_html(text, "t").split("<body>")[1]
    assert "<a " not in page and "<b>" not in page and "mailto" not in page
    assert "evil\\@example\\.com" in text


def test_wording_is_cleaned_of_control_and_bidi_characters_everywhere(tmp_path: Path) -> None:
    wording = ReportWording(
        title="Report \u202eevil\x00 title", programme="Prog\u2066ramme", introduction="Intro\x1b[31m"
    )
    register = Register.init(tmp_path / "r", settings=RegisterSettings(report=wording))
    for audience in ("public", "internal"):
        export = render(register, ExportRequest("report", "html", audience, None, TODAY))  # type: ignore[arg-type]
        markdown = build_report(register, audience, end=TODAY, today=TODAY)  # type: ignore[arg-type]
        for text in (export.text, markdown):
            assert not any(c in text for c in "\u202e\u2066\x00\x1b"), audience
        assert "<title>Report evil title</title>" in export.text


def test_an_unknown_field_name_is_escaped_in_the_internal_changes_table(register: Register) -> None:
    issue = register.add_issue(title="x", visibility="public", raised_on=date(2024, 5, 1))
    register.publish_report(b"first", None, date(2024, 5, 31), "first.md")
    # A field written by a newer Tracker (kept by this one) arrives through git.
    path = register.root / "issues" / issue.id[4:6] / f"{issue.id}.json"
    document = json.loads(path.read_text(encoding="utf-8"))
    document["new_<b>|field_"] = "from a newer Tracker"
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    git(register.root, "commit", "-qam", f"{issue.id}: a newer Tracker's field\n\nTracker-Record: {issue.id}")
    register.reload()
    text = report(register, "internal")
    html = MarkdownIt("commonmark").enable("table").render(text)
    assert "changed: new \\<b\\>\\|field |" in text
    assert "<b>" not in html and "|field" not in text.replace("\\|", "")


def test_ordinary_punctuation_is_not_backslashed() -> None:
    assert cell("Year-end close: system down for 1.5 days & more") == (
        "Year-end close: system down for 1.5 days & more"
    )
    assert cell("- list") == "\\- list" and cell("see http://x") == "see http\\://x"


# --- the publication review and --publish ----------------------------------------------


def review_register(root: Path) -> Register:
    register = Register.init(root, settings=RegisterSettings(people={"Priya Nair": "Finance systems lead"}))
    register.add_issue(
        title="Priya Nair and Alan Turing met Dr Hopper",
        visibility="public",
        raised_on=date(2024, 6, 1),
    )
    return register


def tracker_export(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_tracker("--register", str(root), "export", "--to", TODAY.isoformat(), *args)


def test_review_lists_redactions_and_names_unknown_to_the_register(tmp_path: Path) -> None:
    register = review_register(tmp_path / "r")
    result = tracker_export(register.root, "--review")
    assert result.returncode == 0, result.stderr
    assert (
        "'Priya Nair' removed (a person's name, replaced by their role (Finance systems lead))"
        in result.stderr
    )
    assert "'Alan Turing'" in result.stderr and "'Dr Hopper'" in result.stderr


def test_publish_is_refused_until_the_review_is_settled_and_acceptances_are_remembered(
    tmp_path: Path,
) -> None:
    register = review_register(tmp_path / "r")
    refused = tracker_export(register.root, "--publish")
    assert refused.returncode == 1 and "not published" in refused.stderr and "Alan Turing" in refused.stderr
    assert git(register.root, "tag", "--list") == ""
    accepted = tracker_export(register.root, "--accept", "Alan Turing", "--accept", "Dr Hopper", "--publish")
    assert accepted.returncode == 0, accepted.stderr
    assert git(register.root, "tag", "--list").split() == [f"report/{TODAY.isoformat()}"]
    assert "Alan Turing" in (register.root / "publication-accepted.txt").read_text(encoding="utf-8")
    assert "publication-accepted.txt" in git(register.root, "log", "-1", "--name-only", "--format=")
    # Nothing has changed since: a second publication is refused.
    again = tracker_export(register.root, "--publish")
    assert again.returncode == 1 and "nothing has changed" in again.stderr


def test_the_publish_tag_keeps_the_vulnerable_band(tmp_path: Path) -> None:
    register = Register.init(tmp_path / "r")
    register.add_issue(title="Open", affects_vulnerable=True, visibility="public", raised_on=date(2024, 6, 1))
    result = tracker_export(register.root, "--publish")
    assert result.returncode == 0, result.stderr
    message = git(register.root, "tag", "-l", "--format=%(contents)", "report/*")
    assert "Vulnerable-Open-Low: 0" in message and "Vulnerable-Open-High: 4" in message
    assert "Open-Issues: 1" in message


def test_a_digest_of_withheld_lessons_does_not_say_none_were_logged(register: Register) -> None:
    from exports.digest import build_digest

    register.add_lesson(title="Hidden", visibility="restricted", logged_on=date(2024, 6, 1))
    digest = build_digest(register, "public", end=TODAY, today=TODAY)
    assert "No lessons have been logged" not in digest
    assert "1 lesson is internal or restricted and not included." in digest


def test_vocabulary_words_holding_a_name_are_scrubbed_and_others_are_not(tmp_path: Path) -> None:
    from data.model import Vocabulary

    settings = RegisterSettings(
        people={"Priya Nair": "Finance systems lead"}, vocabulary=Vocabulary(areas=["finance", "priya nair"])
    )
    register = Register.init(tmp_path / "r", settings=settings)
    day = date(2024, 6, 1)
    register.add_issue(
        title="A", area="priya nair", tags=["priya-nair", "backlog"], visibility="public", raised_on=day
    )
    register.add_issue(title="B", area="finance", visibility="public", raised_on=day)
    text = report(register)
    records = render(register, ExportRequest("issues", "json", "public", None, TODAY)).text
    assert "priya" not in text.casefold() and "priya" not in records.casefold()
    assert "| finance |" in text and "backlog" in records
