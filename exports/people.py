"""The people index: every person the register knows, and how their names and
personal data are found in text that is about to be published.

Text is split into words (letters and digits); each word is folded (compatibility
forms, accents and case: `Ｐｒｉｙａ`, `José`, `DESOUZA`, `MacLeod`), and runs of
words are looked up in a table of the ways each person's name is written:

- the whole name, its parts in either order, joined or apart (`Priya Nair`,
  `nair, priya`, `priya.nair`, `PriyaNair`, `Nair's`);
- initials before the surname (`P. Nair`, `P Nair`) and a title (`Dr Nair`);
- the aliases listed under `[people]`, and the local part of every e-mail address
  a person committed with (`pnair@…`);
- each part of a name on its own when it has two letters or more, unless it is an
  ordinary word (`exports.common_words`): then only with a capital, or, for the
  words of every sentence and dates (`June`, `IT`, `A`), only as the whole name.

Personal data is removed whoever it belongs to: e-mail addresses, UK telephone
numbers, postcodes and National Insurance numbers.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial

from exports.common_words import NEVER_ALONE, ORDINARY, TITLES

UNKNOWN_ROLE = "a member of staff"
_WORD = re.compile(r"[^\W_]+")
_NOT_A_WORD = str.maketrans({c: " " for c in map(chr, range(128)) if not c.isalnum()})
"""ASCII text translated with this and split gives the words `_WORD` finds in it,
without a match object for each."""
_INVISIBLE = re.compile(r"[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b-\u200f\u2060-\u206f\ufeff]")
_LONGEST = 5
_DIGIT = re.compile(r"\d")
_DIGITS = "0123456789"
"""The digits `_DIGIT` finds in ASCII text, each looked for at C speed."""
_PERSONAL_DATA: tuple[tuple[str, re.Pattern[str], str], ...] = (
    (
        "e-mail address",
        re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.IGNORECASE),
        "[e-mail address removed]",
    ),
    (
        "National Insurance number",
        re.compile(r"(?<![^\W_])[A-CEGHJ-PR-TW-Z]{2} ?\d{2} ?\d{2} ?\d{2} ?[A-D](?![^\W_])", re.IGNORECASE),
        "[National Insurance number removed]",
    ),
    (
        "UK telephone number",
        re.compile(r"(?<![\w+])(?:\+ ?44 ?(?:\(0\) ?)?|\(?0)\d(?:[ \-)]{0,2}\d){8,9}(?!\d)"),
        "[telephone number removed]",
    ),
    (
        "postcode",
        re.compile(
            r"(?<![^\W_])(?:[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]?) ?\d[ABD-HJLNP-UW-Z]{2}(?![^\W_])", re.IGNORECASE
        ),
        "[postcode removed]",
    ),
)


def plain(text: str) -> str:
    """Compatibility forms folded (fullwidth letters, ligatures) and invisible
    characters removed, so a name cannot hide behind a zero-width space."""
    if text.isascii():  # neither applies to ASCII
        return text
    return _INVISIBLE.sub("", unicodedata.normalize("NFKC", text))


def fold(word: str) -> str:
    """A word as names are compared: accents off, case folded."""
    if word.isascii():
        return word.lower()
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def words(text: str) -> list[str]:
    return [fold(word) for word in _WORD.findall(plain(text))]


@dataclass(frozen=True)
class Found:
    """One thing the index removed from a text: what it was and why."""

    what: str
    why: str


class PeopleIndex:
    """Names (with the role that stands in for each) and e-mail addresses."""

    def __init__(
        self,
        roles: dict[str, str],
        aliases: dict[str, list[str]] | None = None,
        emails: dict[str, str] | None = None,
    ):
        self._role_by_name = {" ".join(words(name)): role for name, role in roles.items() if words(name)}
        self._phrases: dict[tuple[str, ...], str] = {}
        self._alone: dict[str, str] = {}
        self._capitalised: dict[str, str] = {}
        for name, role in roles.items():
            forms = [name, *(aliases or {}).get(name, ())]
            for form in forms:
                self._add_name(words(form), role)
                self._role_by_name.setdefault(" ".join(words(form)), role)
        for email, name in (emails or {}).items():
            role = self.role(name) or UNKNOWN_ROLE
            local = email.partition("@")[0]
            parts = words(local)
            if parts:
                self._phrases.setdefault(tuple(parts), role)
                self._phrases.setdefault(("".join(parts),), role)
        self.tokens = frozenset(
            {part for phrase in self._phrases for part in phrase} | set(self._alone) | set(self._capitalised)
        )

    def _add_name(self, parts: list[str], role: str) -> None:
        named = [part for part in parts if part not in TITLES] or parts
        if not named:
            return
        for phrase in (parts, named, named[::-1], ["".join(named)], ["".join(named[::-1])]):
            if len(phrase) == 1:
                self._add_word(phrase[0], role)
            elif len(phrase) <= _LONGEST:
                self._phrases.setdefault(tuple(phrase), role)
        if len(named) > 1:
            surname = named[-1]
            initials = [part[0] for part in named[:-1]]
            self._phrases.setdefault((*initials, surname), role)
            self._phrases.setdefault((initials[0], surname), role)
            self._phrases.setdefault(("".join(initials), surname), role)
        for title in TITLES:
            self._phrases.setdefault((title, named[-1]), role)
        for part in named:
            self._add_word(part, role)

    def _add_word(self, word: str, role: str) -> None:
        if len(word) < 2 or word in NEVER_ALONE or not word[0].isalpha():
            return
        (self._capitalised if word in ORDINARY else self._alone).setdefault(word, role)

    def role(self, name: str | None) -> str | None:
        """The role of a person named exactly (folded), or None."""
        if not name:
            return None
        return self._role_by_name.get(" ".join(words(name)))

    def scrub(self, text: str) -> tuple[str, list[Found]]:
        """The text with personal data and known names removed, and what was removed."""
        text = plain(text)
        found: list[Found] = []
        if "@" in text or (_DIGIT.search(text) if not text.isascii() else any(d in text for d in _DIGITS)):
            for why, pattern, replacement in _PERSONAL_DATA:
                text = pattern.sub(partial(_note, found, why, replacement), text)
        if not self.tokens:
            return text, found
        if text.isascii():
            # Most text: lower case keeps every position, and the words are found in C.
            lowered = text.lower()
            if self.tokens.isdisjoint(lowered.translate(_NOT_A_WORD).split()):
                return text, found
            spans = [(m.start(), m.end(), m.group()) for m in _WORD.finditer(lowered)]
        else:
            spans = [(m.start(), m.end(), fold(m.group())) for m in _WORD.finditer(text)]
            if self.tokens.isdisjoint(word for _, _, word in spans):
                return text, found
        pieces: list[str] = []
        position = index = 0
        while index < len(spans):
            length, role = self._match(text, spans, index)
            if not length:
                index += 1
                continue
            start, end = spans[index][0], spans[index + length - 1][1]
            found.append(Found(text[start:end], f"a person's name, replaced by their role ({role})"))
            pieces += [text[position:start], f"[{role}]"]
            position, index = end, index + length
        return "".join(pieces) + text[position:], found

    def _match(self, text: str, spans: list[tuple[int, int, str]], index: int) -> tuple[int, str]:
        for length in range(min(_LONGEST, len(spans) - index), 0, -1):
            phrase = tuple(word for _, _, word in spans[index : index + length])
            role = self._phrases.get(phrase)
            if role is not None:
                return length, role
        word = spans[index][2]
        if word in self._alone:
            return 1, self._alone[word]
        if word in self._capitalised and text[spans[index][0]].isupper():
            return 1, self._capitalised[word]
        return 0, ""


def _note(found: list[Found], why: str, replacement: str, match: re.Match[str]) -> str:
    found.append(Found(match.group(), why))
    return replacement


def build_index(
    people: dict[str, tuple[str, list[str]]], others: Iterable[str], emails: dict[str, str]
) -> PeopleIndex:
    """The index of a register: `[people]` (role and aliases), every other name
    it has seen (as "a member of staff"), and commit e-mail addresses. A role
    that names someone ("Deputy to Helen Marsh") is scrubbed too."""
    roles = {name: UNKNOWN_ROLE for name in others}
    roles.update({name: role for name, (role, _) in people.items()})
    aliases = {name: list(listed) for name, (_, listed) in people.items()}
    first = PeopleIndex(roles, aliases, emails)
    safe = {name: first.scrub(role)[0].replace("[", "").replace("]", "") for name, role in roles.items()}
    return PeopleIndex(safe, aliases, emails)
