"""The waiting list draws a page of units (policy.WAITING_UNITS_PER_PAGE) and a page of waiting households
(policy.HOUSEHOLD_PAGE_SIZE) at a time: a sector has hundreds of units to fill and thousands waiting.
On the hand-counted world of tests/test_waiting_list.py (units to fill N1 N2 N3 S1; six households waiting)."""

from __future__ import annotations

import re

from issue_core import policy
from issue_core.auth import Actor
from issue_core.models import Role
from tests.test_waiting_list import matching, run_in_navigation  # noqa: F401 (the fixture)

ADMIN = Actor("admin", Role.ADMIN)
UNIT_TITLE = re.compile(r"\*\*([^*0-9][^*]* · [^*]+)\*\*")


def unit_titles(app) -> list[str]:  # noqa: ANN001 (an AppTest)
    """The units whose card is drawn, in order ("North · N1", …): the bold "site · unit" opening a card."""
    titles = (UNIT_TITLE.match(str(element.value)) for element in app.markdown)
    return [title.group(1) for title in titles if title]


def test_the_units_to_fill_come_a_page_at_a_time(matching, monkeypatch):  # noqa: F811
    monkeypatch.setattr(policy, "WAITING_UNITS_PER_PAGE", 3)
    app = run_in_navigation(matching, ADMIN, monkeypatch)
    first_page = unit_titles(app)
    assert len(first_page) == 3
    page_number = next(field for field in app.number_input if field.label == "Page")
    page_number.set_value(2).run()
    assert not app.exception
    second_page = unit_titles(app)
    assert len(second_page) == 1  # 4 units to fill: 3 then 1
    assert not set(first_page) & set(second_page)
    # The "Place" links follow the page: only the last unit's candidates are linked now.
    assert all(link.proto.query_string.endswith(f"unit={matching.units['N3']}")
               for link in app.get("page_link") if link.proto.label == "Place")


def test_one_page_needs_no_page_number(matching, monkeypatch):  # noqa: F811
    app = run_in_navigation(matching, ADMIN, monkeypatch)
    assert len(unit_titles(app)) == 4
    assert not [field for field in app.number_input if field.label == "Page"]


def test_the_waiting_households_come_a_page_at_a_time(matching, monkeypatch):  # noqa: F811
    monkeypatch.setattr(policy, "HOUSEHOLD_PAGE_SIZE", 4)
    app = run_in_navigation(matching, ADMIN, monkeypatch)
    waiting = app.dataframe[0].value
    assert len(waiting) == 4  # of the 6 waiting households, longest waiting first
    assert [field.label for field in app.number_input].count("Page") == 1
    app.number_input(key="waiting_households_page").set_value(2).run()
    assert len(app.dataframe[0].value) == 2
