"""The publication rules on their own: escaping, names to roles, small counts."""

from __future__ import annotations

from markdown_it import MarkdownIt

from data.settings import RegisterSettings
from exports.escape import cell, paragraphs, quoted
from exports.gate import Gate

PEOPLE = {"Priya Nair": "Finance systems lead", "Helen Marsh": "Programme director"}


def inline_types(markdown: str) -> set[str]:
    tokens = MarkdownIt("commonmark").enable("table").parse(markdown)
    types = {token.type for token in tokens}
    for token in tokens:
        types |= {child.type for child in token.children or ()}
    return types


def test_escaped_text_is_one_plain_paragraph_whatever_it_holds() -> None:
    for text in [
        "# h",
        "> q",
        "- l",
        "1. n",
        "1) n",
        "    code",
        "```",
        "~~~",
        "---",
        "***",
        "<div>",
        "<!-- c -->",
        "[a](b)",
        "![a](b)",
        "<http://x>",
        "&amp;",
        "&#x3C;",
        "*a* _b_ **c**",
        "`c`",
        "\\*",
        "| a |",
        "[a]: http://x",
        "a  ",
        "===",
        "+ x",
        "<?php ?>",
        "<![CDATA[x]]>",
    ]:
        types = inline_types(paragraphs(text))
        assert types <= {"paragraph_open", "paragraph_close", "inline", "text", "text_special"}, (text, types)


def test_escaped_text_renders_as_the_text_typed() -> None:
    renderer = MarkdownIt("commonmark")
    for text in ["<b>bold</b>", "a\\b", "*x*", "&copy;", "[x](y)", '50% of £5,000; it\'s "fine"?']:
        html = renderer.render(cell(text))
        assert (
            html
            == "<p>"
            + text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
            + "</p>\n"
        )


def test_a_cell_never_spans_lines_or_adds_columns() -> None:
    row = "| " + cell("a | b\n| c | d |\n\n# e") + " | x |"
    markdown = "| one | two |\n| --- | --- |\n" + row + "\n"
    tokens = MarkdownIt("commonmark").enable("table").parse(markdown)
    assert sum(token.type == "td_open" for token in tokens) == 2


def test_line_breaks_in_paragraphs_are_kept_as_hard_breaks() -> None:
    tokens = MarkdownIt("commonmark").parse(paragraphs("one\\\ntwo\n\nthree"))
    assert [t.type for t in tokens].count("paragraph_open") == 2
    assert "hardbreak" in {child.type for child in tokens[1].children or ()}


def test_mermaid_labels_keep_only_safe_characters() -> None:
    assert quoted('2024-06-30"] ; click x') == '"2024-06-30  click x"'


def public_gate(people: dict[str, str] | None = None, others: tuple[str, ...] = ()) -> Gate:
    return Gate("public", RegisterSettings(people=people if people is not None else PEOPLE), others)


def test_full_names_are_found_however_they_are_written() -> None:
    gate = public_gate()
    for text in [
        "Priya Nair",
        "priya nair",
        "PRIYA  NAIR",
        "priya.nair@council",
        "Nair, Priya",
        "PriyaNair",
        "Pri\u200bya Nair",
        "Ｐｒｉｙａ Ｎａｉｒ",
        "priya_nair",
        "priya-nair",
    ]:
        assert "[Finance systems lead]" in gate.text(text), text
        assert "priya" not in gate.text(text).casefold() and "nair" not in gate.text(text).casefold(), text


def test_a_first_name_alone_is_found_but_an_ordinary_word_is_not() -> None:
    gate = public_gate()
    assert gate.text("Ask Helen") == "Ask [Programme director]"
    assert gate.text("the salt marsh") == "the salt marsh"
    assert gate.text("Priyanka") == "Priyanka"


def test_people_not_in_the_settings_become_a_member_of_staff() -> None:
    gate = public_gate(others=("Zed Unlisted",))
    assert gate.person("Zed Unlisted") == "a member of staff"
    assert gate.text("asked Zed Unlisted") == "asked [a member of staff]"
    assert gate.person("Priya Nair") == "Finance systems lead"


def test_a_role_that_names_someone_is_scrubbed_too() -> None:
    gate = public_gate({**PEOPLE, "Sam Lee": "Deputy to Helen Marsh"})
    assert "Helen" not in gate.person("Sam Lee")


def test_internal_audience_keeps_names() -> None:
    gate = Gate("internal", RegisterSettings(people=PEOPLE))
    assert gate.person("Priya Nair") == "Priya Nair"
    assert gate.text("Priya Nair said") == "Priya Nair said"
