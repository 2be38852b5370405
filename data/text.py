"""Text hygiene: the one set of characters that record text may not carry.

Record text is data, never markup or terminal control. `UNSAFE` is every
character that could act on a terminal or reorder what a reader sees: C0 and C1
controls (ESC among them), DEL, the line and paragraph separators, the bidi
embeddings, overrides and isolates, and lone surrogates (a byte that was not
UTF-8, as `surrogateescape` hands it over from a command line, which no file or
terminal can encode). Stored text is cleaned with `clean_line` and
`clean_text`; text shown in a terminal goes through `literal`, which makes any
such character visible instead of sending it.
"""

from __future__ import annotations

import re
from typing import Any

UNSAFE_CLASS = r"\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff"
"""The unsafe characters as the inside of a regular-expression class, newline
and tab left out (multi-line text keeps them)."""
UNSAFE = re.compile(f"[{UNSAFE_CLASS}]")
_UNSAFE_OR_NEWLINE = re.compile(f"[\\n\\t{UNSAFE_CLASS}]+")

TITLE_MAX = 200
NAME_MAX = 100
TEXT_MAX = 20_000
TAG_MAX = 40
LIST_MAX = 200
UPDATES_MAX = 2_000


def clean_line(value: Any) -> Any:
    """One line of text: unsafe characters and newlines become single spaces."""
    if not isinstance(value, str):
        return value
    if value.isprintable() and "  " not in value and value[:1] != " " and value[-1:] != " ":
        return value  # printable text has no unsafe character and no space but " ": already clean
    return " ".join(_UNSAFE_OR_NEWLINE.sub(" ", value).split())


def clean_text(value: Any) -> Any:
    """Multi-line text: keep newlines and tabs, drop other unsafe characters
    (terminal escape sequences among them), normalise line endings."""
    if not isinstance(value, str):
        return value
    if value[:1] != "\n" and value[-1:] != "\n" and _clean_lines(value):
        return value
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return UNSAFE.sub("", value).strip("\n")


_ASCII_CONTROLS = bytes(
    0 if (code < 0x20 and code not in (0x09, 0x0A)) or code == 0x7F else 1 for code in range(256)
)
"""Each ASCII character: 0 for the unsafe ones (carriage return among them), 1 for the rest
(bytes from 0x80 up, which ASCII text cannot hold, are never looked up)."""


def _clean_lines(value: str) -> bool:
    """Whether multi-line text holds no unsafe character and no carriage
    return, found quickly: most record text is ASCII, tested a byte at a time
    in C, and any other is printable once its line breaks and tabs are set aside."""
    if value.isascii():
        return b"\0" not in value.encode("ascii").translate(_ASCII_CONTROLS)
    return value.replace("\n", "").replace("\t", "").isprintable()


def literal(text: object) -> str:
    """Text safe to print: unsafe characters shown as `\\xNN` (or `\\udNNN`),
    never sent raw. (Printable text, which is almost all text, cannot hold one:
    it is returned as it is without running the pattern.)"""
    text = str(text)
    if text.isprintable():
        return text
    return UNSAFE.sub(_visible, text)


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def one_line(text: object) -> str:
    """`literal` on one line: newlines and tabs become spaces."""
    if isinstance(text, str) and text.isprintable():
        return text  # printable text holds no newline, tab or unsafe character
    return " ".join(literal(text).replace("\t", " ").split("\n"))
