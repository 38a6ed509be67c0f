"""Shared fixtures. Every database test runs on SQLite, and on PostgreSQL when
ISSUE_TEST_DATABASE_URL is set (CI sets it; under CI=true a missing PostgreSQL fails the run)."""

from __future__ import annotations

import copy
import fcntl
import functools
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any, ClassVar

import pytest
from hypothesis import settings
from sqlalchemy import Engine, create_engine, func, select, text
from sqlalchemy.engine import make_url
from streamlit.runtime.scriptrunner.script_cache import ScriptCache

from issue_core import clock, security
from issue_core.auth import Actor
from issue_core.db import PROJECT_ROOT, create_issue_engine, migrate, normalise_url
from issue_core.demo import DEMO_ACCOUNTS
from issue_core.models import DERIVED_TABLES, Base, Organisation, Role

# Speed is measured by the bench commands, never asserted in a test: Hypothesis gives no example a deadline (a
# busy machine took 355 ms over its default 200 ms, a failure that said nothing of the code).
settings.register_profile("no_deadline", deadline=None)
settings.load_profile("no_deadline")

TODAY = date(2026, 11, 23)
ENGINES = ["sqlite", "postgresql"]
PG_HINT = (
    "PostgreSQL tests skipped: set ISSUE_TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test "
    "(any database the user may create databases from) to run every database test on PostgreSQL too."
)
# Reference rows written by the migration, kept between tests.
KEEP_TABLES = {"axis", "alembic_version"}
PRODUCTION_BCRYPT_COST = security.BCRYPT_COST
TEST_BCRYPT_COST = 4  # bcrypt's minimum
# No background cache warming (issue_core.ui.data) in the tests' processes nor in the servers they start: AppTest
# runs a Streamlit runtime, and a warming thread would read the test databases behind the tests' backs.
# tests/test_cache_warming.py drives the warming itself.
os.environ["ISSUE_WARM_CACHE"] = "0"


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def tool_path(path_or_name: str | tuple[str, ...]) -> str | None:
    """The first of `path_or_name` this machine has: a name is looked up on PATH, a path (with a /)
    must be an executable file. None when there is none."""
    for candidate in (path_or_name,) if isinstance(path_or_name, str) else path_or_name:
        found = shutil.which(candidate)
        if found:
            return found
    return None


def required_tool(path_or_name: str | tuple[str, ...], install_hint: str) -> str:
    """The path of a program some tests need (tool_path). Missing: those tests are skipped with
    `install_hint` (what is missing and how to install it on a laptop); under CI=true they fail, as a
    CI run may not skip them."""
    path = tool_path(path_or_name)
    if path is None:
        if in_ci():
            pytest.fail(f"{install_hint} (CI=true: these tests may not be skipped)")
        pytest.skip(install_hint)
    return path


BROWSER_TESTS = Path(__file__).parent / "browser"
# Tests that start servers and browsers run one after the other on one worker of pytest-xdist per group (their
# waits are timed for one test at a time per app server; test_bench builds its mid-scale database once), beside
# the others on the other workers. The tests that start an app of their own are a second group, on another worker
# than the session's app. Keyed by the start of the test's id, the first match deciding. (xdist's own
# xdist_group mark renames test ids, which pytest 9 no longer lets it do: the groups are given to xdist's
# scheduler here instead.)
ONE_WORKER_GROUPS = {
    "tests/browser/test_wall_screen.py::test_a_wall_runs": "browser-own-app",
    "tests/browser/test_editing.py::test_closing_a_site": "browser-own-app",
    "tests/browser/test_map.py::test_a_configured_tile_server": "browser-own-app",
    "tests/browser/": "browser",
    "tests/test_deploy.py::test_two_processes": "browser-own-app",
    "tests/test_bench.py::": "bench",
}


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test in tests/browser/ is a browser test, even if its file forgets `pytestmark`."""
    for item in items:
        if BROWSER_TESTS in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)


def one_worker_group(test_id: str) -> str:
    """The unit of work of a test for the scheduler: its group, or the test alone."""
    return next((group for start, group in ONE_WORKER_GROUPS.items() if test_id.startswith(start)), test_id)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int | None:
    """`-n auto`: a worker per core, and one more for the browser groups, whose workers mostly wait (on the
    browser, the app's server, the wall's timers). PYTEST_XDIST_AUTO_NUM_WORKERS still decides when set."""
    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS"):
        return None
    return len(os.sched_getaffinity(0)) + 1


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object:
    from xdist.scheduler import LoadScopeScheduling

    class GroupsOnOneWorker(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return one_worker_group(nodeid)

    return GroupsOnOneWorker(config, log)


@pytest.fixture(autouse=True)
def pinned_today() -> Iterator[date]:
    """Tests see a fixed today, so results do not depend on the day they run."""
    clock.pin(TODAY)
    yield TODAY
    clock.pin(None)


@pytest.fixture(scope="session", autouse=True)
def apptest_prepares_once() -> Iterator[None]:
    """What a server does once when it starts, AppTest redoes for every new test, on every worker: it scans
    every installed distribution's metadata for Streamlit components (0.2-0.5 s here: up to half of a page's
    run), and compiles the page's script at each run. The installed packages do not change during the tests:
    one scan per process; a script is compiled again only when its file changes."""
    from streamlit.components.v2 import manifest_scanner
    from streamlit.testing.v1 import app_test, local_script_runner

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(manifest_scanner, "scan_component_manifests",
                      functools.cache(manifest_scanner.scan_component_manifests))
        patch.setattr(app_test, "ScriptCache", CompiledOnce)
        patch.setattr(local_script_runner, "ScriptCache", CompiledOnce)
        yield


class CompiledOnce(ScriptCache):
    """A script's bytecode shared by every run of the process, for as long as its file stays the same."""

    compiled: ClassVar[dict[tuple[str, int, int], Any]] = {}

    def get_bytecode(self, script_path: str) -> Any:
        path = os.path.abspath(script_path)
        status = os.stat(path)
        key = (path, status.st_mtime_ns, status.st_size)
        if key not in self.compiled:
            self.compiled[key] = super().get_bytecode(path)
        return self.compiled[key]


@pytest.fixture(scope="session", autouse=True)
def cheap_bcrypt() -> Iterator[None]:
    """A bcrypt hash or check at the production cost takes 0.3-0.7 s on this machine, and the tests create
    accounts and sign in by the hundred: they hash at cost 4 (the demo accounts too), except the tests
    marked production_bcrypt (the stored cost, the time every refusal pays)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(security, "BCRYPT_COST", TEST_BCRYPT_COST)
        yield


@pytest.fixture(autouse=True)
def production_bcrypt(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    if request.node.get_closest_marker("production_bcrypt") is None:
        yield
        return
    monkeypatch.setattr(security, "BCRYPT_COST", PRODUCTION_BCRYPT_COST)
    security._dummy_hash.cache_clear()  # the hash a refusal checks against: at the production cost too
    yield
    security._dummy_hash.cache_clear()


# --- SQLite: a migrated template file, copied for each test ---------------------------------------


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "issue.sqlite"
    engine = create_issue_engine(f"sqlite:///{path}")
    migrate(engine)
    engine.dispose()  # the last connection checkpoints the WAL into the file
    return path


def sqlite_engine(template: Path, directory: Path) -> Engine:
    path = directory / f"issue-{uuid.uuid4().hex[:8]}.sqlite"
    shutil.copy(template, path)
    return create_issue_engine(f"sqlite:///{path}")


# --- the demo data, seeded once per run, copied for each module that reads it -----------------------


@pytest.fixture(scope="session")
def demo_sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo seeded once per run (about 13 s): the first pytest-xdist worker to ask seeds it in the run's
    folder, shared by its workers, while the others wait on a lock; then each copies it."""
    from issue_core.demo import seed_demo

    folder = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        folder = folder.parent  # this run's own folder, above its workers' (never a previous run's)
    path = folder / "demo-template.sqlite"
    with open(folder / "demo-template.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not path.exists():
            seeding = folder / "demo-template.seeding.sqlite"
            seeding.unlink(missing_ok=True)
            engine = create_issue_engine(f"sqlite:///{seeding}")
            migrate(engine)
            seed_demo(engine, TODAY)
            engine.dispose()
            seeding.rename(path)  # whole or not at all: a worker never copies a half-seeded file
    return path


@pytest.fixture(scope="module")
def demo_url(demo_sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A SQLite database holding the demo data as of TODAY, this module's own copy."""
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite"
    shutil.copy(demo_sqlite_template, path)
    return f"sqlite:///{path}"


# --- PostgreSQL: a database of our own, migrated once, emptied between tests ----------------------


def postgres_admin_url() -> str | None:
    url = os.environ.get("ISSUE_TEST_DATABASE_URL", "").strip()
    return normalise_url(url) if url else None


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    admin_url = postgres_admin_url()
    if admin_url is None:
        if in_ci():
            pytest.fail("CI=true but ISSUE_TEST_DATABASE_URL is not set: PostgreSQL tests cannot be skipped in CI")
        pytest.skip(PG_HINT)
    name = f"issue_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001 (any connection failure means the same here)
        if in_ci():
            pytest.fail(f"PostgreSQL at ISSUE_TEST_DATABASE_URL cannot be reached: {exc}")
        pytest.skip(f"PostgreSQL at ISSUE_TEST_DATABASE_URL cannot be reached ({exc}). {PG_HINT}")
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    engine = create_issue_engine(url)
    migrate(engine)
    engine.dispose()
    yield url
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def new_postgres_database() -> Iterator:
    """A factory of brand-new, empty PostgreSQL databases (dropped at the end of the run)."""
    admin_url = postgres_admin_url()
    if admin_url is None:
        if in_ci():
            pytest.fail("CI=true but ISSUE_TEST_DATABASE_URL is not set: PostgreSQL tests cannot be skipped in CI")
        pytest.skip(PG_HINT)
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    created: list[str] = []

    def make() -> str:
        name = f"issue_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        created.append(name)
        return make_url(admin_url).set(database=name).render_as_string(hide_password=False)

    yield make
    with admin.connect() as connection:
        for name in created:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=ENGINES)
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of a database with no table at all, on each engine."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'empty.sqlite'}"
    return request.getfixturevalue("new_postgres_database")()


def empty_postgres(engine: Engine) -> None:
    tables = [t.name for t in Base.metadata.sorted_tables if t.name not in KEEP_TABLES]
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A migrated, empty database (but for the three axes) on each engine."""
    if request.param == "sqlite":
        database = sqlite_engine(request.getfixturevalue("sqlite_template"), tmp_path)
    else:
        url = request.getfixturevalue("postgres_database")
        database = create_issue_engine(url)
        empty_postgres(database)
    yield database
    database.dispose()


# --- tests/world.py's world: built once per engine through the services, then written row by row ----------


def table_rows(engine: Engine) -> dict[str, list[dict]]:
    """Every row of every table but the migration's own (KEEP_TABLES), in insertion order."""
    tables = [table for table in Base.metadata.sorted_tables if table.name not in KEEP_TABLES]
    with engine.connect() as connection:
        return {table.name: [row._asdict() for row in connection.execute(select(table).order_by(*table.primary_key))]
                for table in tables}


def write_rows(engine: Engine, rows: dict[str, list[dict]]) -> None:
    """Write `rows` into an emptied database as they were (ids included), and move PostgreSQL's id
    sequences past them, so the next write gets the id it would have got after the services' writes."""
    with engine.begin() as connection:
        for table in Base.metadata.sorted_tables:
            written = rows.get(table.name)
            if not written or table.name in DERIVED_TABLES:  # the database's triggers write them
                continue
            connection.execute(table.insert(), written)
            if engine.dialect.name == "postgresql" and "id" in table.c:
                sequence = func.pg_get_serial_sequence(table.name, "id")
                connection.execute(select(func.setval(sequence, max(row["id"] for row in written))))


@pytest.fixture(scope="session")
def built_worlds() -> dict[tuple[str, str], tuple]:
    """Per world builder and engine: the world as first built (its ids) and its rows."""
    return {}


def world_from(builder: Callable[[Engine], object], engine: Engine, built_worlds: dict) -> object:
    """The world `builder` writes through the services (tests/world.py), in the empty database of `engine`:
    built once per engine, then its rows written straight into each test's database.
    Returns what the builder returned, on `engine`."""
    import dataclasses

    key = (builder.__qualname__, engine.dialect.name)
    if key not in built_worlds:
        built_worlds[key] = (builder(engine), table_rows(engine))
    else:
        write_rows(engine, built_worlds[key][1])
    built = built_worlds[key][0]
    if dataclasses.is_dataclass(built):
        return dataclasses.replace(built, engine=engine)  # a copy: a test may add to its own world
    return copy.deepcopy(built)


@pytest.fixture
def world(engine: Engine, built_worlds: dict):
    """tests/world.py's hand-counted world, on each engine."""
    from tests.world import build_world

    return world_from(build_world, engine, built_worlds)


# --- the demo as pages see it: its engine, an actor per demo account, pages run as an actor -------------

APP = str(PROJECT_ROOT / "app.py")
PASSWORDS = {account.username: account.password for account in DEMO_ACCOUNTS}
# Where issue_core.ui.gate keeps the signed-in actor and the session token (ACTOR_KEY, SESSION_KEY): importing
# the gate outside a script run makes Streamlit log warnings that tests about its warnings would catch.
ACTOR_KEY, SESSION_KEY = "issue_actor", "issue_session_token"


@pytest.fixture(scope="module")
def demo_engine(demo_url: str) -> Iterator[Engine]:
    """An engine on this module's copy of the demo."""
    engine = create_issue_engine(demo_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def organisation_ids(demo_sqlite_template: Path) -> dict[str, int]:
    """The demo's organisations: short name → id."""
    engine = create_issue_engine(f"sqlite:///{demo_sqlite_template}")
    with engine.connect() as connection:
        ids = dict(connection.execute(select(Organisation.short_name, Organisation.id)).all())
    engine.dispose()
    return ids


@pytest.fixture(scope="session")
def actors(organisation_ids: dict[str, int]) -> dict[str, Actor]:
    """An actor per demo account, by username (admin, ecran, coord.samusocial, dir.diogenes, …)."""
    return {account.username: Actor(account.username, account.role, organisation_ids.get(account.organisation))
            for account in DEMO_ACCOUNTS}


def run_through_navigation(monkeypatch: pytest.MonkeyPatch, engine: Engine, actor: Actor, pages: list[str], *,
                           language: str = "en", query: dict[str, str] | None = None):
    """pages[0] run through st.navigation, as app.py runs a page, with `pages` registered and reachable (so
    that its links to them resolve), as `actor`, on `engine`'s database; it must run without an exception."""
    from textwrap import dedent

    from streamlit.testing.v1 import AppTest

    use_database(monkeypatch, engine.url.render_as_string(hide_password=False))
    registered = ", ".join(f'st.Page("{PROJECT_ROOT}/{page}")' for page in pages)
    script = dedent(f"""
        import streamlit as st
        st.session_state["issue_pages"] = {set(pages)!r}
        st.navigation([{registered}]).run()
    """)
    app = AppTest.from_string(script, default_timeout=60)
    app.session_state[ACTOR_KEY] = actor
    app.session_state["language"] = language
    for name, value in (query or {}).items():
        app.query_params[name] = value
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    return app


ADMIN = Actor("admin", Role.ADMIN)


@pytest.fixture
def database(demo_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    """This test's own copy of the demo, for a test that writes (the module's copy stays untouched); the
    app (open_page, app) runs on it."""
    path = tmp_path / "demo.sqlite"
    shutil.copy(make_url(demo_url).database, path)
    use_database(monkeypatch, f"sqlite:///{path}")
    engine = create_issue_engine(f"sqlite:///{path}")
    yield engine
    engine.dispose()


def use_database(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    """Point the app (issue_core.ui.data.engine) at `url`, with nothing cached from another database."""
    import streamlit as st

    from issue_core.ui.data import clear_cached_reads

    monkeypatch.setenv("ISSUE_DATABASE_URL", url)
    st.cache_resource.clear()
    clear_cached_reads()


def open_numbers(app):  # noqa: ANN001, ANN201 (an AppTest)
    """Every chart's numbers opened (ui.components.numbers: their table and CSV buttons are sent once the
    expander is open, as a click in the browser opens it) and the page run again."""
    keys = [expander.key for expander in app.expander if (expander.key or "").startswith("numbers-")]
    assert keys, "this page has no chart numbers to open"
    for key in keys:
        app.session_state[key] = True
    app.run()
    assert not app.exception, [exception.value for exception in app.exception]
    return app


def run_page(path: str, actor: Actor | None = ADMIN, *, language: str | None = None, pages: set[str] | tuple = (),
             query: dict[str, str] | None = None, state: dict | None = None, timeout: float = 60,
             check: bool = True):
    """The page file (relative to the project) run in AppTest as `actor`, put in the session where the
    sign-in gate puts it (as app.py runs the page through st.navigation): no form, no bcrypt; on the
    database ISSUE_DATABASE_URL names. `pages`: the pages the actor may be sent to (app.py's navigation
    sets them); `language`, `query` (the address) and `state` (more session state) as given; the page
    must run without an exception unless `check` is False."""
    from streamlit.testing.v1 import AppTest

    app = AppTest.from_file(str(PROJECT_ROOT / path), default_timeout=timeout)
    if actor is not None:
        app.session_state[ACTOR_KEY] = actor
    app.session_state["issue_pages"] = set(pages)
    if language is not None:
        app.session_state["language"] = language
    for key, value in (state or {}).items():
        app.session_state[key] = value
    for name, value in (query or {}).items():
        app.query_params[name] = value
    app.run()
    if check:
        assert not app.exception, [e.value for e in app.exception]
    return app


@pytest.fixture
def open_page(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Callable[..., object]:
    """open_page("pages/x.py", actor, …): run_page on the test's own demo copy if it has one (`database`),
    else on this module's; or on `url`."""
    if "database" in request.fixturenames:
        url = request.getfixturevalue("database").url.render_as_string(hide_password=False)
    else:
        url = request.getfixturevalue("demo_url")
    current = {"url": url}
    use_database(monkeypatch, url)

    def run(path: str, actor: Actor | None = ADMIN, *, url: str | None = None, **options):
        if url is not None and url != current["url"]:
            use_database(monkeypatch, url)
            current["url"] = url
        return run_page(path, actor, **options)

    return run


@pytest.fixture
def deferred_downloads(monkeypatch: pytest.MonkeyPatch) -> dict[str, object]:
    """The callables the page hands to st.download_button, by button key (run only on a click)."""
    from streamlit.runtime.media_file_manager import MediaFileManager

    recorded: dict[str, object] = {}
    original = MediaFileManager.add_deferred

    def record(self, data_callable, mimetype, coordinates, file_name=None, *, element_id=""):  # noqa: ANN001
        recorded[element_id.split("-", 2)[-1]] = data_callable  # "$$ID-<hash>-<key>"
        return original(self, data_callable, mimetype, coordinates, file_name, element_id=element_id)

    monkeypatch.setattr(MediaFileManager, "add_deferred", record)
    return recorded


# --- app.py as the server runs it: signed out, signed in through the form, or with a session injected ---


def as_the_live_server(monkeypatch: pytest.MonkeyPatch) -> None:
    """AppTest runs app.py at every run, as the live server does (issue_core.ui.bench_pages says why), for the test."""
    from streamlit.runtime.pages_manager import PagesManager

    from issue_core.ui.bench_pages import running_app_py_every_time

    monkeypatch.setattr(PagesManager, "__init__", running_app_py_every_time(PagesManager.__init__))


def elements(node) -> Iterator:  # noqa: ANN001 (a node of AppTest's element tree)
    yield node
    for child in getattr(node, "children", {}).values():
        yield from elements(child)


def sent_to_browser(app) -> bytes:  # noqa: ANN001 (an AppTest)
    """Every element of the page as Streamlit serialises it for the browser (labels, help texts, captions;
    tables and charts as Arrow, whose strings stay readable)."""
    protos = (getattr(node, "proto", None) for node in elements(app._tree))
    return b"\n".join(proto.SerializeToString() for proto in protos if proto is not None)


@pytest.fixture
def app(demo_url: str, monkeypatch: pytest.MonkeyPatch):
    """app.py in AppTest on this module's demo copy, signed out (not run yet)."""
    from streamlit.testing.v1 import AppTest

    use_database(monkeypatch, demo_url)
    as_the_live_server(monkeypatch)
    return AppTest.from_file(APP, default_timeout=60)


def sign_in(app, username: str, password: str | None = None):
    """A real sign-in through the form (bcrypt, lockout, audit, cookie): keep it for the tests about it."""
    app.run()
    app.text_input[0].input(username)
    app.text_input[1].input(password or PASSWORDS[username])
    app.button[0].click().run()
    assert not app.exception
    return app


def signed_in(app, username: str, url: str | None = None):
    """`username` signed in without the form: a session of app_session and the status the library sets,
    as a good sign-in cookie leaves them (issue_core.ui.gate.current_actor re-reads the user from there
    on every run). Runs app.py once: the user's default page, their navigation."""
    from issue_core.services.users import open_session, user_by_username

    engine = create_issue_engine(url or os.environ["ISSUE_DATABASE_URL"])
    try:
        app.session_state[SESSION_KEY] = open_session(engine, username)
        app.session_state["language"] = user_by_username(engine, username).language  # as gate.sign_in does
    finally:
        engine.dispose()
    app.session_state["authentication_status"] = True
    app.session_state["username"] = username
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def page_titles(app) -> list[str]:
    return [title.value for title in app.title]


# The system Chromium, one Playwright for the whole run (tests/browser and the deployment test share it:
# a second sync Playwright in one process fails).
CHROMIUM_FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]


CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")


def chromium_path() -> str | None:
    return tool_path(CHROMIUM_NAMES)


@pytest.fixture(scope="session")
def chromium() -> str:
    return required_tool(CHROMIUM_NAMES,
                         "no Chromium on this machine: `apt-get install -y chromium` to run the browser tests")


@pytest.fixture(scope="session")
def browser(chromium):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()
