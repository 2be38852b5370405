"""Markdown escaping of user text: record text is data, never markup.

Every ASCII punctuation character where markdown gives it a meaning is
backslash-escaped (CommonMark allows an escape before any of them), so no user
text can open a heading, list, block quote, code block, table cell, emphasis,
link, autolink, image, raw HTML or entity; where a character means nothing
(a hyphen inside a word, a colon before a space) it is left as typed. Leading spaces are dropped so a line cannot become an indented code
block, and invisible format characters are removed. Escaping the dot
and colon of an address and every `@` splits the text where GitHub's extended
autolinks look for `http:`, `www.`, `mailto:` and `@`, so bare addresses stay
plain text on GitHub too.
"""

from __future__ import annotations

import re

# Characters that mean something wherever they stand: emphasis, code, links, images,
# raw HTML and autolinks, tables, headings' closing marks, strikethrough, math.
_ALWAYS = re.compile(r"([\\`*_\[\]<>|#~$@{}])")
# The others mean something only in some places, and are escaped only there, so
# ordinary words keep their punctuation ("Year-end", "system: down", "Finance & HR"):
_ENTITY = re.compile(r"&(?=#?[0-9A-Za-z]+;)")
# www.x.org, http://, mailto: (a dot between digits, as in 1.5, is left alone). The
# dot or colon comes first and the look back after it, so the search jumps from one
# dot or colon to the next instead of looking back at every character.
_ADDRESS = re.compile(
    r"\.(?<=[0-9A-Za-z]\.)(?=[A-Za-z])|:(?:(?<=[0-9A-Za-z]:)(?=/)|(?i:(?<=mailto:)|(?<=xmpp:)))"
)
_LINE_START = re.compile(r"^(?:[-+=]|\d{1,9}[.)])")  # list items, setext underlines
_BLANK_LINES = re.compile(r"\n\s*\n")
_SPACES = re.compile(r"[ \t\f\v\u00a0\u2000-\u200a\u202f\u205f\u3000]+")


def _escape_line(text: str) -> str:
    if not text.isascii() or "  " in text or "\t" in text or "\f" in text or "\v" in text:
        text = _SPACES.sub(" ", text)  # (otherwise it would replace each single space by itself)
    return _escape_words(text.strip())


def _escape_words(text: str) -> str:
    """`_escape_line` for text already single-spaced and stripped. Each
    substitution runs only where it can match: most text holds none of the
    characters, and a substitution with a template costs a call of its own."""
    if _ALWAYS.search(text):
        text = _ALWAYS.sub(r"\\\1", text)
    if "&" in text:
        text = _ENTITY.sub(r"\\&", text)
    text = _ADDRESS.sub(lambda match: "\\" + match.group(), text)
    if text[:1] in "-+=" or text[:1].isdecimal():  # where `_LINE_START` can match (`\d` is isdecimal)
        text = _LINE_START.sub(lambda match: match.group()[:-1] + "\\" + match.group()[-1], text)
    return text


def cell(text: object) -> str:
    """One table cell or one line of a paragraph or heading: newlines become
    spaces, so a cell can never end its row early or add columns."""
    return _escape_words(" ".join(str(text).split()))


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
