"""The database for the pages: one engine per process, reads cached per version of the data they read."""

from __future__ import annotations

import importlib
import itertools
from collections.abc import Callable
from typing import Any

import streamlit as st
from sqlalchemy import Engine, event
from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

from issue_core.db import get_engine, prepare_database
from issue_core.errors import ReadTooSlow
from issue_core.queries.areas import areas_of
from issue_core.queries.sql.functions import data_versions
from issue_core.ui.i18n import translator

_commit_marks = itertools.count(1)
_latest_commit = 0  # changes at every commit of this process: its own writes are seen in the same run
_VERSIONS_OF_RUN = "issue_data_versions"  # attribute of the run's context: (run marker, commit mark, versions)


def _note_commit(_connection: Any) -> None:
    global _latest_commit
    _latest_commit = next(_commit_marks)


@st.cache_resource(show_spinner=False)
def engine():
    """Migrated (and, when demo data is on, seeded with the demo if the database is new) once per server process."""
    database = get_engine()
    prepare_database(database)
    if not event.contains(database, "commit", _note_commit):
        event.listen(database, "commit", _note_commit)
    return database


@st.cache_data(show_spinner=False, max_entries=512, ttl=6 * 3600)
def _cached_read(database: str, module: str, name: str, versions: tuple, args: tuple, kwargs: tuple) -> Any:
    function = getattr(importlib.import_module(module), name)
    return function(engine(), *args, **dict(kwargs))


def current_versions(database: Engine) -> dict[str, int]:
    """The data versions, read once per script run (the run's context keeps them) and again after a write
    of this process; the database keeps them, so a write by another process is seen at the next run."""
    context = get_script_run_ctx(suppress_warning=True)
    if context is None:
        return data_versions(database)
    run, commit = context.cursors, _latest_commit  # a run starts with a new `cursors` dict (ScriptRunContext.reset)
    kept = getattr(context, _VERSIONS_OF_RUN, None)
    if kept is not None and kept[0] is run and kept[1] == commit and kept[2] is database:
        return kept[3]
    versions = data_versions(database)
    setattr(context, _VERSIONS_OF_RUN, (run, commit, database, versions))
    return versions


def read(query: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run a query of issue_core.queries, cached until a write (by anyone, in any process) into one of the
    data areas it reads (`@reads`, issue_core.queries.areas; every area when it declares none).
    A read stopped by the time limit ends the page with a message (the filters above stay usable)."""
    database = engine()
    try:
        versions = current_versions(database)
        return _cached_read(
            database.url.render_as_string(hide_password=True),
            query.__module__,
            query.__name__,
            tuple((area, versions[area]) for area in areas_of(query)),
            args,
            tuple(sorted(kwargs.items())),
        )
    except ReadTooSlow as stopped:
        st.error(stopped.message(translator().language), icon=":material/hourglass_disabled:")
        st.stop()
