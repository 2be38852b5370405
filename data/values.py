"""Reading a date or an amount as people in British councils write them: one
reading for the command line, the forms, the record checks and imports, so
`--target 31/12/2026 --cost £12k` is accepted wherever a spreadsheet cell is.

Dates are read day first: 01/04/2024 is 1 April 2024. Also read: 2024-04-01,
1 Apr 2024, 1 April 2024, 1-Apr-2024, Monday 1st April 2024, April 1, 2024 and
Excel date serial numbers. A two-digit year (01/04/99) is refused rather than
guessed: 99 could be 1999 or 2099, and a wrong century silently reorders a
register. `century=20` (an import's `--century 20`) reads them as 20xx.

Amounts are pounds: £1,234.56, 1234, £12k, £1.5m, (500) for a negative.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any

DATE_EXAMPLE = "31/12/2026, 2026-12-31 or 31 Dec 2026"
AMOUNT_EXAMPLE = "£1,234.56 or £12k"
EXCEL_EPOCH = date(1899, 12, 30)
EXCEL_LAST_SERIAL = 2_958_466
MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}
_NUMERIC = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4})$")
_ISO = re.compile(
    r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[t ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:z|[+-]\d{2}:?\d{2})?)?$"
)
_WORDY = re.compile(r"^(?:[a-z]+,?\s+)?(\d{1,2})(?:st|nd|rd|th)?[\s\-]+([a-z]+)\.?,?[\s\-]+(\d{2}|\d{4})$")
_MONTH_FIRST = re.compile(r"^([a-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})$")
_SCALES = {"k": 1e3, "m": 1e6, "bn": 1e9}


class TwoDigitYear(ValueError):
    """A date written with a two-digit year: the century is not guessed."""


def read_date(value: Any, century: int | None = None) -> date:
    """A date from a date, an Excel serial number or text, day first.
    ValueError (TwoDigitYear for 01/04/99) says how to write one."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"is not a date (write it like {DATE_EXAMPLE})")
    if isinstance(value, int | float):
        return _serial(value)
    text = " ".join(value.lower().split())
    try:
        return _date_text(text, century)
    except TwoDigitYear:
        raise
    except ValueError:
        raise ValueError(f"is not a date (write it like {DATE_EXAMPLE})") from None


def _serial(number: float) -> date:
    if 1 <= number < EXCEL_LAST_SERIAL:
        return EXCEL_EPOCH + timedelta(days=int(number))
    raise ValueError(f"is not a date (write it like {DATE_EXAMPLE})")


def _date_text(text: str, century: int | None) -> date:
    if match := _ISO.match(text):
        return date(int(match[1]), int(match[2]), int(match[3]))
    if match := _NUMERIC.match(text):
        return date(_year(match[3], century), int(match[2]), int(match[1]))
    if match := _WORDY.match(text):
        return date(_year(match[3], century), _month(match[2]), int(match[1]))
    if match := _MONTH_FIRST.match(text):
        return date(int(match[3]), _month(match[1]), int(match[2]))
    if text.isdigit():
        return _serial(int(text))
    raise ValueError(text)


def _year(text: str, century: int | None) -> int:
    if len(text) == 4:
        return int(text)
    if century is None:
        raise TwoDigitYear(f"has a two-digit year: 19{text} or 20{text}? (write the year in full)")
    return century * 100 + int(text)


def _month(text: str) -> int:
    if text not in MONTHS:
        raise ValueError(text)
    return MONTHS[text]


def read_amount(value: Any) -> float:
    """An amount in pounds from a number or text like £1,234.56, £12k, £1.5m or
    (500); ValueError says how to write one."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"is not an amount in pounds (write it like {AMOUNT_EXAMPLE})")
    if isinstance(value, int | float):
        return float(value)
    text = " ".join(value.lower().split()).replace("£", "").replace(",", "").replace("gbp", "").strip()
    negative = text.startswith("(") and text.endswith(")")
    text = text.strip("()").strip()
    scale = 1.0
    for suffix, size in _SCALES.items():
        if text.endswith(suffix) and text[: -len(suffix)].strip():
            scale, text = size, text[: -len(suffix)].strip()
            break
    try:
        number = float(text) * scale
    except ValueError:
        raise ValueError(f"is not an amount in pounds (write it like {AMOUNT_EXAMPLE})") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise ValueError(f"is not an amount in pounds (write it like {AMOUNT_EXAMPLE})")
    return round(-number if negative else number, 2)
