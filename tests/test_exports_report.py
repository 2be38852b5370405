"""The public transparency report and digest against hostile record content:
markup, HTML, links, images, entities and newlines stay literal text; restricted
and internal records and updates never appear; people's names never appear.

`parse_checked` is shared by the other export tests: it parses markdown with
markdown-it-py (raw HTML enabled in the parser, so escaping that failed would
show up as HTML tokens) and asserts on the token stream.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from markdown_it import MarkdownIt
from markdown_it.token import Token

from data.git import Identity
from data.settings import RegisterSettings
from exports.digest import build_digest
from exports.html import to_html
from exports.report import build_report
from tracker.register import Register

TODAY = date(2024, 7, 1)
PEOPLE = {
    "Priya Nair": "Finance systems lead",
    "Tom Okafor": "Payroll manager",
    "Helen Marsh": "Programme director",
}
UNLISTED = "Zebedee Quorn"
NAMES = [*PEOPLE, UNLISTED]
HOSTILE = [
    "Pipes | in | the <b>title</b>",
    "# Heading? *emphasis* _under_ `code` ~~strike~~",
    "<script>alert('x')</script>",
    "<img src=x onerror=alert(1)>",
    "[click me](javascript:alert(1))",
    "![tracking](http://evil.example/pixel.png)",
    "&lt;b&gt; &amp; &#60;script&#62; &copy;",
    "http://evil.example www.evil.example mail@evil.example",
    "line one\n# line two\n> quoted\n    indented code\n- list\n1. numbered\n---\n===",
    "```\nfenced\n```",
    "$x^2$ and **** and ____ and [ref]: http://x",
]
SECRETS = [
    "ZANZIBARSECRET",
    "QUOKKAHIDDEN",
    "PLATYPUSINTERNAL",
    "WOMBATNOTE",
    "NARWHALLESSON",
    "OCELOTUPDATE",
]
ALLOWED_TOKENS = {
    "heading_open",
    "heading_close",
    "paragraph_open",
    "paragraph_close",
    "inline",
    "text",
    "softbreak",
    "hardbreak",
    "strong_open",
    "strong_close",
    "table_open",
    "table_close",
    "thead_open",
    "thead_close",
    "tbody_open",
    "tbody_close",
    "tr_open",
    "tr_close",
    "th_open",
    "th_close",
    "td_open",
    "td_close",
    "fence",
    "blockquote_open",
    "blockquote_close",
    "text_special",
}


def walk(tokens: list[Token]) -> list[Token]:
    found = []
    for token in tokens:
        found.append(token)
        if token.children:
            found += walk(token.children)
    return found


def parse_checked(markdown: str, internal: bool = False) -> list[Token]:
    """Parse and check: only the token types Tracker writes, no HTML, links or
    images, every table row as wide as its header, mermaid the only fence."""
    tokens = MarkdownIt("commonmark").enable("table").parse(markdown)
    every = walk(tokens)
    unexpected = {token.type for token in every} - ALLOWED_TOKENS
    assert not unexpected, f"unexpected markdown tokens: {unexpected}"
    assert all(token.info == "mermaid" for token in every if token.type == "fence")
    assert sum(token.type == "blockquote_open" for token in every) == (1 if internal else 0)
    assert sum(1 for t in tokens if t.type == "heading_open" and t.tag == "h1") == 1
    widths: list[int] = []
    cells = 0
    for token in tokens:
        if token.type == "thead_open":
            widths.append(-1)
        elif token.type in ("th_open", "td_open"):
            cells += 1
        elif token.type == "tr_close":
            if widths[-1] == -1:
                widths[-1] = cells
            assert cells == widths[-1], "a table row has a different number of cells from its header"
            cells = 0
    linkified = MarkdownIt("gfm-like").parse(markdown)
    assert not [t for t in walk(linkified) if t.type in ("link_open", "image", "html_inline", "html_block")]
    return tokens


def plain_text(tokens: list[Token]) -> str:
    return " ".join(
        token.content for token in walk(tokens) if token.type in ("text", "text_special", "fence")
    )


class Clock:
    def __init__(self) -> None:
        self.moment = datetime(2024, 1, 10, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.moment


def hostile_register(root: Path) -> Register:
    """Public records full of hostile text and names, plus restricted and internal
    records holding words that must never be published."""
    clock = Clock()
    settings = RegisterSettings(name="Hostile", people=PEOPLE)
    register = Register.init(
        root, settings=settings, acting_as=Identity("Helen Marsh", "h@x.example"), clock=clock
    )
    restricted = register.add_issue(
        title="ZANZIBARSECRET breach",
        description="QUOKKAHIDDEN",
        owner="Tom Okafor",
        visibility="restricted",
        severity="critical",
        affects_vulnerable=True,
        raised_on=date(2024, 1, 5),
    )
    register.add_issue(
        title="PLATYPUSINTERNAL working note",
        visibility="internal",
        raised_on=date(2024, 1, 6),
        raised_by=UNLISTED,
        owner=UNLISTED,
    )
    for number, text in enumerate(HOSTILE):
        issue = register.add_issue(
            title=text.replace("\n", " ")[:200],
            description=text + "\nSee Priya Nair.",
            workaround=text,
            visibility="public",
            severity=("critical", "high", "medium", "low")[number % 4],
            area=("finance", "payroll", "hr")[number % 3],
            owner="Priya Nair",
            raised_by="Tom Okafor",
            owner_role="Deputy to HELEN MARSH",
            raised_on=date(2024, 1, 1 + number),
            tags=["priya-nair", "x|y"],
            cost_gbp=1000.0 * number,
            cost_basis=("estimate", "actual")[number % 2],
            target_date=date(2024, 8, 1 + number),
            related=[restricted.id],
        )
        register.add_update(
            issue.id, text + " — agreed with tom.okafor and Zebedee Quorn", "action", "public"
        )
        register.add_update(issue.id, "WOMBATNOTE from Priya", "comment", "internal")
        register.add_update(issue.id, "OCELOTUPDATE", "decision", "restricted")
        if number % 3 == 0:
            clock.moment = datetime(2024, 3, 1 + number, 10, tzinfo=UTC)
            register.edit(issue.id, {"status": "resolved"})
    register.add_lesson(
        title="NARWHALLESSON", event="QUOKKAHIDDEN", visibility="restricted", logged_by="Tom Okafor"
    )
    for text in HOSTILE[:4]:
        register.add_lesson(
            title=text.replace("\n", " "),
            event=text + " Priya Nair",
            effect=text,
            cause=text,
            early_warnings=text,
            recommendation=text + " ask PRIYA",
            logged_by="Priya Nair",
            owner_role="Tom Okafor's team",
            visibility="public",
            logged_on=date(2024, 2, 1),
        )
    register.acting_as, register.clock = None, None
    return register


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Register:
    from conftest import write_git_config

    folder = tmp_path_factory.mktemp("hostile")
    write_git_config(folder / "gitconfig")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GIT_CONFIG_GLOBAL", str(folder / "gitconfig"))
        patch.setenv("GIT_CONFIG_NOSYSTEM", "1")
        return hostile_register(folder / "register")


def outputs(register: Register, audience: Any) -> dict[str, str]:
    return {
        "report": build_report(register, audience, end=TODAY, today=TODAY),
        "digest": build_digest(register, audience, end=TODAY, today=TODAY),
    }


def unescaped(text: str) -> str:
    return text.replace("\\", "").casefold()


def test_public_report_and_digest_parse_to_only_trackers_own_markup(hostile: Register) -> None:
    for markdown in outputs(hostile, "public").values():
        parse_checked(markdown)


def test_internal_report_says_so_at_the_top_and_is_still_safe_markdown(hostile: Register) -> None:
    report = build_report(hostile, "internal", end=TODAY, today=TODAY)
    parse_checked(report, internal=True)
    assert "Internal report: not for publication" in report.split("\n## ")[0]


def test_hostile_text_reads_literally_in_the_public_report(hostile: Register) -> None:
    text = plain_text(parse_checked(build_report(hostile, "public", end=TODAY, today=TODAY)))
    for hostile_text in HOSTILE:
        # E-mail addresses are personal data: the gate removes them whoever they belong to (issue 12).
        expected = hostile_text.replace("mail@evil.example", "[e-mail address removed]")
        assert " ".join(expected.split())[:60] in text


def test_hostile_text_reads_literally_in_the_digest(hostile: Register) -> None:
    tokens = parse_checked(build_digest(hostile, "public", end=TODAY, today=TODAY))
    joined = plain_text(tokens)
    assert "<script>alert('x')</script>" in joined
    assert "<img src=x onerror=alert(1)>" in joined


def test_public_outputs_never_show_restricted_or_internal_words(hostile: Register) -> None:
    for name, markdown in outputs(hostile, "public").items():
        for secret in SECRETS:
            assert secret.casefold() not in unescaped(markdown), f"{secret} in public {name}"


def test_internal_outputs_do_show_the_words_the_public_ones_hide(hostile: Register) -> None:
    report = unescaped(build_report(hostile, "internal", end=TODAY, today=TODAY))
    for secret in ("ZANZIBARSECRET", "PLATYPUSINTERNAL", "OCELOTUPDATE"):
        assert secret.casefold() in report


def test_public_outputs_never_name_people_in_any_field(hostile: Register) -> None:
    for name, markdown in outputs(hostile, "public").items():
        text = unescaped(markdown)
        for person in NAMES:
            assert person.casefold() not in text, f"{person} in public {name}"
            assert person.split()[0].casefold() not in text.replace("[", " "), f"{person} in public {name}"
        assert "tom.okafor" not in text and "priya-nair" not in text


def test_names_are_replaced_by_roles(hostile: Register) -> None:
    report = build_report(hostile, "public", end=TODAY, today=TODAY)
    assert "| Programme director |" in report
    assert "Deputy to \\[Programme director\\]" in report


def test_restricted_record_ids_are_not_linked_or_listed(hostile: Register) -> None:
    restricted = [d["id"] for d in hostile.documents("issue").values() if d["visibility"] == "restricted"]
    for markdown in outputs(hostile, "public").values():
        for record_id in restricted:
            assert record_id not in markdown


def test_withheld_section_counts_restricted_and_internal_records_with_reasons(hostile: Register) -> None:
    report = build_report(hostile, "public", end=TODAY, today=TODAY)
    withheld = report.split("## What we have withheld and why")[1]
    assert "| Issues | Internal | 1 |" in withheld
    assert "| Issues | Restricted | 1 |" in withheld
    assert "| Lessons | Restricted | 1 |" in withheld
    assert (
        f"{2 * len(HOSTILE)} updates on published records are internal or restricted and not shown"
        in withheld
    )


def test_html_export_holds_no_live_html_or_links(hostile: Register) -> None:
    page = to_html(build_report(hostile, "public", end=TODAY, today=TODAY), "Report <title>")
    body = page.split("<body>")[1]
    assert "<script" not in body and "<img" not in body and "<a " not in body
    assert "&lt;script&gt;" in body
    assert "<title>Report &lt;title&gt;</title>" in page
    # The chart is an accessible inline SVG in the HTML (mermaid stays in the markdown).
    assert '<code class="language-mermaid">' not in body and "xychart" not in body
    assert '<svg class="chart"' in body and 'role="img"' in body and "<title" in body.split("<svg")[1]


def test_report_sections_appear_in_order(hostile: Register) -> None:
    report = build_report(hostile, "public", end=TODAY, today=TODAY)
    sections = [line[3:] for line in report.splitlines() if line.startswith("## ")]
    assert sections == [
        "Headline status",
        "Issues resolved in this period",
        "Open issues",
        "Backlog trend",
        "Cost impact",
        "Impact on vulnerable residents and statutory duties",
        "Lessons and the actions taken",
        "Next steps",
        "Changes since the last report",
        "What we have withheld and why",
    ]


def test_cost_estimates_and_actuals_are_kept_apart(hostile: Register) -> None:
    report = build_report(hostile, "public", end=TODAY, today=TODAY)
    total = next(line for line in report.splitlines() if line.startswith("| **All areas**"))
    estimates = sum(1000 * n for n in range(len(HOSTILE)) if n % 2 == 0)
    actuals = sum(1000 * n for n in range(len(HOSTILE)) if n % 2 == 1)
    assert total == f"| **All areas** | £{estimates:,} | 6 | £{actuals:,} | 5 |"


def test_settings_wording_is_escaped_and_scrubbed_too(tmp_path: Path) -> None:
    from data.settings import ReportWording

    wording = ReportWording(
        title="<script>x</script> report",
        introduction="Ask [Helen Marsh](http://x)",
        sections={"headline": "# Not a heading, says Priya Nair"},
    )
    settings = RegisterSettings(people=PEOPLE, report=wording)
    register = Register.init(tmp_path / "r", settings=settings)
    report = build_report(register, "public", today=TODAY)
    text = plain_text(parse_checked(report))
    assert "<script>x</script> report" in text and "# Not a heading" in text
    assert "helen marsh" not in unescaped(report) and "priya nair" not in unescaped(report)


def test_public_view_holds_only_allow_listed_fields_and_public_updates(hostile: Register) -> None:
    from exports.gate import PUBLIC_FIELDS, Gate

    issue = next(d for d in hostile.documents("issue").values() if d["visibility"] == "public")
    rules = Gate.for_register("public", hostile, hostile.documents("issue").values())
    view = rules.view(issue)
    assert tuple(view) == PUBLIC_FIELDS["issue"]
    assert [update["visibility"] for update in view["updates"]] == ["public"]
    assert view["related"] == [] and view["owner"] == "Finance systems lead"
