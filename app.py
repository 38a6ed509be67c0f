"""Entry point: page config, language, sign-in gate, role-based navigation. Nothing else."""

import logging

import streamlit as st
import streamlit_authenticator as stauth

from issue_core.auth import Actor
from issue_core.demo_mode import demo_mode
from issue_core.i18n import Translator
from issue_core.models import Role
from issue_core.security import CookieKeyError
from issue_core.ui import gate, outage
from issue_core.ui.data import engine, read
from issue_core.ui.i18n import language_switch, translator
from issue_core.ui.links import REGISTERED_PAGES_KEY

st.set_page_config(page_title="ISSUE", page_icon=":material/home:", layout="wide")


def start(t: Translator) -> stauth.Authenticate:
    """The database migrated (and the demo seeded into a new one) before any page reads; the sign-in."""
    try:
        engine()
        return gate.build_authenticator()
    except CookieKeyError as problem:
        st.error(t("app.cookie_key_problem"))
        logging.getLogger("issue").error("refusing to start: %s", problem)
        st.stop()


EVERYONE = tuple(Role)
PEOPLE = (Role.ADMIN, Role.COORDINATOR, Role.DIRECTOR)  # the meeting screen sees only its page (DOMAIN.md)
EDITORS = (Role.ADMIN, Role.COORDINATOR)
PAGES = [  # (section, file, title key, icon, url, roles); the first one the user may see is the default
    # Coordinators and directors land on their organisation's page; admins (no organisation) on the overview.
    ("nav.section.dashboards", "pages/my_organisation.py", "nav.my_organisation", ":material/corporate_fare:",
     "my-organisation", (Role.COORDINATOR, Role.DIRECTOR)),
    ("nav.section.dashboards", "pages/overview.py", "nav.overview", ":material/dashboard:", "overview", PEOPLE),
    ("nav.section.dashboards", "pages/map.py", "nav.map", ":material/map:", "map", PEOPLE),
    ("nav.section.dashboards", "pages/timeline.py", "nav.timeline", ":material/view_timeline:", "timeline", PEOPLE),
    ("nav.section.dashboards", "pages/occupancy.py", "nav.occupancy", ":material/grid_view:", "occupancy", PEOPLE),
    ("nav.section.dashboards", "pages/caseloads.py", "nav.caseloads", ":material/groups:", "caseloads", PEOPLE),
    ("nav.section.dashboards", "pages/contributions.py", "nav.contributions", ":material/euro:", "contributions",
     PEOPLE),
    ("nav.section.dashboards", "pages/meeting.py", "nav.meeting", ":material/co_present:", "meeting", EVERYONE),
    ("nav.section.sites", "pages/sites.py", "nav.sites", ":material/apartment:", "sites", PEOPLE),
    ("nav.section.sites", "pages/site.py", "nav.site", ":material/location_city:", "site", PEOPLE),
    ("nav.section.editing", "pages/households.py", "nav.households", ":material/family_restroom:", "households",
     PEOPLE),
    # Directors too: they read the waiting list (counts, their organisation's references), without "Place".
    ("nav.section.editing", "pages/waiting_list.py", "nav.waiting_list", ":material/hourglass_top:", "waiting-list",
     PEOPLE),
    ("nav.section.editing", "pages/placements.py", "nav.placements", ":material/key:", "placements", EDITORS),
    ("nav.section.editing", "pages/payments.py", "nav.payments", ":material/payments:", "payments", EDITORS),
    ("nav.section.data", "pages/report.py", "nav.report", ":material/summarize:", "report", PEOPLE),
    ("nav.section.data", "pages/data_quality.py", "nav.data_quality", ":material/fact_check:", "data-quality",
     EDITORS),
    ("nav.section.data", "pages/data_import.py", "nav.import", ":material/upload_file:", "import", EDITORS),
    ("nav.section.data", "pages/data_export.py", "nav.export", ":material/download:", "export", (Role.ADMIN,)),
    ("nav.section.admin", "pages/admin_sites.py", "nav.admin_sites", ":material/domain:", "admin-sites", (Role.ADMIN,)),
    ("nav.section.admin", "pages/close_site.py", "nav.close_site", ":material/domain_disabled:", "close-site",
     (Role.ADMIN,)),
    ("nav.section.admin", "pages/admin_reference.py", "nav.admin_reference", ":material/tune:", "reference",
     (Role.ADMIN,)),
    ("nav.section.admin", "pages/users.py", "nav.users", ":material/group:", "users", (Role.ADMIN,)),
    ("nav.section.admin", "pages/audit.py", "nav.audit", ":material/history:", "audit", (Role.ADMIN,)),
    ("nav.section.account", "pages/account.py", "nav.account", ":material/person:", "account", EVERYONE),
]


def navigation_pages(rows: list[tuple], t: Translator) -> list[tuple[str, str, st.Page]]:
    """(section, path, page) for each row of PAGES. The first is the default page, which Streamlit serves at
    "/" only: its own address (a bookmark of /overview) opens it too, through a twin hidden from the menu."""
    pages = []
    for index, (section, path, title, icon, url, _) in enumerate(rows):
        if index == 0:
            pages.append((section, path, st.Page(path, title=t(title), icon=icon, url_path="", default=True)))
        pages.append((section, path, st.Page(path, title=t(title), icon=icon, url_path=url,
                                             visibility="hidden" if index == 0 else "visible")))
    return pages


def signed_in(authenticator: stauth.Authenticate, t: Translator) -> Actor:
    """The signed-in user; else the sign-in form, and the run stops there."""
    actor = gate.current_actor()
    if actor is None:
        # Signed out, every address stays known (none of its pages runs) from the first run on, so the
        # page asked for (a bookmark) survives the sign-in cookie's reruns and opens once signed in.
        st.navigation([page for _, _, page in navigation_pages(PAGES, t)], position="hidden")
        actor = gate.sign_in(authenticator, t)
        if actor is None:
            gate.sign_in_help(t)
            st.stop()
    return actor


def run_page(actor: Actor) -> None:
    t = translator()  # the user's own language once signed in
    must_change = st.session_state.get("issue_must_change_password", False)
    sections: dict[str, list] = {}
    allowed = [page for page in PAGES if actor.role in page[5] and (not must_change or page[4] == "account")
               and (not gate.screen_device() or page[4] == "meeting")]  # a screen token grants the wall only
    registered: dict[str, st.Page] = {}
    for section, path, page in navigation_pages(allowed, t):
        sections.setdefault(t(section), []).append(page)
        registered.setdefault(path, page)
    st.session_state["issue_pages"] = {page[1] for page in allowed}  # lets pages link only where the user may go
    st.session_state[REGISTERED_PAGES_KEY] = registered

    with st.sidebar:
        st.caption(t.md("app.signed_in_as", username=actor.username, role=t(f"role.{actor.role.value}")))
        st.button(t("auth.sign_out"), key="sign_out", icon=":material/logout:", width="stretch",
                  on_click=outage.in_callback(gate.sign_out))
    st.navigation(sections, expanded=True).run()  # every page in view: no "show more" to find


def main() -> None:
    language_switch()
    t = translator()
    authenticator = start(t)
    if read(demo_mode):
        st.sidebar.info(t("app.demo_banner"), icon=":material/info:")
    run_page(signed_in(authenticator, t))


with outage.whole_run():  # the database out of reach: a message, what was typed kept, back by itself
    main()
