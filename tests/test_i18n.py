"""The three catalogues hold the same keys and placeholders, and every key the code uses exists."""

from __future__ import annotations

import re
import string
from datetime import date
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from issue_core.errors import DomainError, HouseholdOf, Money, Term
from issue_core.i18n import LANGUAGES, catalogue, format_date, format_money, translate

ROOT = Path(__file__).resolve().parent.parent
SOURCES = [*ROOT.glob("app.py"), *ROOT.glob("pages/*.py"), *ROOT.glob("issue_core/**/*.py")]
KEY_PREFIXES = ("error|field|entity|param|status|exit|income_status|organisation_kind|app|nav|sites|auth|users|audit"
                "|account|role|common|undo|filters|overview|map|timeline|occupancy|caseloads|contributions|alert"
                "|households|placements|payments|admin|closure|meeting|report|import|export|backup")
# Literal keys: t("x.y"), DomainError subclasses ("error.x"), Term("field.x").
LITERAL_KEY = re.compile(r"""["']((?:""" + KEY_PREFIXES + r""")\.[a-z0-9_.]+)["']""")


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def used_keys() -> set[str]:
    keys = set()
    for path in SOURCES:
        keys |= set(LITERAL_KEY.findall(path.read_text(encoding="utf-8")))
    return keys


def test_every_language_has_the_same_keys():
    french = set(catalogue("fr"))
    for language in LANGUAGES:
        assert set(catalogue(language)) == french, language


def test_every_key_used_by_the_code_exists():
    missing = sorted(key for key in used_keys() if key not in catalogue("fr") and not key.endswith("."))
    assert missing == []


def test_prefixed_keys_have_their_values():
    """Every value an f-string key can take (statuses, exit destinations, …) is translated."""
    from issue_core.models import ExitDestination, IncomeStatus, OrganisationKind, Role
    from issue_core.rules import ConventionStatus

    expected = (
        [f"status.{s}" for s in ConventionStatus.values()]
        + [f"exit.{d}" for d in ExitDestination.values()]
        + [f"income_status.{s}" for s in IncomeStatus.values()]
        + [f"organisation_kind.{k}" for k in OrganisationKind.values()]
        + [f"entity.{e}" for e in ("household", "unit", "placement", "site", "convention", "axis", "organisation", "unavailability", "user")]
        + [f"role.{r}" for r in Role.values()]
    )
    assert [key for key in expected if key not in catalogue("fr")] == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_placeholders_match_french(language):
    for key, text in catalogue("fr").items():
        assert placeholders(catalogue(language)[key]) == placeholders(text), (language, key)


def test_dates_and_money_per_locale():
    assert format_date(date(2026, 11, 23), "fr") == "23/11/2026"
    assert format_date(date(2026, 11, 23), "nl") == "23/11/2026"
    assert format_money(Decimal("1234.5"), "fr").replace("\u202f", " ").replace("\xa0", " ") == "1 234,50 €"
    assert format_money(Decimal("1234.5"), "nl").replace("\xa0", " ") == "€ 1.234,50"
    assert format_money(Decimal("1234.5"), "en") == "€1,234.50"


def test_counts_in_texts_are_grouped_per_language_and_ids_are_not():
    """A count of stays, households or rows reads 10 458 (fr), 10.458 (nl), 10,458 (en), whether it comes from
    Python or from a frame (numpy); a small count, a flag and a number that is not a count stay as they are."""
    detail = {"mean": "3", "stays": np.int64(10458), "ongoing": 2460}
    assert translate("caseloads.stay.detail", "fr", **detail).replace("\u202f", " ") == (
        "moyenne 3 · 10 458 séjour(s), dont 2 460 en cours")
    assert "10.458 verblijf/verblijven, waarvan 2.460" in translate("caseloads.stay.detail", "nl", **detail)
    assert "10,458 stay(s), 2,460 running" in translate("caseloads.stay.detail", "en", **detail)
    assert translate("export.rows", "fr", count=12) == "12 ligne(s)"
    assert translate("caseloads.exits.share_label", "en", share="29.4%", durable=2355, exits=np.int64(8018)) == (
        "29.4% (2,355/8,018)")  # the label written on a chart's bar
    assert translate("quality.list.cut", "en", shown=50, total=1234, limit=5000) == (
        "The 50 oldest of 1,234 (at most 5,000 listed per check).")
    assert translate("import.file.field_too_long", "en", row=12345, maximum=2000) == (
        "Row 12345: a field is longer than 2,000 characters.")  # a row number is not a count


def test_error_parameters_are_rendered_in_the_language():
    error = DomainError("error.unit_occupied", unit="Alpha · A1", holder=HouseholdOf("Smes"),
                        start=date(2024, 3, 1), end=date(2024, 9, 1))
    assert error.message("fr") == "Alpha · A1 est occupé par un ménage suivi par Smes du 01/03/2024 au 01/09/2024."
    assert "een huishouden begeleid door Smes" in error.message("nl")
    required = DomainError("error.required_date", field=Term("field.start_date"))
    assert required.message("en") == "Start date: enter a valid date."
    assert "1 234,00" in translate("error.minimum_above_maximum", "fr", minimum=Money(Decimal(1234)), maximum=Money(Decimal(1))).replace("\u202f", " ")


def test_unknown_keys_and_languages_never_crash():
    assert translate("no.such.key", "de") == "no.such.key"
    assert translate("error.too_small", "en", field="Adults") == "Adults: at least {minimum}."
