"""The "My organisation" landing page (issue_core/queries/screens/my_organisation.py,
pages/my_organisation.py) on tests/world.py's world plus a few sites and households, counted by hand, on
both engines.

TODAY is 23/11/2026. On top of tests/world.py (Alpha: convention overdue since 31/12/2025, A2 reserved for
Samu; h_samu (Samu), h_dio (Dio), h_cel (Cel), referred 01/12/2023):

    site     convention                         units (bedrooms 1, capacity 2)   status today
    Alpha    01/01/2024 → planned 31/12/2025    A1, A2 (Samu), A3                overdue
    Delta    01/01/2025 → planned 31/03/2027    D1 (Samu), D2 (Dio), D3          ending soon (128 days)
    Epsilon  01/01/2025 → planned 31/12/2028    E1 (Samu), E2                    active
    Zeta     01/01/2025 → planned 28/02/2027    Z1                               ending soon, nobody's concern

    household partner  referred    stay [start, end)          contribution / payments
    h_samu    Samu     01/12/2023  A1 [01/09/2026, open)      60/month from 01/09; 60 paid 01/10 (September)
    s2        Samu     10/01/2026  (waiting, 2 adults 1 child: 2 bedrooms)
    s3        Samu     01/05/2026  E1 [01/06/2026, open)      30/month from 01/06; 180 paid 01/11 (June–Nov)
    s4        Samu     01/03/2025  (follow-up ended 31/12/2025)
    s5        Samu     01/09/2026  A3 [01/10/2026, open)      none
    s6        Samu     01/11/2026  (waiting, alone: a studio)
    h_dio     Dio      01/12/2023  D3 [01/06/2026, open)      40/month from 01/06; nothing paid
    h_cel     Cel      01/12/2023  (waiting)

Samu on TODAY:
    caseload, axis 2: followed 5 (h_samu, s2, s3, s5, s6), placed 3, waiting 2; s4's follow-up has ended;
    waiting: s2 since 10/01 (317 days), s6 since 01/11 (22 days);
    vacant reserved units: A2 (vacant since 01/01/2024, 1057 days), D1 (since 01/01/2025, 691 days);
        E1 is occupied (s3);
    arrears: h_samu owes 60 (Sept) + 60 (Oct) + 60 × 23/30 (Nov) = 166 − 60 paid = 106.00 €, 1.8 months of 60;
        s3 paid ahead (173 due, 180 paid), s5 has no status: 1 household in arrears, 106.00 €;
    to do: Alpha overdue (2 of its households housed there, A2 reserved), Delta ending soon (D1 reserved),
        not Zeta; A2 and D1 vacant for more than 30 days; s5 placed without contribution; h_samu in arrears.
Dio: caseload axis 3: 1 placed; nobody waiting; D2 vacant 691 days; h_dio owes 200 + 40 × 23/30 = 230.67 €
    (no months: 5.8 months of 40); to do: Delta ending soon (h_dio housed, D2 reserved), D2 vacant, arrears.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import Engine, select, update

from issue_core import policy
from issue_core.auth import SYSTEM, Actor
from issue_core.db import PROJECT_ROOT
from issue_core.i18n import LANGUAGES, catalogue
from issue_core.models import Convention, Household, Role
from issue_core.queries.screens.my_organisation import MyOrganisation, my_organisation
from issue_core.services import contributions, households, placements, sites
from tests.conftest import TODAY, run_through_navigation, world_from
from tests.world import World, build_world

PAGE = "pages/my_organisation.py"


@dataclass
class OrgWorld:
    engine: Engine
    base: World
    units: dict[str, int]
    sites: dict[str, int]
    homes: dict[str, int]
    references: dict[str, str]


def d(year: int, month: int, day: int) -> date:
    return date(year, month, day)


def build_org_world(engine: Engine) -> OrgWorld:
    base = build_world(engine)
    units = {"A1": base.a1, "A2": base.a2, "A3": base.a3}
    site_ids = {"Alpha": base.alpha}
    for name, planned_end, labels in (
        ("Delta", d(2027, 3, 31), (("D1", base.samu), ("D2", base.dio), ("D3", None))),
        ("Epsilon", d(2028, 12, 31), (("E1", base.samu), ("E2", None))),
        ("Zeta", d(2027, 2, 28), (("Z1", None),)),
    ):
        site_ids[name] = sites.create_site(engine, SYSTEM, name=name, commune="Bruxelles", latitude=50.85,
                                           longitude=4.35, housing_operator_id=base.hou)
        sites.create_convention(engine, SYSTEM, site_id=site_ids[name], start_date=d(2025, 1, 1),
                                planned_end_date=planned_end, units_planned=len(labels))
        for label, reserved in labels:
            units[label] = sites.create_unit(engine, SYSTEM, site_id=site_ids[name], label=label, bedrooms=1,
                                             capacity=2, reserved_for_organisation_id=reserved)
    homes = {"h_samu": base.h_samu, "h_dio": base.h_dio, "h_cel": base.h_cel}
    for name, adults, children, referred in (("s2", 2, 1, d(2026, 1, 10)), ("s3", 1, 0, d(2026, 5, 1)),
                                             ("s4", 1, 0, d(2025, 3, 1)), ("s5", 1, 0, d(2026, 9, 1)),
                                             ("s6", 1, 0, d(2026, 11, 1))):
        homes[name], _ = households.register_household(
            engine, SYSTEM, axis_id=2, referent_organisation_id=base.samu, adults=adults, children=children,
            administrative_status="regular", referred_on=referred)
    households.end_follow_up(engine, SYSTEM, homes["s4"], version=1, ended_on=d(2025, 12, 31))
    for name, unit, start in (("h_samu", "A1", d(2026, 9, 1)), ("s3", "E1", d(2026, 6, 1)),
                              ("s5", "A3", d(2026, 10, 1)), ("h_dio", "D3", d(2026, 6, 1))):
        placements.place_household(engine, SYSTEM, household_id=homes[name], unit_id=units[unit], start_date=start)
    for name, start, amount in (("h_samu", d(2026, 9, 1), "60"), ("s3", d(2026, 6, 1), "30"),
                                ("h_dio", d(2026, 6, 1), "40")):
        contributions.set_income_status(engine, SYSTEM, homes[name], effective_from=start, income_status="no_income",
                                        override_amount=Decimal(amount), override_reason="test")
    contributions.record_payment(engine, SYSTEM, homes["h_samu"], paid_on=d(2026, 10, 1), amount=Decimal(60),
                                 period_months=[d(2026, 9, 1)], method="transfer")
    contributions.record_payment(engine, SYSTEM, homes["s3"], paid_on=d(2026, 11, 1), amount=Decimal(180),
                                 period_months=[d(2026, month, 1) for month in range(6, 12)], method="transfer")
    with engine.connect() as connection:
        by_id = dict(connection.execute(select(Household.id, Household.reference)).all())
    references = {name: by_id[household_id] for name, household_id in homes.items()}
    return OrgWorld(engine, base, units, site_ids, homes, references)


@pytest.fixture
def org(engine: Engine, built_worlds: dict) -> OrgWorld:
    return world_from(build_org_world, engine, built_worlds)


def screen(world: OrgWorld, organisation_id: int, rows: int = policy.ORGANISATION_LIST_ROWS) -> MyOrganisation:
    return my_organisation(world.engine, TODAY, organisation_id, rows=rows, threshold=policy.ARREARS_THRESHOLD,
                           warning_days=policy.DEFAULT_WARNING_DAYS)


def names(world: OrgWorld, household_ids) -> list[str]:
    by_id = {household_id: name for name, household_id in world.homes.items()}
    return [by_id[household_id] for household_id in household_ids]


# --- the read model, counted by hand --------------------------------------------------------------------


def test_samu_figures_counted_by_hand(org):
    samu = screen(org, org.base.samu)
    assert samu.organisation == "Samu"
    assert [(row.axis_id, row.followed, row.placed, row.waiting) for row in samu.caseload.itertuples()] == [
        (2, 5, 3, 2)]
    assert samu.followed == 5
    assert samu.waiting_total == 2
    assert names(org, samu.waiting["household_id"]) == ["s2", "s6"]
    assert list(samu.waiting["days_waiting"]) == [317, 22]
    assert list(samu.waiting["bedrooms_needed"]) == [2, 0]
    assert list(samu.vacant["unit"]) == ["A2", "D1"]
    assert list(samu.vacant["days_vacant"]) == [1057, 691]
    assert names(org, samu.in_arrears["household_id"]) == ["h_samu"]
    assert list(samu.in_arrears["arrears"]) == [106.0]
    assert list(samu.in_arrears["months"]) == [1.8]


def test_dio_figures_counted_by_hand(org):
    dio = screen(org, org.base.dio)
    assert [(row.axis_id, row.followed, row.placed, row.waiting) for row in dio.caseload.itertuples()] == [(3, 1, 1, 0)]
    assert dio.waiting_total == 0 and dio.waiting.empty
    assert list(dio.vacant["unit"]) == ["D2"] and list(dio.vacant["days_vacant"]) == [691]
    assert names(org, dio.in_arrears["household_id"]) == ["h_dio"]
    assert list(dio.in_arrears["arrears"]) == [230.67]
    assert list(dio.in_arrears["months"]) == [5.8]


def test_the_to_do_list_holds_the_alerts_that_concern_the_organisation(org):
    samu, dio = screen(org, org.base.samu), screen(org, org.base.dio)
    assert [(row.site, row.status, row.own_households, row.reserved_units) for row in samu.conventions.itertuples()] == [
        ("Alpha", "overdue", 2, 1), ("Delta", "ending_soon", 0, 1)]  # not Zeta: nobody of Samu's there
    assert [(row.site, row.status, row.own_households, row.reserved_units) for row in dio.conventions.itertuples()] == [
        ("Delta", "ending_soon", 1, 1)]
    assert names(org, samu.uncovered["household_id"]) == ["s5"]
    assert dio.uncovered.empty and samu.outside.empty
    # The overview's long vacancy alert: units vacant for more than VACANT_ALERT_DAYS.
    assert list(samu.vacant.loc[samu.vacant["days_vacant"] > policy.VACANT_ALERT_DAYS, "unit"]) == ["A2", "D1"]


def test_a_placement_outside_its_convention_is_on_its_organisation_s_list_only(org):
    with org.engine.begin() as connection:  # a convention closed by hand under a running stay (s3 in E1)
        connection.execute(update(Convention).where(Convention.site_id == org.sites["Epsilon"])
                           .values(actual_end_date=d(2026, 10, 31)))
    samu, dio = screen(org, org.base.samu), screen(org, org.base.dio)
    assert names(org, samu.outside["household_id"]) == ["s3"]
    assert list(samu.outside["reference"]) == [org.references["s3"]]
    assert dio.outside.empty


def test_only_the_organisation_s_references_appear(org):
    samu = screen(org, org.base.samu)
    shown = set(samu.waiting["reference"]) | set(samu.in_arrears["reference"]) | set(samu.uncovered["reference"])
    assert shown == {org.references[name] for name in ("s2", "s6", "h_samu", "s5")}
    dio = screen(org, org.base.dio)
    assert set(dio.in_arrears["reference"]) == {org.references["h_dio"]}


def test_the_lists_are_bounded(org):
    samu = screen(org, org.base.samu, rows=1)
    assert names(org, samu.waiting["household_id"]) == ["s2"] and samu.waiting_total == 2


def test_an_organisation_with_nothing_shows_zeros(org):
    ilot = screen(org, org.base.ilot)
    assert ilot.organisation == "Ilot" and ilot.followed == 0 and ilot.waiting_total == 0
    assert ilot.vacant.empty and ilot.in_arrears.empty and ilot.conventions.empty


# --- the page -------------------------------------------------------------------------------------------


def page_text(app) -> str:
    parts = [str(element.value) for kind in ("markdown", "caption", "info", "success") for element in app.get(kind)]
    parts += [frame.value.to_string() for frame in app.dataframe]
    parts += [f"{metric.label}: {metric.value}" for metric in app.metric]
    return "\n".join(parts)


def run_in_navigation(world: OrgWorld, actor: Actor, monkeypatch, pages: tuple[str, ...] = ()):
    """The page run through st.navigation, as app.py does, with the pages it links to; in English."""
    return run_through_navigation(monkeypatch, world.engine, actor,
                                  [PAGE, "pages/waiting_list.py", "pages/site.py", "pages/contributions.py", *pages])


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.DIRECTOR])
def test_the_page_shows_the_organisation_s_figures_and_references_only(org, role, monkeypatch):
    pages = ("pages/placements.py", "pages/payments.py") if role == Role.COORDINATOR else ()
    app = run_in_navigation(org, Actor("someone", role, org.base.samu), monkeypatch, pages)
    assert not app.error
    text = page_text(app)
    metrics = {metric.label: metric.value for metric in app.metric}
    assert metrics["Households followed"] == "5"
    assert metrics["Households waiting"] == "2"
    assert metrics["Vacant reserved units"] == "2"
    assert metrics["Households in arrears"] == "1"
    assert metrics["Arrears owed"] == "€106.00"
    for name in ("s2", "s6", "h_samu", "s5"):
        assert org.references[name] in text, name
    for name in ("h_dio", "h_cel"):
        assert org.references[name] not in text, name
    assert "Zeta" not in text
    links = {link.proto.label: link.proto.query_string for link in app.get("page_link")}
    assert "Waiting list" in links
    assert "Alpha" in links and "Delta" in links  # the site pages
    candidates = [link.proto.query_string for link in app.get("page_link") if link.proto.label == "Candidates"]
    assert candidates == [f"unit={org.units['A2']}", f"unit={org.units['D1']}"]
    place = [link.proto.query_string for link in app.get("page_link") if link.proto.label == "Place a household here"]
    if role == Role.COORDINATOR:
        assert place == [f"unit={org.units['A2']}", f"unit={org.units['D1']}"]
        assert "Income and payments" in links
    else:
        assert place == [] and "Income and payments" not in links
        assert "Contributions and arrears" in links


def test_a_user_without_organisation_gets_a_message(org, monkeypatch):
    app = run_in_navigation(org, Actor("lost", Role.COORDINATOR, None), monkeypatch)
    assert [info.value for info in app.info] == [catalogue("en")["my_organisation.no_organisation"]]
    assert not app.metric


def test_an_admin_or_the_screen_may_not_open_the_page(open_page, org):
    url = org.engine.url.render_as_string(hide_password=False)
    for actor in (Actor("admin", Role.ADMIN), Actor("screen", Role.SCREEN)):
        app = open_page(PAGE, actor, url=url)
        assert app.error and not app.metric


def test_every_key_of_the_page_is_translated():
    used = {key for key in catalogue("en") if key.startswith("my_organisation.")} | {"nav.my_organisation"}
    assert all(used <= set(catalogue(language)) for language in LANGUAGES)
    source = (PROJECT_ROOT / PAGE).read_text(encoding="utf-8")
    for key in re.findall(r"[\"'](my_organisation\.[a-z_.]+)[\"']", source):
        assert key in used, key


def test_hostile_names_reach_the_page_escaped(org, monkeypatch):
    from sqlalchemy import text

    from tests.test_escaping import ESCAPED, HOSTILE, RAW_MARKUP, markdown_sent

    suffix = "' ' || CAST(id AS VARCHAR(10))"
    with org.engine.begin() as connection:
        for table, columns in (("organisation", ("short_name", "name")), ("site", ("name",)), ("unit", ("label",))):
            assignments = ", ".join(f"{column} = :hostile || {suffix}" for column in columns)
            connection.execute(text(f"UPDATE {table} SET {assignments}"), {"hostile": HOSTILE})
    texts = markdown_sent(run_in_navigation(org, Actor("coord.samu", Role.COORDINATOR, org.base.samu), monkeypatch))
    assert [piece for piece in texts if any(raw in piece for raw in RAW_MARKUP)] == []
    assert any(ESCAPED in piece for piece in texts)
