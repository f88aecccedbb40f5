"""One plain-language verdict per tracked target, naming its status and its probability.

The status (Open SDG's method) looks back: the pace since the baseline against the pace the
target needs. The probability looks ahead: the forecast from every year observed. The two
can disagree (a share that rose from 2015 to 2022 and fell in 2024 is on its path since
2015, yet unlikely to reach the target), and a reader must see both and why: the verdict
says which way each points and, where they disagree, what the latest full years did.
"""

from __future__ import annotations

from dataclasses import dataclass

from servtrade.i18n import N_, Message, format_number, gettext

# One term per status, in words (the codes are for machines).
STATUS_WORDS = {
    "target_achieved": N_("target achieved"),
    "substantial_progress": N_("substantial progress"),
    "moderate_progress": N_("moderate progress"),
    "limited_progress": N_("limited progress"),
    "deterioration": N_("deterioration"),
    "not_available": N_("not assessable"),
}
BEHIND = ("limited_progress", "deterioration")


def status_words(status: str) -> str:
    """A target's status in words, in the reader's language: the one term every interface
    shows (the code is for machines)."""
    return gettext(STATUS_WORDS[status])


@dataclass(frozen=True)
class Recent:
    """The last two full years the target is judged on."""

    earlier_year: int
    earlier: float
    later_year: int
    later: float
    percent: bool  # a share or rate, shown with %


@dataclass(frozen=True)
class Pace:
    """A year's change: since the baseline, along the forecast's median to the target year,
    and needed from the latest full year (growth in %, or for shares percentage points)."""

    past: float
    outlook: float
    needed: float
    points: bool


def _pace(pace: Pace, target_year: int) -> Message:
    def shown(value: float) -> str:
        return format_number(value, 1) + (" pp" if pace.points else "%")

    return Message.of(
        N_(
            "the median forecast gains {outlook} a year to {year}, against {past} a year so "
            "far and {needed} needed"
        ),
        outlook=shown(pace.outlook),
        year=target_year,
        past=shown(pace.past),
        needed=shown(pace.needed),
    )


def _status(status: str, baseline: str | None) -> Message:
    words = Message.of(STATUS_WORDS[status])
    if baseline is None or status in ("target_achieved", "not_available"):
        return words
    return Message.of(N_("{status} since {baseline}"), status=words, baseline=baseline)


def _recent(recent: Recent) -> Message:
    def shown(value: float) -> str:
        return format_number(value, 1) + ("%" if recent.percent else "")

    template = (
        N_("it rose from {earlier} in {earlier_year} to {later} in {later_year}")
        if recent.later >= recent.earlier
        else N_("it fell from {earlier} in {earlier_year} to {later} in {later_year}")
    )
    return Message.of(
        template,
        earlier=shown(recent.earlier),
        earlier_year=recent.earlier_year,
        later=shown(recent.later),
        later_year=recent.later_year,
    )


def verdict(
    status: str,
    baseline: str | None,
    target_year: int,
    probability: float | None,
    why_not: Message | None = None,
    recent: Recent | None = None,
    rising: bool = True,
    pace: Pace | None = None,
) -> Message:
    """The verdict: status (with its baseline) and the chance of meeting the target by
    `target_year`, or why there is no chance to give (`why_not`); `rising` when the target
    is a floor (≥), so that a fall moves away from it."""
    looking_back = _status(status, baseline)
    if status == "target_achieved":
        return looking_back
    if probability is None:
        if why_not is None:
            return looking_back
        return Message.of(N_("{status}; {reason}"), status=looking_back, reason=why_not)
    chance = format_number(probability * 100, 0)
    likely = probability >= 0.5
    behind = status in BEHIND
    if status == "not_available" or (likely != behind) or status == "moderate_progress":
        template = (
            N_("{status}; the outlook to {year} gives a {chance}% chance of meeting it")
            if likely
            else N_("{status}; the outlook to {year} gives only a {chance}% chance of meeting it")
        )
        return Message.of(template, status=looking_back, year=target_year, chance=chance)
    template = (
        N_("{status}, yet the outlook to {year} gives a {chance}% chance of meeting it")
        if likely
        else N_("{status}, but the outlook to {year} gives only a {chance}% chance of meeting it")
    )
    said = Message.of(template, status=looking_back, year=target_year, chance=chance)
    # Why they disagree: the latest full years moved away from the target, else the
    # forecast's pace differs from the past one.
    if not likely and recent is not None and (recent.later >= recent.earlier) != rising:
        return Message.of(N_("{verdict}: {recent}"), verdict=said, recent=_recent(recent))
    if pace is not None:
        return Message.of(N_("{verdict}: {recent}"), verdict=said, recent=_pace(pace, target_year))
    return said
