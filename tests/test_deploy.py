"""Issue 15: several app processes behind nginx, on one PostgreSQL database (the files of deploy/).

Two `streamlit run` processes, started as the systemd unit starts them, and nginx (run as the current user
under a temporary prefix) with the shipped upstream, stickiness maps and locations, on loopback ports, on a
PostgreSQL database made for the test, with the demo data. Through the proxy, in Chromium: a director
on one process sees a household placed by a coordinator on the other at the next rerun; a sign-in
cookie from one process signs in on the other, and no longer once its user signed out on the first.
Then `bench load` through the proxy with one and with two processes (p95 printed, no timing assertion).
Also: migrations started together by several processes run once; the shipped nginx site passes `nginx -t`;
the meeting screen's settings, once kept by the process that drew the page, reach every session of the account.

Skipped with a message when nginx, Chromium or PostgreSQL is missing, never under CI=true."""

from __future__ import annotations

import getpass
import os
import re
import secrets
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from issue_core.auth import SYSTEM, Actor
from issue_core.db import PROJECT_ROOT, create_issue_engine, migrate
from issue_core.errors import DomainError
from issue_core.services.screen_settings import ScreenSettings, save_screen_settings, screen_settings
from issue_core.services.users import create_user
from tests.browser.conftest import free_port, wait_healthy
from tests.browser.test_editing import overview_occupied, place_a_waiting_household
from tests.browser.test_sign_in import sees_sign_in_form, settle, sign_in
from tests.conftest import required_tool, table_rows, write_rows

DEPLOY = PROJECT_ROOT / "deploy"
SITE = DEPLOY / "nginx" / "issue-dashboard.conf"
LOCATIONS = DEPLOY / "nginx" / "issue-dashboard-locations.conf"
UPSTREAM_HEADER = "X-Issue-Upstream"  # added by the test only: which process answered


@pytest.fixture(scope="module")
def nginx() -> str:
    return required_tool(("nginx", "/usr/sbin/nginx"),
                         "no nginx on this machine: `apt-get install -y nginx` to run the deployment test")


# --- nginx from the shipped files ----------------------------------------------------------------------


def shipped_blocks() -> tuple[str, str]:
    """(the `map` blocks, the `upstream` block) of the shipped site file."""
    site = SITE.read_text()
    maps = "\n".join(re.findall(r"^map .*?^}", site, flags=re.DOTALL | re.MULTILINE))
    upstream = re.search(r"^upstream issue_dashboard \{.*?^}", site, flags=re.DOTALL | re.MULTILINE).group(0)
    return maps, upstream


def upstream_for(upstream: str, name: str, ports: list[int]) -> str:
    """The shipped upstream block, renamed, with one `server` line per app process of the test."""
    servers = re.findall(r"^\s*server 127\.0\.0\.1:\d+(.*)$", upstream, flags=re.MULTILINE)
    assert servers, "the shipped upstream lists no app process"
    lines = "".join(f"    server 127.0.0.1:{port}{servers[0]}\n" for port in ports)
    block = re.sub(r"^\s*server 127\.0\.0\.1:\d+.*\n", "", upstream, flags=re.MULTILINE)
    return block.replace("upstream issue_dashboard {", f"upstream {name} {{").replace("\n}", f"\n{lines}}}")


def nginx_conf(prefix: Path, listeners: dict[int, list[int]]) -> str:
    """An nginx.conf for `listeners` (proxy port: app ports) from the shipped maps, upstream and locations;
    plain HTTP (TLS ends at the proxy: nothing of the app depends on it)."""
    maps, upstream = shipped_blocks()
    locations = LOCATIONS.read_text().replace(
        "add_header Set-Cookie $issue_route_cookie;",
        f"add_header Set-Cookie $issue_route_cookie;\n    add_header {UPSTREAM_HEADER} $upstream_addr always;")
    servers = []
    for port, app_ports in listeners.items():
        name = f"issue_dashboard_{port}"
        snippet = prefix / f"locations-{port}.conf"
        snippet.write_text(locations.replace("http://issue_dashboard;", f"http://{name};"))
        servers.append(f"{upstream_for(upstream, name, app_ports)}\n"
                       f"server {{\n    listen 127.0.0.1:{port};\n    include {snippet};\n}}")
    user = f"user {getpass.getuser()};" if os.geteuid() == 0 else ""  # workers as the current user
    temp = " ".join(f"{kind}_temp_path {prefix / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    body = "\n".join(servers)
    return (f"{user}\ndaemon off;\nworker_processes 1;\npid {prefix / 'nginx.pid'};\n"
            f"error_log {prefix / 'error.log'} warn;\nevents {{ worker_connections 512; }}\n"
            f"http {{\n    access_log {prefix / 'access.log'};\n    {temp}\n{maps}\n{body}\n}}\n")


@contextmanager
def running_nginx(nginx: str, prefix: Path, listeners: dict[int, list[int]]) -> Iterator[None]:
    prefix.mkdir(parents=True, exist_ok=True)
    conf = prefix / "nginx.conf"
    conf.write_text(nginx_conf(prefix, listeners))
    command = [nginx, "-p", str(prefix), "-c", str(conf), "-e", str(prefix / "error.log")]
    checked = subprocess.run([*command, "-t"], check=False, capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        for port in listeners:
            wait_healthy(f"http://127.0.0.1:{port}", process, timeout=30)
        yield
    finally:
        process.terminate()  # SIGTERM: nginx's fast shutdown, workers included
        process.wait(timeout=20)


# --- the app processes, as the systemd unit starts them ---------------------------------------------------


@contextmanager
def app_process(port: int, environment: dict[str, str], log: Path) -> Iterator[subprocess.Popen]:
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.address", "127.0.0.1",
             "--server.port", str(port), "--server.headless", "true", "--server.fileWatcherType", "none",
             "--browser.gatherUsageStats", "false"],
            cwd=PROJECT_ROOT, env=environment, stdout=output, stderr=subprocess.STDOUT,
        )
        try:
            yield process
        finally:
            process.terminate()
            process.wait(timeout=20)


def app_environment(database_url: str, cookie_key: str) -> dict[str, str]:
    """What /etc/issue/issue.env gives every process (deploy/issue.env.example): the same keys for all."""
    return {**os.environ, "ISSUE_DATABASE_URL": database_url, "ISSUE_COOKIE_KEY": cookie_key,
            "STREAMLIT_SERVER_COOKIE_SECRET": secrets.token_hex(32), "ISSUE_DEMO": "1"}


def demo_database(url: str, demo_sqlite_template: Path) -> str:
    """The tests' demo (its accounts hashed at their cheap bcrypt cost) copied row by row into the new
    PostgreSQL database `url`: seconds, where seeding it there takes a minute."""
    demo, engine = create_issue_engine(f"sqlite:///{demo_sqlite_template}"), create_issue_engine(url)
    try:
        migrate(engine)
        write_rows(engine, table_rows(demo))
    finally:
        demo.dispose()
        engine.dispose()
    return url


def upstream_of(proxy: str, route: str) -> str:
    """Which app process the proxy sends a browser with this route cookie to."""
    request = urllib.request.Request(f"{proxy}/", headers={"Cookie": f"issue_route={route}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.headers["Set-Cookie"] is None  # a browser with its route keeps it
        return response.headers[UPSTREAM_HEADER]


def routes_to(proxy: str, addresses: list[str]) -> dict[str, str]:
    """A route cookie value that leads to each app process (consistent hashing: found by trying)."""
    found: dict[str, str] = {}
    for number in range(200):
        found.setdefault(upstream_of(proxy, f"route-{number}"), f"route-{number}")
        if set(addresses) <= set(found):
            return found
    raise AssertionError(f"no route found to each of {addresses}: {found}")


def pinned_page(chromium_browser, proxy: str, route: str, cookies: list[dict] = ()):
    """A browser (its own context) whose route cookie sends it to one app process through the proxy."""
    context = chromium_browser.new_context(viewport={"width": 1400, "height": 900}, locale="fr-BE")
    context.add_cookies([{"name": "issue_route", "value": route, "url": proxy}, *cookies])
    return context.new_page()


def answered_by(page, proxy: str) -> str:
    """The app process that serves this browser: the route cookie the proxy goes by."""
    route = next(cookie["value"] for cookie in page.context.cookies() if cookie["name"] == "issue_route")
    return upstream_of(proxy, route)


# --- the tests ---------------------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.browser
def test_two_processes_behind_nginx_share_writes_sessions_and_sign_out(
        nginx, browser, new_postgres_database, demo_sqlite_template, tmp_path, monkeypatch):  # noqa: F811 (fixtures)
    started = time.monotonic()

    def elapsed(what: str) -> None:  # where the time goes, in the test's output
        print(f"{what}: {time.monotonic() - started:.0f} s")

    database_url = demo_database(new_postgres_database(), demo_sqlite_template)
    elapsed("demo database")
    cookie_key = secrets.token_urlsafe(48)
    monkeypatch.setenv("ISSUE_COOKIE_KEY", cookie_key)  # bench load mints its cookie with the servers' key
    environment = app_environment(database_url, cookie_key)
    first, second, one, two = (free_port() for _ in range(4))
    addresses = {port: f"127.0.0.1:{port}" for port in (first, second)}
    with ExitStack() as stack:
        processes = [stack.enter_context(app_process(port, environment, tmp_path / f"app-{port}.log"))
                     for port in (first, second)]  # started together on a new database
        for port, process in zip((first, second), processes, strict=True):
            wait_healthy(f"http://127.0.0.1:{port}", process)
        stack.enter_context(running_nginx(nginx, tmp_path / "nginx", {one: [first], two: [first, second]}))
        proxy = f"http://127.0.0.1:{two}"
        with urllib.request.urlopen(f"{proxy}/", timeout=10) as first_visit:  # a browser's first page: its route
            route = first_visit.headers["Set-Cookie"]
        assert re.fullmatch(r"issue_route=[0-9a-f]{32}; Path=/; HttpOnly; SameSite=Strict", route), route
        routes = routes_to(proxy, list(addresses.values()))
        elapsed("two processes and nginx")

        # A director on the second process, a coordinator on the first, both through the proxy.
        director = pinned_page(browser, proxy, routes[addresses[second]])
        sign_in(director, proxy, "dir.samusocial")
        assert answered_by(director, proxy) == addresses[second]
        occupied_before = overview_occupied(director)
        elapsed("director signed in")
        coordinator = pinned_page(browser, proxy, routes[addresses[first]])
        sign_in(coordinator, proxy, "coord.samusocial")
        assert answered_by(coordinator, proxy) == addresses[first]

        # A write on the first process shows on the second at its next rerun (the data version).
        place_a_waiting_household(coordinator, "Dubrucq")
        assert overview_occupied(director) == occupied_before + 1
        elapsed("placed and seen")

        # The coordinator's sign-in cookie signs in on the second process too (the session is in the database)…
        copied = [cookie for cookie in coordinator.context.cookies() if cookie["name"] == "issue_session"]
        assert copied, "the sign-in cookie was not set"
        elsewhere = pinned_page(browser, proxy, routes[addresses[second]], copied)
        elsewhere.goto(proxy)
        elsewhere.get_by_role("button", name="Se déconnecter").wait_for(timeout=30_000)
        # … until the coordinator signs out on the first: the second refuses it at once.
        coordinator.get_by_role("button", name="Se déconnecter").click()
        assert sees_sign_in_form(coordinator)
        elsewhere.reload()
        settle(elsewhere)
        assert sees_sign_in_form(elsewhere)
        assert elsewhere.get_by_role("button", name="Se déconnecter").count() == 0
        for page in (director, coordinator, elsewhere):
            page.context.close()
        elapsed("signed out")

        for port in (first, second):
            assert "Traceback" not in (tmp_path / f"app-{port}.log").read_text()

        # bench load through the proxy, with one process and with two (figures in the note: no assertion on time).
        from issue_core.ui.bench_load import bench_load

        for port, label in ((one, "1 process"), (two, "2 processes")):
            summary = bench_load(f"http://127.0.0.1:{port}", database_url, "admin", sessions=4, seconds=8,
                                 pages=["overview", "occupancy", "caseloads"], report=lambda line: None)
            print(f"bench load through nginx, {label}: {summary['views']} views, p50 {summary['p50_ms']:.0f} ms, "
                  f"p95 {summary['p95_ms']:.0f} ms, errors {summary['errors']}")
            assert summary["views"] > 0 and summary["errors"] == 0, summary["first_errors"]


@pytest.mark.slow
def test_migrations_started_together_run_once(new_postgres_database):
    """Three `migrate` commands at the same moment on a new database (N units starting after an upgrade):
    one migrates, the others wait for its advisory lock and find nothing to do."""
    url = new_postgres_database()
    commands = [subprocess.Popen([sys.executable, "-m", "issue_core", "--database-url", url, "migrate"],
                                 cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
                for _ in range(3)]
    outputs = [command.communicate(timeout=120)[0] for command in commands]
    assert [command.returncode for command in commands] == [0, 0, 0], "\n".join(outputs)


def test_the_shipped_nginx_site_passes_nginx_t(nginx, tmp_path):
    """The site file as shipped (TLS, redirect, the snippet), with a throwaway certificate."""
    if shutil.which("openssl") is None:
        pytest.skip("no openssl to make a throwaway certificate")
    certificate, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                    "-keyout", str(key), "-out", str(certificate)], check=True, capture_output=True)
    site = (SITE.read_text()
            .replace("/etc/letsencrypt/live/issue.example.org/fullchain.pem", str(certificate))
            .replace("/etc/letsencrypt/live/issue.example.org/privkey.pem", str(key))
            .replace("/etc/nginx/snippets/issue-dashboard-locations.conf", str(LOCATIONS)))
    assert str(LOCATIONS) in site and str(certificate) in site
    (tmp_path / "site.conf").write_text(site)
    conf = tmp_path / "nginx.conf"
    conf.write_text(f"pid {tmp_path / 'nginx.pid'};\nevents {{}}\nhttp {{\n    include {tmp_path / 'site.conf'};\n}}\n")
    checked = subprocess.run([nginx, "-t", "-p", str(tmp_path), "-c", str(conf), "-e", str(tmp_path / "error.log")],
                             check=False, capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr


# --- what a process kept to itself now lives in the database: the meeting screen's settings ------------------


def test_screen_settings_are_kept_per_account_and_changed_one_at_a_time(engine):
    for username in ("wall.one", "wall.two"):
        create_user(engine, SYSTEM, username=username, display_name="Wall", role="screen", password="correct-horse-42")
    wall, other = Actor("wall.one", "screen"), Actor("wall.two", "screen")
    assert screen_settings(engine, wall) == ScreenSettings()
    save_screen_settings(engine, wall, seconds=30)
    save_screen_settings(engine, wall, paused=True)
    save_screen_settings(engine, wall, since=date(2026, 11, 1))
    assert screen_settings(engine, wall) == ScreenSettings(30, True, date(2026, 11, 1))
    assert screen_settings(engine, other) == ScreenSettings()
    save_screen_settings(engine, wall, since=None)
    assert screen_settings(engine, wall) == ScreenSettings(30, True, None)
    with pytest.raises(DomainError):
        save_screen_settings(engine, Actor("nobody", "screen"), seconds=20)


def open_meeting(actor: Actor) -> AppTest:
    app = AppTest.from_file(str(PROJECT_ROOT / "pages" / "meeting.py"), default_timeout=60)
    app.session_state["issue_actor"] = actor
    app.run()
    assert not app.exception, app.exception
    return app


def test_the_meeting_screen_settings_reach_every_session_of_the_account(database, actors):
    """Another session (the wall's, a reload, a tab served by another process) shows the settings made in one."""
    wall = open_meeting(actors["ecran"])
    laptop = open_meeting(actors["ecran"])
    laptop.number_input(key="meeting_seconds").set_value(30).run()
    laptop.toggle(key="meeting_paused").set_value(True).run()
    laptop.date_input(key="meeting_since").set_value(date(2026, 11, 1)).run()
    assert screen_settings(database, actors["ecran"]) == ScreenSettings(30, True, date(2026, 11, 1))

    wall.run()
    assert wall.number_input(key="meeting_seconds").value == 30
    assert wall.toggle(key="meeting_paused").value is True
    assert wall.date_input(key="meeting_since").value == date(2026, 11, 1)
    reopened = open_meeting(actors["ecran"])
    assert reopened.number_input(key="meeting_seconds").value == 30
    assert open_meeting(actors["admin"]).number_input(key="meeting_seconds").value == 15  # each account its own
