"""The period report's per-site, per-operator and per-axis figures, now read by a few grouped queries
(issue_core.reports.period, metrics.flows.flows_by_site_and_axis / stays_by_site,
metrics.occupancy.unit_figures_by_site), equal the per-scope metric functions called once per site,
operator and axis as the report used to — on the hand-counted small world (tests/world.py) and on
the demo, with and without filters, on SQLite and PostgreSQL.

Hand counts on the small world for March–April 2026 (tests/test_report.py's docstring):
    Flows per site × axis: North axis 1 — h6 enters, h1 and h6 leave to durable housing; North axis 2 —
    h2 enters; North axis 3 — h3 moves out by transfer; West axis 2 — h4 leaves to a shelter;
    South axis 2 — h5 enters; South axis 3 — h3 arrives by transfer, then leaves to the street.
    Stays per site: North h1 18, h2 47, h3 85, h6 36; West h4 47; South h3 85, h5 37.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy import select

from issue_core.auth import SYSTEM
from issue_core.demo import seed_demo
from issue_core.models import Organisation, Site
from issue_core.queries.metrics import (
    Filters,
    durable_exit_share,
    entries_exits_between,
    length_of_stay,
    utilisation,
)
from issue_core.queries.metrics.flows import flows_by_site_and_axis, stays_by_site
from issue_core.queries.metrics.occupancy import unit_figures_by_site
from issue_core.reports.period import (
    FLOW_COUNTS,
    SCOPE_COLUMNS,
    STAY_COUNTS,
    TOTAL,
    build_period_report,
    frame_of,
    percent,
    sites_in_scope,
    stay_figures,
    unit_filters,
    units_available,
)
from issue_core.services import placements, sites
from tests.conftest import TODAY, world_from
from tests.world import build_small_world

MARCH, MAY = date(2026, 3, 1), date(2026, 5, 1)


@pytest.fixture
def small(engine, built_worlds):
    return world_from(build_small_world, engine, built_worlds)


# --- the report as it was built: the metric functions once per scope ------------------------------------


def flow_figures_of(engine, start: date, end: date, scope: Filters) -> dict:
    flows = entries_exits_between(engine, start, end, scope)
    durable = int(durable_exit_share(engine, start, end, scope)["durable_exits"].sum())
    return {**flows, "durable_exits": durable, "durable_share": percent(durable, flows["exits"])}


def scope_figures_of(engine, start: date, end: date, scope: Filters, measured_to: date) -> dict:
    units = utilisation(engine, start, end, unit_filters(scope))
    stays = length_of_stay(engine, start, end, scope, measured_to, in_filtered_units=True)
    return {
        "units_available": units_available(engine, start, end, scope),
        "available_unit_days": units.available_unit_days,
        "occupied_unit_days": units.occupied_unit_days,
        "vacant_unit_days": units.available_unit_days - units.occupied_unit_days,
        "utilisation": percent(units.occupied_unit_days, units.available_unit_days),
        **flow_figures_of(engine, start, end, scope),
        **stay_figures(stays),
    }


def per_scope_sections(engine, start: date, end: date, filters: Filters) -> dict[str, list[dict]]:
    """{section key: rows} of the operators, flows, stay and per-operator sections, one call of the
    metric functions per site, operator and axis."""
    measured_to = min(end, TODAY)
    sites = sites_in_scope(engine, start, end, filters)
    sections, summary = {}, []
    for (operator_id, operator), own_sites in sites.groupby(["operator_id", "operator"], sort=False):
        total = scope_figures_of(engine, start, end, replace(filters, housing_operator_ids=(operator_id,)), measured_to)
        summary.append({"operator": operator, **total})
        site_rows = [
            {"site": site, **scope_figures_of(engine, start, end, replace(filters, site_ids=(site_id,)), measured_to)}
            for site_id, site in zip(own_sites["site_id"], own_sites["site"], strict=True)
        ]
        sections[f"operator-{operator_id}"] = [*site_rows, {"site": TOTAL, **total}]
    summary.append({"operator": TOTAL, **scope_figures_of(engine, start, end, filters, measured_to)})
    flows = [{"axis_id": axis, **flow_figures_of(engine, start, end, replace(filters, axis_ids=(axis,)))}
             for axis in filters.axes]
    flows.append({"axis_id": TOTAL, **flow_figures_of(engine, start, end, filters)})
    stays = length_of_stay(engine, start, end, filters, measured_to, in_filtered_units=True)
    stay = [{"axis_id": axis, **stay_figures(stays[stays["axis_id"] == axis])} for axis in filters.axes]
    stay.append({"axis_id": TOTAL, **stay_figures(stays)})
    columns = {
        "operators": ["operator", *SCOPE_COLUMNS], "flows": ["axis_id", *FLOW_COUNTS, "durable_share"],
        "stay": ["axis_id", *STAY_COUNTS, "mean_days", "median_days"],
    }
    frames = {"operators": summary, "flows": flows, "stay": stay, **sections}
    return {key: typed_records(frame_of(rows, columns.get(key, ["site", *SCOPE_COLUMNS])))
            for key, rows in frames.items()}


def typed_records(frame) -> list[dict]:
    """Rows with each value's type, so that 3 and 3.0, or None and 0, differ."""
    return [{column: (type(value).__name__, value) for column, value in row.items()}
            for row in frame.to_dict("records")]


def assert_report_equals_per_scope(engine, start: date, end: date, filters: Filters = Filters()) -> None:  # noqa: B008
    report = build_period_report(engine, start, end, filters)
    expected = per_scope_sections(engine, start, end, filters)
    keys = [section.key for section in report.sections]
    assert [key for key in keys if key in expected] == list(expected)
    assert len(keys) == len(expected) + 4  # households, destinations, contributions, arrears
    for key, rows in expected.items():
        section = report.section(key)
        assert list(section.frame.columns) == list(expected_columns(key))
        assert typed_records(section.frame) == rows, (key, start, end, filters)


def expected_columns(key: str) -> tuple[str, ...]:
    if key == "operators":
        return ("operator", *SCOPE_COLUMNS)
    if key == "flows":
        return ("axis_id", *FLOW_COUNTS, "durable_share")
    if key == "stay":
        return ("axis_id", *STAY_COUNTS, "mean_days", "median_days")
    return ("site", *SCOPE_COLUMNS)


# --- the grouped metric queries, counted by hand ---------------------------------------------------------


def test_flows_by_site_and_axis_count_each_placement_once(small):
    flows = flows_by_site_and_axis(small.engine, MARCH, MAY)
    found = {(row["site_id"], row["axis_id"]): tuple(row[c] for c in FLOW_COUNTS) for row in flows.to_dict("records")}
    # entries, exits, transfers_in, transfers_out, durable_exits
    assert found == {
        (small.north, 1): (1, 2, 0, 0, 2),
        (small.north, 2): (1, 0, 0, 0, 0),
        (small.north, 3): (0, 0, 0, 1, 0),
        (small.west, 2): (0, 1, 0, 0, 0),
        (small.south, 2): (1, 0, 0, 0, 0),
        (small.south, 3): (0, 1, 1, 0, 0),
    }
    only_samu = flows_by_site_and_axis(small.engine, MARCH, MAY, Filters(partner_ids=(small.samu,)))
    assert sorted(zip(only_samu["site_id"], only_samu["entries"], strict=True)) == sorted(
        [(small.north, 1), (small.south, 1)])


def test_stays_by_site_lists_a_moving_stay_in_each_of_its_sites(small):
    stays = stays_by_site(small.engine, MARCH, MAY, today=MAY)
    days = {site: sorted(stays.loc[stays["site_id"] == site, "days"]) for site in (small.north, small.west, small.south)}
    assert days == {small.north: [18, 36, 47, 85], small.west: [47], small.south: [37, 85]}
    assert stays["ongoing"].sum() == 2  # h2 (North), h5 (South)
    south_only = stays_by_site(small.engine, MARCH, MAY, Filters(site_ids=(small.south,)), today=MAY)
    assert set(south_only["site_id"]) == {small.south} and sorted(south_only["days"]) == [37, 85]


def test_unit_figures_by_site_add_up_to_utilisation(small):
    units = unit_figures_by_site(small.engine, MARCH, MAY)
    found = {row["site_id"]: (row["units_available"], row["available_unit_days"], row["occupied_unit_days"])
             for row in units.to_dict("records")}
    assert found == {small.north: (3, 178, 111), small.south: (2, 122, 53), small.west: (1, 20, 19)}
    whole = utilisation(small.engine, MARCH, MAY)
    assert (int(units["available_unit_days"].sum()), int(units["occupied_unit_days"].sum())) == (
        whole.available_unit_days, whole.occupied_unit_days)


# --- the report equals the per-scope figures ------------------------------------------------------------


@pytest.mark.parametrize("start, end", [(MARCH, MAY), (date(2026, 1, 1), date(2027, 1, 1)),
                                        (date(2026, 11, 1), date(2026, 12, 1)), (date(2020, 1, 1), date(2020, 2, 1))])
def test_the_report_equals_the_per_scope_figures_on_the_small_world(small, start, end):
    assert_report_equals_per_scope(small.engine, start, end)


def test_the_report_equals_the_per_scope_figures_under_filters(small):
    for filters in (
        Filters(housing_operator_ids=(small.hou,)),
        Filters(site_ids=(small.south,)),
        Filters(site_ids=(small.north, small.south)),
        Filters(partner_ids=(small.samu,)),
        Filters(axis_ids=(2,)),
        Filters(axis_ids=(1, 3)),
        Filters(axis_ids=(2,), housing_operator_ids=(small.hou,)),
        Filters(partner_ids=(small.dio,), site_ids=(small.north,)),
    ):
        assert_report_equals_per_scope(small.engine, MARCH, MAY, filters)


def test_a_stay_moving_between_two_sites_of_an_operator_counts_once_for_it(small):
    # Cit gets a second site, East; h5 moves from S2 (South) to E1 (East) on 10/04 by transfer.
    east = sites.create_site(small.engine, SYSTEM, name="East", commune="Bruxelles", latitude=50.85, longitude=4.35,
                             housing_operator_id=small.cit)
    sites.create_convention(small.engine, SYSTEM, site_id=east, start_date=date(2026, 1, 1),
                            planned_end_date=date(2027, 12, 31), units_planned=1)
    e1 = sites.create_unit(small.engine, SYSTEM, site_id=east, label="E1", bedrooms=1, capacity=2)
    placements.transfer_household(small.engine, SYSTEM, small.placements["h5"], version=1,
                                  transfer_date=date(2026, 4, 10), unit_id=e1)
    report = build_period_report(small.engine, MARCH, MAY)
    columns = ("transfers_in", "transfers_out", "stays", "ongoing", "mean_days")
    cit = {row["site"]: tuple(row[c] for c in columns) for row in report.section(f"operator-{small.cit}").frame
           .to_dict("records")}
    # h3 (85 days) arrives in South by transfer; h5's stay (7 + 30 = 37 days) is in South and East.
    assert cit == {"East": (1, 0, 1, 1, 37.0), "South": (1, 1, 2, 1, 61.0), TOTAL: (2, 1, 2, 1, 61.0)}
    assert_report_equals_per_scope(small.engine, MARCH, MAY)
    assert_report_equals_per_scope(small.engine, MARCH, MAY, Filters(housing_operator_ids=(small.cit,)))


def test_the_report_equals_the_per_scope_figures_on_the_demo(engine):
    seed_demo(engine, TODAY)
    with engine.connect() as connection:
        operator = connection.execute(select(Organisation.id).where(Organisation.kind == "housing_operator")
                                      .order_by(Organisation.id)).scalars().first()
        partner = connection.execute(select(Organisation.id).where(Organisation.kind == "partner")
                                     .order_by(Organisation.id)).scalars().first()
        site = connection.execute(select(Site.id).order_by(Site.id)).scalars().first()
    year = (date(2025, 1, 1), date(2026, 1, 1))
    assert_report_equals_per_scope(engine, *year)
    assert_report_equals_per_scope(engine, date(2026, 1, 1), date(2026, 12, 1))
    for filters in (Filters(housing_operator_ids=(operator,)), Filters(partner_ids=(partner,)),
                    Filters(site_ids=(site,)), Filters(axis_ids=(3,))):
        assert_report_equals_per_scope(engine, *year, filters)
