"""A data quality problem's link leads to where it is fixed (pages/data_quality.py → pages/placements.py):
a stay whose planned end passed without an exit destination (check 1) opens the "End a stay" tab on that
stay (?exit=<household id>), and confirming its end with a destination clears the problem. On the
hand-counted world of tests/test_data_quality.py (hG: N3 from 01/03/2026, planned to end 01/09/2026, never
confirmed)."""

from __future__ import annotations

from datetime import date

from issue_core.auth import Actor
from issue_core.models import Role
from issue_core.queries.screens.data_quality import problems
from issue_core.queries.screens.households import open_placements
from issue_core.visibility import EVERY_HOUSEHOLD
from tests.conftest import TODAY, run_through_navigation
from tests.test_data_quality import quality as quality  # noqa: F401 (the fixture)

ADMIN = Actor("admin", Role.ADMIN)


def test_a_past_planned_end_is_offered_to_be_confirmed_only_with_unrecorded_exits(quality):  # noqa: F811
    stays = open_placements(quality.engine, EVERY_HOUSEHOLD, TODAY, unrecorded_exits=True)
    hg = quality.homes["hG"]
    assert hg in set(stays["household_id"])
    assert hg not in set(open_placements(quality.engine, EVERY_HOUSEHOLD, TODAY)["household_id"])  # the transfer tab
    ended = set(open_placements(quality.engine, EVERY_HOUSEHOLD, TODAY, unrecorded_exits=True,
                                household_id=quality.homes["hF"])["household_id"])
    assert ended == set()  # hF's stay ended with its destination: nothing to record


def test_the_exit_link_opens_the_stay_and_confirming_it_clears_the_problem(quality, monkeypatch):  # noqa: F811
    hg = quality.homes["hG"]
    app = run_through_navigation(monkeypatch, quality.engine, ADMIN, ["pages/placements.py"],
                                 query={"exit": str(hg)})
    chosen = app.selectbox(key="pl-end-stay")
    stays = open_placements(quality.engine, EVERY_HOUSEHOLD, TODAY, unrecorded_exits=True, household_id=hg)
    assert chosen.value == int(stays["placement_id"].iloc[0])
    assert app.date_input[-1].value == date(2026, 9, 1)  # the planned end, confirmed as it is
    destination = next(box for box in app.selectbox if box.label == "Exit destination")
    destination.set_value("durable_social_housing")
    next(button for button in app.button if button.label == "End the stay").click().run()
    assert not app.exception and not app.error, [error.value for error in app.error]
    remaining = problems(quality.engine, TODAY, EVERY_HOUSEHOLD)
    assert "stay_without_exit" not in set(remaining["check"])
