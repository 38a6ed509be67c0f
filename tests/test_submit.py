"""issue_core.ui.feedback.submit, the one way a page runs a form's click: a refusal is told (escaped) and
nothing is announced; an accepted change is announced once — with its Undo button, after the rerun, or
where the form is — and the form is drawn afresh (after a refusal only if its record changed meanwhile)."""

from __future__ import annotations

import pytest
import streamlit as st
from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from issue_core.db import read_session
from issue_core.i18n import translate, translate_markdown
from issue_core.models import Site
from tests.world import build_world

MARKDOWN_NAME = "**Gras** [lien](https://example.org)"


def form_page(announce: str = "with_undo", refuse: bool = False, changed_meanwhile: bool = False,
              changes_nothing: bool = False) -> None:
    """A page with one form: a site's name, saved by a service that refuses or accepts it."""
    import streamlit as st

    from issue_core.errors import Conflict
    from issue_core.services import sites
    from issue_core.ui.data import engine
    from issue_core.ui.feedback import show_flash, submit
    from issue_core.ui.i18n import translator
    from issue_core.ui.undo import offer_undo
    from issue_core.ui.versions import form_key

    st.session_state["runs"] = st.session_state.get("runs", 0) + 1
    actor = st.session_state["issue_actor"]
    offer_undo(translator(), actor)
    show_flash()

    def save_site(name: str) -> int | None:
        if refuse:
            raise Conflict("error.site_name_taken", name=name)
        if changes_nothing:
            return None
        return sites.create_site(engine(), actor, name=name, housing_operator_id=st.session_state["operator"])

    with st.form("site"):
        name = st.text_input("Nom", key=form_key("site") + "-name")
        if st.form_submit_button("Enregistrer"):
            st.session_state["result"] = submit(
                save_site, name, done=lambda site: None if site is None else f"Site {name} enregistré.",
                announce=announce, form="site", changed_meanwhile=changed_meanwhile,
                then=lambda: st.session_state.update(then_ran=True),
            )


@pytest.fixture
def world(engine, monkeypatch):
    monkeypatch.setenv("ISSUE_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    st.cache_resource.clear()
    st.cache_data.clear()
    return build_world(engine)


def open_form(world, **options: object) -> AppTest:
    app = AppTest.from_function(form_page, kwargs=options, default_timeout=30)
    app.session_state["issue_actor"] = world.admin
    app.session_state["operator"] = world.hou
    app.run()
    assert not app.exception
    return app


def click(app: AppTest, name: str = MARKDOWN_NAME) -> AppTest:
    """Type the name, save; returns the app with `runs`: how many times the page ran for the click."""
    app.text_input[0].input(name)
    runs = app.session_state["runs"]
    next(button for button in app.button if button.label == "Enregistrer").click().run()
    assert not app.exception, [e.value for e in app.exception]
    app.session_state["runs_for_click"] = app.session_state["runs"] - runs
    return app


def site_count(world) -> int:
    with read_session(world.engine) as session:
        return session.scalar(select(func.count()).select_from(Site))


def test_a_refusal_is_told_escaped_and_nothing_is_written_nor_announced(world):
    app = open_form(world, refuse=True)
    before = site_count(world)
    click(app)
    assert [e.value for e in app.error] == [translate_markdown("error.site_name_taken", "fr", name=MARKDOWN_NAME)]
    assert app.error[0].value != translate("error.site_name_taken", "fr", name=MARKDOWN_NAME)  # escaped
    assert site_count(world) == before
    assert len(app.success) == 0 and "then_ran" not in app.session_state
    assert app.session_state["runs_for_click"] == 1
    app.run()
    assert app.text_input[0].value == MARKDOWN_NAME  # the form keeps what was typed, to be corrected


def test_a_refusal_because_the_record_changed_meanwhile_redraws_the_form(world):
    app = click(open_form(world, refuse=True, changed_meanwhile=True))
    assert len(app.error) == 1
    app.run()  # the next run draws the form afresh: what was typed over the old record is gone
    assert app.text_input[0].value == ""


def test_an_accepted_change_offers_its_undo_once_and_redraws_the_form(world):
    before = site_count(world)
    app = click(open_form(world), "Alpha bis")
    assert site_count(world) == before + 1
    assert [s.value for s in app.success] == ["Site Alpha bis enregistré."]  # once: with its Undo button, no second copy
    assert [b.label for b in app.button if b.key and b.key.startswith("undo-")] == ["Annuler"]
    assert app.session_state["runs_for_click"] == 2 and app.session_state["then_ran"]
    assert app.text_input[0].value == ""


def test_after_rerun_the_message_shows_once(world):
    app = click(open_form(world, announce="after_rerun"), "Alpha bis")
    assert [s.value for s in app.success] == ["Site Alpha bis enregistré."]
    assert app.session_state["runs_for_click"] == 2 and app.text_input[0].value == ""
    app.run()
    assert len(app.success) == 0  # shown once, not on every run after


def test_here_the_message_shows_where_the_form_is_without_a_rerun(world):
    app = click(open_form(world, announce="here"), "Alpha bis")
    assert [s.value for s in app.success] == ["Site Alpha bis enregistré."]
    assert app.session_state["runs_for_click"] == 1 and isinstance(app.session_state["result"], int)


def test_a_service_that_changed_nothing_announces_nothing(world):
    app = click(open_form(world, changes_nothing=True))
    assert len(app.success) == 0 and len(app.error) == 0
    assert app.session_state["result"] is None and "then_ran" not in app.session_state
    assert app.session_state["runs_for_click"] == 1 and app.text_input[0].value == MARKDOWN_NAME
