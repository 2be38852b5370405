"""The fast check (`Model.proves`, `data.model.checked_document`) that lets a cold
start trust a record file without building the record: whatever a document
holds, the answer is exactly full validation's (the same normalised document,
or the same problems), and every document Tracker writes is proved."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from unittest.mock import patch

import orjson
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from data.model import Issue, Lesson, Update, checked_document, from_document, problems, to_document
from data.validation import FieldInfo, Model, ValidationError, _plain, proof_of
from tracker.register import Register

SETTINGS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
MODELS: list[type[Model]] = [Issue, Lesson, Update]

UNSAFE = ["\x00", "\x1b", "\x7f", "\x85", "\u2028", "\u202e", "\u2066", "\ud800", "\udfff", "\r", "\t", "\n"]
SPACES = [" ", "  ", "\u00a0", "\u3000", "\n\n"]
TEXT = st.text(max_size=30)
AWKWARD_TEXT = st.one_of(
    TEXT,
    st.builds(
        lambda a, b, c: a + b + c,
        st.sampled_from(["", *SPACES, *UNSAFE]),
        st.text(max_size=12),
        st.sampled_from(["", *SPACES, *UNSAFE]),
    ),
    st.sampled_from(
        ["", " ", "A", "Medium", "İstanbul", "ẞ", "x" * 61, "y" * 201, "z" * 20_001, "\n" * 20_001]
    ),
)
DATES = st.one_of(
    st.dates().map(date.isoformat),
    st.sampled_from(["2024-02-30", "2024-2-3", "31/12/2024", "2024-12-31T00:00:00", "24-12-31", "20241231"]),
)
MOMENTS = st.one_of(
    st.datetimes(timezones=st.just(UTC)).map(lambda moment: moment.isoformat().replace("+00:00", "Z")),
    st.datetimes().map(datetime.isoformat),
    st.sampled_from(
        ["2024-07-23T08:55:29Z", "2024-07-23T08:55:29+01:00", "2024-13-23T08:55:29Z", "2024-07-23 08:55:29Z"]
    ),
    st.sampled_from(["２０２４-07-23T08:55:29Z", "2024-07-23T08:55:60Z", " 2024-07-23T08:55:29Z"]),
)
IDS = st.one_of(
    st.sampled_from(["ISS-4K7Q2M", "LES-8H2Z1P", "iss-4k7q2m", "ISS-4K7Q2", "UPD-4K7Q2M8H", "upd-4K7Q2M8H"]),
    st.text(alphabet="ISLEUPD-0123456789ABCDEFGHJKMNPQRSTVWXYZ", min_size=10, max_size=12),
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**20), 10**20),
    st.floats(),
    st.just(-0.0),
    st.just(1e10),
    st.just(1e10 + 1),
    AWKWARD_TEXT,
    DATES,
    MOMENTS,
    IDS,
)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=12,
)
DEEP = st.integers(1, 60).map(lambda depth: _nested(depth))


def _nested(depth: int) -> Any:
    value: Any = "x"
    for _ in range(depth):
        value = [value]
    return value


def _good_values(kind: type[Model]) -> dict[str, Any]:
    """A value for each field that a record file could well hold."""
    values: dict[str, Any] = {}
    for name, info in kind.model_fields.items():
        about = info.about
        kind_of_input = about.input if about is not None else None
        values[name] = {
            "id": {"Issue": "ISS-4K7Q2M", "Lesson": "LES-8H2Z1P", "Update": "UPD-4K7Q2M8H"}[kind.__name__],
            "moment": "2025-01-29T10:25:45Z",
            "date": "2024-08-08",
            "flag": True,
            "amount": 15784.93,
            "tags": ["quick-win", "schools"],
            "links": [],
            "updates": [],
            "choice": about.choices[0] if about is not None and about.choices else None,
        }.get(kind_of_input or "", "some words")
    if kind is Update:
        values.update(id="UPD-4K7Q2M8H", at="2024-07-23T08:55:29Z", kind="comment", visibility="internal")
    if "owner" in values:
        values["owner"] = None
    return values


def _documents(kind: type[Model]) -> st.SearchStrategy[dict[str, Any]]:
    """Documents of a model's fields, each field good, awkward or anything at all,
    some missing, some moved, some unknown fields besides."""
    good = _good_values(kind)
    names = list(kind.model_fields)

    def value_for(name: str) -> st.SearchStrategy[Any]:
        choices = [st.just(good[name]), SCALARS, JSON]
        if name == "updates":
            choices.append(st.lists(_documents(Update), max_size=3))
        if name in ("tags", "lessons", "related", "issues"):
            choices.append(st.lists(st.one_of(AWKWARD_TEXT, IDS), max_size=4))
        if name in ("area", "status", "severity", "priority", "title"):
            choices.append(AWKWARD_TEXT)
        return st.one_of(*choices)

    @st.composite
    def document(draw: st.DrawFn) -> dict[str, Any]:
        damaged = draw(st.one_of(st.just(set()), st.sets(st.sampled_from(names), min_size=1, max_size=3)))
        values = {name: draw(value_for(name)) if name in damaged else good[name] for name in names}
        if "updates" in values and "updates" not in damaged:
            values["updates"] = draw(st.lists(_documents(Update), max_size=2))
        kept = names if draw(st.booleans()) else [name for name in names if draw(st.integers(0, 30)) > 0]
        if draw(st.integers(0, 9)) == 0:
            kept = draw(st.permutations(kept))
        result = {name: values[name] for name in kept}
        unknown = st.lists(st.sampled_from(["zeta", "alpha", "note", "id2"]), max_size=2, unique=True)
        for extra in draw(st.one_of(st.just([]), unknown)):
            result[extra] = draw(JSON | DEEP)
        return result

    return document()


def _full(kind: type[Model], data: Any) -> tuple[str, Any]:
    try:
        return "valid", _exactly(kind.model_validate(data).model_dump("json"))
    except ValidationError as error:
        return "invalid", problems(error)


def _exactly(value: Any) -> Any:
    """A JSON value with every type and key order spelled out (1, 1.0, true and
    -0.0 all differ), surrogates and all, for comparing two exactly."""
    if isinstance(value, dict):
        return ("table", [(key, _exactly(item)) for key, item in value.items()])
    if isinstance(value, list):
        return ("list", [_exactly(item) for item in value])
    return (type(value).__name__, repr(value))


@SETTINGS
@given(st.sampled_from(MODELS).flatmap(lambda kind: st.tuples(st.just(kind), _documents(kind))))
def test_a_document_proved_is_one_full_validation_accepts_and_gives_back_unchanged(case):
    kind, data = case
    proved = kind.proves(data)
    event("proved" if proved else "not proved")
    if proved:
        assert _full(kind, data) == ("valid", _exactly(data))


@SETTINGS
@given(st.sampled_from([Issue, Lesson]).flatmap(lambda kind: _documents(kind)))
def test_a_checked_document_is_exactly_what_full_validation_gives_or_the_same_problems(data):
    found = _outcome(checked_document, data)
    event(found[0])
    assert found == _outcome(lambda data: to_document(from_document(data)), data)


def _same_every_time(info: FieldInfo) -> Any:
    """A field's default, the same on every call (an update's ID and time are
    otherwise new each time a document without them is validated)."""
    if info.default_factory is None:
        return info.default
    made = info.default_factory()
    if isinstance(made, datetime):
        return datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
    if isinstance(made, date):
        return date(2025, 1, 2)
    return made[:4] + "0" * (len(made) - 4) if isinstance(made, str) else made


def _outcome(read: Any, data: dict[str, Any]) -> tuple[str, Any]:
    try:
        with patch.object(FieldInfo, "initial", _same_every_time):
            return "valid", _exactly(read(data))
    except ValidationError as error:
        return "invalid", problems(error)
    except ValueError as error:  # not a record's ID
        return "not a record", str(error)


FIELD_CHECKS = [(kind, name) for kind in MODELS for name in kind.model_fields]


@SETTINGS
@given(st.sampled_from(FIELD_CHECKS), st.one_of(JSON, DEEP, st.lists(_documents(Update), max_size=2)))
def test_each_field_proof_holds_only_for_values_its_check_keeps(field, value):
    kind, name = field
    check = kind.model_fields[name].check
    if proof_of(check)(value):
        assert _exactly(_plain(check(value), True)) == _exactly(value)


RECORD_VALUES = st.fixed_dictionaries(
    {
        "title": AWKWARD_TEXT.filter(lambda text: text.strip() and len(text) < 150),
        "description": st.text(max_size=300),
        "area": st.sampled_from(["Finance", " payroll ", "data  migration"]),
        "tags": st.lists(st.text(alphabet="abc XYZ-", max_size=8), max_size=4),
        "cost_gbp": st.one_of(st.none(), st.floats(0, 1e9), st.integers(0, 10**9), st.just("£12k")),
        "target_date": st.one_of(st.none(), st.dates(), st.just("31/12/2026")),
        "affects_vulnerable": st.sampled_from([True, False, "yes", 0]),
        "related": st.lists(st.sampled_from(["iss-4k7q2m", "ISS-8H2Z1P"]), max_size=3),
        "external_ref": st.one_of(st.none(), st.just(""), AWKWARD_TEXT.filter(lambda text: len(text) < 90)),
    }
)


@SETTINGS
@given(RECORD_VALUES, st.lists(st.text(min_size=1, max_size=200).filter(str.strip), max_size=3))
def test_every_document_tracker_writes_is_proved(values, notes):
    start = datetime(2024, 1, 1, 9, 30, tzinfo=UTC)
    try:
        updates = [
            Update(author="Priya Nair", text=note, at=start + timedelta(hours=place))
            for place, note in enumerate(notes)
        ]
        record = Issue(raised_by="Tom Okafor", updates=updates, **values)
    except ValidationError:
        return
    document = orjson.loads(orjson.dumps(to_document(record)))
    assert Issue.proves(document)
    assert checked_document(document) is document


def test_every_record_of_the_demo_register_is_proved(demo_register: Register):
    for kind, model in (("issue", Issue), ("lesson", Lesson)):
        for document in demo_register.documents(kind).values():
            assert model.proves(orjson.loads(orjson.dumps(document))), document["id"]


def test_a_field_proved_fast_yet_damaged_elsewhere_is_reported_as_full_validation_reports_it():
    good = _good_values(Issue)
    good.update(raised_by="Tom Okafor", owner=None, related=["ISS-8H2Z1P"], lessons=[])
    assert Issue.proves(good)
    for change in (
        {"severity": ["high"]},
        {"raised_on": "2024-02-30"},
        {"cost_gbp": 15784},
        {"affects_vulnerable": 1},
        {"title": "Needs\tcleaning"},
        {"updates": [{**_good_values(Update), "author": "A", "text": ""}]},
        {"created_at": "2025-01-29T10:25:45+00:00"},
    ):
        damaged = {**good, **change}
        assert not Issue.proves(damaged), change
        full = _outcome(lambda data: to_document(from_document(data)), damaged)
        assert _outcome(checked_document, damaged) == full
