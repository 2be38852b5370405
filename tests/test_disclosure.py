"""Disclosure control across reports (issue 12): no count of cases affecting
vulnerable residents under the threshold can be worked out from a report alone
or combined with every earlier one.

The hypothesis test plays the register forward through random sequences of
reports (issues raised and closed between them, some affecting vulnerable
residents, reports on the same day or consecutive days), publishes each
report's figure through `exports.disclosure.protect`, and then tries to solve
for the hidden counts with an exact solver of its own (every value each count
can take, not intervals), using what anyone reading the reports knows: the
published bands, every open total, and how many issues entered and left the
backlog between report dates."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from exports.disclosure import Flow, Observation, band, describe, protect
from exports.report import build_report
from tracker.register import Register

THRESHOLD = 5


def feasible(observations: list[Observation], flows: list[Flow]) -> list[set[int]]:
    """Every value each hidden count can take, given everything published
    (forward and backward passes over sets of integers)."""
    domains = [set(range(o.low, min(o.high, o.open_total) + 1)) for o in observations]
    reach = [domains[0]]
    for k in range(1, len(domains)):
        flow = flows[k]
        reach.append({v for v in domains[k] if any(-flow.left <= v - u <= flow.entered for u in reach[-1])})
    result = [set() for _ in domains]
    result[-1] = reach[-1]
    for k in range(len(domains) - 2, -1, -1):
        flow = flows[k + 1]
        result[k] = {u for u in reach[k] if any(-flow.left <= v - u <= flow.entered for v in result[k + 1])}
    return result


def disclosures(observations: list[Observation], flows: list[Flow]) -> list[str]:
    sets = feasible(observations, flows)
    if any(not values for values in sets):
        return []  # the attacker's model cannot hold: nothing is learned from it
    found = []
    for k, values in enumerate(sets):
        total = observations[k].open_total
        if len(values) == 1 and 0 < min(values) < THRESHOLD:
            found.append(f"exact count {min(values)} in report {k}")
        if total and min(values) == total:
            found.append(f"every open issue vulnerable in report {k}")
        if k:
            flow = flows[k]
            differences = {v - u for u in sets[k - 1] for v in values if -flow.left <= v - u <= flow.entered}
            if flow.entered and min(differences) == flow.entered:
                found.append(f"every issue raised before report {k} vulnerable")
            if flow.left and max(differences) == -flow.left:
                found.append(f"every issue closed before report {k} vulnerable")
    return found


STEP = st.tuples(
    st.integers(0, 6),  # issues raised or reopened since the last report
    st.integers(0, 6),  # of them, affecting vulnerable residents (capped below)
    st.integers(0, 6),  # issues closed since
    st.integers(0, 6),  # of them, affecting vulnerable residents (capped below)
)


@settings(max_examples=400, deadline=None)
@given(start=st.tuples(st.integers(0, 25), st.integers(0, 25)), steps=st.lists(STEP, min_size=1, max_size=6))
def test_no_small_count_can_be_worked_out_across_reports(start: tuple[int, int], steps: list) -> None:
    vulnerable, others = start
    total = vulnerable + others
    day = date(2024, 1, 31)
    published: list[Observation] = []
    flows: list[Flow] = [Flow(0, 0)]
    shown, findings = protect([], flows, day, total, vulnerable, THRESHOLD)
    published.append(shown)
    for raised, raised_vulnerable, closed, closed_vulnerable in steps:
        if findings:
            return  # the review stops publication until someone accepts the risk
        raised_vulnerable = min(raised_vulnerable, raised)
        closed = min(closed, total)
        closed_vulnerable = min(closed_vulnerable, closed, vulnerable)
        closed_vulnerable = max(closed_vulnerable, closed - (total - vulnerable))
        vulnerable += raised_vulnerable - closed_vulnerable
        total += raised - closed
        day += timedelta(days=1)
        flows.append(Flow(raised, closed))
        shown, findings = protect(published, flows, day, total, vulnerable, THRESHOLD)
        published.append(shown)
        assert shown.low <= vulnerable <= min(shown.high, total) or (shown.low, shown.high) == (0, total)
        if not findings:
            assert disclosures(published, flows) == [], (published, flows)


def test_a_band_crossing_that_would_give_away_the_raised_cases_is_not_shown() -> None:
    first, _ = protect([], [Flow(0, 0)], date(2024, 1, 31), 40, 14, THRESHOLD)
    assert describe(first, THRESHOLD) == "10 to 14"
    # One issue raised since, and it affects vulnerable residents: 15 would say so exactly.
    second, findings = protect([first], [Flow(0, 0), Flow(1, 0)], date(2024, 2, 29), 41, 15, THRESHOLD)
    assert describe(second, THRESHOLD) == "not shown" and findings == []


def test_a_band_that_would_say_every_open_issue_is_one_is_not_shown() -> None:
    # 5 of 5 open issues: "5 to 9" beside a total of 5 says every listed issue is one.
    shown, _ = protect([], [Flow(0, 0)], date(2024, 1, 31), 5, 5, THRESHOLD)
    assert describe(shown, THRESHOLD) == "not shown"


def test_bands_are_as_wide_as_the_threshold() -> None:
    assert [band(n, 5) for n in (0, 4, 5, 9, 10)] == [(0, 4), (0, 4), (5, 9), (5, 9), (10, 14)]


def test_consecutive_published_reports_keep_the_band_in_the_tag_and_suppress_a_giveaway(
    tmp_path: Path,
) -> None:
    register = Register.init(tmp_path / "r")
    for number in range(14):
        register.add_issue(title=f"Issue {number}", affects_vulnerable=True, raised_on=date(2024, 1, 2))
    for number in range(26):
        register.add_issue(title=f"Other {number}", raised_on=date(2024, 1, 2))
    first = build_report(register, "public", end=date(2024, 1, 31), today=date(2024, 1, 31))
    assert "residents at the end of the period: **10 to 14**" in first
    from exports.service import ExportRequest, render

    export = render(register, ExportRequest("report", "md", "public", None, date(2024, 1, 31)))
    register.publish_report(export.text.encode(), None, date(2024, 1, 31), "first.md", export.figures)
    assert register.latest_report().figures["Vulnerable-Open-Low"] == "10"  # type: ignore[union-attr]
    register.add_issue(title="One more", affects_vulnerable=True, raised_on=date(2024, 2, 10))
    second = build_report(
        register, "public", start=date(2024, 2, 1), end=date(2024, 2, 29), today=date(2024, 2, 29)
    )
    assert "residents at the end of the period: **not shown**" in second
    assert "Raised in the period" in second.split("Impact on vulnerable")[1]  # statutory figures stay exact


def test_the_solver_finds_what_plain_banding_gives_away() -> None:
    # Without the check, "10 to 14" then "15 to 19" with one issue raised gives 14, 15 and 1 exactly.
    plain = [Observation(date(2024, 1, 31), 40, 10, 14), Observation(date(2024, 2, 29), 41, 15, 19)]
    assert "every issue raised before report 1 vulnerable" in disclosures(plain, [Flow(0, 0), Flow(1, 0)])
    alone = [Observation(date(2024, 1, 31), 3, 0, 4)]
    assert disclosures(alone, [Flow(0, 0)]) == []


def test_a_report_for_a_period_before_a_published_one_shows_no_band(tmp_path: Path) -> None:
    register = Register.init(tmp_path / "r")
    for number in range(7):
        register.add_issue(title=f"Issue {number}", affects_vulnerable=True, raised_on=date(2024, 1, 2))
    register.publish_report(
        b"x",
        None,
        date(2024, 3, 31),
        "x.md",
        {"Vulnerable-Open-Low": "5", "Vulnerable-Open-High": "9", "Open-Issues": "7"},
    )
    text = build_report(register, "public", end=date(2024, 2, 29), today=date(2024, 3, 31))
    assert "residents at the end of the period: **not shown**" in text
