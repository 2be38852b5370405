"""What a field of a record is, beyond its check: the words of the kinds-and-fields
table that the model declares (`data.model`), and from which the rest derives.

Each field of an issue or a lesson is declared once, in `data.model`, with its
check and an `About`: its label, how a person writes it (the form's input, the
command line's option, the import's reading of a cell), whether it names a
person or a role, and its publication class (what a public report may do with
it). Labels, forms, options, allow-lists, CSV columns and query terms are all
derived from it (`data.kinds`), so adding a field is one line in the model.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Input = Literal[
    "id", "line", "words", "choice", "date", "moment", "flag", "amount", "tags", "links", "text", "updates"
]
"""How a person writes the field: one line of text, one of the register's words
(`words`) or of a fixed list (`choice`), a date, a yes/no flag, an amount in
pounds, a list of tags or of record IDs, long markdown text; `id`, `moment` and
`updates` are written by Tracker, not typed."""

PublicationClass = Literal["shown", "text", "person", "role", "count", "links", "updates", "withheld"]
"""What a public report may do with the field:

- `shown`: publish the value (Tracker's own words: dates, flags, amounts, IDs);
- `text`: publish the text after names and personal data are removed;
- `person`: a person's name: never published, replaced by their role;
- `role`: a role: published after names are removed from it;
- `count`: published only as a count over many records, never per record
  (whether an issue affects vulnerable residents);
- `links`: record IDs, published only for records that are themselves published;
- `updates`: the timeline, each update by its own visibility;
- `withheld`: never published."""


@dataclass(frozen=True)
class About:
    """A field's entry in the kinds-and-fields table."""

    label: str
    input: Input
    publication: PublicationClass
    words: str | None = None
    """For `words`: the register's list the value must be one of (a `Vocabulary` field)."""
    choices: tuple[str, ...] = ()
    """For `choice`: the fixed words."""
    links_to: Literal["issue", "lesson"] | None = None
    """For `links`: the kind of record linked to."""
    query: tuple[str, ...] | None = None
    """Names of the field in the query language (`raised<2024-05-01`); None for
    its own name (`status:open`), () for none."""
    option: tuple[str, ...] = ()
    """The command line's option declarations, when they are not `--field-name`
    (`--field-name/--not-field-name` for a flag)."""
    editable: bool = True
    """False for what Tracker writes itself (ID, creation time, timeline)."""
    optional: bool = False
    """A value may be left blank (None)."""

    @property
    def long(self) -> bool:
        """Long markdown text: shown apart, searched by free words, never in a table row."""
        return self.input == "text"
