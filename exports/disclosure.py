"""Disclosure control for counts of cases affecting vulnerable residents, across
every published report, after the ONS's and the ICO's guidance on small numbers.

The method is banding with secondary suppression, checked against every
earlier report:

- Only one vulnerable-resident figure is published: how many open issues
  affect vulnerable residents at the end of the period (a stock on a date).
  Flows (raised, resolved in the period) are what differencing attacks work on
  (open now = open before + raised - resolved; overlapping periods), so they
  are not published; the internal report has them.
- The figure is published as a band as wide as the threshold (`fewer than 5`,
  `5 to 9`, `10 to 14`, ...), never as an exact number, so no single report
  gives an exact count.
- Banding alone can still be undone across reports: a band of `10 to 14`
  followed by `15 to 19` when only one issue was raised between them gives the
  exact counts. So before a band is published, this module puts it beside every
  earlier published band (kept in the report tags) and the exact totals anyone
  can read in the reports (open issues, issues raised or reopened, and closed
  between the dates), and works out what they imply together. If anything
  becomes exact that must not (a count from 1 to the threshold less one, or
  "every open issue", "every issue raised since", "every issue closed since"
  affecting vulnerable residents), the new band is suppressed (`not shown`).
- If a disclosure remains even then (the totals alone give it away, as when
  almost every open issue has closed since an earlier report), it is returned as
  a finding for the publication review, which must accept it before publishing.

The figures an attacker combines satisfy, for consecutive report dates, a
change in the vulnerable count between `-closed` and `+raised` (all issues,
reopened ones included). With box bounds and unit coefficients along a chain,
interval propagation to a fixed point gives the exact range of every figure.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Observation:
    """What one report published: the day, the open total, and the band the
    vulnerable-resident count was shown in (`low` 0, `high` the total when not shown)."""

    day: date
    open_total: int
    low: int
    high: int


@dataclass(frozen=True)
class Flow:
    """Issues that entered (raised or reopened) and left (closed) the backlog
    between one report date and the next."""

    entered: int
    left: int


def band(value: int, threshold: int) -> tuple[int, int]:
    start = value // threshold * threshold
    return start, start + threshold - 1


def describe(observation: Observation, threshold: int) -> str:
    """`fewer than 5`, `5 to 9`, or `not shown`."""
    low, high = observation.low, observation.high
    if low == 0 and high == threshold - 1:
        return f"fewer than {threshold}"
    if low == 0 and high == observation.open_total and high != threshold - 1:
        return "not shown"
    return f"{low:,} to {high:,}"


def ranges(observations: list[Observation], flows: list[Flow]) -> list[tuple[int, int]] | None:
    """The range each vulnerable count can take given everything published, or
    None when the figures cannot all hold together."""
    low = [max(o.low, 0) for o in observations]
    high = [min(o.high, o.open_total) for o in observations]
    changed = True
    while changed:
        changed = False
        for k in range(1, len(observations)):
            flow = flows[k]
            bounds = (
                max(low[k], low[k - 1] - flow.left),
                min(high[k], high[k - 1] + flow.entered),
                max(low[k - 1], low[k] - flow.entered),
                min(high[k - 1], high[k] + flow.left),
            )
            if bounds != (low[k], high[k], low[k - 1], high[k - 1]):
                low[k], high[k], low[k - 1], high[k - 1] = bounds
                changed = True
        if any(lo > hi for lo, hi in zip(low, high, strict=True)):
            return None
    return list(zip(low, high, strict=True))


def findings(observations: list[Observation], flows: list[Flow], threshold: int) -> list[str]:
    """What the published figures give away together, one sentence each."""
    found = ranges(observations, flows)
    if found is None:
        return [
            "the vulnerable-resident figures of the reports do not add up, so they say more than intended"
        ]
    problems = []
    for k, (low, high) in enumerate(found):
        when = observations[k].day.isoformat()
        total = observations[k].open_total
        if low == high and 0 < low < threshold:
            problems.append(
                f"on {when} exactly {low} open issues affecting vulnerable residents can be worked out"
            )
        if total and low >= total:
            problems.append(f"on {when} every open issue can be worked out to affect vulnerable residents")
        if k == 0:
            continue
        flow, (before_low, before_high) = flows[k], found[k - 1]
        if flow.entered and low - before_high >= flow.entered:
            problems.append(
                f"every issue raised or reopened up to {when} can be worked out to affect vulnerable residents"
            )
        if flow.left and high - before_low <= -flow.left:
            problems.append(
                f"every issue closed up to {when} can be worked out to have affected vulnerable residents"
            )
    return problems


def protect(
    earlier: list[Observation], flows: list[Flow], day: date, open_total: int, value: int, threshold: int
) -> tuple[Observation, list[str]]:
    """The band to publish today given every earlier published band, and any
    disclosure that remains even with today's figure suppressed. `flows` has
    one entry per observation (earlier ones, then today), the first unused."""
    low, high = band(value, threshold)
    shown = Observation(day, open_total, low, high)
    if not findings([*earlier, shown], flows, threshold):
        return shown, []
    hidden = Observation(day, open_total, 0, open_total)
    return hidden, findings([*earlier, hidden], flows, threshold)
