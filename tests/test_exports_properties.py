"""Property tests: for generated registers full of names, markup and records of
every visibility, no restricted or internal string and no name the register
knows (its people list, or any name field of any record) ever reaches the
public report, digest or record export, and the markdown always
parses to Tracker's own structure."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_exports_report import parse_checked

from data.model import Issue, Lesson, Update
from data.settings import RegisterSettings
from exports.digest import build_digest
from exports.report import build_report
from exports.tabular import select, to_csv, to_json
from tracker.register import Register

TODAY = date(2024, 12, 31)
# Names without vowels cannot collide with the report's own wording.
PART = st.from_regex(r"[BCDFGHJKLMNPQRSTVWXZ][bcdfghjklmnpqrstvwxz]{2,6}", fullmatch=True)
NAME = st.tuples(PART, PART).map(" ".join)
NOISE = st.lists(
    st.sampled_from([*"ab |#*_`<>[]()!&;:/\\-=~$\n", "<script>", "](http://x)", "&amp;", "www.x.org"]),
    max_size=12,
).map("".join)
VISIBILITY = st.sampled_from(["public", "internal", "restricted"])


@st.composite
def registers(draw: st.DrawFn) -> dict:
    people = draw(st.lists(NAME, min_size=1, max_size=4, unique_by=str.casefold))
    listed = {name: f"Role {number}" for number, name in enumerate(people[: len(people) // 2 + 1])}
    records = []
    for number in range(draw(st.integers(1, 6))):
        visibility = draw(VISIBILITY)
        marker = f"HIDDENMARK{number}" if visibility != "public" else ""
        who = draw(st.sampled_from(people))
        mention = draw(st.sampled_from(people))
        spelled = draw(
            st.sampled_from([mention, mention.upper(), mention.replace(" ", "."), mention.lower()])
        )
        updates = []
        for _ in range(draw(st.integers(0, 2))):
            seen = draw(VISIBILITY)
            text = draw(NOISE) + f" {spelled} " + (f"UPDATEMARK{number}" if seen != "public" else "")
            updates.append(
                (draw(st.sampled_from(people)), text, seen, draw(st.sampled_from(["action", "comment"])))
            )
        records.append(
            {
                "visibility": visibility,
                "marker": marker,
                "who": who,
                "spelled": spelled,
                "noise": draw(NOISE),
                "vulnerable": draw(st.booleans()),
                "closed": draw(st.booleans()),
                "updates": updates,
                "lesson": draw(st.booleans()),
                "day": draw(st.integers(1, 300)),
            }
        )
    return {"people": listed, "records": records, "names": people}


def build(root: Path, plan: dict) -> Register:
    register = Register.init(root, settings=RegisterSettings(people=plan["people"]))
    saved = []
    for spec in plan["records"]:
        day = date.fromordinal(date(2024, 1, 1).toordinal() + spec["day"])
        text = f"{spec['noise']} {spec['spelled']} {spec['marker']}"
        updates = [
            Update(author=author, text=body, visibility=seen, kind=kind, at=f"{day}T10:00:00+00:00")
            for author, body, seen, kind in spec["updates"]
        ]
        if spec["lesson"]:
            saved.append(
                Lesson(
                    title=f"x {text}"[:200],
                    event=text,
                    effect=text,
                    cause=text,
                    early_warnings=text,
                    recommendation=text,
                    logged_by=spec["who"],
                    owner_role=spec["spelled"],
                    visibility=spec["visibility"],
                    logged_on=day,
                    updates=updates,
                )
            )
        else:
            saved.append(
                Issue(
                    title=f"x {text}"[:200],
                    description=text,
                    workaround=text,
                    raised_by=spec["who"],
                    owner=spec["who"],
                    owner_role=spec["spelled"],
                    visibility=spec["visibility"],
                    raised_on=day,
                    affects_vulnerable=spec["vulnerable"],
                    tags=[spec["spelled"]],
                    status="closed" if spec["closed"] else "open",
                    closed_on=day if spec["closed"] else None,
                    updates=updates,
                )
            )
    register.save_many(saved, "Generated records", [], "import")
    return register


def known_names(plan: dict) -> set[str]:
    """The names the register knows: its people list and every name field. A
    name written only in free text, that the register was never told about,
    cannot be recognised, so the property is about these."""
    names = set(plan["people"])
    for spec in plan["records"]:
        names.add(spec["who"])
        names.update(author for author, *_ in spec["updates"])
    return names


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plan=registers())
def test_public_exports_never_hold_restricted_text_or_names(plan: dict) -> None:
    with tempfile.TemporaryDirectory() as folder:
        register = build(Path(folder) / "register", plan)
        report = build_report(register, "public", end=TODAY, today=TODAY)
        digest = build_digest(register, "public", end=TODAY, today=TODAY)
        parse_checked(report)
        parse_checked(digest)
        issues, _ = select(register, "issue", "", "public")
        lessons, _ = select(register, "lesson", "", "public")
        records = to_json(issues + lessons) + to_csv(issues, sorted({k for r in issues for k in r}))
        for output in (report, digest, records):
            flat = " ".join(output.replace("\\", "").casefold().split())
            assert "hiddenmark" not in flat and "updatemark" not in flat
            for name in known_names(plan):
                first, last = name.casefold().split()
                for spelled in (f"{first} {last}", f"{first}.{last}", f"{last}, {first}"):
                    assert spelled not in flat, (name, output)
