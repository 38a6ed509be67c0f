"""Translator: French (default), Dutch and English catalogues; dates and money per locale.

Catalogues are flat JSON files in issue_core/locales/ (`key -> text with {named} parameters`).
Parameters that are dates, Money or Term are formatted in the target language.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path

from babel.dates import format_date as babel_format_date
from babel.dates import format_datetime as babel_format_datetime
from babel.dates import get_timezone
from babel.numbers import format_currency, format_decimal

from issue_core.errors import HouseholdOf, Money, Term

LANGUAGES = ("fr", "nl", "en")
DEFAULT_LANGUAGE = "fr"
BABEL_LOCALES = {"fr": "fr_BE", "nl": "nl_BE", "en": "en_GB"}
BRUSSELS = get_timezone("Europe/Brussels")
LOCALES_DIR = Path(__file__).resolve().parent / "locales"


@cache
def catalogue(language: str) -> dict[str, str]:
    """locales/<language>.json, plus every locales/<language>/*.json (one file per page or area)."""
    files = [LOCALES_DIR / f"{language}.json", *sorted((LOCALES_DIR / language).glob("*.json"))]
    merged: dict[str, str] = {}
    for path in files:
        with path.open(encoding="utf-8") as handle:
            merged.update(json.load(handle))
    return merged


def normalise_language(language: str | None) -> str:
    return language if language in LANGUAGES else DEFAULT_LANGUAGE


def format_date(value: date | None, language: str = DEFAULT_LANGUAGE) -> str:
    """23/11/2026 in every language of the app (the Belgian usage)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.date()
    return babel_format_date(value, "dd/MM/yyyy", locale=BABEL_LOCALES[normalise_language(language)])


def format_datetime(value: datetime | None, language: str = DEFAULT_LANGUAGE) -> str:
    """23/11/2026 14:05, Brussels time (stored in UTC)."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return babel_format_datetime(
        value, "dd/MM/yyyy HH:mm", tzinfo=BRUSSELS, locale=BABEL_LOCALES[normalise_language(language)]
    )


def format_money(value: Decimal | float | int | None, language: str = DEFAULT_LANGUAGE) -> str:
    """1 234,50 € in French, € 1.234,50 in Dutch, €1,234.50 in English."""
    if value is None:
        return ""
    return format_currency(Decimal(str(value)), "EUR", locale=BABEL_LOCALES[normalise_language(language)])


def format_number(value: float | int | Decimal, language: str = DEFAULT_LANGUAGE, digits: int = 1) -> str:
    pattern = "#,##0" + ("." + "#" * digits if digits else "")
    return format_decimal(value, format=pattern, locale=BABEL_LOCALES[normalise_language(language)])


def _format_param(value: object, language: str) -> object:
    if isinstance(value, Term):
        return translate(value.key, language)
    if isinstance(value, HouseholdOf):
        return translate("param.household_of", language, organisation=value.organisation)
    if isinstance(value, Money):
        return format_money(value.amount, language)
    if isinstance(value, date):
        return format_date(value, language)
    return value


def translate(key: str, language: str = DEFAULT_LANGUAGE, **params: object) -> str:
    """The text of `key` in `language`, else in French, else the key itself (never raises)."""
    language = normalise_language(language)
    text = catalogue(language).get(key) or catalogue(DEFAULT_LANGUAGE).get(key) or key
    if not params:
        return text
    formatted = _KeepMissing({name: _format_param(value, language) for name, value in params.items()})
    try:
        return text.format_map(formatted)
    except (IndexError, ValueError):
        return text


class _KeepMissing(dict):
    """A missing parameter shows as its {placeholder} rather than breaking the message."""

    def __missing__(self, name: str) -> str:
        return "{" + name + "}"


class Translator:
    """Bound to one language: `t = Translator("nl"); t("nav.sites")`."""

    def __init__(self, language: str | None = None) -> None:
        self.language = normalise_language(language)

    def __call__(self, key: str, **params: object) -> str:
        return translate(key, self.language, **params)

    def date(self, value: date | None) -> str:
        return format_date(value, self.language)

    def datetime(self, value: datetime | None) -> str:
        return format_datetime(value, self.language)

    def money(self, value: Decimal | float | int | None) -> str:
        return format_money(value, self.language)
