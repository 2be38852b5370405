"""The exports' fast paths (issue 17) give exactly what the plain paths give:
the gate scrubs each distinct text once but records every removal where it was,
the review reads each distinct text once and skips texts that cannot hold a
name-like pair, and record exports written a row at a time are the files
`select` with `to_csv` / `to_json` make."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from data.settings import RegisterSettings
from data.text import clean_text
from exports import tabular
from exports.escape import cell, paragraphs
from exports.gate import Gate, Redaction
from exports.people import _DIGIT, _DIGITS, _INVISIBLE, _NOT_A_WORD, _WORD, plain
from exports.review import _MAYBE_NAMED, name_like, review
from tracker.register import Register

PEOPLE = {
    "Priya Nair": "Finance systems lead",
    "Ravi DeSouza": {"role": "Head of digital", "aliases": ["Dr Ravi DeSouza", "R. DeSouza"]},
    "José MacLeod": "Payroll manager",
    "June Whitley": "Clerk",
}
PLANTED = [
    "Priya Nair",
    "nair",
    "PRIYA",
    "Dr DeSouza",
    "R. DeSouza",
    "Jose Macleod",
    "Ｊｏｓé MacLeod",
    "June",
    "Whitley's",
    "Zed Unlisted",
    "p.nair@council.example",
    "020 7946 0018",
    "SW1A 1AA",
    "Alan Turing",
    "Mr. Smith",
]
WORDS = st.sampled_from(
    [
        "the",
        "June",
        "plan",
        "Finance",
        "IT",
        "agreed",
        "Board",
        "McDonald's",
        "A.",
        "Ms",
        "and",
        ".",
        ",",
        "\n",
    ]
)
TEXTS = st.lists(
    st.one_of(WORDS, st.sampled_from(PLANTED), st.text(alphabet="aAbBnN .'-\n\u200b", max_size=6)),
    max_size=12,
).map(" ".join)


def _gate() -> Gate:
    return Gate("public", RegisterSettings(people=PEOPLE), ["Zed Unlisted"])


@settings(max_examples=150, deadline=None)
@given(st.lists(TEXTS, min_size=1, max_size=8), st.lists(st.integers(0, 7), max_size=20))
def test_the_remembered_scrub_records_every_removal_as_scrubbing_each_text_afresh_does(
    texts: list[str], repeats: list[int]
) -> None:
    sequence = texts + [texts[i % len(texts)] for i in repeats]
    gate = _gate()
    published = [gate.text(text, f"place {n}") for n, text in enumerate(sequence)]
    # The plain path: every text scrubbed afresh, as the gate did before it remembered.
    index = _gate().index
    expected_redactions, expected_published, expected = [], [], []
    for n, text in enumerate(sequence):
        scrubbed, found = index.scrub(clean_text(text))
        expected_redactions += [Redaction(f"place {n}", item.what, item.why) for item in found]
        if scrubbed:
            expected_published.append((f"place {n}", scrubbed))
        expected.append(scrubbed)
    assert published == expected
    assert gate.redactions == expected_redactions
    assert list(gate.published) == expected_published


@settings(max_examples=300, deadline=None)
@given(TEXTS)
def test_a_text_the_review_skips_holds_no_name_like_words(text: str) -> None:
    if _MAYBE_NAMED.search(text) is None:
        assert name_like(text) == []


@settings(max_examples=100, deadline=None)
@given(st.lists(TEXTS, min_size=1, max_size=10))
def test_the_review_finds_what_reading_every_published_text_finds(texts: list[str]) -> None:
    gate = _gate()
    for n, text in enumerate(texts + texts):
        gate.text(text, f"place {n % 3}")
    expected: dict[tuple[str, str], tuple[str, str, str]] = {}
    for where, text in gate.published:
        for words, why in name_like(text):
            expected.setdefault((where, words), (where, words, why))
    found = [(c.where, c.words, c.why) for c in review(gate).candidates]
    assert found == list(expected.values())


def _plain(register: Register, kind: Any, query: str, audience: Any, format: str) -> tuple[str, Gate]:
    gate = Gate.for_register(audience, register)
    records, _ = tabular.select(register, kind, query, audience, gate=gate)
    if format == "json":
        return tabular.to_json(records), gate
    return tabular.to_csv(records, tabular.columns(kind, audience, records)), gate


@pytest.mark.parametrize("audience", ["public", "internal"])
@pytest.mark.parametrize("format", ["csv", "json"])
@pytest.mark.parametrize(
    ("kind", "query"),
    [("issue", ""), ("issue", "status:open"), ("lesson", ""), ("issue", "nothing-matches-this")],
)
def test_records_written_a_row_at_a_time_are_the_selected_records_file(
    demo_register: Register, audience: Any, format: str, kind: Any, query: str
) -> None:
    expected, plain_gate = _plain(demo_register, kind, query, audience, format)
    selected, withheld = tabular.select(demo_register, kind, query, audience)
    gate = Gate.for_register(audience, demo_register)
    pieces, count, not_shown = tabular.export(demo_register, kind, query, audience, format, gate)
    assert b"".join(pieces).decode("utf-8") == expected
    assert (count, not_shown) == (len(selected), withheld)
    assert gate.redactions == plain_gate.redactions
    assert list(gate.published) == list(plain_gate.published)


# Markdown escaping as it was before the fast paths, to compare with.
_OLD_ALWAYS = re.compile(r"([\\`*_\[\]<>|#~$@{}])")
_OLD_ENTITY = re.compile(r"&(?=#?[0-9A-Za-z]+;)")
_OLD_ADDRESS = re.compile(r"(?<=[0-9A-Za-z])(?:\.(?=[A-Za-z])|:(?=/))|(?i:(?<=mailto)|(?<=xmpp)):")
_OLD_LINE_START = re.compile(r"^(?:[-+=]|\d{1,9}[.)])")
_OLD_SPACES = re.compile(r"[ \t\f\v\u00a0\u2000-\u200a\u202f\u205f\u3000]+")


def _old_escape_line(text: str) -> str:
    text = _OLD_SPACES.sub(" ", text).strip()
    text = _OLD_ALWAYS.sub(r"\\\1", text)
    text = _OLD_ADDRESS.sub(lambda match: "\\" + match.group(), _OLD_ENTITY.sub(r"\\&", text))
    return _OLD_LINE_START.sub(lambda match: match.group()[:-1] + "\\" + match.group()[-1], text)


def _old_paragraphs(text: str) -> str:
    blocks = []
    for block in re.split(r"\n\s*\n", text.replace("\r\n", "\n").replace("\r", "\n")):
        lines = [line for line in (_old_escape_line(line) for line in block.split("\n")) if line]
        if lines:
            blocks.append("\\\n".join(lines))
    return "\n\n".join(blocks)


MARKDOWN = st.lists(
    st.one_of(
        st.text(alphabet=" \t\f\v\u00a0\u2003\u3000\n\r.:/&#;-+=)1aZmM@*_[]<>|`~$\\{}é３٣", max_size=8),
        st.sampled_from(
            [
                "www.x.org",
                "http://a.b",
                "MAILTO:x",
                "xmpp:y",
                "1.5",
                "&amp;",
                "&#60;",
                "12.",
                "- item",
                "３. item",
                "٣) x",
            ]
        ),
    ),
    max_size=10,
).map("".join)


@settings(max_examples=500, deadline=None)
@given(MARKDOWN)
def test_markdown_escaping_is_what_it_was_before_it_was_made_fast(text: str) -> None:
    assert cell(text) == _old_escape_line(" ".join(text.split()))
    assert paragraphs(text) == _old_paragraphs(text)


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=127)))
def test_ascii_text_is_split_into_the_words_the_word_pattern_finds(text: str) -> None:
    assert text.translate(_NOT_A_WORD).split() == _WORD.findall(text)
    assert plain(text) == _INVISIBLE.sub("", unicodedata.normalize("NFKC", text))
    assert any(digit in text for digit in _DIGITS) == bool(_DIGIT.search(text))
