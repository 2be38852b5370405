"""Filtering as you type: a query that only narrows the last one is run over the
last result alone, and that gives exactly what the whole filter gives."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tracker.register import Register
from tracker.tui.screens.register_view import Filtered, Order, Ordered, filter_rows, refines
from tracker.tui.snapshot import RegisterSnapshot

TERMS = [
    "rec",
    "receipts",
    "pay",
    "bank",
    "status:open",
    "-status:closed",
    "severity:high",
    "severity:high,critical",
    "is:open",
    "area:finance",
    "area:payroll",
    "owner:priya",
    "-pay",
    '"bank',
    '"bank file"',
    "age>30",
    "age<3",
    "vulnerable:yes",
]
GROWTH = st.text(alphabet='acegiklnoprsty :-,"<>0123', max_size=6)
ORDER = Order(None, False, None)


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory: pytest.TempPathFactory) -> RegisterSnapshot:
    from tracker.demo import build_demo

    root: Path = tmp_path_factory.mktemp("refine") / "demo"
    build_demo(root)
    return RegisterSnapshot.take(Register.open(root), date(2026, 5, 4), None)


def shown(result: Filtered | None) -> tuple[list[str], str | None]:
    assert result is not None
    return [key for key, _cells in result.rows], result.error


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(old=st.lists(st.sampled_from(TERMS), min_size=1, max_size=3).map(" ".join), growth=GROWTH)
def test_refining_the_last_result_gives_exactly_the_whole_filters_answer(
    snapshot: RegisterSnapshot, old: str, growth: str
):
    new = old + growth
    orders: dict[str, Ordered] = {}
    previous = filter_rows("issue", old, snapshot, ORDER, orders)  # type: ignore[arg-type]
    refined = filter_rows("issue", new, snapshot, ORDER, orders, previous)  # type: ignore[arg-type]
    whole = filter_rows("issue", new, snapshot, ORDER, {})
    assert shown(refined) == shown(whole)


def test_a_query_that_only_narrows_is_run_over_the_last_result(snapshot: RegisterSnapshot):
    orders: dict[str, Ordered] = {}
    previous = filter_rows("issue", "rec", snapshot, ORDER, orders)  # type: ignore[arg-type]
    assert previous is not None and previous.rows
    emptied = Filtered("issue", "rec", [], previous.total, previous.ordered)
    narrowed = filter_rows("issue", "rece", snapshot, ORDER, orders, emptied)  # type: ignore[arg-type]
    assert narrowed is not None and narrowed.rows == []  # only the (emptied) last result was tried


@pytest.mark.parametrize(
    ("old", "new", "narrows"),
    [
        ("rec", "rece", True),
        ("rec", "rec area:finance", True),
        ("status:open ", "status:open -pay", True),
        ("severity:high", "severity:high,critical", False),
        ("-pay", "-payroll", False),
        ('"bank', '"bank file', False),
        ("age<3", "age<30", False),
        ("", "rec", False),
        ("rec", "re", False),
    ],
)
def test_what_counts_as_only_narrowing(old: str, new: str, narrows: bool):
    assert refines(old, new) is narrows
