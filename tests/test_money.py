"""Money on the dashboards and the payments form (issue 10, items 4, 5, 7, 8, 11): one definition and
one rounding of arrears, changes shown with the right arrow in every language, the charts' CSVs in
numbers, no payment recorded twice by a second click, closed files without forms.

A small world, counted by hand (TODAY = 23/11/2026). Site Alpha (operator Hou), convention
01/01/2026 → 31/12/2027, units U1–U4. Partners Samu and Dio (axis 2).

    hA, hB (Samu): placed 01/11/2026, 101 €/month from 01/11 → due 101 × 23/30 = 77.4333 → 77.43 each.
    hC (Samu): placed 01/11/2026, 40 €/month → due 40 × 23/30 = 30.6667 → 30.67.
    hD (Dio): placed 01/06/2026, 100 €/month; paid 500 on 10/11 for June–October →
        due 4 × 100 + 100 + 100 × 23/30 = 576.6667 → 576.67; arrears 76.67.
    hE (Samu): referred 01/02/2021, follow-up ended 30/06/2021 (a closed file; reference ISS-2021-…,
        first in alphabetical order).

Arrears of every household owing something: 77.43 + 77.43 + 30.67 + 76.67 = 262.20.
Above 50 € ("in arrears"): hA, hB, hD = 231.53 (Samu 154.86, Dio 76.67) — and not 231.54, the sum of
per-partner totals rounded after adding unrounded balances (154.8667 → 154.87).
On 24/10 (30 days earlier): hD only, due 4 × 100 + 100 × 24/31 = 477.42, nothing paid yet → the
change is 262.20 − 477.42 = −215.22: a fall, good news.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
import streamlit as st
from sqlalchemy import Engine, text
from streamlit.proto.Metric_pb2 import Metric as MetricProto
from streamlit.testing.v1 import AppTest

from issue_core import clock
from issue_core.auth import SYSTEM, Actor
from issue_core.db import create_issue_engine, migrate
from issue_core.errors import Conflict
from issue_core.export import to_csv
from issue_core.i18n import Translator, translate
from issue_core.imports.run import import_file
from issue_core.models import Role
from issue_core.policy import ARREARS_THRESHOLD, DUPLICATE_PAYMENT_WINDOW
from issue_core.queries import metrics as m
from issue_core.queries.screens.contributions import split_households_in_arrears
from issue_core.queries.screens.overview import arrears_above
from issue_core.queries.screens.payments import editable_households
from issue_core.services import contributions
from issue_core.services.undo import undo_event
from issue_core.visibility import scope_of
from tests.conftest import TODAY, open_numbers, run_page, world_from
from tests.world import build_money_world, refused, row_counts

fr = Translator("fr")


@pytest.fixture
def world(engine, built_worlds) -> dict[str, int]:
    return world_from(build_money_world, engine, built_worlds)


# --- item 4: one definition of arrears, one rounding ---------------------------------------------------


def test_arrears_totals_add_up_the_rounded_balances(engine, world):
    rows = {r["household_id"]: (r["due"], r["paid"], r["arrears"]) for r in m.arrears(engine, TODAY).to_dict("records")}
    assert rows == {world["hA"]: (77.43, 0.0, 77.43), world["hB"]: (77.43, 0.0, 77.43),
                    world["hC"]: (30.67, 0.0, 30.67), world["hD"]: (576.67, 500.0, 76.67)}
    assert m.total_arrears(engine, TODAY) == Decimal("262.20")  # every household owing something
    assert m.total_arrears(engine, TODAY, threshold=ARREARS_THRESHOLD) == Decimal("231.53")
    partners = {r["partner"]: (r["due"], r["paid"], r["arrears"], r["households_in_arrears"])
                for r in m.arrears_by_partner(engine, TODAY, threshold=ARREARS_THRESHOLD).to_dict("records")}
    assert partners == {"Dio": (576.67, 500.0, 76.67, 1), "Samu": (185.53, 0.0, 154.86, 2)}
    # The overview's alert lists the same households, for the same total.
    alert = arrears_above(engine, TODAY)
    assert sorted(alert["household_id"]) == sorted([world["hA"], world["hB"], world["hD"]])
    split = split_households_in_arrears(m.arrears(engine, TODAY), scope_of(Actor("screen", Role.SCREEN)))
    assert {r["partner"]: (r["households"], r["arrears"]) for r in split.hidden.to_dict("records")} == {
        "Samu": (2, 154.86), "Dio": (1, 76.67)}


# --- AppTest on a copy of the world (SQLite) -----------------------------------------------------------


@pytest.fixture
def money_url(tmp_path, monkeypatch) -> str:
    url = f"sqlite:///{tmp_path / 'money.sqlite'}"
    database = create_issue_engine(url)
    migrate(database)
    build_money_world(database)
    database.dispose()
    monkeypatch.setenv("ISSUE_DATABASE_URL", url)
    st.cache_resource.clear()
    st.cache_data.clear()
    return url


def open_page(name: str, actor: Actor, language: str = "fr") -> AppTest:
    return run_page(f"pages/{name}.py", actor, language=language)


ADMIN = Actor("admin", Role.ADMIN)


def markdown_texts(app: AppTest) -> str:
    return "\n".join(e.value for e in app.markdown)


def test_overview_and_contributions_name_each_arrears_figure_and_agree(money_url):
    overview = open_page("overview", ADMIN)
    figures = {metric.label: metric.value for metric in overview.metric}
    assert figures["Arriérés (tous les ménages)"] == fr.money(Decimal("262.20"))
    assert f"3 ménage(s) avec plus de {fr.money(50)} d'arriérés — {fr.money(Decimal('231.53'))} au total" \
        in markdown_texts(overview)
    page = open_page("contributions", ADMIN)
    figures = {metric.label: metric.value for metric in page.metric}
    assert figures[f"Arriérés au-delà de {fr.money(50)} au 23/11/2026"] == fr.money(Decimal("231.53"))


# --- item 5: a change is a number; the arrow and the colour follow its sign in every language ------------


@pytest.mark.parametrize("language", ["fr", "nl", "en"])
def test_a_fall_in_arrears_shows_down_and_green_in_every_language(money_url, language):
    app = open_page("overview", ADMIN, language)
    cards = {metric.label: metric.proto for metric in app.metric}
    arrears = cards[translate("overview.kpi.arrears", language)]
    assert arrears.body == Translator(language).money(Decimal("262.20"))
    assert arrears.delta == "-215.22" and arrears.format == "euro"
    assert arrears.direction == MetricProto.MetricDirection.DOWN
    assert arrears.color == MetricProto.MetricColor.GREEN  # fewer arrears: good news
    # Occupied units: 4 today, 1 on 24/10 (hD) → +3, up, green; formatted by the browser as a count.
    occupied = cards[translate("overview.kpi.occupied_units", language)]
    assert (occupied.delta, occupied.direction, occupied.color) == (
        "3", MetricProto.MetricDirection.UP, MetricProto.MetricColor.GREEN)


# --- item 7: the charts' CSVs hold numbers, in two layouts ---------------------------------------------


def csv_lines(data: bytes) -> list[str]:
    assert data.startswith(b"\xef\xbb\xbf")
    return data.decode("utf-8-sig").splitlines()


def test_the_contributions_csvs_hold_numbers_plain_and_for_belgian_excel(money_url, deferred_downloads):
    app = open_numbers(open_page("contributions", ADMIN))
    # On screen, the amounts stay formatted in the user's language.
    partners = app.dataframe[2].value
    assert partners["Arriérés"].tolist() == [fr.money(Decimal("76.67")), fr.money(Decimal("154.86"))]
    plain = csv_lines(deferred_downloads["csv-contributions-partners"]())
    assert plain == ["Partenaire,Ménages en arriérés,Arriérés,Dû,Payé",
                     "Dio,1,76.67,576.67,500.0",
                     "Samu,2,154.86,185.53,0.0"]
    excel = csv_lines(deferred_downloads["csv-contributions-partners-excel_be"]())
    assert excel == ["Partenaire;Ménages en arriérés;Arriérés;Dû;Payé",
                     "Dio;1;76,67;576,67;500,0",
                     "Samu;2;154,86;185,53;0,0"]
    # Per month (whole months): June, 100 due (hD) and 100 paid; November, 101 + 101 + 40 + 100 = 342
    # due, nothing paid yet (0 %); December 2025, nothing due, so no collection rate.
    lines = csv_lines(deferred_downloads["csv-contributions-monthly-excel_be"]())
    monthly = {line.split(";")[0]: line for line in lines}
    assert monthly["2026-06-01"] == "2026-06-01;100,0;100,0;100,0"
    assert monthly["2026-11-01"] == "2026-11-01;342,0;0,0;0,0"
    assert monthly["2025-12-01"] == "2025-12-01;0,0;0,0;"
    assert len(monthly) == 1 + 13  # the header, then the 13 months meeting the default period (one year)
    assert set(deferred_downloads) >= {"csv-contributions-rate", "csv-contributions-rate-excel_be"}


def test_belgian_excel_csv_keeps_formulas_neutralised():
    import pandas as pd

    frame = pd.DataFrame({"site": ['=HYPERLINK("http://x","y")', "Dubrucq"], "amount": [5302.74, -4.5]})
    excel = list(csv.reader(io.StringIO(to_csv(frame, "excel_be").decode("utf-8-sig")), delimiter=";"))
    assert excel == [["site", "amount"], ["'=HYPERLINK(\"http://x\",\"y\")", "5302,74"], ["Dubrucq", "-4,5"]]
    plain = list(csv.reader(io.StringIO(to_csv(frame).decode("utf-8-sig"))))
    assert plain == [["site", "amount"], ["'=HYPERLINK(\"http://x\",\"y\")", "5302.74"], ["Dubrucq", "-4.5"]]


# --- item 8: a payment recorded twice by mistake ----------------------------------------------------------


def pay(engine: Engine, household: int, amount: str, months: list[date], **kwargs) -> list[int]:
    return contributions.record_payment(engine, SYSTEM, household, paid_on=date(2026, 11, 20), amount=Decimal(amount),
                                        period_months=months, method="cash", **kwargs)


NOVEMBER, DECEMBER = date(2026, 11, 1), date(2026, 12, 1)


def test_the_same_payment_again_within_minutes_needs_a_confirmation(engine, world):
    pay(engine, world["hA"], "40", [NOVEMBER, DECEMBER])
    error = refused(SimpleNamespace(engine=engine), Conflict, "error.duplicate_payment", contributions.record_payment,
                    SYSTEM, world["hA"], paid_on=date(2026, 11, 20), amount=Decimal("40.00"),
                    period_months=[DECEMBER, NOVEMBER], method="transfer")
    assert isinstance(error, contributions.DuplicatePayment)
    assert error.params["minutes"] == 1 and error.params["months"] == "11/2026, 12/2026"
    # Not the same payment: another amount, other months, another household.
    pay(engine, world["hA"], "41", [NOVEMBER, DECEMBER])
    pay(engine, world["hA"], "40", [NOVEMBER])
    pay(engine, world["hB"], "40", [NOVEMBER, DECEMBER])
    # Confirmed: recorded again.
    before = row_counts(engine)["payment"]
    assert len(pay(engine, world["hA"], "40", [NOVEMBER, DECEMBER], confirm_duplicate=True)) == 2
    assert row_counts(engine)["payment"] == before + 2


def test_an_identical_payment_is_not_a_duplicate_once_undone_or_after_the_window(engine, world):
    pay(engine, world["hC"], "25", [NOVEMBER])
    with engine.connect() as connection:
        event = connection.execute(text("SELECT MAX(id) FROM audit_event WHERE action = 'payment.create'")).scalar()
    undo_event(engine, SYSTEM, event)
    pay(engine, world["hC"], "25", [NOVEMBER])  # the first one is gone
    with pytest.raises(contributions.DuplicatePayment):  # the second one is there
        pay(engine, world["hC"], "25", [NOVEMBER])
    clock.pin_instant(datetime.now(UTC) + DUPLICATE_PAYMENT_WINDOW + timedelta(minutes=1))
    try:  # 11 minutes later
        pay(engine, world["hC"], "25", [NOVEMBER])
    finally:
        clock.pin_instant(None)


def test_an_import_takes_two_equal_payments_for_one_month_on_different_days(engine, world):
    """A file's rows are deliberate (the import refuses only a payment already there on the same day)."""
    with engine.connect() as connection:
        reference = connection.execute(text("SELECT reference FROM household WHERE id = :h"), {"h": world["hA"]}).scalar()
    content = (f"reference,paid_on,amount,period_month,method\n{reference},03/11/2026,\"50,00\",11/2026,cash\n"
               f"{reference},17/11/2026,\"50,00\",11/2026,cash\n")
    result = import_file(engine, SYSTEM, "paiements.csv", content.encode("utf-8"))
    assert result.imported and result.counts == {"payments": 2}


def payments_of(url: str, household: int) -> list[tuple[date, Decimal]]:
    engine = create_issue_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text("SELECT period_month, amount FROM payment WHERE household_id = :h ORDER BY id"), {"h": household}
            ).all()
    finally:
        engine.dispose()
    return [(date.fromisoformat(str(month)[:10]), Decimal(str(amount))) for month, amount in rows]


def coordinator(url: str) -> Actor:
    engine = create_issue_engine(url)
    try:
        with engine.connect() as connection:
            samu = connection.execute(text("SELECT id FROM organisation WHERE short_name = 'Samu'")).scalar()
    finally:
        engine.dispose()
    return Actor("coord.samu", Role.COORDINATOR, samu)


def household_id(url: str, position: int) -> int:
    """The Samu household placed in unit U<position> (hA: 1, hB: 2, hC: 3)."""
    engine = create_issue_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(text(
                "SELECT p.household_id FROM placement p JOIN unit u ON u.id = p.unit_id WHERE u.label = :label"),
                {"label": f"U{position}"}).scalar()
    finally:
        engine.dispose()


def save_button(app: AppTest):
    return next(button for button in app.button if button.label == "Enregistrer le paiement")


def fill_payment(app: AppTest, amount: str, notes: str = "") -> None:
    app.text_input(key="payment_amount").input(amount)
    app.text_input(key="payment_notes").input(notes)
    save_button(app).click().run()
    assert not app.exception, app.exception


def test_after_a_save_the_form_is_empty_and_the_same_payment_asks_for_a_confirmation(money_url):
    app = open_page("payments", coordinator(money_url))
    h_a = household_id(money_url, 1)
    app.selectbox(key="payments_household").set_value(h_a).run()
    fill_payment(app, "40,00", "espèces au bureau")
    assert not app.error
    assert payments_of(money_url, h_a) == [(NOVEMBER, Decimal("40.00"))]
    # The form is empty again: one more click records nothing.
    assert app.text_input(key="payment_amount").value == ""
    assert app.text_input(key="payment_notes").value == ""
    assert app.multiselect(key="payment_months").value == [NOVEMBER]
    save_button(app).click().run()
    assert payments_of(money_url, h_a) == [(NOVEMBER, Decimal("40.00"))]
    # The same payment typed again: a warning and a confirmation, nothing written.
    fill_payment(app, "40,00")
    assert payments_of(money_url, h_a) == [(NOVEMBER, Decimal("40.00"))]
    assert any("S'agit-il vraiment d'un second paiement ?" in warning.value for warning in app.warning)
    assert app.text_input(key="payment_amount").value == "40,00"  # what was typed stays
    app.checkbox(key="payment_confirm").check()
    save_button(app).click().run()
    assert not app.exception and not app.error
    assert payments_of(money_url, h_a) == [(NOVEMBER, Decimal("40.00"))] * 2
    assert not any("second paiement" in w.value for w in app.warning)  # (the world has no scale: its warning)
    assert app.text_input(key="payment_amount").value == ""


# --- item 11: the payments page opens on open files; closed ones show their history, without forms ------


def test_payments_open_on_open_files_and_closed_files_have_no_forms(money_url):
    actor = coordinator(money_url)
    app = open_page("payments", actor)
    choice = app.selectbox(key="payments_household")
    assert len(choice.options) == 3 and not any("clôturé" in option for option in choice.options)
    assert choice.value == household_id(money_url, 1)  # the first open file, not the closed one
    assert save_button(app)

    app.checkbox(key="payments_show_closed").check().run()
    choice = app.selectbox(key="payments_household")
    closed = [option for option in choice.options if "clôturé le 30/06/2021" in option]
    assert len(choice.options) == 4 and len(closed) == 1 and closed[0].startswith("ISS-2021-")
    engine = create_issue_engine(money_url)
    try:
        closed_id = int(editable_households(engine, actor.organisation_id, False).iloc[0]["household_id"])
        open_ids = editable_households(engine, actor.organisation_id, False, active_on=TODAY)["household_id"]
        assert closed_id not in set(open_ids) and len(open_ids) == 3
    finally:
        engine.dispose()
    choice.set_value(closed_id).run()
    assert not app.exception
    assert [info.value for info in app.info][-1] == fr(
        "payments.closed_file", date=date(2021, 6, 30))
    assert [metric.label for metric in app.metric][:3] == ["Dû au 23/11/2026", "Payé au 23/11/2026", "Arriérés"]
    assert not app.tabs and not app.get("form") and not [b for b in app.button if "Enregistrer" in b.label]
    app.checkbox(key="payments_show_closed").uncheck().run()  # back to the open files
    assert not app.exception and app.selectbox(key="payments_household").value in set(open_ids)
    assert save_button(app)
