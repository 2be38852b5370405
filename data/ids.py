"""Record IDs: short, typeable, read aloud on the phone (`ISS-4K7Q2M`).

Random Crockford base32, checked against their pattern before they touch a path.
"""

from __future__ import annotations

import os
import re
from typing import Literal

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
ID_LENGTH = 6
ISSUE_PREFIX = "ISS"
LESSON_PREFIX = "LES"
UPDATE_PREFIX = "UPD"
RECORD_ID = re.compile(r"^(ISS|LES)-[0-9A-HJKMNP-TV-Z]{6}$")
UPDATE_ID = re.compile(r"^UPD-[0-9A-HJKMNP-TV-Z]{8}$")

Kind = Literal["issue", "lesson"]
"""The kinds of record: an issue (`ISS-…`) or a lesson (`LES-…`)."""


def new_id(prefix: str, length: int = ID_LENGTH) -> str:
    """A random Crockford base32 ID such as `ISS-4K7Q2M`: short, typeable, read aloud.
    Each character is one byte from the operating system's random source, taken
    modulo 32 (256 is a multiple of 32, so every character is equally likely);
    `os.urandom` is what `secrets` uses, without importing hashlib and OpenSSL."""
    return prefix + "-" + "".join(CROCKFORD[byte % 32] for byte in os.urandom(length))


def normalise_id(text: str) -> str:
    """Accept IDs as people type them: any case, `O` for 0, `I`/`L` for 1."""
    head, sep, tail = text.strip().upper().partition("-")
    tail = tail.replace("O", "0").replace("I", "1").replace("L", "1")
    return head + sep + tail


def is_record_id(text: str) -> bool:
    return bool(RECORD_ID.match(text))


def kind_of(record_id: str) -> Kind:
    return "issue" if record_id.startswith(ISSUE_PREFIX + "-") else "lesson"
