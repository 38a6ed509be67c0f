"""N signed-in sessions browsing the dashboards of a running server, over loopback
(`python -m issue_core bench load --sessions 30 --url http://127.0.0.1:8501`).

Each session speaks Streamlit's own websocket protocol (what the browser does, without the browser): it
connects to /_stcore/stream with a sign-in cookie minted for the bench account, asks for a page, and waits for
the end of the script run. A page view's time is from the request to `script_finished`. Sessions go through
the dashboards one after the other, without pause, until the time is up; the load stops by itself.
Errors: a page that raised (an exception element), a connection refused or lost, a run that did not finish
within the time limit.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from urllib.parse import urlsplit

DASHBOARDS = ("overview", "occupancy", "caseloads", "contributions", "timeline", "map", "sites")
RUN_TIMEOUT_SECONDS = 60.0
MAX_VIEWS_PER_SESSION = 10_000


@dataclass
class SessionResult:
    views_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def rerun_message(page: str) -> bytes:
    from streamlit.proto.BackMsg_pb2 import BackMsg

    message = BackMsg()
    message.rerun_script.query_string = ""
    message.rerun_script.page_name = page
    message.rerun_script.page_script_hash = ""
    return message.SerializeToString()


@dataclass
class RunState:
    """What the messages of one page view said so far."""

    finished: bool = False
    signed_out: bool = False
    error: str | None = None


def read_message(data: bytes, state: RunState) -> None:
    """Note in `state` what this ForwardMsg says: the end of the run (not an early end for a rerun), an
    exception shown, or the navigation of a signed-out visitor (the last navigation of the run counts)."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    message = ForwardMsg()
    message.ParseFromString(data)
    kind = message.WhichOneof("type")
    if kind == "script_finished":
        state.finished = message.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN
    elif kind == "navigation":
        state.signed_out = message.navigation.position == message.navigation.HIDDEN
    elif kind == "page_not_found":
        state.error = state.error or f"page not found: {message.page_not_found.page_name}"
    elif kind == "delta" and message.delta.WhichOneof("type") == "new_element":
        element = message.delta.new_element
        if element.WhichOneof("type") == "exception":
            state.error = state.error or f"{element.exception.type}: {element.exception.message[:120]}"


async def one_view(socket, page: str) -> tuple[float, str | None]:  # noqa: ANN001 (a websocket)
    begin = time.perf_counter()
    await socket.send(rerun_message(page))
    state = RunState()
    async with asyncio.timeout(RUN_TIMEOUT_SECONDS):
        while not state.finished:
            read_message(await socket.recv(), state)
    if state.signed_out:
        state.error = state.error or "signed out: the sign-in form instead of the page"
    return (time.perf_counter() - begin) * 1000, state.error


async def one_session(url: str, cookie: str, pages: tuple[str, ...], deadline: float, offset: int) -> SessionResult:
    import websockets

    parts = urlsplit(url)
    stream = f"{'wss' if parts.scheme == 'https' else 'ws'}://{parts.netloc}{parts.path.rstrip('/')}/_stcore/stream"
    result = SessionResult()
    try:
        async with websockets.connect(stream, subprotocols=["streamlit"], max_size=None, open_timeout=30,
                                      additional_headers={"Cookie": cookie, "Origin": f"{parts.scheme}://{parts.netloc}"}
                                      ) as socket:
            _, error = await one_view(socket, pages[0])  # signs in from the cookie; not timed
            if error:
                result.errors.append(error)
                return result
            for number in range(MAX_VIEWS_PER_SESSION):
                if number and time.perf_counter() >= deadline:  # one timed view at least, however loaded
                    break
                elapsed, error = await one_view(socket, pages[(number + offset) % len(pages)])
                result.views_ms.append(elapsed)
                if error:
                    result.errors.append(error)
    except (OSError, TimeoutError, asyncio.TimeoutError) as problem:
        result.errors.append(f"{type(problem).__name__}: {problem}")
    except Exception as problem:  # noqa: BLE001 (websockets' own errors: a lost connection is an error to count)
        result.errors.append(f"{type(problem).__name__}: {problem}")
    return result


async def run_load(url: str, cookie: str, sessions: int, seconds: float, pages: tuple[str, ...]) -> list[SessionResult]:
    deadline = time.perf_counter() + seconds
    return await asyncio.gather(*(one_session(url, cookie, pages, deadline, n) for n in range(sessions)))


def run_coroutine(coroutine):  # noqa: ANN001, ANN201
    """asyncio.run in a thread of its own: the caller's thread may already run an event loop (Playwright's
    sync API in a test process, a notebook)."""
    with ThreadPoolExecutor(max_workers=1) as executor:
        return executor.submit(asyncio.run, coroutine).result()


def sign_in_cookie(database_url: str, username: str) -> str:
    """A sign-in cookie for a session opened for `username`, minted as the app mints it (the bench runs beside
    the server, with its database and its cookie key)."""
    from issue_core import security
    from issue_core.db import create_issue_engine
    from issue_core.demo_mode import demo_mode
    from issue_core.services.users import open_session

    engine = create_issue_engine(database_url)
    try:
        now = security.now_utc()
        token = open_session(engine, username, now)
        key = security.cookie_key(demo=demo_mode(engine))
    finally:
        engine.dispose()
    return f"{security.COOKIE_NAME}={security.make_cookie(username, token, now, key)}"


def bench_load(url: str, database_url: str, username: str, sessions: int = 30, seconds: float = 60,
               pages: list[str] | None = None, report: Callable[[str], None] = print) -> dict:
    cookie = sign_in_cookie(database_url, username)
    chosen = tuple(pages or DASHBOARDS)
    report(f"{sessions} sessions as {username} for {seconds:.0f} s against {url}: {', '.join(chosen)}")
    started = time.perf_counter()
    results = run_coroutine(run_load(url, cookie, sessions, seconds, chosen))
    wall = time.perf_counter() - started
    views = [ms for result in results for ms in result.views_ms]
    errors = [error for result in results for error in result.errors]
    summary = {
        "kind": "load", "url": url, "user": username, "sessions": sessions, "seconds": round(wall, 1),
        "pages": list(chosen), "views": len(views), "errors": len(errors),
        "p50_ms": round(percentile(views, 0.50), 1), "p95_ms": round(percentile(views, 0.95), 1),
        "max_ms": round(max(views, default=0), 1), "mean_ms": round(statistics.fmean(views), 1) if views else 0,
        "first_errors": sorted(set(errors))[:10],
    }
    report(f"views {summary['views']}, errors {summary['errors']}, p50 {summary['p50_ms']:.0f} ms, "
           f"p95 {summary['p95_ms']:.0f} ms, max {summary['max_ms']:.0f} ms over {wall:.0f} s")
    for error in summary["first_errors"]:
        report(f"  error: {error}")
    return summary
