"""Data quality (issue 14): the five checks and the score per partner (issue_core/queries/metrics/data_quality.py,
issue_core/queries/screens/data_quality.py, pages/data_quality.py), on a small world built through the services,
counted by hand, on both engines.

TODAY is 23/11/2026; the inactivity window of a day d is (d − 6 months, d] (today: after 23/05/2026).
Partners Samu (axis 2) and Dio (axes 2, 3). Site North: a convention from 01/01/2025 planned to 31/12/2027;
site Old: a convention from 01/01/2025 planned to 31/10/2026, never extended nor closed (overdue).

    household partner referred  what happened                                            flagged today
    hA        Samu    01/12/25  N1 from 01/01/26, transferred to N4 on 01/06/26; status   — (a transfer has its exit)
    hB        Samu    01/01/26  N2 from 01/02/26, no income status                         3 since 01/02/2026
    hC        Dio     01/12/25  O1 (Old) from 01/01/26; status                             5 since 01/11/2026
    hD        Dio     10/01/26  waits, nothing since                                       2 since 10/01/2026
    hE        Samu    01/03/26  waits; a payment on 01/07/26 (activity)                    —
    hF        Dio     01/12/25  N3 01/01 → 01/03/26 (street); status; follow-up ended       4 since 15/06/2026
                                01/04/26; a payment on 15/06/26
    hG        Samu    01/12/25  N3 from 01/03/26 planned to end 01/09/26, never confirmed   1 since 01/09/2026
    hH        Samu    01/06/26  N5 from 01/06/26 planned to end 15/12/26 (ahead); status   — (a planned end)
    hI        Dio     01/02/26  waits; its record changed on 01/09/26 (audit)              —

The score (docs/RULES.md): considered = followed that day + flagged that day; score = 1 − flagged ÷ considered.
    today       Samu: hA hB hE hG hH followed, hB hG flagged → 3/5;  Dio: hC hD hI followed + hF flagged,
                hC hD hF flagged → 1/4
    31/10/2026  Samu: the same 5, hB hG flagged → 3/5;  Dio: hC covered by its convention's last day, hD
                flagged (no activity since before 30/04), hI not (changed 01/09), hF flagged → 2/4
    31/05/2026  Samu: hA hB hE hG followed (hH from 01/06), hB flagged → 3/4;  Dio: hC hD hI followed (hD
                referred after 30/11/2025), hF closed and not yet paid → 3/3
    30/11/2025  nobody referred yet: no row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import Engine, insert

from issue_core.auth import SYSTEM, Actor
from issue_core.models import AuditEvent, Role
from issue_core.queries.metrics.contributions import households_without_contribution
from issue_core.queries.metrics.data_quality import CHECKS, months_before, quality_figures, score_days
from issue_core.queries.screens.data_quality import problems
from issue_core.services import contributions, households, placements, sites
from issue_core.visibility import EVERY_HOUSEHOLD, NOBODY
from tests.conftest import TODAY, run_through_navigation, world_from
from tests.world import samu_dio_and_hou

PAGE = "pages/data_quality.py"


@dataclass
class Quality:
    engine: Engine
    samu: int
    dio: int
    sites: dict[str, int]
    units: dict[str, int]
    homes: dict[str, int]
    references: dict[str, str]


def build_quality(engine: Engine) -> Quality:
    samu, dio, hou = samu_dio_and_hou(engine)
    site_ids = {}
    for name, planned_end in (("North", date(2027, 12, 31)), ("Old", date(2026, 10, 31))):
        site_ids[name] = sites.create_site(engine, SYSTEM, name=name, commune="Bruxelles", latitude=50.85,
                                           longitude=4.35, housing_operator_id=hou)
        sites.create_convention(engine, SYSTEM, site_id=site_ids[name], start_date=date(2025, 1, 1),
                                planned_end_date=planned_end, units_planned=5)
    units = {label: sites.create_unit(engine, SYSTEM, site_id=site_ids[site], label=label, bedrooms=1, capacity=2)
             for label, site in (("N1", "North"), ("N2", "North"), ("N3", "North"), ("N4", "North"),
                                 ("N5", "North"), ("O1", "Old"))}
    homes, references = {}, {}
    for name, partner, axis, referred in (
        ("hA", samu, 2, date(2025, 12, 1)), ("hB", samu, 2, date(2026, 1, 1)), ("hC", dio, 3, date(2025, 12, 1)),
        ("hD", dio, 2, date(2026, 1, 10)), ("hE", samu, 2, date(2026, 3, 1)), ("hF", dio, 2, date(2025, 12, 1)),
        ("hG", samu, 2, date(2025, 12, 1)), ("hH", samu, 2, date(2026, 6, 1)), ("hI", dio, 3, date(2026, 2, 1)),
    ):
        homes[name], references[name] = households.register_household(
            engine, SYSTEM, axis_id=axis, referent_organisation_id=partner, adults=1, children=0,
            administrative_status="regular", referred_on=referred)

    def status(name: str, start: date) -> None:
        contributions.set_income_status(engine, SYSTEM, homes[name], effective_from=start, income_status="no_income",
                                        override_amount=Decimal(50), override_reason="test")

    def place(name: str, unit: str, start: date, end: date | None = None) -> int:
        return placements.place_household(engine, SYSTEM, household_id=homes[name], unit_id=units[unit],
                                          start_date=start, end_date=end)

    stay_a = place("hA", "N1", date(2026, 1, 1))
    status("hA", date(2026, 1, 1))
    placements.transfer_household(engine, SYSTEM, stay_a, version=1, transfer_date=date(2026, 6, 1), unit_id=units["N4"])
    place("hB", "N2", date(2026, 2, 1))
    place("hC", "O1", date(2026, 1, 1))
    status("hC", date(2026, 1, 1))
    contributions.record_payment(engine, SYSTEM, homes["hE"], paid_on=date(2026, 7, 1), amount=Decimal(10),
                                 period_months=[date(2026, 7, 1)], method="cash")
    stay_f = place("hF", "N3", date(2026, 1, 1))
    status("hF", date(2026, 1, 1))
    placements.end_placement(engine, SYSTEM, stay_f, version=1, end_date=date(2026, 3, 1), exit_destination="street")
    households.end_follow_up(engine, SYSTEM, homes["hF"], version=1, ended_on=date(2026, 4, 1))
    contributions.record_payment(engine, SYSTEM, homes["hF"], paid_on=date(2026, 6, 15), amount=Decimal(30),
                                 period_months=[date(2026, 2, 1)], method="cash")
    place("hG", "N3", date(2026, 3, 1), date(2026, 9, 1))
    status("hG", date(2026, 3, 1))
    place("hH", "N5", date(2026, 6, 1), date(2026, 12, 15))
    status("hH", date(2026, 6, 1))
    with engine.begin() as connection:  # the record of hI changed on 01/09/2026 (the services write "now")
        connection.execute(insert(AuditEvent).values(
            at=datetime(2026, 9, 1, 10, tzinfo=UTC), username="admin", action="household.update",
            entity="household", entity_id=homes["hI"], before={}, after={}))
    return Quality(engine, samu, dio, site_ids, units, homes, references)


@pytest.fixture
def quality(engine: Engine, built_worlds: dict) -> Quality:
    return world_from(build_quality, engine, built_worlds)


def names(world: Quality, household_ids) -> list[str]:
    by_id = {household_id: name for name, household_id in world.homes.items()}
    return [by_id.get(household_id, "?") for household_id in household_ids]


# --- the calendar ------------------------------------------------------------------------------------------


def test_the_score_days_and_the_inactivity_window():
    assert score_days(TODAY) == [
        date(2025, 11, 30), date(2025, 12, 31), date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31),
        date(2026, 4, 30), date(2026, 5, 31), date(2026, 6, 30), date(2026, 7, 31), date(2026, 8, 31),
        date(2026, 9, 30), date(2026, 10, 31), TODAY]
    assert months_before(TODAY, 6) == date(2026, 5, 23)
    assert months_before(date(2026, 8, 31), 6) == date(2026, 2, 28)  # a shorter month: its last day
    assert months_before(date(2026, 3, 15), 6) == date(2025, 9, 15)  # across a year


# --- the checks, today ------------------------------------------------------------------------------------


def test_each_check_counted_by_hand(quality):
    found = problems(quality.engine, TODAY, EVERY_HOUSEHOLD)
    per_check = {check: names(quality, rows["household_id"]) for check, rows in found.groupby("check")}
    assert per_check == {
        "stay_without_exit": ["hG"],  # not hA (a transfer), not hF (its exit), not hH (its end is ahead)
        "inactive_waiting": ["hD"],  # not hE (a payment), not hI (its record changed), not hF (closed)
        "placed_without_status": ["hB"],
        "payment_on_closed_file": ["hF"],
        "stay_past_convention": ["hC"],
    }
    since = dict(zip(found["check"], found["since"], strict=True))
    assert since == {"stay_without_exit": date(2026, 9, 1), "inactive_waiting": date(2026, 1, 10),
                     "placed_without_status": date(2026, 2, 1), "payment_on_closed_file": date(2026, 6, 15),
                     "stay_past_convention": date(2026, 11, 1)}
    rows = found.set_index("check")
    assert rows.loc["stay_past_convention", "site"] == "Old" and rows.loc["stay_past_convention", "unit"] == "O1"
    assert rows.loc["stay_past_convention", "site_id"] == quality.sites["Old"]
    assert rows.loc["stay_without_exit", "unit"] == "N3"
    assert rows.loc["inactive_waiting", "site_id"] == 0 and rows.loc["inactive_waiting", "site"] is None
    assert rows.loc["payment_on_closed_file", "payments"] == 1 and rows.loc["payment_on_closed_file", "amount"] == 30
    assert rows.loc["inactive_waiting", "days"] == (TODAY - date(2026, 1, 10)).days
    assert (found["total"] == 1).all()


def test_the_status_check_is_the_overview_alert(quality):
    """Check 3 is contributions.households_without_contribution's rule."""
    alert = households_without_contribution(quality.engine, TODAY)
    found = problems(quality.engine, TODAY, EVERY_HOUSEHOLD)
    assert list(found.loc[found["check"] == "placed_without_status", "household_id"]) == list(alert["household_id"])


def test_counts_per_partner_and_check(quality):
    counts = quality_figures(quality.engine, (TODAY,)).problems
    assert {(row.partner, row.check): row.problems for row in counts.itertuples()} == {
        ("Dio", "inactive_waiting"): 1, ("Dio", "payment_on_closed_file"): 1, ("Dio", "stay_past_convention"): 1,
        ("Samu", "placed_without_status"): 1, ("Samu", "stay_without_exit"): 1}


def test_activity_or_a_fix_clears_a_problem(quality):
    engine = quality.engine
    contributions.set_income_status(engine, SYSTEM, quality.homes["hB"], effective_from=date(2026, 2, 1),
                                    income_status="no_income", override_amount=Decimal(5), override_reason="test")
    contributions.record_payment(engine, SYSTEM, quality.homes["hD"], paid_on=date(2026, 11, 1), amount=Decimal(5),
                                 period_months=[date(2026, 11, 1)], method="cash")
    found = problems(engine, TODAY, EVERY_HOUSEHOLD)
    assert set(found["check"]) == {"stay_without_exit", "payment_on_closed_file", "stay_past_convention"}


def test_the_list_is_bounded_and_counts_all(quality):
    found = problems(quality.engine, date(2026, 10, 31), EVERY_HOUSEHOLD, limit=1)
    assert set(found["check"]) == {"stay_without_exit", "inactive_waiting", "placed_without_status",
                                   "payment_on_closed_file"}  # hC's convention covers its last day
    assert (found["rank"] == 1).all()
    many = problems(quality.engine, TODAY, EVERY_HOUSEHOLD, limit=0)
    assert many.empty


# --- the score --------------------------------------------------------------------------------------------


def test_the_score_counted_by_hand(quality):
    scores = quality_figures(quality.engine, tuple(score_days(TODAY))).scores
    by = {(row.day, row.partner): (row.considered, row.flagged, round(row.score, 4)) for row in scores.itertuples()}
    assert by[(TODAY, "Samu")] == (5, 2, 0.6)
    assert by[(TODAY, "Dio")] == (4, 3, 0.25)
    assert by[(date(2026, 10, 31), "Samu")] == (5, 2, 0.6)
    assert by[(date(2026, 10, 31), "Dio")] == (4, 2, 0.5)
    assert by[(date(2026, 5, 31), "Samu")] == (4, 1, 0.75)
    assert by[(date(2026, 5, 31), "Dio")] == (3, 0, 1.0)
    assert not any(day == date(2025, 11, 30) for day, _ in by)  # nobody referred yet
    assert set(scores["day"]) == set(score_days(TODAY)[1:])


# --- who sees what -------------------------------------------------------------------------------------------


def test_a_coordinator_sees_only_its_organisation(quality):
    samu = problems(quality.engine, TODAY, quality.samu)
    assert set(samu["partner_id"]) == {quality.samu}
    assert sorted(names(quality, samu["household_id"])) == ["hB", "hG"]
    dio = problems(quality.engine, TODAY, quality.dio)
    assert sorted(names(quality, dio["household_id"])) == ["hC", "hD", "hF"]
    assert set(dio["reference"]) == {quality.references[name] for name in ("hC", "hD", "hF")}
    assert problems(quality.engine, TODAY, NOBODY).empty


# --- the page ------------------------------------------------------------------------------------------------


def page_text(app) -> str:
    return "\n".join(str(element.value) for element in app.markdown) + "\n".join(
        frame.value.to_string() for frame in app.dataframe)


def run_in_navigation(world: Quality, actor: Actor, monkeypatch):
    """The page run through st.navigation, as app.py does, with the pages its links reach; in English."""
    return run_through_navigation(monkeypatch, world.engine, actor,
                                  [PAGE, "pages/placements.py", "pages/payments.py", "pages/site.py"])


def fix_links(app) -> list[tuple[str, str]]:
    return [(link.proto.label, link.proto.query_string) for link in app.get("page_link")]


def test_the_page_for_an_admin(quality, monkeypatch):
    app = run_in_navigation(quality, Actor("admin", Role.ADMIN), monkeypatch)
    text = page_text(app)
    for name in ("hB", "hC", "hD", "hF", "hG"):
        assert quality.references[name] in text
    for name in ("hA", "hE", "hH", "hI"):
        assert quality.references[name] not in text
    assert [metric.value for metric in app.metric] == ["25.0%", "60.0%"]  # Dio, Samu
    links = fix_links(app)
    assert ("Place", f"household={quality.homes['hD']}") in links
    assert ("Site", f"id={quality.sites['Old']}") in links
    assert ("Stays", f"exit={quality.homes['hG']}") in links  # the End tab on hG's stay
    # The money links open the payments page on the household (?household=<id>): hB placed without a status,
    # hF's payment after its file closed.
    assert ("Income status", f"household={quality.homes['hB']}") in links
    assert ("Payments", f"household={quality.homes['hF']}") in links


def test_the_page_for_a_coordinator(quality, monkeypatch):
    app = run_in_navigation(quality, Actor("coord.samu", Role.COORDINATOR, quality.samu), monkeypatch)
    text = page_text(app)
    assert quality.references["hB"] in text and quality.references["hG"] in text
    assert not any(quality.references[name] in text for name in ("hC", "hD", "hF"))  # no foreign reference
    assert "Your organisation's households only." in [caption.value for caption in app.caption]
    assert ("Place", f"household={quality.homes['hD']}") not in fix_links(app)


def test_names_reach_the_page_escaped(quality, monkeypatch):
    """A partner's, a site's or a unit's name is data: shown as the very characters it holds."""
    from sqlalchemy import update

    from issue_core.models import Organisation, Site

    with quality.engine.begin() as connection:
        connection.execute(update(Organisation).where(Organisation.id == quality.dio).values(short_name="Dio*[x](y)"))
        connection.execute(update(Site).where(Site.id == quality.sites["Old"]).values(name="Old_<b>"))
    app = run_in_navigation(quality, Actor("admin", Role.ADMIN), monkeypatch)
    lines = [str(element.value) for element in app.markdown if "Dio" in str(element.value)]
    assert lines and all("Dio\\*\\[x\\](y)" in line for line in lines)
    assert any("Old\\_\\<b\\>" in line for line in lines)
    assert "Dio\\*\\[x\\](y)" in [metric.label for metric in app.metric]


@pytest.mark.parametrize("role", [Role.DIRECTOR, Role.SCREEN])
def test_directors_and_screens_are_refused(open_page, quality, role):
    actor = Actor("someone", role, quality.samu if role == Role.DIRECTOR else None)
    app = open_page(PAGE, actor, url=quality.engine.url.render_as_string(hide_password=False))
    assert app.error
    assert not any(reference in page_text(app) for reference in quality.references.values())


def test_every_check_has_its_words():
    from issue_core.i18n import LANGUAGES, catalogue

    for language in LANGUAGES:
        for check in CHECKS:
            for part in ("short", "help", "since"):
                assert f"quality.check.{check}.{part}" in catalogue(language)
