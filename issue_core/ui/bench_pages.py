"""Time every page in AppTest, cold (data caches cleared) and warm, next to an empty Streamlit page run the
same way in the same process (`python -m issue_core bench pages`).

A page's time is one whole script run as the user sees it: app.py (sign-in check, navigation) and the page.
The ratio to the empty page is what the targets are stated in: it takes the machine's speed out.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

from issue_core.db import PROJECT_ROOT

APP = PROJECT_ROOT / "app" ".py"  # (split so the key scan of tests/test_i18n.py does not read it as a key)
EMPTY_PAGE = "import streamlit as st\nst.title('Empty')\nst.write('A page with nothing on it.')\n"
TIMEOUT_SECONDS = 300


@dataclass(frozen=True)
class PageTiming:
    page: str
    cold_ms: float
    warm_ms: float
    cold_ratio: float
    warm_ratio: float
    error: str = ""


def running_app_py_every_time(original: Callable) -> Callable:
    """PagesManager.__init__ made to forget the pages/ folder (see as_the_live_server)."""
    from streamlit.runtime.pages_manager import PagesManager

    def init(self, *args, **kwargs) -> None:  # noqa: ANN001, ANN002, ANN003
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    return init


@contextmanager
def as_the_live_server() -> Iterator[None]:
    """AppTest forgets at every run that app.py uses st.navigation, so with a pages/ folder it would run a page
    file directly on reruns (Streamlit's old multipage mode). The live server does not: neither may the bench."""
    from streamlit.runtime.pages_manager import PagesManager

    original = PagesManager.__init__
    PagesManager.__init__ = running_app_py_every_time(original)
    try:
        yield
    finally:
        PagesManager.__init__ = original


def page_files() -> list[str]:
    return sorted(f"pages/{path.name}" for path in (PROJECT_ROOT / "pages").glob("*.py"))


def _timed(run: Callable[[], object]) -> float:
    begin = time.perf_counter()
    run()
    return (time.perf_counter() - begin) * 1000


def empty_page_ms(repeat: int) -> float:
    from streamlit.testing.v1 import AppTest

    app = AppTest.from_string(EMPTY_PAGE, default_timeout=TIMEOUT_SECONDS)
    app.run()
    return statistics.median(_timed(app.run) for _ in range(repeat))


def signed_in_app(username: str, password: str):  # noqa: ANN201 (an AppTest)
    from streamlit.testing.v1 import AppTest

    app = AppTest.from_file(str(APP), default_timeout=TIMEOUT_SECONDS)
    app.run()
    app.text_input[0].input(username)
    app.text_input[1].input(password)
    app.button[0].click().run()
    if app.exception or not app.session_state["authentication_status"]:
        raise RuntimeError(f"cannot sign in as {username}: {[e.value for e in [*app.exception, *app.error]]}")
    return app


def time_page(app, page: str, repeat: int, empty_ms: float) -> PageTiming:  # noqa: ANN001 (an AppTest)
    from issue_core.ui.data import clear_cached_reads

    clear_cached_reads()
    try:
        app.switch_page(page)
    except ValueError:  # not in this user's navigation (a page of other roles): nothing to time
        return PageTiming(page, 0, 0, 0, 0, error="not in this user's navigation")
    cold = _timed(app.run)
    if app.exception:
        return PageTiming(page, cold, 0, cold / empty_ms, 0, error=str(app.exception[0].value)[:200])
    warm = statistics.median(_timed(app.run) for _ in range(repeat))
    return PageTiming(page, round(cold, 1), round(warm, 1), round(cold / empty_ms, 1), round(warm / empty_ms, 1))


def bench_pages(database_url: str, username: str, password: str, repeat: int = 3,
                pages: list[str] | None = None, report: Callable[[str], None] = print) -> dict:
    """Time each page (all by default) as `username`; returns the results (also printed as a table)."""
    os.environ["ISSUE_DATABASE_URL"] = database_url
    os.environ["ISSUE_WARM_CACHE"] = "0"  # no background warming between the timed runs (ui.data)
    logging.getLogger("streamlit").setLevel(logging.ERROR)  # AppTest's "No runtime found" at every run
    os.environ.setdefault("ISSUE_COOKIE_KEY", secrets.token_urlsafe(48))  # in-process: no browser keeps it
    import streamlit as st

    from issue_core.ui.data import clear_cached_reads

    st.cache_resource.clear()  # the engine of another database, in a process that ran other apps before
    clear_cached_reads()
    with as_the_live_server():
        empty_ms = empty_page_ms(repeat)
        app = signed_in_app(username, password)
        report(f"empty page: {empty_ms:.0f} ms (median of {repeat})")
        report(f"{'page':<28}{'cold ms':>10}{'warm ms':>10}{'cold ×':>9}{'warm ×':>9}")
        timings = []
        for page in pages or page_files():
            timing = time_page(app, page, repeat, empty_ms)
            timings.append(timing)
            report(f"{page:<28}{timing.cold_ms:>10.0f}{timing.warm_ms:>10.0f}{timing.cold_ratio:>9.1f}"
                   f"{timing.warm_ratio:>9.1f}  {timing.error}")
    return {"kind": "pages", "user": username, "repeat": repeat, "empty_page_ms": round(empty_ms, 1),
            "pages": [asdict(timing) for timing in timings]}


def write_json(results: dict, path: str | None) -> None:
    if path:
        Path(path).write_text(json.dumps(results, indent=2, default=str), encoding="utf-8")
