"""Declared, validated records: the small machinery under `data.model` and
`data.settings`.

A model class lists its fields as `name: type = field(check, ...)`. Building one
(`Model(**data)` or `Model.model_validate(data)`) runs every field's check and
reports every field that failed, one problem each, in a `ValidationError`; a
record is never half-built. Assigning to a field checks the new value too.

Why not pydantic, which the first version used: importing pydantic and building
the record schemas cost about 0.29 s of every command's start (pydantic itself
0.1 s, its internals loaded on first use 0.11 s, schema building 0.075 s),
more than the whole 0.25 s that `tracker add` may take. These checks are plain
functions over the few kinds of value a record holds (one-line text, long text,
words, dates, flags, amounts, lists of tags and links, updates), import in a
millisecond, and give the messages Tracker wants in the user's words.
"""

from __future__ import annotations

import builtins
import itertools
import math
import re
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from typing import Any, ClassVar, Self, cast

from data.fields import About
from data.values import AMOUNT_EXAMPLE, TwoDigitYear, read_amount, read_date

Check = Callable[[Any], Any]
Proof = Callable[[Any], bool]
"""A check's fast proof: True only when the check would accept a value and give
back the same JSON value (a fixed point), so running it can be skipped; False
when that cannot be shown quickly (the check is then run)."""


class _Required:
    """The default of a field that must be given."""

    def __repr__(self) -> str:
        return "REQUIRED"


REQUIRED: Any = _Required()


class ValidationError(ValueError):
    """Every problem found while building one model, each with the field it is in."""

    def __init__(self, title: str, found: list[tuple[tuple[str | int, ...], str]]) -> None:
        self.title = title
        self.found = found
        lines = "; ".join(f"{'.'.join(map(str, where)) or 'record'}: {message}" for where, message in found)
        super().__init__(f"{title}: {lines}")

    def errors(self) -> list[dict[str, Any]]:
        """The problems as `{"loc": (field, …), "msg": text}`, in field order."""
        return [{"loc": where, "msg": message} for where, message in self.found]


class FieldInfo:
    """One declared field: how its value is checked, its default, its type, and
    (for a record's fields) its entry in the kinds-and-fields table, `about`."""

    __slots__ = ("about", "annotation", "check", "default", "default_factory", "name")

    def __init__(
        self,
        check: Check,
        annotation: Any,
        default: Any,
        default_factory: Callable[[], Any] | None,
        about: About | None = None,
    ) -> None:
        self.check = check
        self.annotation = annotation
        self.default = default
        self.default_factory = default_factory
        self.about = about
        self.name = ""

    def is_required(self) -> bool:
        return self.default is REQUIRED and self.default_factory is None

    def initial(self) -> Any:
        return self.default_factory() if self.default_factory is not None else self.default


def field(
    check: Check,
    annotation: Any = str,
    *,
    default: Any = REQUIRED,
    factory: Callable[[], Any] | None = None,
    about: About | None = None,
) -> Any:
    """Declare a field (typed `Any` so that `title: str = field(...)` type-checks)."""
    return FieldInfo(check, annotation, default, factory, about)


class Model:
    """A validated record. Subclasses declare fields with `field()`; a subclass
    that declares a field its parent has keeps the parent's position for it, so
    the order of fields (and of a record file's keys) is stable."""

    model_fields: ClassVar[dict[str, FieldInfo]] = {}
    keeps_unknown: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        fields = dict(cls.model_fields)
        for name, value in list(vars(cls).items()):
            if isinstance(value, FieldInfo):
                value.name = name
                fields[name] = value
                delattr(cls, name)
        cls.model_fields = fields

    def __init__(self, **data: Any) -> None:
        self.__dict__.update(type(self)._checked(data))

    @classmethod
    def model_validate(cls, data: Any) -> Self:
        if isinstance(data, cls):
            return data
        if not isinstance(data, dict):
            raise ValidationError(
                cls.__name__, [((), f"must be a table of fields, not {type(data).__name__}")]
            )
        record = cls.__new__(cls)
        record.__dict__.update(cls._checked(data))
        return record

    @classmethod
    def proves(cls, data: Any) -> bool:
        """Whether `model_validate(data).model_dump()` would be `data` itself, the
        same JSON value: every declared field present, in order, each one a fixed
        point of its check (`proof_of`), then any unknown fields. A cold start
        trusts a record file this proves without building the record; anything
        it cannot prove is validated in full, so the answer and the problems
        reported are those of `model_validate`. Derived from `model_fields` when
        first used, and again whenever they change."""
        compiled = _PROOFS.get(cls)
        if compiled is None or compiled[0] is not cls.model_fields:
            compiled = _PROOFS[cls] = (cls.model_fields, _model_proof(cls))
        return compiled[1](data)

    @classmethod
    def _checked(cls, data: dict[Any, Any]) -> dict[str, Any]:
        values: dict[str, Any] = {}
        found: list[tuple[tuple[str | int, ...], str]] = []
        fields = cls.model_fields
        for name, info in fields.items():
            if name in data:
                try:
                    values[name] = info.check(data[name])
                except ValidationError as inner:
                    found += [((name, *where), message) for where, message in inner.found]
                except (ValueError, TypeError) as error:
                    found.append(((name,), str(error)))
            elif info.is_required():
                found.append(((name,), "is required"))
            else:
                values[name] = info.initial()
        for name in data:
            if name in fields:
                continue
            if not isinstance(name, str):
                found.append(((str(name),), "field names must be text"))
            elif cls.keeps_unknown:
                values[name] = data[name]
            else:
                found.append(((name,), "is not a known setting"))
        if found:
            raise ValidationError(cls.__name__, found)
        return values

    def __setattr__(self, name: str, value: Any) -> None:
        info = type(self).model_fields.get(name)
        if info is not None:
            try:
                value = info.check(value)
            except ValidationError as inner:
                raise ValidationError(
                    type(self).__name__, [((name, *w), m) for w, m in inner.found]
                ) from None
            except (ValueError, TypeError) as error:
                raise ValidationError(type(self).__name__, [((name,), str(error))]) from None
        elif not type(self).keeps_unknown:
            raise ValidationError(type(self).__name__, [((name,), "is not a known setting")])
        self.__dict__[name] = value

    def model_dump(self, mode: str = "json") -> dict[str, Any]:
        """The model as plain data: declared fields in order, then unknown ones.
        `mode="json"` turns dates and times into ISO 8601 text."""
        as_json = mode == "json"
        return {name: _plain(value, as_json) for name, value in self.__dict__.items()}

    def model_copy(self, update: dict[str, Any] | None = None) -> Self:
        """A copy with some fields replaced, each replacement checked."""
        return type(self).model_validate({**self.__dict__, **(update or {})})

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.__dict__ == self.__dict__

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={value!r}" for name, value in self.__dict__.items())
        return f"{type(self).__name__}({shown})"


_SCALARS = frozenset({str, bool, int, float, type(None)})
_PROOFS: dict[type[Model], tuple[dict[str, FieldInfo], Proof]] = {}


def _model_proof(kind: type[Model]) -> Proof:
    """`kind.proves` as one function of straight-line code, made from the
    sources of its fields' proofs: the order of the keys, then each field in
    turn, stopping at the first that cannot be proved. (A call per field and
    per step, as closures, costs three times as much: most of a cold start.)"""
    names = _Names()
    width = len(kind.model_fields)
    lines = [
        "def proves(data):",
        "    if type(data) is not dict: return False",
        "    keys = tuple(data)",
        f"    if len(keys) != {width}:",
        f"        if len(keys) < {width} or keys[:{width}] != {names(tuple(kind.model_fields))}: return False",
        f"        if not {kind.keeps_unknown!r}: return False",
        f"        if not {names(_plain_unknown)}(data, keys[{width}:]): return False",
        f"    elif keys != {names(tuple(kind.model_fields))}: return False",
        "    try:",
    ]
    for name, info in kind.model_fields.items():
        lines += [
            f"        value = data[{name!r}]",
            f"        if not ({_source_of(info.check)('value', names)}): return False",
        ]
    lines += ["    except (ValueError, TypeError):", "        return False", "    return True"]
    return names.compile("\n".join(lines), "proves")


class _Names:
    """The objects a generated proof refers to, each under a name of its own."""

    def __init__(self) -> None:
        self.objects: dict[str, Any] = {}
        self.count = itertools.count()

    def __call__(self, thing: Any) -> str:
        name = f"_{next(self.count)}"
        self.objects[name] = thing
        return name

    def local(self) -> str:
        """A fresh local variable name (for the items of a list)."""
        return f"item{next(self.count)}"

    def compile(self, code: str, function: str) -> Proof:
        scope: dict[str, Any] = {"__builtins__": builtins, **self.objects}
        # Code written here from the table: names, numbers and generated names only.
        exec(compile(code, f"<proof {function}>", "exec"), scope)
        return cast(Proof, scope[function])


Source = Callable[[str, _Names], str]
"""How a check's proof is written into a model's proof: given the name of the
variable holding the value (and a way to name the objects it uses), a Python
expression that is True only when the check is proved to keep that value."""


def proof_of(check: Check) -> Proof:
    """A check's fast proof, on its own (`Model.proves` inlines them)."""
    names = _Names()
    return names.compile(
        f"def proof(value):\n    try:\n        return bool({_source_of(check)('value', names)})\n    except (ValueError, TypeError):\n        return False",
        "proof",
    )


def _source_of(check: Check) -> Source:
    """The source of a check's proof: its own (each check made in this module
    carries one, derived from how it was made) or, for any other function,
    running it and comparing what it gives back with the value."""
    source: Source | None = getattr(check, "proof_source", None)
    if source is not None:
        return source

    def by_running(value: str, names: _Names) -> str:
        result = names.local()
        same = f"{names(_same)}({names(_plain)}({result}, True), {value})"
        return f"(({result} := {names(check)}({value})) is {value} and type({value}) is str) or {same}"

    return by_running


def _plain_result(check: Check) -> bool:
    """Whether a check gives back only JSON values (text, numbers, lists of
    them), so that its proof shows it gives back the very value it was given."""
    return bool(getattr(check, "proof_plain", False))


def _proved(check: Check, source: Source, plain: bool = True) -> Check:
    """`check`, carrying the source of its proof, and whether what it gives
    back is always JSON (not a date, a time or a model)."""
    setattr(check, "proof_source", source)  # noqa: B010 (attributes mypy does not know functions have)
    setattr(check, "proof_plain", plain)  # noqa: B010
    return check


def _kept_text(clean: Callable[[Any], Any], value: str, names: _Names) -> str:
    """The source of: cleaning text (known to be text) gives it back unchanged."""
    cleaned = names.local()
    return f"(({cleaned} := {names(clean)}({value})) is {value} or (type({cleaned}) is str and {cleaned} == {value}))"


def _kept(step: Callable[[Any], Any], value: Any) -> bool:
    """Whether a cleaning step gives `value` back unchanged."""
    return _same(step(value), value)


def _plain_unknown(data: dict[Any, Any], names: tuple[Any, ...]) -> bool:
    """Unknown fields as a model keeps them: named by text, their values the same JSON once dumped."""
    return all(type(name) is str and _same(_plain(data[name], True), data[name]) for name in names)


def _same(one: Any, other: Any) -> bool:
    """The same JSON value, written the same way: 1, 1.0 and true differ, and
    so do the orders of a table's keys."""
    if one is other:
        return True
    kind = type(one)
    if kind is not type(other):
        return False
    if kind is list:
        return len(one) == len(other) and all(map(_same, one, other))
    if kind is dict:
        return list(one) == list(other) and all(_same(one[key], other[key]) for key in one)
    if kind is float:
        return one == other and math.copysign(1.0, one) == math.copysign(1.0, other)
    return kind in _SCALARS and one == other


def _plain(value: Any, as_json: bool) -> Any:
    if type(value) in _SCALARS:  # most of a record: returned first, without the checks below
        return value
    if isinstance(value, Model):
        return value.model_dump("json" if as_json else "python")
    if isinstance(value, list):
        return [_plain(item, as_json) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item, as_json) for key, item in value.items()}
    if as_json and isinstance(value, datetime):
        text = value.isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text
    if as_json and isinstance(value, date):
        return value.isoformat()
    return value


# --- checks: each takes a value and returns it cleaned, or raises ValueError -----------


def text(max_length: int, clean: Callable[[Any], Any] | None = None, blank: bool = True) -> Check:
    """Text of at most `max_length` characters, cleaned first; `blank=False`
    refuses empty text."""

    def check(value: Any) -> str:
        if clean is not None:
            value = clean(value)
        if not isinstance(value, str):
            raise ValueError(f"must be text, not {_kind(value)}")
        if len(value) > max_length:
            raise ValueError(f"must be at most {max_length:,} characters (it is {len(value):,})")
        if not blank and not value:
            raise ValueError("must not be empty")
        return value

    def source(value: str, names: _Names) -> str:
        kept = "" if clean is None else f" and {_kept_text(clean, value, names)}"
        filled = "" if blank else f' and {value} != ""'
        return f"type({value}) is str and len({value}) <= {max_length}{filled}{kept}"

    return _proved(check, source)


def optional(inner: Check) -> Check:
    """None, or blank text read as None, or what `inner` accepts."""

    def check(value: Any) -> Any:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        return inner(value)

    def source(value: str, names: _Names) -> str:
        inner_source = _source_of(inner)(value, names)
        return f"{value} is None or (not (type({value}) is str and not {value}.strip()) and ({inner_source}))"

    return _proved(check, source, _plain_result(inner))


def one_of(choices: Iterable[str]) -> Check:
    allowed = tuple(choices)
    words = frozenset(allowed)

    def check(value: Any) -> str:
        if value not in allowed or not isinstance(value, str):
            raise ValueError(f"must be one of {', '.join(allowed)} (not {_shown(value)})")
        return value

    return _proved(check, lambda value, names: f"type({value}) is str and {value} in {names(words)}")


_TRUE = {"true", "yes", "y", "on", "1", "t"}
_FALSE = {"false", "no", "n", "off", "0", "f"}


def flag(value: Any) -> bool:
    """True or false; also the words people write for them (yes/no, 1/0, on/off)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        word = value.strip().lower()
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
    raise ValueError(f"must be true or false (not {_shown(value)})")


_proved(flag, lambda value, names: f"type({value}) is bool")


def day(value: Any) -> date:
    """A calendar date, or text as people write one (`data.values`: 31/12/2026,
    2026-12-31, 31 Dec 2026): the same reading for files, forms, options and imports."""
    if isinstance(value, datetime):
        if value.time() == datetime.min.time():
            return value.date()
        raise ValueError(f"must be a date without a time (not {value.isoformat()})")
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return _iso_date(value) or read_date(value)
        except TwoDigitYear:
            raise ValueError(f"must have the year in full, like 31/03/2025 (not {_shown(value)})") from None
        except ValueError:
            pass
    raise ValueError(f"must be a valid date like 2025-03-31 or 31/03/2025 (not {_shown(value)})")


def _is_stored_day(value: Any) -> bool:
    """A date as records store it (2025-03-31), valid."""
    if type(value) is not str:
        return False
    found = _iso_date(value)
    return found is not None and found.isoformat() == value


_proved(day, lambda value, names: f"{names(_is_stored_day)}({value})", plain=False)


def _iso_date(text: str) -> date | None:
    """The stored form, read first and fast: records hold 2025-03-31."""
    try:
        return date.fromisoformat(text) if len(text) == 10 and text[4] == "-" else None
    except ValueError:
        return None


def moment(value: Any) -> datetime:
    """A date and time, as UTC when no offset is given; or text like 2025-03-31T09:30:00Z."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(
                f"must be a date and time like 2025-03-31T09:30:00Z (not {_shown(value)})"
            ) from None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    raise ValueError(f"must be a date and time like 2025-03-31T09:30:00Z (not {_shown(value)})")


_STORED_MOMENT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", re.ASCII)


def _is_stored_moment(value: Any) -> bool:
    """A date and time as records store it (2025-03-31T09:30:00Z, which is
    what `moment` then `_plain` make of it), valid (ValueError if not)."""
    return (
        type(value) is str
        and _STORED_MOMENT.fullmatch(value) is not None
        and datetime.fromisoformat(value).tzinfo is not None
    )


_proved(moment, lambda value, names: f"{names(_is_stored_moment)}({value})", plain=False)


def amount(low: float, high: float) -> Check:
    """A number from `low` to `high`, given as a number or as text."""

    def check(value: Any) -> float:
        number: float
        if isinstance(value, bool):
            raise ValueError(f"must be a number (not {_shown(value)})")
        if isinstance(value, int | float):
            number = float(value)
        elif isinstance(value, str):
            try:
                number = read_amount(value)
            except ValueError:
                raise ValueError(
                    f"must be a number or an amount like {AMOUNT_EXAMPLE} (not {_shown(value)})"
                ) from None
        else:
            raise ValueError(f"must be a number (not {_kind(value)})")
        if math.isnan(number) or not low <= number <= high:
            raise ValueError(f"must be from {low:,.0f} to {high:,.0f} (not {_shown(value)})")
        return number

    def source(value: str, names: _Names) -> str:
        return f"type({value}) is float and {low!r} <= {value} <= {high!r}"

    return _proved(check, source)


def whole_number(low: int, high: int) -> Check:
    def check(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, str) and value.strip().lstrip("-").isdigit():
                value = int(value.strip())
            else:
                raise ValueError(f"must be a whole number (not {_shown(value)})")
        if not low <= value <= high:
            raise ValueError(f"must be from {low} to {high} (not {value})")
        return int(value)

    return check


def list_of(item: Check, max_length: int, clean: Callable[[Any], Any] | None = None) -> Check:
    """A list of at most `max_length` items, each checked; problems name the item's place."""

    def check(value: Any) -> list[Any]:
        if clean is not None:
            value = clean(value)
        if not isinstance(value, list):
            raise ValueError(f"must be a list, not {_kind(value)}")
        if len(value) > max_length:
            raise ValueError(f"must have at most {max_length:,} items (it has {len(value):,})")
        items: list[Any] = []
        found: list[tuple[tuple[str | int, ...], str]] = []
        for place, entry in enumerate(value):
            try:
                items.append(item(entry))
            except ValidationError as inner:
                found += [((place, *where), message) for where, message in inner.found]
            except (ValueError, TypeError) as error:
                found.append(((place,), str(error)))
        if found:
            raise ValidationError("list", found)
        return items

    def source(value: str, names: _Names) -> str:
        kept = "" if clean is None else f" and {names(_kept)}({names(clean)}, {value})"
        each = names.local()
        item_source = _source_of(item)(each, names)
        return f"type({value}) is list and len({value}) <= {max_length}{kept} and all(({item_source}) for {each} in {value})"

    return _proved(check, source, _plain_result(item))


def table_of_text(max_length: int, clean: Callable[[Any], Any] | None = None) -> Check:
    """A table (TOML) of text keyed by text."""

    def check(value: Any) -> dict[str, str]:
        if not isinstance(value, dict):
            raise ValueError(f"must be a table, not {_kind(value)}")
        result: dict[str, str] = {}
        for key, entry in value.items():
            if not isinstance(key, str) or not isinstance(entry, str):
                raise ValueError(f"{_shown(key)}: must be text")
            if clean is not None:
                key, entry = clean(key), clean(entry)
            if len(entry) > max_length:
                raise ValueError(f"{key[:30]!r}: must be at most {max_length:,} characters")
            result[key] = entry
        return result

    return check


def model(kind: type[Model]) -> Check:
    """A nested model, given as a table of its fields."""

    def check(value: Any) -> Model:
        return kind.model_validate(value)

    return _proved(check, lambda value, names: f"{names(kind.proves)}({value})", plain=False)


def then(*checks: Check) -> Check:
    """Checks run one after the other, each on what the last returned."""

    def check(value: Any) -> Any:
        for step in checks:
            value = step(value)
        return value

    *steps, last = checks

    def source(value: str, names: _Names) -> str:
        # A step that gives back only JSON keeps the value when its proof holds;
        # any other is run, and what it gives back compared.
        kept_as = names.local()
        kept = "".join(
            f"({_source_of(step)(value, names)}) and "
            if _plain_result(step)
            else f"(({kept_as} := {names(step)}({value})) is {value} or {names(_same)}({kept_as}, {value})) and "
            for step in steps
        )
        return f"{kept}({_source_of(last)(value, names)})"

    return _proved(check, source, _plain_result(last))


def _kind(value: Any) -> str:
    return (
        "nothing"
        if value is None
        else {dict: "a table", list: "a list", bool: "true/false"}.get(type(value), type(value).__name__)
    )


def _shown(value: Any) -> str:
    return repr(value)[:40]
