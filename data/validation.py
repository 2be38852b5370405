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

import math
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from typing import Any, ClassVar, Self

from data.fields import About
from data.values import AMOUNT_EXAMPLE, TwoDigitYear, read_amount, read_date

Check = Callable[[Any], Any]


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

    return check


def optional(inner: Check) -> Check:
    """None, or blank text read as None, or what `inner` accepts."""

    def check(value: Any) -> Any:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        return inner(value)

    return check


def one_of(choices: Iterable[str]) -> Check:
    allowed = tuple(choices)

    def check(value: Any) -> str:
        if value not in allowed or not isinstance(value, str):
            raise ValueError(f"must be one of {', '.join(allowed)} (not {_shown(value)})")
        return value

    return check


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

    return check


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

    return check


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
    return kind.model_validate


def then(*checks: Check) -> Check:
    """Checks run one after the other, each on what the last returned."""

    def check(value: Any) -> Any:
        for step in checks:
            value = step(value)
        return value

    return check


def _kind(value: Any) -> str:
    return (
        "nothing"
        if value is None
        else {dict: "a table", list: "a list", bool: "true/false"}.get(type(value), type(value).__name__)
    )


def _shown(value: Any) -> str:
    return repr(value)[:40]
