"""Placements (admin, coordinator): place a household, end a placement, transfer to another unit.

Each form offers only what the services will accept (queries.screens.households.placeable_units and
placeable_households); the service checks again and its refusal is shown next to the form.
A household or a stay is found by typing part of its reference (the first SEARCH_LIMIT matches are offered).
?unit=<id> (the occupancy board's link) pre-selects a unit of the placement form; ?household=<id> (the
waiting list's link) a household, when the user may see it and it may be placed from the day chosen."""

from collections.abc import Callable
from datetime import date

import pandas as pd
import streamlit as st

from issue_core import clock
from issue_core.models import ExitDestination, Role
from issue_core.policy import MAX_NOTES, MAX_TEXT, SEARCH_LIMIT
from issue_core.queries.screens.households import (
    cancellable_placements,
    open_placements,
    open_placements_count,
    placeable_households,
    placeable_households_count,
    placeable_units,
    unit_name,
)
from issue_core.rules import end_bounds
from issue_core.services import placements as services
from issue_core.services.common import EARLIEST_DATE, LATEST_DATE
from issue_core.ui.components import axis_label
from issue_core.ui.data import engine, read
from issue_core.ui.feedback import show_flash, submit
from issue_core.ui.gate import require_role
from issue_core.ui.i18n import translator
from issue_core.ui.links import query_id
from issue_core.ui.pickers import say_if_cut, say_nothing_found, search_input
from issue_core.ui.undo import offer_undo
from issue_core.ui.versions import as_drawn, form_key, keep_chosen
from issue_core.visibility import scope_of

EXITS = [d for d in ExitDestination.values() if d != ExitDestination.OTHER_ISSUE_UNIT]  # a transfer is below

actor = require_role(Role.ADMIN, Role.COORDINATOR)
t = translator()
today = clock.today()
scope = scope_of(actor)

st.title(t("nav.placements"))
offer_undo(t, actor)
show_flash()


def stay_label(row: pd.Series) -> str:
    if pd.notna(row["end_date"]):
        return t("placements.stay_label_planned", reference=row["reference"], site=row["site"], unit=row["unit"],
                 start=row["start_date"], end=row["end_date"])
    return t("placements.stay_label", reference=row["reference"], site=row["site"], unit=row["unit"],
             start=row["start_date"])


def choose_unit(prefix: str, units: pd.DataFrame, preselected: int | None = None) -> pd.Series | None:
    """A site, then one of its units offered: the units grouped by site. Returns the unit's row."""
    site_key = f"{prefix}-site"
    units = keep_chosen(f"{prefix}-units", units, "unit_id",
                        st.session_state.get(f"{prefix}-unit-{st.session_state.get(site_key)}"))
    counts = units.groupby("site_id", sort=False).agg(site=("site", "first"), units=("unit_id", "count"))
    site_ids = counts.index.tolist()
    wanted = units.loc[units["unit_id"] == preselected, "site_id"].tolist()
    site_id = st.selectbox(
        t("placements.site"), site_ids, index=site_ids.index(wanted[0]) if wanted else None,
        format_func=lambda s: t("placements.site_option", site=counts.loc[s, "site"], count=int(counts.loc[s, "units"])),
        placeholder=t("placements.choose"), key=site_key,
    )
    if site_id is None:
        return None
    offered = units[units["site_id"] == site_id].set_index("unit_id")
    unit_ids = offered.index.tolist()

    def label(unit_id: int) -> str:
        unit = offered.loc[unit_id]
        text = t("placements.unit_option", unit=unit["unit"], bedrooms=int(unit["bedrooms"]), capacity=int(unit["capacity"]))
        if pd.notna(unit["free_until"]):
            text += " · " + t("placements.free_until", date=unit["free_until"])
        if pd.notna(unit["reserved_for"]):
            text += " · " + t("placements.reserved_for", organisation=unit["reserved_for"])
        return text

    unit_id = st.selectbox(
        t("placements.unit"), unit_ids, index=unit_ids.index(preselected) if preselected in unit_ids else None,
        format_func=label, placeholder=t("placements.choose"), key=f"{prefix}-unit-{site_id}",
    )
    return None if unit_id is None else offered.loc[unit_id]


def override_reason_input(prefix: str, unit: pd.Series, partner_id: int) -> str | None:
    """An admin placing a household in a unit reserved for another organisation gives a reason."""
    reserved_for = int(unit["reserved_for_id"])
    if not reserved_for or reserved_for == partner_id:
        return None
    st.warning(t.md("placements.reserved_warning", organisation=unit["reserved_for"]), icon=":material/lock:")
    return st.text_input(t("field.override_reason"), max_chars=MAX_TEXT, key=f"{prefix}-reason")


# --- place a household ------------------------------------------------------------------------------


def place_tab() -> None:
    """Dates, then a household free on them, then a unit free for it (?unit=<id>: the board's choice,
    ?household=<id>: the waiting list's)."""
    wanted_unit = query_id("unit")  # the occupancy board's link: ?unit=<id>
    wanted_household = query_id("household")
    wanted_name = read(unit_name, wanted_unit) if wanted_unit is not None else None
    if wanted_name:
        st.info(t.md("placements.place.requested", unit=wanted_name), icon=":material/door_open:")
    prefix = form_key("pl-place")
    dates = st.columns(2)
    start = dates[0].date_input(t("field.start_date"), today, EARLIEST_DATE, LATEST_DATE, format="DD/MM/YYYY",
                                key=f"{prefix}-start")
    # The planned end keeps its value when the start changes (no bound on the start: a start moved past
    # the end is explained below, not erased).
    end = dates[1].date_input(t("placements.place.end"), None, EARLIEST_DATE, LATEST_DATE, format="DD/MM/YYYY",
                              key=f"{prefix}-end", help=t("placements.place.end_help"))
    if start is None:
        st.info(t("placements.place.date_first"))
    elif end is not None and end <= start:
        st.error(t("placements.place.end_before_start", start=start, end=end), icon=":material/event_busy:")
    else:
        household = choose_household(f"{prefix}-household-{start}-{end}", start, end, wanted_household,
                                     search_input(t, f"{prefix}-find"))
        if household is not None:
            place_form(prefix, household, start, end, wanted_unit, wanted_name)


def choose_household(key: str, start: date, end: date | None, wanted: int | None, search: str) -> pd.Series | None:
    """One of the households that may be placed from `start` to `end` whose reference holds `search`
    (rows of placeable_households: the first SEARCH_LIMIT), with `wanted` (?household=<id>) chosen
    when it may be placed."""
    found = read(placeable_households, scope, start, end, search, limit=SEARCH_LIMIT)
    say_if_cut(t, len(found), read(placeable_households_count, scope, start, end, search))
    requested = read(placeable_households, scope, start, end, household_id=wanted) if wanted else found.iloc[0:0]
    offered = pd.concat([requested, found[~found["household_id"].isin(requested["household_id"])]], ignore_index=True)
    waiting = keep_chosen(key, offered, "household_id", st.session_state.get(key)).set_index("household_id")
    if waiting.empty:
        say_nothing_found(t, search, t("placements.place.no_household", date=start))
        return None
    household_id = st.selectbox(
        t("placements.household"), waiting.index.tolist(), index=0 if not requested.empty else None,
        placeholder=t("placements.choose"),
        format_func=lambda h: t(
            "placements.household_option", reference=waiting.loc[h, "reference"],
            axis=axis_label(t, int(waiting.loc[h, "axis_id"])), partner=waiting.loc[h, "partner"],
            adults=int(waiting.loc[h, "adults"]), children=int(waiting.loc[h, "children"]),
            referred=waiting.loc[h, "referred_on"],
        ),
        key=key, help=t("placements.place.household_help"),
    )
    return None if household_id is None else waiting.loc[household_id]


def place_form(prefix: str, household: pd.Series, start: date, end: date | None, wanted_unit: int | None,
               wanted_name: str | None) -> None:
    """A unit free for the household from `start` to `end`, then the notes and the click."""
    household_id = household.name
    partner_id = int(household["partner_id"])
    units = read(placeable_units, start, end, partner_id, other_reservations=actor.is_admin)
    if wanted_name and wanted_unit not in units["unit_id"].tolist():
        st.warning(t.md("placements.place.requested_not_free", unit=wanted_name), icon=":material/info:")
    if units.empty:
        st.info(t("placements.place.no_unit"))
        return
    st.caption(t("placements.place.units_caption", count=len(units)))
    unit = choose_unit(f"{prefix}-{household_id}-{start}-{end}", units, wanted_unit)
    if unit is None:
        return
    reason = override_reason_input(f"{prefix}-{household_id}", unit, partner_id)
    with st.form(f"{prefix}-form"):
        notes = st.text_area(t("field.notes"), max_chars=MAX_NOTES, key=f"{prefix}-notes")
        if st.form_submit_button(t("placements.place.submit"), type="primary"):
            submit(
                services.place_household, engine(), actor, household_id=int(household_id), unit_id=int(unit.name),
                start_date=start, end_date=end, notes=notes, override_reason=reason,
                done=t.md("placements.place.done", reference=household["reference"], site=unit["site"],
                          unit=unit["unit"], start=start),
                form="pl-place", then=forget_requested_unit,
            )


def forget_requested_unit() -> None:
    """After a placement, the board's ?unit=<id> (the waiting list's ?household=<id>) no longer chooses
    the unit (the household) of the next one."""
    for name in ("unit", "household"):
        if name in st.query_params:
            del st.query_params[name]


# --- end a placement and transfer: one of the open placements ------------------------------------


def stay_tab(key: str, form: Callable[[pd.Series], None], *, unrecorded_exits: bool = False,
             wanted_household: int | None = None) -> None:
    """One of the open placements the user may change (open_placements: found by typing; with
    `unrecorded_exits`, also the stays whose planned end passed without a destination), then `form` for it.
    `wanted_household` (?exit=<household id>, the data quality page's link): its stay chosen first."""
    search = search_input(t, f"{key}-find", stays=True)
    which = {"unrecorded_exits": unrecorded_exits}
    found = read(open_placements, scope, today, search, limit=SEARCH_LIMIT, **which)  # with planned ends
    say_if_cut(t, len(found), read(open_placements_count, scope, today, search, **which))
    requested = (read(open_placements, scope, today, household_id=wanted_household, **which)
                 if wanted_household is not None else found.iloc[0:0])
    offered = pd.concat([requested, found[~found["placement_id"].isin(requested["placement_id"])]],
                        ignore_index=True)
    stays = keep_chosen(key, offered, "placement_id", st.session_state.get(key)).set_index("placement_id")
    if stays.empty:
        say_nothing_found(t, search, t("placements.no_open"))
        return
    placement_id = st.selectbox(t("placements.stay"), stays.index.tolist(), index=0 if not requested.empty else None,
                                format_func=lambda p: stay_label(stays.loc[p]),
                                placeholder=t("placements.choose"), key=key)
    if placement_id is not None:
        form(stays.loc[placement_id])


def drawn_stay(stay: pd.Series, action: str) -> tuple[int, int, str]:
    """The stay's id, its version as the screen showed it, and the name of its form for `action`."""
    placement_id = int(stay.name)
    return placement_id, as_drawn(f"{action}-placement-{placement_id}", int(stay["version"])), f"pl-{action}-{placement_id}"


def end_dates(stay: pd.Series) -> tuple[date, date, date]:
    """(default, earliest, latest) of the date a stay ends or is transferred on: the service's bounds
    (rules.end_bounds: after its start, by its planned end if any)."""
    planned = stay["end_date"] if pd.notna(stay["end_date"]) else None
    if planned is not None:
        st.caption(t("placements.planned_end", end=planned))
    earliest, latest = end_bounds(stay["start_date"], planned)
    latest = latest or LATEST_DATE
    return min(max(today, earliest), latest), earliest, latest


def end_form(stay: pd.Series) -> None:
    """The exit day (within the stay's bounds), the destination and the notes of an open stay."""
    placement_id, version, name = drawn_stay(stay, "end")
    prefix = form_key(name)
    default, earliest, latest = end_dates(stay)
    with st.form(f"{prefix}-form"):
        ended = st.date_input(t("field.end_date"), default, earliest, latest,
                              format="DD/MM/YYYY", key=f"{prefix}-date", help=t("placements.end.date_help"))
        destination = st.selectbox(t("field.exit_destination"), EXITS, index=None, format_func=lambda d: t(f"exit.{d}"),
                                   placeholder=t("placements.choose"), key=f"{prefix}-destination",
                                   help=t("placements.end.destination_help"))
        notes = st.text_area(t("field.notes"), max_chars=MAX_NOTES, key=f"{prefix}-notes")
        if st.form_submit_button(t("placements.end.submit"), type="primary"):
            submit(services.end_placement, engine(), actor, placement_id, version=version, end_date=ended,
                   exit_destination=destination, notes=notes,
                   done=t.md("placements.end.done", reference=stay["reference"], date=ended),
                   form=name, changed_meanwhile=version != int(stay["version"]))


def transfer_form(stay: pd.Series) -> None:
    """The transfer day (within the stay's bounds), then a unit free from that day, then the click."""
    placement_id, version, name = drawn_stay(stay, "transfer")
    prefix = form_key(name)
    default, earliest, latest = end_dates(stay)
    day = st.date_input(t("field.transfer_date"), default, earliest, latest,
                        format="DD/MM/YYYY", key=f"{prefix}-date", help=t("placements.transfer.date_help"))
    if day is None:
        return
    partner_id = int(stay["partner_id"])
    units = read(placeable_units, day, None, partner_id, other_reservations=actor.is_admin,
                 except_unit_id=int(stay["unit_id"]))
    if units.empty:
        st.info(t("placements.transfer.no_unit"))
        return
    unit = choose_unit(f"{prefix}-{day}", units)
    if unit is None:
        return
    reason = override_reason_input(prefix, unit, partner_id)
    with st.form(f"{prefix}-form"):
        notes = st.text_area(t("field.notes"), max_chars=MAX_NOTES, key=f"{prefix}-notes")
        if st.form_submit_button(t("placements.transfer.submit"), type="primary"):
            submit(services.transfer_household, engine(), actor, placement_id, version=version,
                   transfer_date=day, unit_id=int(unit.name), notes=notes, override_reason=reason,
                   done=t.md("placements.transfer.done", reference=stay["reference"], site=unit["site"],
                             unit=unit["unit"], date=day),
                   form=name, changed_meanwhile=version != int(stay["version"]))


# --- cancel a stay recorded by mistake today (deleted, no fake exit) ---------------------------------


def cancel_tab() -> None:
    st.caption(t("placements.cancel.caption"))
    recorded = read(cancellable_placements, scope, today)
    stays = keep_chosen("pl-cancel-stay", recorded, "placement_id",
                        st.session_state.get("pl-cancel-stay")).set_index("placement_id")
    if stays.empty:
        st.info(t("placements.cancel.none"))
        return
    placement_id = st.selectbox(
        t("placements.stay"), stays.index.tolist(), index=None, placeholder=t("placements.choose"),
        format_func=lambda p: t("placements.cancel.option", reference=stays.loc[p, "reference"],
                                site=stays.loc[p, "site"], unit=stays.loc[p, "unit"], start=stays.loc[p, "start_date"]),
        key="pl-cancel-stay",
    )
    if placement_id is not None:
        cancel_button(stays.loc[placement_id])


def cancel_button(stay: pd.Series) -> None:
    placement_id, version, name = drawn_stay(stay, "cancel")
    if st.button(t("placements.cancel.submit"), key=name, icon=":material/delete:"):
        submit(services.cancel_placement, engine(), actor, placement_id, version=version,
               done=t.md("placements.cancel.done", reference=stay["reference"], site=stay["site"], unit=stay["unit"],
                         start=stay["start_date"]))


exit_of = query_id("exit")  # ?exit=<household id>: the data quality page's "stay ended without exit destination"
place, finish, transfer, cancel = st.tabs([t("placements.tab.place"), t("placements.tab.end"),
                                          t("placements.tab.transfer"), t("placements.tab.cancel")],
                                         default=t("placements.tab.end") if exit_of is not None else None)
with place:
    place_tab()
with finish:
    stay_tab("pl-end-stay", end_form, unrecorded_exits=True, wanted_household=exit_of)
with transfer:
    stay_tab("pl-transfer-stay", transfer_form)
with cancel:
    cancel_tab()
