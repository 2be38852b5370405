"""The publication rules on their own: escaping, names to roles, small counts."""

from __future__ import annotations

from markdown_it import MarkdownIt

from data.settings import RegisterSettings, ReportWording
from exports.escape import cell, paragraphs, quoted
from exports.rules import NOT_SHOWN, NameScrubber, Publication, small_counts

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


def test_full_names_are_found_however_they_are_written() -> None:
    scrub = NameScrubber(PEOPLE)
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
        assert "[Finance systems lead]" in scrub(text), text
        assert "priya" not in scrub(text).casefold() and "nair" not in scrub(text).casefold(), text


def test_a_first_name_alone_is_found_but_an_ordinary_word_is_not() -> None:
    scrub = NameScrubber(PEOPLE)
    assert scrub("Ask Helen") == "Ask [Programme director]"
    assert scrub("the salt marsh") == "the salt marsh"
    assert scrub("Priyanka") == "Priyanka"


def test_people_not_in_the_settings_become_a_member_of_staff() -> None:
    rules = Publication("public", RegisterSettings(people=PEOPLE), people=["Zed Unlisted"])
    assert rules.person("Zed Unlisted") == "a member of staff"
    assert rules.text("asked Zed Unlisted") == "asked [a member of staff]"
    assert rules.person("Priya Nair") == "Finance systems lead"


def test_a_role_that_names_someone_is_scrubbed_too() -> None:
    rules = Publication("public", RegisterSettings(people={**PEOPLE, "Sam Lee": "Deputy to Helen Marsh"}))
    assert "Helen" not in rules.person("Sam Lee")


def test_internal_audience_keeps_names() -> None:
    rules = Publication("internal", RegisterSettings(people=PEOPLE))
    assert rules.person("Priya Nair") == "Priya Nair"
    assert rules.text("Priya Nair said") == "Priya Nair said"


def public_rules(threshold: int = 5) -> Publication:
    return Publication("public", RegisterSettings(report=ReportWording(small_count_threshold=threshold)))


def test_small_counts_and_zero_are_shown_as_fewer_than_the_threshold() -> None:
    rules = public_rules()
    assert [rules.count(n) for n in (0, 1, 4, 5, 12)] == ["fewer than 5"] * 3 + ["5", "12"]


def test_a_suppressed_count_cannot_be_worked_out_by_subtraction() -> None:
    figures = {"raised": 9, "open": 7, "resolved": 2}
    shown = small_counts(public_rules(), figures, [("raised", ("open", "resolved"))])
    assert shown["resolved"] == "fewer than 5"
    assert NOT_SHOWN in (shown["open"], shown["raised"])


def test_secondary_suppression_follows_sums_that_share_a_figure() -> None:
    figures = {"t1": 10, "t2": 17, "p": 2, "q": 8, "r": 9}
    shown = small_counts(public_rules(), figures, [("t1", ("p", "q")), ("t2", ("q", "r"))])
    assert shown == {"t1": "10", "t2": "17", "p": "fewer than 5", "q": NOT_SHOWN, "r": NOT_SHOWN}


def test_internal_audience_sees_exact_counts() -> None:
    rules = Publication("internal", RegisterSettings())
    assert small_counts(rules, {"open": 2, "raised": 3, "resolved": 1}, []) == {
        "open": "2",
        "raised": "3",
        "resolved": "1",
    }


def test_the_threshold_comes_from_the_settings() -> None:
    assert public_rules(10).count(7) == "fewer than 10"
