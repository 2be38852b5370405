"""The publication review: what the gate removed from a public export, and what
it published that still looks like a person's name the register does not know.

The gate can only replace the names the register knows. Before a report is
published, the person publishing sees every redaction (what, where, why) and
every remaining pair of words that reads like a name ("Dr Smith", "Alan
Turing"), so they can add the person to `[people]` in `tracker.toml` or accept
the words as not a name. Acceptances are kept in the register
(`publication-accepted.txt`, committed), so the next report remembers them.
Disclosure findings that no suppression could cure (`exports.disclosure`)
need accepting the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from exports.common_words import ORDINARY, TITLES
from exports.gate import Gate, Redaction
from exports.people import fold

# A capitalised word, with at most one capital inside (McDonald, DeSouza); no nested
# repetition, so a long text is searched in linear time.
_CAPITALISED = r"[A-Z][a-z]+(?:[A-Z][a-z]+)?(?:'s)?"
_NAME_PAIR = re.compile(rf"(?<![\w-])({_CAPITALISED}) ((?:[A-Z]\. ?)?{_CAPITALISED})(?![\w-])")
_TITLED = re.compile(
    rf"(?<![\w-])(?:{'|'.join(t.capitalize() for t in TITLES)})\.? ({_CAPITALISED})(?![\w-])"
)

# What both patterns need somewhere: a capitalised word (or a title, with its dot),
# a space and a capital; most published text has none and is not read further.
_MAYBE_NAMED = re.compile(r"[A-Z][a-z]+(?:'s)?\.? [A-Z]")


@dataclass(frozen=True)
class Candidate:
    """Words in a public export that look like a person's name unknown to the register."""

    where: str
    words: str
    why: str


@dataclass
class Review:
    redactions: list[Redaction] = field(default_factory=list)
    candidates: list[Candidate] = field(default_factory=list)
    disclosure: list[str] = field(default_factory=list)

    def unreviewed(self) -> list[str]:
        """What must be accepted (or the register told) before publishing."""
        words = sorted({candidate.words for candidate in self.candidates}, key=str.casefold)
        return words + self.disclosure

    def lines(self) -> list[str]:
        """The review as plain lines for a terminal (record text is shown literally by the caller)."""
        lines = [f"Redactions: {len(self.redactions):,}"]
        lines += [f"  {r.where}: {r.what!r} removed ({r.why})" for r in self.redactions]
        lines.append(f"Words that look like names unknown to the register: {len(self.candidates):,}")
        lines += [f"  {c.where}: {c.words!r} ({c.why})" for c in self.candidates]
        if self.disclosure:
            lines.append("Disclosure risks no suppression could remove:")
            lines += [f"  {finding}" for finding in self.disclosure]
        return lines


def _ordinary(word: str) -> bool:
    return fold(word.removesuffix("'s")) in ORDINARY


def name_like(text: str) -> list[tuple[str, str]]:
    """Word pairs in `text` that read like a person's name, with why."""
    found = []
    for match in _TITLED.finditer(text):
        if not _ordinary(match.group(1)):
            found.append((match.group(), "a title followed by a name"))
    for match in _NAME_PAIR.finditer(text):
        first, second = match.group(1), match.group(2)
        if fold(first) in TITLES or _ordinary(first) or _ordinary(second.split()[-1]):
            continue
        found.append((match.group(), "two capitalised words, as a name is written"))
    return found


def review(gate: Gate, disclosure: list[str] | None = None) -> Review:
    """The review of everything `gate` let out so far (call it after rendering)."""
    accepted = {fold(word) for word in gate.accepted}
    candidates: dict[tuple[str, str], Candidate] = {}
    # The same text (a vocabulary word, a tag, a repeated update) is read once.
    read: dict[str, list[tuple[str, str]]] = {}
    for where, text in gate.published:
        found = read.get(text)
        if found is None:
            found = read[text] = name_like(text) if _MAYBE_NAMED.search(text) else []
        for words, why in found:
            if fold(words) not in accepted:
                candidates.setdefault((where, words), Candidate(where, words, why))
    unsettled = [finding for finding in disclosure or () if fold(finding) not in accepted]
    return Review(list(gate.redactions), list(candidates.values()), unsettled)
