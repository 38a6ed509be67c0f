"""Today's date in one place: the date in Brussels (DOMAIN.md), whatever the server's time zone.

Tests and the demo can pin the day (`pin`) or the instant (`pin_instant`)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from issue_core.i18n import BRUSSELS

_pinned: date | None = None
_pinned_instant: datetime | None = None


def now() -> datetime:
    """The current instant, in Brussels time (time zone aware)."""
    return (_pinned_instant or datetime.now(UTC)).astimezone(BRUSSELS)


def today() -> date:
    """The date in Brussels now (or the pinned day)."""
    return _pinned or now().date()


def pin(day: date | None) -> None:
    """Pin today's date (None unpins). For tests and deterministic demo data only."""
    global _pinned
    _pinned = day


def pin_instant(instant: datetime | None) -> None:
    """Pin the current instant, a time zone aware datetime (None unpins). For tests only."""
    global _pinned_instant
    if instant is not None and instant.tzinfo is None:
        raise ValueError("a pinned instant needs a time zone")
    _pinned_instant = instant
