"""Sites and units (admin): sites with coordinates, conventions (create, extend, close), units
(bedrooms, capacity, reservation for a partner), unavailability periods (add, end)."""

from datetime import timedelta

import pandas as pd
import streamlit as st

from issue_core import clock
from issue_core.models import Role
from issue_core.policy import EXTENSION_PROPOSED_DAYS, MAX_NOTES, MAX_TEXT
from issue_core.queries.screens.reference import organisations
from issue_core.queries.screens.site_admin import site_conventions, site_unavailability, site_units_admin, sites_admin
from issue_core.services import sites as site_services
from issue_core.ui.data import engine, read
from issue_core.ui.feedback import submit
from issue_core.ui.gate import require_role
from issue_core.ui.i18n import translator
from issue_core.ui.links import link_to_page, query_id
from issue_core.ui.undo import offer_undo
from issue_core.ui.versions import as_drawn

actor = require_role(Role.ADMIN)
t = translator()
today = clock.today()
st.title(t("nav.admin_sites"))
offer_undo(t, actor)


def names(kind: str) -> dict[int, str]:
    rows = read(organisations, kinds=(kind,))
    return dict(zip(rows["id"].astype(int), rows["short_name"]))


def optional_date_text(value) -> str:  # noqa: ANN001
    return t.date(value) if value is not None and pd.notna(value) else "—"


operators, managers, partners = names("housing_operator"), names("manager"), names("partner")
sites = read(sites_admin)
st.dataframe(
    pd.DataFrame({
        t("field.site_name"): sites["name"],
        t("field.commune"): sites["commune"].fillna(""),
        t("field.housing_operator"): sites["housing_operator"],
        t("field.manager"): sites["manager"].fillna("—"),
        t("field.latitude"): sites["latitude"],
        t("field.longitude"): sites["longitude"],
        t("field.location_approximate"): sites["location_approximate"].map(lambda a: t("common.yes") if a else t("common.no")),
    }),
    hide_index=True, width="stretch",
)


def site_fields(prefix: str, site: pd.Series | None) -> dict:
    """The fields of a site form, prefilled from `site` (None: a new site)."""
    def value(column: str, default=None):  # noqa: ANN001, ANN202
        if site is None or pd.isna(site[column]):
            return default
        return site[column]

    left, right = st.columns(2)
    fields = {
        "name": left.text_input(t("field.site_name"), value=value("name", ""), max_chars=200, key=f"{prefix}_name"),
        "commune": right.text_input(t("field.commune"), value=value("commune", ""), max_chars=100, key=f"{prefix}_commune"),
        "address": st.text_input(t("field.address"), value=value("address", ""), max_chars=MAX_TEXT, key=f"{prefix}_address"),
        "latitude": left.number_input(t("field.latitude"), min_value=-90.0, max_value=90.0, value=value("latitude"),
                                      format="%.5f", step=0.001, key=f"{prefix}_latitude"),
        "longitude": right.number_input(t("field.longitude"), min_value=-180.0, max_value=180.0,
                                        value=value("longitude"), format="%.5f", step=0.001, key=f"{prefix}_longitude"),
        "location_approximate": st.checkbox(t("field.location_approximate"), value=bool(value("location_approximate", True)),
                                            help=t("admin.sites.approximate_help"), key=f"{prefix}_approximate"),
    }
    operator_ids = list(operators)
    current_operator = value("housing_operator_id")
    fields["housing_operator_id"] = left.selectbox(
        t("field.housing_operator"), operator_ids, format_func=operators.get, key=f"{prefix}_operator",
        index=operator_ids.index(current_operator) if current_operator in operator_ids else None,
        placeholder=t("admin.choose"),
    )
    manager_ids = [None, *managers]
    current_manager = value("manager_id") or None
    fields["manager_id"] = right.selectbox(
        t("field.manager"), manager_ids, format_func=lambda m: managers.get(m, "—"), key=f"{prefix}_manager",
        index=manager_ids.index(current_manager) if current_manager in manager_ids else 0,
    )
    fields["notes"] = st.text_area(t("field.notes"), value=value("notes", ""), max_chars=MAX_NOTES, key=f"{prefix}_notes")
    return fields


site_by_id = sites.set_index("site_id")
asked_site = query_id("site")  # a site's page links here with ?site=<id>
site_id = st.selectbox(
    t("admin.sites.choose_site"), site_by_id.index.tolist(), format_func=lambda s: site_by_id.loc[s, "name"],
    index=site_by_id.index.get_loc(asked_site) if asked_site in site_by_id.index else None,
    placeholder=t("admin.choose"), key="admin_site",
)
site_tab, convention_tab, unit_tab, unavailable_tab = st.tabs(
    [t("admin.sites.tab_sites"), t("admin.sites.tab_conventions"), t("admin.sites.tab_units"),
     t("admin.sites.tab_unavailability")]
)

with site_tab:
    if site_id is not None:
        site = site_by_id.loc[site_id]
        version = as_drawn(f"site:{site_id}", int(site["version"]))
        with st.form(f"edit_site_{site_id}"):
            st.subheader(t.md("admin.sites.edit_site", name=site["name"]))
            values = site_fields(f"site_{site_id}", site)
            if st.form_submit_button(t("common.save"), type="primary"):
                submit(site_services.update_site, engine(), actor, int(site_id), version=version, **values,
                       done=t.md("admin.sites.site_saved", name=values["name"]))
    with st.expander(t("admin.sites.new_site"), expanded=site_id is None, icon=":material/add:"), st.form("new_site"):
        values = site_fields("new_site", None)
        if st.form_submit_button(t("admin.sites.create_site"), type="primary"):
            submit(site_services.create_site, engine(), actor, **values,
                   done=t.md("admin.sites.site_created", name=values["name"]))

if site_id is None:
    for tab in (convention_tab, unit_tab, unavailable_tab):
        tab.info(t("admin.sites.choose_site_first"))
    st.stop()
site_name = site_by_id.loc[site_id, "name"]

with convention_tab:
    conventions = read(site_conventions, int(site_id), today)
    if conventions.empty:
        st.info(t("admin.sites.no_convention"))
    else:
        st.dataframe(
            pd.DataFrame({
                t("field.start_date"): conventions["start_date"].map(t.date),
                t("field.planned_end_date"): conventions["planned_end_date"].map(t.date),
                t("field.actual_end_date"): conventions["actual_end_date"].map(optional_date_text),
                t("field.units_planned"): conventions["units_planned"],
                t("field.housing_operator"): conventions["operator"],
                t("admin.sites.status"): conventions["status"].map(lambda s: t(f"status.{s}")),
                t("field.closure_reason"): conventions["closure_reason"].fillna(""),
            }),
            hide_index=True, width="stretch",
        )
    running = conventions[conventions["actual_end_date"].isna()]
    if not running.empty:
        convention = running.iloc[0]
        convention_id = int(convention["convention_id"])
        version = as_drawn(f"convention:{convention_id}", int(convention["version"]))
        suffix = str(convention_id)
        extend, close = st.columns(2)
        with extend, st.form(f"extend_{suffix}"):
            st.subheader(t("admin.sites.extend"))
            st.caption(t("admin.sites.current_planned_end", date=convention["planned_end_date"]))
            planned_end = st.date_input(
                t("field.planned_end_date"),
                value=max(today, convention["planned_end_date"]) + timedelta(days=EXTENSION_PROPOSED_DAYS),
                min_value=convention["planned_end_date"] + timedelta(days=1), format="DD/MM/YYYY",
            )
            if st.form_submit_button(t("admin.sites.extend_submit")):
                submit(site_services.extend_convention, engine(), actor, convention_id, version=version,
                       planned_end_date=planned_end,
                       done=t.md("admin.sites.extended", site=site_name, date=planned_end))
        with close, st.form(f"close_{suffix}"):
            st.subheader(t("admin.sites.close"))
            actual_end = st.date_input(t("field.actual_end_date"), value=today, min_value=convention["start_date"],
                                       format="DD/MM/YYYY")
            reason = st.text_input(t("field.closure_reason"), max_chars=MAX_TEXT)
            if st.form_submit_button(t("admin.sites.close_submit")):
                submit(site_services.close_convention, engine(), actor, convention_id, version=version,
                       actual_end_date=actual_end, reason=reason,
                       done=t.md("admin.sites.closed", site=site_name, date=actual_end))
        link_to_page(t, "pages/close_site.py", t("admin.sites.closure_page"), icon=":material/move_down:")
    with st.expander(t("admin.sites.new_convention"), expanded=running.empty, icon=":material/add:"), \
            st.form(f"new_convention_{site_id}"):
        operator_ids = list(operators)
        current_operator = int(site_by_id.loc[site_id, "housing_operator_id"])
        left, right = st.columns(2)
        start = left.date_input(t("field.start_date"), value=None, format="DD/MM/YYYY", help=t("common.date_help"))
        planned_end = right.date_input(t("field.planned_end_date"), value=None, format="DD/MM/YYYY",
                                       help=t("common.date_help"))
        units_planned = left.number_input(t("field.units_planned"), min_value=0, max_value=10_000, value=0, step=1)
        operator = right.selectbox(t("field.housing_operator"), operator_ids, format_func=operators.get,
                                   index=operator_ids.index(current_operator) if current_operator in operator_ids else 0)
        notes = st.text_area(t("field.notes"), max_chars=MAX_NOTES)
        if st.form_submit_button(t("admin.sites.create_convention"), type="primary"):
            submit(site_services.create_convention, engine(), actor, site_id=int(site_id), start_date=start,
                   planned_end_date=planned_end, units_planned=units_planned, operator_id=operator,
                   notes=notes or None,
                   done=t.md("admin.sites.convention_created", site=site_name))

units = read(site_units_admin, int(site_id))
unit_by_id = units.set_index("unit_id")
reservation_choices = [None, *partners]

with unit_tab:
    if units.empty:
        st.info(t("admin.sites.no_unit"))
    else:
        st.dataframe(
            pd.DataFrame({
                t("field.unit_label"): units["label"],
                t("field.bedrooms"): units["bedrooms"],
                t("field.capacity"): units["capacity"],
                t("field.reserved_for"): units["reserved_for"].fillna("—"),
            }),
            hide_index=True, width="stretch",
        )
        unit_id = st.selectbox(t("admin.sites.choose_unit"), unit_by_id.index.tolist(),
                               format_func=lambda u: unit_by_id.loc[u, "label"], key=f"admin_unit_{site_id}")
        unit = unit_by_id.loc[unit_id]
        version = as_drawn(f"unit:{unit_id}", int(unit["version"]))
        suffix = str(unit_id)
        edit, reserve = st.columns(2)
        with edit, st.form(f"edit_unit_{suffix}"):
            st.subheader(t.md("admin.sites.edit_unit", unit=unit["label"]))
            label = st.text_input(t("field.unit_label"), value=unit["label"], max_chars=100)
            bedrooms = st.number_input(t("field.bedrooms"), min_value=0, max_value=20, value=int(unit["bedrooms"]), step=1)
            capacity = st.number_input(t("field.capacity"), min_value=1, max_value=40, value=int(unit["capacity"]), step=1)
            if st.form_submit_button(t("common.save"), type="primary"):
                submit(site_services.update_unit, engine(), actor, int(unit_id), version=version, label=label,
                       bedrooms=bedrooms, capacity=capacity,
                       done=t.md("admin.sites.unit_saved", unit=label))
        with reserve, st.form(f"reserve_{suffix}"):
            st.subheader(t("admin.sites.reservation"))
            current = int(unit["reserved_for_id"]) or None
            reserved_for = st.selectbox(
                t("field.reserved_for"), reservation_choices, format_func=lambda o: partners.get(o, t("admin.sites.nobody")),
                index=reservation_choices.index(current) if current in reservation_choices else 0,
            )
            if st.form_submit_button(t("admin.sites.reserve_submit")):
                submit(site_services.set_unit_reservation, engine(), actor, int(unit_id), version=version,
                       organisation_id=reserved_for,
                       done=t.md("admin.sites.reservation_saved", unit=unit["label"]))
    with st.expander(t("admin.sites.new_unit"), expanded=units.empty, icon=":material/add:"), \
            st.form(f"new_unit_{site_id}"):
        label = st.text_input(t("field.unit_label"), max_chars=100)
        left, right = st.columns(2)
        bedrooms = left.number_input(t("field.bedrooms"), min_value=0, max_value=20, value=1, step=1)
        capacity = right.number_input(t("field.capacity"), min_value=1, max_value=40, value=2, step=1)
        reserved_for = st.selectbox(t("field.reserved_for"), reservation_choices,
                                    format_func=lambda o: partners.get(o, t("admin.sites.nobody")))
        if st.form_submit_button(t("admin.sites.create_unit"), type="primary"):
            submit(site_services.create_unit, engine(), actor, site_id=int(site_id), label=label,
                   bedrooms=bedrooms, capacity=capacity, reserved_for_organisation_id=reserved_for,
                   done=t.md("admin.sites.unit_created", unit=label))

with unavailable_tab:
    periods = read(site_unavailability, int(site_id))
    if periods.empty:
        st.info(t("admin.sites.no_unavailability"))
    else:
        st.dataframe(
            pd.DataFrame({
                t("field.unit_label"): periods["unit"],
                t("field.start_date"): periods["start_date"].map(t.date),
                t("field.end_date"): periods["end_date"].map(optional_date_text),
                t("field.reason"): periods["reason"],
            }),
            hide_index=True, width="stretch",
        )
    add, end = st.columns(2)
    if not units.empty:
        with add, st.form(f"add_unavailability_{site_id}"):
            st.subheader(t("admin.sites.add_unavailability"))
            unit_id = st.selectbox(t("field.unit_label"), unit_by_id.index.tolist(),
                                   format_func=lambda u: unit_by_id.loc[u, "label"])
            start = st.date_input(t("field.start_date"), value=today, format="DD/MM/YYYY")
            until = st.date_input(t("field.end_date"), value=None, format="DD/MM/YYYY", help=t("admin.sites.open_end_help"))
            reason = st.text_input(t("field.reason"), max_chars=MAX_TEXT, placeholder=t("admin.sites.reason_placeholder"))
            if st.form_submit_button(t("admin.sites.add_unavailability_submit"), type="primary"):
                submit(site_services.add_unavailability, engine(), actor, unit_id=int(unit_id), start_date=start,
                       end_date=until, reason=reason,
                       done=t.md("admin.sites.unavailability_added", unit=unit_by_id.loc[unit_id, "label"]))
    if not periods.empty:
        period_by_id = periods.set_index("unavailability_id")
        with end:
            st.subheader(t("admin.sites.end_unavailability"))
            period_id = st.selectbox(
                t("admin.sites.period"), period_by_id.index.tolist(), key=f"admin_period_{site_id}",
                format_func=lambda p: t("admin.sites.period_label", unit=period_by_id.loc[p, "unit"],
                                        start=period_by_id.loc[p, "start_date"],
                                        end=optional_date_text(period_by_id.loc[p, "end_date"])),
            )
            period = period_by_id.loc[period_id]
            version = as_drawn(f"unavailability:{period_id}", int(period["version"]))
            with st.form(f"end_unavailability_{period_id}"):
                available_again = st.date_input(t("admin.sites.available_again"), value=max(today, period["start_date"] + timedelta(days=1)),
                                                format="DD/MM/YYYY")
                if st.form_submit_button(t("admin.sites.end_unavailability_submit")):
                    submit(site_services.end_unavailability, engine(), actor, int(period_id), version=version,
                           end_date=available_again,
                           done=t.md("admin.sites.unavailability_ended", unit=period["unit"], date=available_again))
