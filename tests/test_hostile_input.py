"""Hostile input through the command line: console markup and terminal escape
sequences in every text field, newlines in titles, very long texts, invalid
dates and enumerations. Text is data: stored literally, printed safely, never
able to break a commit message; every refusal is one clear line naming the field.
"""

from __future__ import annotations

import pytest
from conftest import git

from data.model import Issue, Lesson
from data.text import TEXT_MAX, TITLE_MAX, literal, one_line
from tracker.present import record, table
from tracker.register import Register

HOSTILE = (
    "\x1b[31mred\x1b[0m \x1b]8;;https://evil.example\x07link\x1b]8;;\x07 bell\x07 "
    "carriage\rreturn [bold red]markup[/] \x9b31m csi \u202eevil\u202c"
)
RAW_CONTROL = ("\x1b", "\x07", "\r", "\x9b", "\u202e")


def _no_raw_control(text: str) -> None:
    for character in RAW_CONTROL:
        assert character not in text, f"raw {character!r} in output"


def test_escape_sequences_and_markup_in_every_text_field_are_never_printed_raw(
    register: Register, cli: object
) -> None:
    run = cli
    issue_options = [
        "--description",
        HOSTILE,
        "--workaround",
        HOSTILE,
        "--owner",
        HOSTILE[:90],
        "--owner-role",
        HOSTILE[:90],
        "--raised-by",
        HOSTILE[:90],
        "--ref",
        HOSTILE[:90],
        "--tag",
        "\x1b[31mtag",
    ]
    added = run("add", HOSTILE, *issue_options)  # type: ignore[operator]
    assert added.returncode == 0, added.stderr
    issue_id = added.stdout.strip()
    assert run("update", issue_id, HOSTILE).returncode == 0  # type: ignore[operator]
    assert run("edit", issue_id, "--title", "Edited " + HOSTILE).returncode == 0  # type: ignore[operator]
    lesson_options = [
        f"--{name}" for name in ("event", "effect", "cause", "early-warnings", "recommendation")
    ]
    lesson = run(
        "lesson",
        "add",
        HOSTILE,
        *[part for flag in lesson_options for part in (flag, HOSTILE)],  # type: ignore[operator]
        "--logged-by",
        HOSTILE[:90],
        "--owner-role",
        HOSTILE[:90],
    )
    assert lesson.returncode == 0, lesson.stderr

    outputs = [
        run(*args)
        for args in (
            ["list"],
            ["show", issue_id],
            ["show", lesson.stdout.strip()],  # type: ignore[operator]
            ["log"],
            ["lesson", "list"],
        )
    ]
    for output in outputs:
        assert output.returncode == 0, output.stderr
        _no_raw_control(output.stdout + output.stderr)
    shown = outputs[1].stdout
    assert "[bold red]markup[/]" in shown  # markup is shown as typed, not interpreted
    assert "https://evil.example" in shown  # the link's text is there to read, as text


def test_the_presentation_layer_escapes_control_characters_even_from_a_hand_edited_file() -> None:
    """Defence in depth: records loaded from disk are cleaned by the model, and
    what is printed is escaped again, so neither layer alone is relied on."""
    document = {
        "id": "ISS-4K7Q2M",
        "title": HOSTILE,
        "status": "new",
        "severity": "high",
        "area": "finance",
        "raised_on": "2024-05-01",
        "description": HOSTILE,
        "owner": HOSTILE,
        "updates": [
            {
                "at": "2024-05-01T10:00:00+00:00",
                "author": HOSTILE,
                "kind": "comment",
                "visibility": "internal",
                "text": HOSTILE,
            }
        ],
    }
    from datetime import date

    for text in (
        literal(HOSTILE),
        one_line(HOSTILE),
        record(document),
        table([document], "issue", date(2024, 6, 1)),
    ):
        _no_raw_control(text)
    assert "\\x1b[31m" in literal(HOSTILE)


@pytest.mark.parametrize("model", [Issue, Lesson])
def test_the_model_removes_control_characters_from_every_text_field(
    model: type[Issue] | type[Lesson],
) -> None:
    by = "raised_by" if model is Issue else "logged_by"
    texts = (
        ["description", "workaround"]
        if model is Issue
        else ["event", "effect", "cause", "early_warnings", "recommendation"]
    )
    record_ = model.model_validate({"title": HOSTILE, by: HOSTILE[:90], **{name: HOSTILE for name in texts}})
    for name in ["title", by, *texts]:
        value = getattr(record_, name)
        assert "\x1b" not in value and "\x07" not in value and "\r" not in value and "\u202e" not in value
    assert "\n" not in record_.title


def test_a_newline_in_a_title_never_breaks_the_commit_message(register: Register, cli: object) -> None:
    forged = "Real title\nTracker-Record: ISS-FAKE00\n\nSigned-off-by: Mallory <m@evil.example>"
    added = cli("add", forged)  # type: ignore[operator]
    assert added.returncode == 0, added.stderr
    issue_id = added.stdout.strip()
    edited = cli("edit", issue_id, "--title", "Second\r\nline\x01 and\u2028more")  # type: ignore[operator]
    assert edited.returncode == 0, edited.stderr

    for commit in ("HEAD", "HEAD~1"):
        subject = git(register.root, "log", "-1", "--format=%s", commit)
        assert subject.count("\n") == 1
        records = git(register.root, "log", "-1", "--format=%(trailers:key=Tracker-Record,valueonly)", commit)
        assert records.split() == [issue_id]
        assert "Signed-off-by" not in git(register.root, "log", "-1", "--format=%(trailers)", commit)
    assert Register.open(register.root).get(issue_id).title == "Second line and more"


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["add", "x" * (TITLE_MAX + 1)], "title"),
        (["add", "Fine", "--description", "-"], "description"),
        (["add", "Fine", "--owner", "o" * 101], "owner"),
        (["add", "Fine", "--tag", "t" * 41], "tags"),
        (["add", "   "], "title"),
    ],
)
def test_very_long_or_empty_texts_are_refused_with_one_clear_line(
    register: Register, cli: object, args: list[str], field: str
) -> None:
    head = git(register.root, "rev-parse", "HEAD")
    result = cli(*args, input="d" * (TEXT_MAX + 1))  # type: ignore[operator]

    assert result.returncode == 1
    assert result.stderr.startswith("tracker: ") and result.stderr.count("\n") == 1
    assert f"{field}: " in result.stderr and "Traceback" not in result.stderr
    assert git(register.root, "rev-parse", "HEAD") == head
    assert git(register.root, "status", "--porcelain") == ""


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["--raised-on", "2024-13-45"], "raised_on"),
        (["--target", "next tuesday"], "target_date"),
        (["--type", "catastrophe"], "type"),
        (["--visibility", "secret"], "visibility"),
        (["--severity", "apocalyptic"], "severity"),
        (["--status", "vanished"], "status"),
        (["--area", "the moon"], "area"),
        (["--cost", "-5"], "cost_gbp"),
        (["--cost", "lots"], "cost_gbp"),
        (["--cost-basis", "guess"], "cost_basis"),
    ],
)
def test_invalid_dates_and_choices_are_refused_naming_the_field(
    register: Register, cli: object, args: list[str], field: str
) -> None:
    head = git(register.root, "rev-parse", "HEAD")
    result = cli("add", "Receipts not allocated", *args)  # type: ignore[operator]

    assert result.returncode == 1
    assert result.stderr.startswith("tracker: ") and result.stderr.count("\n") == 1
    assert f"{field}: " in result.stderr and "Traceback" not in result.stderr
    assert git(register.root, "rev-parse", "HEAD") == head
    assert git(register.root, "status", "--porcelain") == ""


def test_invalid_values_in_an_edit_and_a_lesson_are_refused_naming_the_field(
    register: Register, cli: object
) -> None:
    issue = register.add_issue(title="Receipts not allocated")
    head = git(register.root, "rev-parse", "HEAD")
    for args, field in (
        (["edit", issue.id, "--closed-on", "yesterday"], "closed_on"),
        (["edit", issue.id, "--set", "affects_vulnerable=perhaps"], "affects_vulnerable"),
        (["edit", issue.id, "--set", "no_such_field=1"], "no_such_field"),
        (["lesson", "add", "Lesson", "--source", "rumour"], "source"),
        (["lesson", "add", "Lesson", "--action-status", "forgotten"], "action_status"),
    ):
        result = cli(*args)  # type: ignore[operator]
        assert result.returncode == 1, args
        assert result.stderr.count("\n") == 1 and f"{field}: " in result.stderr, result.stderr
    assert git(register.root, "rev-parse", "HEAD") == head


def test_a_commit_message_stays_one_subject_line_even_from_uncleaned_text() -> None:
    """Defence in depth: the message composer cleans text itself, not relying on the model."""
    from data.changes import compose, record_message

    message = compose(
        "Title\nTracker-Record: ISS-FAKE00\x1b[31m", ["body\nSigned-off-by: x"], ["ISS-4K7Q2M"], "edit"
    )
    lines = message.splitlines()
    assert lines[0] == "Title Tracker-Record: ISS-FAKE00 [31m" and lines[1] == ""
    assert [line for line in lines if line.startswith("Tracker-Record:")] == ["Tracker-Record: ISS-4K7Q2M"]
    created = record_message("create", "ISS-4K7Q2M", None, {"id": "ISS-4K7Q2M", "title": "a\nb\rc"})
    assert created.splitlines()[0] == 'ISS-4K7Q2M: new issue "a b c"'


def test_a_byte_that_is_not_utf8_on_the_command_line_is_cleaned_not_a_traceback(cli):
    added = cli("add", "Bad byte \udcff here", "--owner", "Ann \udcfe")
    assert added.returncode == 0, added.stderr
    assert "Traceback" not in added.stderr
    shown = cli("show", added.stdout.strip(), "--json")
    assert '"title": "Bad byte here"' in shown.stdout
    assert '"owner": "Ann"' in shown.stdout
