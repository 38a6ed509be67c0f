"""Close a site (admin) — a fire, the end of a convention: for the chosen site and date, a relocation
plan lists every occupant with a vacant unit elsewhere or an exit destination for each, and, after a
confirmation, one transaction ends the convention and moves or ends every stay."""

import streamlit as st

from issue_core import clock
from issue_core.i18n import escape_markdown
from issue_core.models import ExitDestination, Role
from issue_core.policy import MAX_TEXT, SEARCH_LIMIT, UNDO_MINUTES
from issue_core.queries.screens.closure import closable_sites, occupants_on, relocation_units, units_offered
from issue_core.services.placements import Relocation, close_site
from issue_core.ui.data import engine, read
from issue_core.ui.feedback import submit
from issue_core.ui.gate import require_role
from issue_core.ui.i18n import translator
from issue_core.ui.links import query_id
from issue_core.ui.pickers import MAX_SEARCH_CHARS
from issue_core.ui.undo import offer_undo

EXITS = [d for d in ExitDestination.values() if d != ExitDestination.OTHER_ISSUE_UNIT.value]

actor = require_role(Role.ADMIN)
t = translator()
today = clock.today()
st.title(t("nav.close_site"))
offer_undo(t, actor)
st.caption(t("closure.caption"))

left, right = st.columns(2)
closing_date = left.date_input(t("field.closing_date"), value=today, format="DD/MM/YYYY", key="closure_date",
                               help=t("closure.date_help"))
sites = read(closable_sites, closing_date)
if sites.empty:
    st.info(t("closure.no_site", date=closing_date))
    st.stop()
site_by_id = sites.set_index("site_id")
asked_site = query_id("site")  # a site's page links here with ?site=<id>
site_id = right.selectbox(t("closure.site"), site_by_id.index.tolist(), key="closure_site",
                          index=site_by_id.index.get_loc(asked_site) if asked_site in site_by_id.index else 0,
                          format_func=lambda s: site_by_id.loc[s, "site"])
site = site_by_id.loc[site_id]
st.caption(t("closure.convention", start=site["convention_start"], end=site["planned_end_date"]))
reason = st.text_input(t("field.closure_reason"), max_chars=MAX_TEXT, key=f"closure_reason_{site_id}",
                       placeholder=t("closure.reason_placeholder"))

occupants = read(occupants_on, int(site_id), closing_date)
units = read(relocation_units, closing_date, int(site_id))
unit_rows = units.set_index("unit_id")


def describe(choice: str) -> str:
    kind, value = choice.split(":", 1)
    if kind == "unit":
        u = unit_rows.loc[int(value)]
        return t("closure.move_to", unit=t("closure.unit_option", site=u["site"], unit=u["unit"],
                                           bedrooms=u["bedrooms"], capacity=u["capacity"]))
    return t("closure.exit_to", destination=t(f"exit.{value}"))


def chosen_unit_of(choice: str | None) -> int | None:
    return int(choice.split(":", 1)[1]) if choice and choice.startswith("unit:") else None


plan: dict[int, str] = {}
if occupants.empty:
    st.info(t.md("closure.no_occupants", site=site["site"], date=closing_date))
else:
    st.subheader(t("closure.plan", count=len(occupants)))
    st.caption(t("closure.plan_help"))
    # The units are found by typing: each choice offers the first SEARCH_LIMIT that match, not every free unit.
    typed = st.text_input(t("closure.unit_search"), max_chars=MAX_SEARCH_CHARS, key="closure_unit_search",
                          placeholder=t("closure.unit_search_placeholder"), help=t("closure.unit_search_help"))
    search_note = st.empty()  # filled once the choices are known
    most_matching = 0
    taken: set[int] = set()  # a unit goes to one occupant only
    for occupant in occupants.itertuples():
        key = f"closure_{site_id}_{closing_date.isoformat()}_{occupant.placement_id}"
        offered, matching = units_offered(units, typed, occupant.partner_id, taken, SEARCH_LIMIT)
        most_matching = max(most_matching, matching)
        exhausted = not units_offered(units, "", occupant.partner_id, taken, 0)[1]  # whatever is typed
        chosen_unit = chosen_unit_of(st.session_state.get(key))
        if chosen_unit in unit_rows.index and chosen_unit not in (*offered, *taken):
            offered.insert(0, chosen_unit)  # a choice made stays offered whatever is typed next
        options = [f"unit:{u}" for u in offered] + [f"exit:{d}" for d in EXITS]
        who, what = st.columns([2, 3])
        who.markdown(t.md("closure.occupant", reference=occupant.reference, unit=occupant.unit,
                          partner=occupant.partner, since=occupant.start_date))
        choice = what.selectbox(
            t.md("closure.relocation_for", reference=occupant.reference), options, index=None, format_func=describe,
            placeholder=t("closure.choose"), label_visibility="collapsed", key=key,
        )
        if choice is not None:
            plan[int(occupant.placement_id)] = choice
            if (unit := chosen_unit_of(choice)) is not None:
                taken.add(unit)
    if exhausted and not units.empty:
        st.caption(t("closure.units_exhausted"))
    if typed.strip() and not most_matching:
        search_note.caption(t.md("search.none", text=typed.strip()))
    elif most_matching > SEARCH_LIMIT:
        search_note.caption(t("closure.units_cut", shown=SEARCH_LIMIT, total=most_matching))

references = {int(o.placement_id): o.reference for o in occupants.itertuples()}


PENDING_KEY = "closure_pending"  # the plan under confirmation: the dialog stays open until applied or dismissed


def dismiss() -> None:
    st.session_state.pop(PENDING_KEY, None)


@st.dialog(t("closure.confirm_title"), width="large", on_dismiss=dismiss)
def confirm(site_id: int, site_name: str, day, reason: str, plan: dict[int, str]) -> None:  # noqa: ANN001
    st.markdown(t.md("closure.confirm_text", site=site_name, date=day, count=len(plan)))
    for placement_id, choice in plan.items():
        reference = escape_markdown(references.get(placement_id, placement_id))
        st.markdown(f"- **{reference}** — {escape_markdown(describe(choice))}")
    st.warning(t("closure.irreversible", minutes=UNDO_MINUTES))
    apply, cancel = st.columns(2)
    if cancel.button(t("closure.cancel"), key="closure_cancel"):
        dismiss()
        st.rerun()
    if apply.button(t("closure.apply"), type="primary", key="closure_apply"):
        relocations = {
            placement_id: Relocation(unit_id=int(value)) if kind == "unit" else Relocation(exit_destination=value)
            for placement_id, (kind, value) in ((p, c.split(":", 1)) for p, c in plan.items())
        }
        submit(close_site, engine(), actor, site_id, closing_date=day, reason=reason, plan=relocations,
               done=t.md("closure.done", site=site_name, date=day, count=len(plan)), then=dismiss)


complete = len(plan) == len(occupants)
if not complete:
    st.caption(t("closure.plan_incomplete", missing=len(occupants) - len(plan)))
if st.button(t("closure.review"), type="primary", disabled=not complete, key="closure_review",
             icon=":material/fact_check:"):
    st.session_state[PENDING_KEY] = {"site_id": int(site_id), "site_name": site["site"], "day": closing_date,
                                     "reason": reason, "plan": plan}
if PENDING_KEY in st.session_state:
    confirm(**st.session_state[PENDING_KEY])
