"""The database for the pages: one engine per process, reads cached per data version."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

import streamlit as st

from issue_core.db import get_engine, prepare_database
from issue_core.errors import ReadTooSlow
from issue_core.queries.sql.functions import data_version
from issue_core.ui.i18n import translator


@st.cache_resource(show_spinner=False)
def engine():
    """Migrated (and, when demo data is on, seeded with the demo if the database is new) once per server process."""
    database = get_engine()
    prepare_database(database)
    return database


@st.cache_data(show_spinner=False, max_entries=512, ttl=6 * 3600)
def _cached_read(database: str, module: str, name: str, version: int, args: tuple, kwargs: tuple) -> Any:
    function = getattr(importlib.import_module(module), name)
    return function(engine(), *args, **dict(kwargs))


def read(query: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run a query of issue_core.queries, cached until the next write by anyone (the latest
    audit id is part of the cache key, so a write in any process invalidates every page).
    A read stopped by the time limit ends the page with a message (the filters above stay usable)."""
    database = engine()
    try:
        return _cached_read(
            database.url.render_as_string(hide_password=True),
            query.__module__,
            query.__name__,
            data_version(database),
            args,
            tuple(sorted(kwargs.items())),
        )
    except ReadTooSlow as stopped:
        st.error(stopped.message(translator().language), icon=":material/hourglass_disabled:")
        st.stop()
