"""Slot arithmetic in Brasília time, on plain data (no database): windows, holidays, breaks, bookings.

Brazil has had no daylight-saving time since 2019, but the maths never assumes it: wall-clock times are
turned into aware datetimes through zoneinfo, day by day.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

BRASILIA = ZoneInfo("America/Sao_Paulo")
SLOT_ID_FORMAT = "%Y-%m-%dT%H:%M"

Interval = tuple[datetime, datetime]


@dataclass(frozen=True)
class Slot:
    starts_at: datetime
    ends_at: datetime

    @property
    def local_start(self) -> datetime:
        return self.starts_at.astimezone(BRASILIA)

    @property
    def id(self) -> str:
        """What forms and links carry: the start in Brasília wall-clock time, e.g. "2026-12-03T09:30"."""
        return self.local_start.strftime(SLOT_ID_FORMAT)

    @property
    def time_label(self) -> str:
        return self.local_start.strftime("%H:%M")


@dataclass
class AgentCalendar:
    """One agent's rules and exceptions, and the active bookings that hold their time."""

    agent_id: int
    weekly: dict[int, list[tuple[time, time]]] = field(default_factory=lambda: defaultdict(list))
    days_off: set[date] = field(default_factory=set)
    off_windows: dict[date, list[tuple[time, time]]] = field(default_factory=lambda: defaultdict(list))
    extra_windows: dict[date, list[tuple[time, time]]] = field(default_factory=lambda: defaultdict(list))
    busy: dict[date, list[Interval]] = field(default_factory=lambda: defaultdict(list))

    def add_busy(self, start: datetime, end: datetime) -> None:
        # Filed under each Brasília day it touches, so a day's slots are checked against that day only.
        for day in {start.astimezone(BRASILIA).date(), end.astimezone(BRASILIA).date()}:
            self.busy[day].append((start, end))


def parse_slot_id(value: str) -> datetime:
    """The aware start of slot id `value`; ValueError when it is not one."""
    return datetime.strptime(value, SLOT_ID_FORMAT).replace(tzinfo=BRASILIA)


@lru_cache(maxsize=8)
def _national_holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("BR", years=year, language="pt_BR")


def holiday_name(day: date) -> str | None:
    """The national holiday on `day` (its Portuguese name), or None."""
    return _national_holidays(day.year).get(day)


def _at(day: date, clock: time) -> datetime:
    return datetime.combine(day, clock, tzinfo=BRASILIA)


def _subtract(windows: list[Interval], holes: Iterable[Interval]) -> list[Interval]:
    for hole_start, hole_end in holes:
        remaining = []
        for start, end in windows:
            if hole_end <= start or hole_start >= end:
                remaining.append((start, end))
                continue
            if start < hole_start:
                remaining.append((start, hole_start))
            if hole_end < end:
                remaining.append((hole_end, end))
        windows = remaining
    return windows


def _merge(windows: list[Interval]) -> list[Interval]:
    merged: list[Interval] = []
    for start, end in sorted(windows):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def working_windows(calendar: AgentCalendar, day: date) -> list[Interval]:
    """When the agent works on `day`: the weekly windows unless it is a holiday or a day off, plus extra
    hours (which also open a holiday), minus partial time off."""
    base = [] if holiday_name(day) or day in calendar.days_off else calendar.weekly.get(day.weekday(), [])
    windows = [(_at(day, start), _at(day, end)) for start, end in [*base, *calendar.extra_windows.get(day, [])]]
    holes = [(_at(day, start), _at(day, end)) for start, end in calendar.off_windows.get(day, [])]
    return _subtract(_merge(windows), holes)


def free_agents_by_slot(
    calendars: Iterable[AgentCalendar],
    days: Iterable[date],
    *,
    length: timedelta,
    earliest: datetime,
    attendee_busy: list[Interval] = (),
) -> dict[Slot, list[int]]:
    """Every slot agents work from `earliest` on, with those free for it; a slot is free when that is not empty.

    Slots follow each agent's own windows (a window starting at 09:10 yields 09:10, 09:40…). Slots that
    overlap `attendee_busy` — the person's other bookings — have nobody free: one person, one call at a time.
    The inner loop runs on POSIX seconds: 14 days of 20 agents are thousands of candidate slots.
    """
    step = length.total_seconds()
    not_before = earliest.timestamp()
    person = [(start.timestamp(), end.timestamp()) for start, end in attendee_busy]
    result: dict[tuple[float, float], list[int]] = defaultdict(list)
    days = list(days)
    for calendar in calendars:
        for day in days:
            busy = [(start.timestamp(), end.timestamp()) for start, end in calendar.busy.get(day, [])] + person
            for window_start, window_end in working_windows(calendar, day):
                start, end = window_start.timestamp(), window_end.timestamp()
                while start + step <= end:
                    if start >= not_before:
                        free = result[(start, start + step)]  # offered, even when nobody is free for it
                        if not any(busy_start < start + step and start < busy_end for busy_start, busy_end in busy):
                            free.append(calendar.agent_id)
                    start += step
    return {
        Slot(datetime.fromtimestamp(start, BRASILIA), datetime.fromtimestamp(end, BRASILIA)): agents
        for (start, end), agents in sorted(result.items())
    }
