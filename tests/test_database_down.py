"""Issue 15 item 4: the database out of reach while a page is open, or when the app starts.

The app talks to a throwaway PostgreSQL database through a relay on a port of its own; switching the
relay off closes that port and cuts every open connection (what a stopped server or a lost network
does to the app), switching it on again brings the database back. Needs ISSUE_TEST_DATABASE_URL."""

from __future__ import annotations

import contextlib
import secrets
import socket
import threading
from collections.abc import Iterator

import pytest
import streamlit as st
from sqlalchemy import text
from sqlalchemy.engine import make_url
from streamlit.testing.v1 import AppTest

from issue_core.auth import SYSTEM
from issue_core.db import PROJECT_ROOT, create_issue_engine, get_engine, migrate, read_session
from issue_core.i18n import translate
from issue_core.models import Payment
from issue_core.services.users import create_user
from tests.conftest import as_the_live_server
from tests.world import build_world

APP = str(PROJECT_ROOT / "app.py")
USERNAME = "beheer"
PASSWORD = "outage-password-2026"


class Relay:
    """A TCP relay from a local port to PostgreSQL, which the test switches off and on."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.sockets: list[socket.socket] = []
        self.listener: socket.socket | None = None
        self.lock = threading.Lock()

    def on(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", self.port))
        self.listener.settimeout(0.1)
        threading.Thread(target=self._accept, args=(self.listener,), daemon=True).start()

    def off(self) -> None:
        """The port closed (a new connection is refused) and every open connection cut."""
        listener, self.listener = self.listener, None
        if listener is not None:
            listener.close()
        with self.lock:
            for sock in self.sockets:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            self.sockets.clear()

    def _accept(self, listener: socket.socket) -> None:
        while self.listener is listener:
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            with self.lock:
                self.sockets += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)


@contextlib.contextmanager
def relayed_database(new_postgres_database) -> Iterator[tuple[Relay, str, str]]:
    """A new PostgreSQL database (migrated, a small world, an admin who reads Dutch) and a relay to it:
    (relay, the database's URL, its URL through the relay)."""
    direct = new_postgres_database()
    database = create_issue_engine(direct)
    migrate(database)
    build_world(database)
    create_user(database, SYSTEM, username=USERNAME, display_name="Beheer", role="admin", password=PASSWORD,
                language="nl")
    database.dispose()
    parsed = make_url(direct)
    relay = Relay(parsed.host or "127.0.0.1", parsed.port or 5432)
    relay.on()
    try:
        yield relay, direct, parsed.set(host="127.0.0.1", port=relay.port).render_as_string(hide_password=False)
    finally:
        relay.off()


def production_settings(url: str) -> dict[str, str]:
    """The app on `url` as deployed: a cookie key, no demo."""
    return {"ISSUE_DATABASE_URL": url, "ISSUE_COOKIE_KEY": secrets.token_urlsafe(48), "ISSUE_DEMO": "0"}


@pytest.fixture
def relayed(new_postgres_database, monkeypatch) -> Iterator[tuple[Relay, str]]:
    """The relayed database, and the app (AppTest) configured for it."""
    with relayed_database(new_postgres_database) as (relay, direct, through_relay):
        for name, value in production_settings(through_relay).items():
            monkeypatch.setenv(name, value)
        as_the_live_server(monkeypatch)
        st.cache_resource.clear()
        st.cache_data.clear()
        yield relay, direct
        get_engine(through_relay).dispose()  # the pool the app used


def new_app() -> AppTest:
    return AppTest.from_file(APP, default_timeout=60)


def sign_in(app: AppTest) -> None:
    app.run()
    app.text_input[0].input(USERNAME)
    app.text_input[1].input(PASSWORD)
    app.button[0].click().run()
    assert not app.exception, app.exception


def save_button(app: AppTest):
    return next(button for button in app.button if button.label == translate("payments.save_payment", "nl"))


def payments_in(url: str) -> list[tuple[str, str | None]]:
    database = create_issue_engine(url)
    try:
        with read_session(database) as session:
            return [(str(p.amount), p.notes) for p in session.query(Payment).order_by(Payment.id)]
    finally:
        database.dispose()


def only_the_outage_message(app: AppTest, language: str) -> None:
    assert not app.exception, app.exception  # no traceback, no Streamlit error box
    assert [error.value for error in app.error] == [translate("app.database_down", language)]
    assert not app.title  # nothing of the page, which cannot be read


def test_a_form_submitted_while_the_database_is_down_says_so_keeps_what_was_typed_and_comes_back(relayed):
    relay, direct = relayed
    app = new_app()
    sign_in(app)
    app.switch_page("pages/payments.py").run()
    assert not app.exception and app.title
    app.text_input(key="payment_amount").input("42,50")
    app.text_input(key="payment_notes").input("kwitantie 17")

    relay.off()
    save_button(app).click().run()
    only_the_outage_message(app, "nl")  # the user's own language
    app.run()  # what the message's wait does every few seconds: still down, still the message
    only_the_outage_message(app, "nl")

    relay.on()
    app.run()  # the wait's next look finds the database: the page again, with what was typed
    assert not app.exception and not app.error
    assert [title.value for title in app.title] == [translate("nav.payments", "nl")]
    assert app.text_input(key="payment_amount").value == "42,50"
    assert app.text_input(key="payment_notes").value == "kwitantie 17"
    assert payments_in(direct) == []  # nothing was written while down, nor replayed on return
    save_button(app).click().run()  # the user sends it again, on purpose
    assert not app.exception and not app.error
    assert payments_in(direct) == [("42.50", "kwitantie 17")]


def test_connections_cut_by_the_server_are_replaced_at_the_next_run(relayed):
    _, direct = relayed
    app = new_app()
    sign_in(app)
    admin = create_issue_engine(direct)
    try:
        with admin.connect() as connection:  # what a server restart does to the app's pooled connections
            connection.execute(text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"))
    finally:
        admin.dispose()
    app.run()
    assert not app.exception and not app.error and app.title


def test_the_app_starts_while_the_database_is_down_and_opens_when_it_is_back(relayed):
    relay, _ = relayed
    relay.off()
    app = new_app()
    app.run()  # a fresh process: the migration at start cannot run
    only_the_outage_message(app, "fr")  # nobody signed in yet: French, the default
    relay.on()
    app.run()
    assert not app.exception and not app.error
    assert [field.label for field in app.text_input] == [translate("auth.username", "fr"),
                                                         translate("auth.password", "fr")]


def test_the_health_command_says_whether_the_database_answers(relayed, capsys):
    from issue_core.__main__ import main

    relay, _ = relayed
    assert main(["health"]) == 0
    assert capsys.readouterr().out.startswith("ok: postgresql ")
    relay.off()
    assert main(["health", "--timeout", "2"]) == 1
    answer = capsys.readouterr().out
    assert answer.startswith("unavailable: postgresql ") and answer.count("\n") == 1
