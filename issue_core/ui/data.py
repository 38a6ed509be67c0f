"""The database for the pages: one engine per process, reads cached per version of the data they read."""

from __future__ import annotations

import importlib
import itertools
import logging
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from functools import partial
from typing import Any

import streamlit as st
from sqlalchemy import Engine, event
from streamlit import runtime
from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

from issue_core import policy
from issue_core.db import get_engine, prepare_database, read_side_by_side
from issue_core.errors import ReadTooSlow
from issue_core.i18n import Translator
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
    if warming_wanted():
        start_warming(database)
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
        result = _read_through_cache(database, current_versions(database), query, args, kwargs)
    except ReadTooSlow as stopped:
        st.error(stopped.message(translator().language), icon=":material/hourglass_disabled:")
        st.stop()
    _recent_reads.remember(query, args, kwargs)
    return result


def read_from(derive: Callable[..., Any], query: Callable[..., Any], args: tuple, *derive_args: Any) -> Any:
    """`derive(read(query, *args), *derive_args)`, cached as long as that read is: a page's figures drawn from a
    large read (the balances of 90,000 households) then cost a warm rerun the lookup of a small result, not the
    unpickling of the large one and the pandas work over it. `derive` is a pure function (issue_core.queries,
    issue_core.charts); given the translator, it gives the same result for the same language."""
    database = engine()
    key = _cache_key(database, current_versions(database), query, args, {})
    try:
        result = _cached_derived(source=key, module=derive.__module__, name=derive.__qualname__, args=derive_args)
    except ReadTooSlow as stopped:
        st.error(stopped.message(translator().language), icon=":material/hourglass_disabled:")
        st.stop()
    _computed.add(key)
    _recent_reads.remember(query, args, {})
    return result


@st.cache_data(show_spinner=False, max_entries=512, ttl=6 * 3600, hash_funcs={Translator: lambda t: t.language})
def _cached_derived(source: dict[str, Any], module: str, name: str, args: tuple) -> Any:
    return getattr(importlib.import_module(module), name)(_cached_read(**source), *args)


def _read_through_cache(database: Engine, versions: dict[str, int], query: Callable[..., Any], args: tuple,
                        kwargs: dict) -> Any:
    key = _cache_key(database, versions, query, args, kwargs)
    # by keyword: for each positional argument Streamlit's cache would read the function's signature again
    result = _cached_read(**key)
    _computed.add(key)
    return result


def _cache_key(database: Engine, versions: dict[str, int], query: Callable[..., Any], args: tuple,
               kwargs: dict) -> dict[str, Any]:
    return {"database": database.url.render_as_string(hide_password=True), "module": query.__module__,
            "name": query.__name__, "versions": tuple((area, versions[area]) for area in areas_of(query)),
            "args": args, "kwargs": tuple(sorted(kwargs.items()))}


class ComputedReads:
    """The cache keys of the last policy.PREFETCH_KEYS_KEPT reads this process computed or found cached: a read
    among them is (most likely) warm. An entry the cache has dropped since only makes that read cold again."""

    def __init__(self) -> None:
        self._keys: OrderedDict[tuple, None] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def _hashable(key: dict[str, Any]) -> tuple | None:
        kept = tuple(key.values())
        try:
            hash(kept)
        except TypeError:  # an argument Streamlit's cache hashes its own way (a list, a frame): not remembered
            return None
        return kept

    def add(self, key: dict[str, Any]) -> None:
        kept = self._hashable(key)
        if kept is None:
            return
        with self._lock:
            self._keys[kept] = None
            self._keys.move_to_end(kept)
            while len(self._keys) > policy.PREFETCH_KEYS_KEPT:
                self._keys.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._keys.clear()

    def __contains__(self, key: dict[str, Any]) -> bool:
        kept = self._hashable(key)
        with self._lock:
            return kept is not None and kept in self._keys


_computed = ComputedReads()


def clear_cached_reads() -> None:
    """Every cached value dropped, and what prefetch knows of them: a cold start (the page bench, tests)."""
    st.cache_data.clear()
    _computed.clear()


def prefetch(*reads: tuple[Callable[..., Any], tuple]) -> None:
    """Compute side by side, into the cache, those of a page's reads (query, args) that are cold, before the
    page reads them one after the other: a cold page waits for its slowest read, not for their sum (each
    engine works on its own connection while the others wait or run; SQLite and psycopg let go of Python's
    lock meanwhile). Warm reads cost a lookup here. A read that fails is left to the page's own read, which
    shows the failure as a page does (ReadTooSlow, the database away)."""
    database = engine()
    versions = current_versions(database)
    cold = [(query, args) for query, args in reads if _cache_key(database, versions, query, args, {}) not in _computed]
    if len(cold) < 2:
        return
    try:
        read_side_by_side(database, {index: partial(_read_through_cache, database, versions, query, args, {})
                                     for index, (query, args) in enumerate(cold)})
    except Exception:  # noqa: BLE001 (the page's own read of it shows the failure, as for any read)
        logging.getLogger("issue").info("a prefetched read failed", exc_info=True)


# --- keeping the dashboards warm -------------------------------------------------------------------------


class RecentReads:
    """The last policy.WARM_READS_KEPT distinct reads the pages made (query, arguments), with when."""

    def __init__(self) -> None:
        self._reads: OrderedDict[tuple, tuple[Callable[..., Any], tuple, dict, float]] = OrderedDict()
        self._lock = threading.Lock()

    def remember(self, query: Callable[..., Any], args: tuple, kwargs: dict) -> None:
        key = (query.__module__, query.__name__, args, tuple(sorted(kwargs.items())))
        with self._lock:
            self._reads[key] = (query, args, kwargs, time.monotonic())
            self._reads.move_to_end(key)
            while len(self._reads) > policy.WARM_READS_KEPT:
                self._reads.popitem(last=False)

    def to_warm(self) -> list[tuple[Callable[..., Any], tuple, dict]]:
        """The reads made within policy.WARM_READS_MAX_AGE, the most recent first."""
        oldest = time.monotonic() - policy.WARM_READS_MAX_AGE.total_seconds()
        with self._lock:
            kept = list(self._reads.values())
        return [(query, args, kwargs) for query, args, kwargs, used in reversed(kept) if used >= oldest]

    def clear(self) -> None:
        with self._lock:
            self._reads.clear()


_recent_reads = RecentReads()
_warmed_versions: dict[str, dict[str, int]] = {}  # database → the versions its recent reads were last warmed at
_warmers_started: set[str] = set()
_warmers_lock = threading.Lock()


def warm_recent_reads(database: Engine) -> int:
    """Compute again, into the cache, the recent reads whose data changed since they were last warmed (a
    write by this process or another); the others are cache hits. Returns how many reads it went through."""
    key = database.url.render_as_string(hide_password=True)
    versions = data_versions(database)
    if _warmed_versions.get(key) == versions:
        return 0
    reads = _recent_reads.to_warm()
    for query, args, kwargs in reads:
        try:
            _read_through_cache(database, versions, query, args, kwargs)
        except Exception:  # noqa: BLE001 (a read too slow, the database away: the page will say so itself)
            logging.getLogger("issue").info("warming %s skipped", query.__name__, exc_info=True)
    _warmed_versions[key] = versions
    return len(reads)


def _keep_warm(database: Engine) -> None:
    while True:
        time.sleep(policy.WARM_CHECK_SECONDS)
        try:
            warm_recent_reads(database)
        except Exception:  # noqa: BLE001 (the database away for a while: try again at the next check)
            logging.getLogger("issue").info("cache warming paused", exc_info=True)


def warming_wanted() -> bool:
    """In a server (a Streamlit runtime) unless ISSUE_WARM_CACHE=0: the tests and the page bench (AppTest runs
    a runtime too) turn it off, so that no thread of theirs reads a database behind their back."""
    return runtime.exists() and os.environ.get("ISSUE_WARM_CACHE", "1").strip() != "0"


def start_warming(database: Engine) -> None:
    """One daemon thread per server process and database: every WARM_CHECK_SECONDS, after any write, the
    recent reads are computed again in the background, so the next viewer of a dashboard finds it warm."""
    key = database.url.render_as_string(hide_password=True)
    with _warmers_lock:
        if key in _warmers_started:
            return
        _warmers_started.add(key)
    threading.Thread(target=_keep_warm, args=(database,), name="issue-cache-warmer", daemon=True).start()
