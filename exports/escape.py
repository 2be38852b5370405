"""Markdown escaping of user text: record text is data, never markup.

Every ASCII punctuation character that markdown gives a meaning is
backslash-escaped (CommonMark allows an escape before any of them), so no user text can open a heading, list, block
quote, code block, table cell, emphasis, link, autolink, image, raw HTML or
entity. Leading spaces are dropped so a line cannot become an indented code
block, and invisible format characters are removed. Escaping each punctuation
character also splits the text where GitHub's extended autolinks look for
`http:`, `www.` and `@`, so bare addresses stay plain text on GitHub too.
"""

from __future__ import annotations

import re
import string

# Punctuation with no meaning in CommonMark, GFM or GitHub's math (, ; ' " % ? / ^) is left as
# typed so the markdown stays readable; every other ASCII punctuation mark is escaped.
_HARMLESS = ",;'\"%?/^"
_PUNCTUATION = re.compile(
    "([" + re.escape("".join(c for c in string.punctuation if c not in _HARMLESS)) + "])"
)
_BLANK_LINES = re.compile(r"\n\s*\n")
_SPACES = re.compile(r"[ \t\f\v\u00a0\u2000-\u200a\u202f\u205f\u3000]+")


def _escape_line(text: str) -> str:
    return _PUNCTUATION.sub(r"\\\1", _SPACES.sub(" ", text).strip())


def cell(text: object) -> str:
    """One table cell or one line of a paragraph or heading: newlines become
    spaces, so a cell can never end its row early or add columns."""
    return _escape_line(" ".join(str(text).split()))


def paragraphs(text: object) -> str:
    """Multi-line text as markdown paragraphs: blank lines separate paragraphs,
    single line breaks are kept as hard breaks, and everything is literal."""
    blocks = []
    for block in _BLANK_LINES.split(str(text).replace("\r\n", "\n").replace("\r", "\n")):
        lines = [_escape_line(line) for line in block.split("\n")]
        lines = [line for line in lines if line]
        if lines:
            blocks.append("\\\n".join(lines))
    return "\n\n".join(blocks)


def quoted(text: str) -> str:
    """A label for mermaid, in double quotes; only dates and numbers go there,
    but anything else is reduced to safe characters all the same."""
    return '"' + re.sub(r"[^0-9A-Za-z ._:/-]", "", text) + '"'
