"""Today is the date in Brussels (DOMAIN.md), whatever the server's time zone: issue_core.clock, with
a pinned instant instead of the real time (no sleeping, no dependence on the machine's zone)."""

from __future__ import annotations

import os
import re
import time
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from issue_core import clock

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def at_instant(pinned_today):  # noqa: ANN001, ANN201
    """Unpin the day the other tests share, and unpin the instant afterwards."""
    clock.pin(None)
    yield clock.pin_instant
    clock.pin_instant(None)
    clock.pin(pinned_today)


@pytest.fixture
def utc_server():  # noqa: ANN201
    """The process runs in UTC, as a server usually does."""
    previous = os.environ.get("TZ")
    os.environ["TZ"] = "UTC"
    time.tzset()
    yield
    if previous is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = previous
    time.tzset()


@pytest.mark.parametrize(("instant", "brussels_day", "brussels_time"), [
    # 29/03/2026 is the night summer time starts (UTC+2): 23:30 UTC is already 01:30 on the 30th.
    (datetime(2026, 3, 29, 23, 30, tzinfo=UTC), date(2026, 3, 30), "01:30"),
    (datetime(2026, 3, 29, 21, 59, tzinfo=UTC), date(2026, 3, 29), "23:59"),
    (datetime(2026, 6, 30, 22, 0, tzinfo=UTC), date(2026, 7, 1), "00:00"),
    # Winter time (UTC+1): 23:30 UTC on 22/11 is 00:30 on 23/11; 22:59 UTC is still the 22nd.
    (datetime(2026, 11, 22, 23, 30, tzinfo=UTC), date(2026, 11, 23), "00:30"),
    (datetime(2026, 11, 22, 22, 59, tzinfo=UTC), date(2026, 11, 22), "23:59"),
])
def test_today_is_the_date_in_brussels_on_a_utc_server(at_instant, utc_server, instant, brussels_day, brussels_time):
    at_instant(instant)
    assert clock.today() == brussels_day
    assert clock.now().strftime("%H:%M") == brussels_time
    assert clock.now().date() == brussels_day


def test_a_pinned_day_wins_and_a_naive_instant_is_refused(at_instant):
    at_instant(datetime(2026, 3, 29, 23, 30, tzinfo=UTC))
    clock.pin(date(2026, 1, 15))
    assert clock.today() == date(2026, 1, 15)
    clock.pin(None)
    with pytest.raises(ValueError):
        clock.pin_instant(datetime(2026, 3, 29, 23, 30))


def test_no_other_module_takes_the_day_from_the_server():
    """Every `today` goes through issue_core.clock: no date.today(), no datetime.now() without a
    time zone, no SQL CURRENT_DATE or date('now') in the application."""
    server_day = re.compile(r"date\.today\(\)|datetime\.(now|today)\(\)|datetime\.utcnow|CURRENT_DATE|date\('now'\)",
                            re.IGNORECASE)
    found = [
        f"{path.relative_to(ROOT)}:{number}"
        for folder in ("issue_core", "pages")
        for path in sorted((ROOT / folder).rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if server_day.search(line)
    ]
    found += [f"app.py:{n}" for n, line in enumerate((ROOT / "app.py").read_text().splitlines(), 1)
              if server_day.search(line)]
    assert found == []
