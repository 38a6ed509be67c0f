"""Issue 10, items 13-15: words, number and date formats, icons.

Streamlit's own English is set where Streamlit lets it be set and explained in the user's language
elsewhere; the audit log names its actions; numbers are typed and shown the user's way ("50,00",
"28,5"); a month is written one way everywhere (11/2026); each page's heading is its name in the
menu; no emoji stands for an icon (a machine without an emoji font shows empty boxes)."""

from __future__ import annotations

import ast
import re
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path

import pytest

from issue_core import i18n
from issue_core.auth import Actor
from issue_core.db import PROJECT_ROOT, create_issue_engine
from issue_core.i18n import LANGUAGES, catalogue
from issue_core.models import Role
from issue_core.policy import DEFAULT_WARNING_DAYS
from issue_core.queries.metrics.conventions import sites_overview
from tests.conftest import TODAY, open_numbers, signed_in

SOURCES = [PROJECT_ROOT / "app.py", *sorted((PROJECT_ROOT / "pages").glob("*.py")),
           *sorted((PROJECT_ROOT / "issue_core").rglob("*.py"))]
ADMIN = Actor("admin", Role.ADMIN)


@pytest.fixture
def run_page(open_page):
    """A page by name, run on its own (as the navigation would run it) for `actor`, on the module's demo copy."""
    return lambda name, actor=ADMIN, language="fr": open_page(f"pages/{name}.py", actor, language=language,
                                                               timeout=120)


@cache
def parsed_sources() -> list[tuple[Path, list[ast.AST]]]:
    """Every node of the app's code, by file (parsed once per run)."""
    return [(path, list(ast.walk(ast.parse(path.read_text(encoding="utf-8"))))) for path in SOURCES]


def calls(method: str) -> list[tuple[Path, ast.Call]]:
    """Every call `<something>.<method>(…)` in the app's code."""
    return [(path, node) for path, nodes in parsed_sources() for node in nodes
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == method]


# --- 13. Streamlit's own words ---------------------------------------------------------------------


def test_every_date_field_is_day_month_year():
    fields = calls("date_input")
    assert len(fields) > 20
    for path, call in fields:
        formats = [ast.literal_eval(k.value) for k in call.keywords if k.arg == "format"]
        assert formats == ["DD/MM/YYYY"], f"{path.name}:{call.lineno}"


def test_the_upload_box_is_explained_in_the_users_language(run_page):
    for language, words in (("fr", ("XLSX ou CSV", "10 Mo")), ("nl", ("XLSX of CSV", "10 MB")),
                            ("en", ("XLSX or CSV", "10 MB"))):
        app = run_page("data_import", language=language)
        captions = " ".join(caption.value for caption in app.caption)
        assert all(word in captions for word in words), (language, captions)


def audited() -> tuple[set[str], set[str]]:
    """Every action and entity a call audit(session, actor, ACTION, ENTITY, …) can write, read from the
    code: a literal, or every literal a name is assigned in the same module (a module constant, an
    `a if … else b`). An audit call the reading cannot follow fails the test: teach it, or use a literal."""
    actions, entities = set(), set()
    for path in (PROJECT_ROOT / "issue_core").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        assigned: dict[str, set[str]] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign):
                for target in (t for t in node.targets if isinstance(t, ast.Name)):
                    assigned.setdefault(target.id, set()).update(
                        n.value for n in ast.walk(node.value) if isinstance(n, ast.Constant) and isinstance(n.value, str))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "audit":
                for argument, found in zip(node.args[2:4], (actions, entities)):
                    if isinstance(argument, ast.Constant):
                        found.add(argument.value)
                    elif isinstance(argument, ast.Name) and argument.id in assigned:
                        found.update(assigned[argument.id])
                    elif not (found is entities and ast.unparse(argument) == "event.entity"):  # undo: the undone one's
                        pytest.fail(f"{path.name}:{node.lineno}: cannot read {ast.unparse(argument)}")
    return actions, entities


def test_every_action_the_services_audit_has_its_name_in_every_language():
    actions, entities = audited()
    assert {"placement.create", "payment.create", "undo", "import.file", "user.deactivate", "user.reactivate",
            "auth.login_success"} <= actions
    assert {"household", "app_user", "unit_unavailability", "import"} <= entities
    for language in LANGUAGES:
        words = catalogue(language)
        assert sorted(a for a in actions if f"audit.action.{a}" not in words) == [], language
        assert sorted(e for e in entities if f"audit.entity.{e}" not in words) == [], language
    assert catalogue("fr")["audit.action.placement.create"] == "Mise en logement"


def test_the_audit_log_names_actions_and_objects(run_page):
    app = run_page("audit")
    actions = next(m for m in app.multiselect if m.label == "Action")
    objects = next(m for m in app.multiselect if m.label == "Objet")
    assert {"Mise en logement", "Paiement enregistré", "Inscription d'un ménage"} <= set(actions.options)
    assert {"Ménage", "Séjour", "Paiement"} <= set(objects.options)
    assert not [o for o in actions.options + objects.options if re.fullmatch(r"[a-z_]+(\.[a-z_]+)?", o)]


# --- 14. One number, date and month style per language --------------------------------------------


@pytest.mark.parametrize(("language", "typed", "number"), [
    ("fr", "50,00", Decimal("50.00")), ("fr", "1 234,50", Decimal("1234.50")),
    ("fr", "1\u202f234,50", Decimal("1234.50")), ("fr", "1.234,50", Decimal("1234.50")),
    ("fr", "37.5", Decimal("37.5")), ("fr", "1.500", Decimal("1500")), ("fr", " 12,5 € ", Decimal("12.5")),
    ("nl", "1.234,50", Decimal("1234.50")), ("nl", "18", Decimal("18")),
    ("en", "1,234.50", Decimal("1234.50")), ("en", "1,500", Decimal("1500")), ("en", "37,5", Decimal("37.5")),
    ("fr", "", None), ("fr", "   ", None),
])
def test_a_number_is_read_the_way_it_is_typed(language, typed, number):
    assert i18n.parse_number(typed, language) == number


@pytest.mark.parametrize("typed", ["abc", "1,2,3", "12..5", "1e5", "1.23,4.5", "NaN", ",", "-"])
def test_what_is_not_a_number_is_refused(typed):
    with pytest.raises(ValueError):
        i18n.parse_number(typed, "fr")


def test_amounts_show_and_are_typed_with_the_users_decimal_sign(run_page):
    for language, shown in (("fr", "50,00"), ("nl", "50,00"), ("en", "50.00")):
        app = run_page("contributions", language=language)
        assert app.text_input(key="contrib_threshold").value == shown
    app = run_page("contributions")
    app.text_input(key="contrib_threshold").input("1 000").run()  # typed with a thousands space
    assert not app.exception and not app.error
    assert "(ménages devant plus de 1\u202f000,00\xa0€)" in " ".join(s.value for s in app.subheader)
    app.text_input(key="contrib_threshold").input("beaucoup").run()
    assert [e.value for e in app.error] == ["Un nombre, par exemple 1\u202f234,50."]


def test_the_payment_form_reads_a_french_amount(run_page):
    app = run_page("payments")
    amount = next(field for field in app.text_input if field.label == "Montant")
    assert amount.placeholder == "0,00"
    assert not [field for field in app.number_input if field.label in ("Montant", "Revenu mensuel")]


def test_durations_show_the_users_decimal_sign(run_page, demo_url):
    engine = create_issue_engine(demo_url)
    expected = sites_overview(engine, TODAY, DEFAULT_WARNING_DAYS)
    engine.dispose()
    halves = {site: f"{months:g}".replace(".", ",") for site, months in zip(expected["site"], expected["duration_months"])}
    assert any("," in shown for shown in halves.values())  # the demo has a convention of n and a half months
    for app in (run_page("sites"), open_numbers(run_page("timeline"))):  # the timeline's: its chart's numbers
        frame = app.dataframe[0].value
        frame = frame.data if hasattr(frame, "data") else frame
        assert dict(zip(frame["Site"], frame["Durée (mois)"])) == {site: halves[site] for site in frame["Site"]}


def test_a_month_is_written_one_way_everywhere(run_page):
    from issue_core.charts import MONTH_FORMAT, month_label

    assert month_label(date(2026, 11, 1)) == "11/2026" and MONTH_FORMAT == "%m/%Y"
    shown = [PROJECT_ROOT / "app.py", *(PROJECT_ROOT / "pages").glob("*.py"),
             *(path for folder in ("ui", "charts", "reports") for path in (PROJECT_ROOT / "issue_core" / folder).glob("*.py"))]
    month_formats = [(path.name, line) for path in shown for line in path.read_text(encoding="utf-8").splitlines()
                     if re.search(r"%m/%Y|MMM|%b\b|%B\b", line)]
    assert month_formats == [("__init__.py", 'MONTH_FORMAT = "%m/%Y"')]  # issue_core/charts: the one place
    app = open_numbers(run_page("caseloads"))
    months = [frame.value for frame in app.dataframe if "Mois" in frame.value.columns]
    assert months and all(re.fullmatch(r"\d\d/\d{4}", m) for frame in months for m in frame["Mois"])


def navigation() -> list[tuple[str, str]]:
    """(page file, title key) of every page in app.py's PAGES."""
    tree = ast.parse((PROJECT_ROOT / "app.py").read_text(encoding="utf-8"))
    pages = next(node.value for node in ast.walk(tree) if isinstance(node, ast.Assign)
                 and getattr(node.targets[0], "id", None) == "PAGES")
    return [(entry.elts[1].value, entry.elts[2].value) for entry in pages.elts]


def test_each_page_heading_uses_its_menu_name():
    every_title = calls("title")
    for path, key in navigation():
        titles = [call for file, call in every_title if file == PROJECT_ROOT / path]
        if path == "pages/meeting.py":
            continue  # the wall screen: its headings are its slides' titles
        assert [ast.unparse(call.args[0]) for call in titles][:1] == [f"t({key!r})"], path


def test_each_page_heading_is_its_menu_name_on_screen(app, actors, open_page):
    signed_in(app, "admin")
    french = catalogue("fr")
    for path, key in navigation():
        if path == "pages/meeting.py":
            continue
        try:
            app.switch_page(path).run()
        except ValueError:  # not an admin's page ("My organisation"): as a coordinator
            shown = open_page(path, actors["coord.samusocial"])
        else:
            shown = app
        assert not shown.exception, path
        assert [title.value for title in shown.title][:1] == [french[key]], path


def test_the_dashboard_and_the_form_about_money_have_names_apart():
    for language in LANGUAGES:
        dashboard, form = (catalogue(language)[key].lower() for key in ("nav.contributions", "nav.payments"))
        assert dashboard not in form and form not in dashboard, language
        assert dashboard.split()[0] != form.split()[0], language


# --- 15. Icons, not emoji --------------------------------------------------------------------------

# Pictographs and dingbats (✅ ⛔ ⚠ ℹ 🏠 …) and the variation selector that asks for their colour form.
EMOJI = re.compile("[\u2139\u2300-\u23ff\u24c2\u25a0-\u27bf\u2934\u2935\u2b00-\u2bff\u3030\u303d"
                   "\ufe0f\U0001f000-\U0001faff]")


def test_no_emoji_stands_for_an_icon():
    files = [*SOURCES, *sorted((PROJECT_ROOT / "issue_core" / "locales").rglob("*.json"))]
    found = []
    for path in files:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            found += [f"{path.relative_to(PROJECT_ROOT)}:{number} {character!r}" for character in EMOJI.findall(line)]
    assert found == []


def test_messages_carry_material_icons(run_page, app):
    signed_in(app, "admin")
    assert [info.proto.icon for info in app.sidebar.info] == [":material/info:"]  # the demo banner
    page = run_page("payments")
    next(b for b in page.button if b.label == "Enregistrer le paiement").click().run()  # no amount: refused
    refusals = [(error.value, error.proto.icon) for error in page.error]
    assert refusals and all(icon == ":material/error:" for _, icon in refusals)
