"""Privacy by construction (DOMAIN.md, "Roles"): household references only for their own organisation
and the admins, none for the meeting screen — on every page, whatever it shows them with.

Every file of pages/ (found on disk, so a new page is walked too) runs in AppTest on the demo data for
each role, with the actor put in the session as the sign-in gate does. Everything the page sends to
the browser is searched for references: each element as Streamlit serialises it (markdown, captions,
metrics, selectbox options, tables' and charts' data, labels and helps), and — for the roles that may
not see every reference — the files of its download buttons, and the page again on the busiest site
where it shows one site's households. A reference of another organisation fails the test, naming the
page. The read models that blank are checked on every site below.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from sqlalchemy import select
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from issue_core import visibility
from issue_core.auth import Actor
from issue_core.db import PROJECT_ROOT
from issue_core.models import Household, Role, Site
from issue_core.queries.screens.occupancy_board import unit_board
from issue_core.queries.screens.timeline import unit_periods
from issue_core.queries.sql.filters import NO_FILTERS
from issue_core.visibility import EVERY_HOUSEHOLD
from tests.conftest import TODAY, run_page, sent_to_browser, use_database

PAGES = sorted((PROJECT_ROOT / "pages").glob("*.py"))
REFERENCE = re.compile(rb"ISS-\d{4}-\d+")
ORGANISATION_A, ORGANISATION_B = "Samusocial", "DIOGENES"
VIEWERS = ["admin", "coord.samusocial", "dir.samusocial", "coord.diogenes", "ecran"]  # the demo's accounts:
# an admin, a coordinator and a director of one organisation (A), a coordinator of another (B), the screen
SITE_CHOOSERS = ("occ_site", "timeline_site")  # the pages' selectboxes that show one site's households


@pytest.fixture(scope="module")
def organisation_of_reference(demo_engine) -> dict[str, int]:
    with demo_engine.connect() as connection:
        rows = connection.execute(select(Household.reference, Household.referent_organisation_id)).all()
    return {reference: organisation for reference, organisation in rows}


@pytest.fixture(scope="module")
def site_ids(demo_engine) -> list[int]:
    with demo_engine.connect() as connection:
        return list(connection.execute(select(Site.id).order_by(Site.id)).scalars())


@pytest.fixture(scope="module")
def busiest_sites(demo_engine, site_ids) -> dict[str, int]:
    """For each page's site chooser, the site whose households come from the most organisations (the
    read models are checked on every site below; a page once, on the site where it matters most)."""
    def organisations(frame) -> int:
        return frame.loc[frame["reference"].notna(), "partner_id"].nunique()

    boards = {site: unit_board(demo_engine, site, TODAY, EVERY_HOUSEHOLD) for site in site_ids}
    lanes = {site: unit_periods(demo_engine, site, NO_FILTERS, EVERY_HOUSEHOLD) for site in site_ids}
    return {"occ_site": max(site_ids, key=lambda site: organisations(boards[site])),
            "timeline_site": max(site_ids, key=lambda site: organisations(lanes[site]))}


@pytest.fixture(scope="module")
def open_page(demo_url) -> Iterator:
    """conftest.run_page on this module's demo, reads cached across the roles (their keys hold the scope)."""
    with pytest.MonkeyPatch.context() as patch:
        use_database(patch, demo_url)
        yield run_page


@pytest.fixture
def downloads(monkeypatch) -> list:
    """What the pages hand to st.download_button: the data itself, or the callable that builds it."""
    given: list = []
    add, add_deferred = MediaFileManager.add, MediaFileManager.add_deferred

    def record(self, path_or_data, *args, **kwargs):
        given.append(path_or_data)
        return add(self, path_or_data, *args, **kwargs)

    def record_deferred(self, data_callable, *args, **kwargs):
        given.append(data_callable)
        return add_deferred(self, data_callable, *args, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add", record)
    monkeypatch.setattr(MediaFileManager, "add_deferred", record_deferred)
    return given


def downloaded(given: list) -> bytes:
    files = [item() if callable(item) else item for item in given]
    return b"\n".join(item if isinstance(item, bytes) else str(item).encode() for item in files)


def references_shown(app: AppTest, downloads: list, with_files: bool) -> set[str]:
    shown = sent_to_browser(app) + (downloaded(downloads) if with_files else b"")
    downloads.clear()
    return {match.decode() for match in REFERENCE.findall(shown)}


def walk(app: AppTest, downloads: list, with_files: bool, sites: dict[str, int]) -> set[str]:
    """The references the page shows as drawn, then on the busiest site where it shows one site's."""
    seen = references_shown(app, downloads, with_files)
    for key, site in sites.items():
        chooser = next((box for box in app.selectbox if box.key == key), None)
        if chooser is not None and chooser.value != site and chooser.format_func(site) in chooser.options:
            app.selectbox(key=key).set_value(site).run()
            assert not app.exception, [e.value for e in app.exception]
            seen |= references_shown(app, downloads, with_files)
    return seen


@pytest.mark.parametrize("username", VIEWERS)
def test_no_page_shows_a_reference_the_viewer_may_not_see(
    open_page, downloads, actors, username, organisation_of_reference, busiest_sites
):
    actor = actors[username]
    scope = visibility.scope_of(actor)
    admin = actor.role == Role.ADMIN  # may see every reference: drawn pages suffice to show the walk sees them
    leaks: dict[str, set[str]] = {}
    seen: set[str] = set()
    for path in PAGES:
        app = open_page(f"pages/{path.name}", actor)
        shown = walk(app, downloads, not admin, {} if admin else busiest_sites)
        shown &= set(organisation_of_reference)  # not the reference proposed for a new household: nobody's yet
        forbidden = {reference for reference in shown if not visibility.sees(scope, organisation_of_reference[reference])}
        if forbidden:
            leaks[path.name] = forbidden
        seen |= shown
    assert not leaks, {page: sorted(references)[:5] for page, references in leaks.items()}
    # The walk sees what the role may see (so a walk blind to some element cannot pass for privacy).
    organisations = {organisation_of_reference[reference] for reference in seen}
    if admin:
        assert len(organisations) > 2
    elif actor.role == Role.SCREEN:
        assert seen == set()
    else:
        assert organisations == {actor.organisation_id}


# --- the read models blank, whoever calls them -----------------------------------------------------


def test_the_scope_of_each_role(actors, organisation_ids):
    assert visibility.scope_of(actors["admin"]) is visibility.EVERY_HOUSEHOLD
    assert visibility.scope_of(actors["coord.samusocial"]) == organisation_ids[ORGANISATION_A]
    assert visibility.scope_of(actors["dir.samusocial"]) == organisation_ids[ORGANISATION_A]
    assert visibility.scope_of(actors["ecran"]) == visibility.NOBODY
    assert visibility.scope_of(Actor("lost", Role.DIRECTOR, None)) == visibility.NOBODY
    a = organisation_ids[ORGANISATION_A]
    assert visibility.sees(visibility.EVERY_HOUSEHOLD, a)
    assert visibility.sees(a, a) and not visibility.sees(a, organisation_ids[ORGANISATION_B])
    assert not visibility.sees(visibility.NOBODY, a) and not visibility.sees(a, None)


def test_read_models_blank_references_outside_the_scope_and_keep_the_rows(demo_engine, organisation_ids, site_ids):
    a = organisation_ids[ORGANISATION_A]
    for site in site_ids:
        for read_model in (lambda *scope: unit_board(demo_engine, site, TODAY, *scope),  # noqa: B023 (called at once)
                           lambda *scope: unit_periods(demo_engine, site, NO_FILTERS, *scope)):  # noqa: B023
            every, mine, forgotten = read_model(visibility.EVERY_HOUSEHOLD), read_model(a), read_model()
            assert len(every) == len(mine) == len(forgotten)  # the rows stay: counts are for everyone
            assert set(mine.loc[mine["reference"].notna(), "partner_id"]) <= {a}
            assert mine["reference"].notna().sum() == (every["reference"].notna() & (every["partner_id"] == a)).sum()
            assert forgotten["reference"].isna().all()  # no scope given: no reference
