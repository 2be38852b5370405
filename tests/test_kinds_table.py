"""The kinds-and-fields table is the one home of what a field is: a field added to
the model (here a lesson's "date identified", added in a fresh process before
anything else is imported) reaches the form, the command line, the query
language, the CSV columns, the public allow-list, the import's columns, the
labels and a cold start's fast check without another line anywhere."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from data.kinds import KINDS, label
from data.model import Issue, Lesson

ROOT = Path(__file__).resolve().parent.parent

PROBE = """
import data.model as model
from data.fields import About
from data.validation import FieldInfo, optional, day

info = FieldInfo(optional(day), object, None, None,
                 About("Date identified", "date", "shown", query=("identified",), optional=True))
info.name = "date_identified"
model.Lesson.model_fields = {**model.Lesson.model_fields, "date_identified": info}

from click.testing import CliRunner
from data.kinds import KINDS, label
from data.model import Vocabulary
from data.query import TERMS, parse
from exports.gate import PUBLIC_FIELDS
from exports.tabular import columns
from tracker.cli import main
from tracker.importing.columns import importable_fields
from tracker.tui.screens.record_form import field_specs

assert label("date_identified", "lesson") == "Date identified"
assert "date_identified" in KINDS["lesson"].fields()
assert [s.input for s in field_specs("lesson", Vocabulary()) if s.name == "date_identified"] == ["date"]
assert TERMS["lesson"]["identified"] == ("date_identified", "date")
assert parse("identified<2025-01-01", "lesson")({"date_identified": "2024-12-31"})
assert "date_identified" in PUBLIC_FIELDS["lesson"]
assert "date_identified" in columns("lesson", "internal", [])
assert "date_identified" in importable_fields("lesson")
help_text = CliRunner().invoke(main, ["lesson", "add", "--help"]).output
assert "--date-identified DATE" in help_text, help_text

import orjson
from data.model import Lesson, checked_document, problems
from data.validation import ValidationError

lesson = Lesson(title="A lesson", logged_by="Priya Nair", date_identified="31/12/2024")
document = orjson.loads(orjson.dumps(model.to_document(lesson)))
assert document["date_identified"] == "2024-12-31"
assert Lesson.proves(document) and checked_document(document) is document
damaged = {**document, "date_identified": "2024-02-30"}
assert not Lesson.proves(damaged)
try:
    checked_document(damaged)
except ValidationError as error:
    assert problems(error) == [line for line in problems(error) if line.startswith("date_identified: ")]
else:
    raise AssertionError("a damaged date was not reported")
print("DERIVED")
"""


def test_a_field_added_to_the_model_reaches_every_part_of_tracker():
    result = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, cwd=ROOT)
    assert result.stdout.strip() == "DERIVED", result.stderr


def test_every_field_of_every_kind_has_an_entry_in_the_table():
    for kind in KINDS.values():
        for name, info in kind.model.model_fields.items():
            assert info.about is not None, f"{kind.name}.{name}"
            assert info.about.label and label(name, kind.name) == info.about.label


def test_the_kinds_say_what_used_to_be_spelled_out_per_kind():
    assert (KINDS["issue"].prefix, KINDS["issue"].table, KINDS["issue"].model) == ("ISS", "issues", Issue)
    assert (KINDS["lesson"].raised_by, KINDS["lesson"].raised_on) == ("logged_by", "logged_on")
    assert (
        KINDS["issue"].link_field("lesson") == "lessons" and KINDS["issue"].link_field("issue") == "related"
    )
    assert not KINDS["lesson"].links_to("lesson")
    assert KINDS["lesson"].names("person") == ("logged_by",)
    assert set(KINDS["issue"].names("count", "withheld")) == {
        "affects_vulnerable",
        "created_at",
        "external_ref",
    }
    assert Lesson.model_fields["event"].about is not None and Lesson.model_fields["event"].about.long
