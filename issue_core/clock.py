"""Today's date in one place, so tests and the demo can pin it."""

from __future__ import annotations

from datetime import date

_pinned: date | None = None


def today() -> date:
    return _pinned or date.today()


def pin(day: date | None) -> None:
    """Pin today's date (None unpins). For tests and deterministic demo data only."""
    global _pinned
    _pinned = day
