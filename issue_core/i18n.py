"""Translator: French (default), Dutch and English catalogues; dates and money per locale.

Catalogues are flat JSON files in issue_core/locales/ (`key -> text with {named} parameters`).
Parameters that are dates, Money or Term are formatted in the target language.
"""

from __future__ import annotations

import json
import math
import numbers
import re
from collections.abc import Iterable
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path

from babel.dates import format_date as babel_format_date
from babel.dates import format_datetime as babel_format_datetime
from babel.dates import get_timezone
from babel.numbers import format_currency, format_decimal, get_decimal_symbol, get_group_symbol
from babel.numbers import format_percent as babel_format_percent

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
    if type(value) is date:  # what Babel writes for dd/MM/yyyy in every language of the app, 50 times faster
        return f"{value.day:02d}/{value.month:02d}/{value.year:04d}"
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


@cache
def _money_layout(language: str) -> tuple[str, str, str, str, dict[int, str]]:
    """Babel's layout of an amount in euros in `language`: the texts before and after the digits of a
    positive and of a negative amount, and the grouping and decimal signs (as a str.translate table)."""
    locale = BABEL_LOCALES[language]
    group, decimal_sign = get_group_symbol(locale), get_decimal_symbol(locale)
    digits = f"1{group}234{group}567{decimal_sign}89"
    positive = format_currency(Decimal("1234567.89"), "EUR", locale=locale).split(digits)
    negative = format_currency(Decimal("-1234567.89"), "EUR", locale=locale).split(digits)
    return positive[0], positive[1], negative[0], negative[1], str.maketrans({",": group, ".": decimal_sign})


def format_money_each(values: Iterable, language: str = DEFAULT_LANGUAGE) -> list[str]:
    """format_money of each value, the same texts, without Babel's cost for each (a table's column):
    Babel's layout of the language around Python's digits (to the cent, half to even, as Babel)."""
    before, after, negative_before, negative_after, signs = _money_layout(normalise_language(language))
    texts = []
    for value in values:
        amount = None if value is None else Decimal(str(value))
        if amount is None or not amount.is_finite():
            texts.append(format_money(value, language))
            continue
        digits = format(abs(amount), ",.2f").translate(signs)
        texts.append(negative_before + digits + negative_after if amount.is_signed() else before + digits + after)
    return texts


def format_number(
    value: float | int | Decimal, language: str = DEFAULT_LANGUAGE, digits: int = 1, *, fixed: bool = False
) -> str:
    """28,5 (fr, nl) or 28.5 (en); `digits` decimals at most, or always with `fixed` (50,00)."""
    pattern = "#,##0" + ("." + ("0" if fixed else "#") * digits if digits else "")
    return format_decimal(value, format=pattern, locale=BABEL_LOCALES[normalise_language(language)])


# Percent patterns per language: "89,7 %" (fr), "89,7%" (nl), "89.7%" (en).
PERCENT_PATTERNS = {"fr": "#,##0.0\u00a0%", "nl": "#,##0.0%", "en": "#,##0.0%"}


def format_percent(rate: float | None, language: str = DEFAULT_LANGUAGE) -> str:
    """A rate (0.897) as a percentage: 89,7 % (fr), 89,7% (nl), 89.7% (en); a dash when there is none
    (None, or NaN in a table)."""
    if rate is None or math.isnan(rate):
        return "—"
    language = normalise_language(language)
    return babel_format_percent(rate, format=PERCENT_PATTERNS[language], locale=BABEL_LOCALES[language])


_NOT_PART_OF_A_NUMBER = re.compile(r"[\s'’€%]")  # spaces of any kind (French thousands), apostrophes, € and %
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:\.\d+)?")
_THOUSANDS = {sign: re.compile(r"[+-]?[1-9]\d{0,2}(?:" + re.escape(sign) + r"\d{3})+") for sign in ",."}


def parse_number(text: str | None, language: str = DEFAULT_LANGUAGE) -> Decimal | None:
    """A number as people type it in `language`: "1 234,50" or "1.234,50" in French and Dutch,
    "1,234.50" in English. The other decimal sign is read as one where it cannot be a thousands
    separator ("50.5" in French, "50,5" in English). None when empty; ValueError when not a number."""
    value = _NOT_PART_OF_A_NUMBER.sub("", text or "")
    if not value:
        return None
    decimal_sign = get_decimal_symbol(BABEL_LOCALES[normalise_language(language)])
    other = "," if decimal_sign == "." else "."
    if value.count(decimal_sign) > 1:
        raise ValueError(text)
    whole, sign, fraction = value.partition(decimal_sign)
    if sign:
        if other in whole and not _THOUSANDS[other].fullmatch(whole):
            raise ValueError(text)
        value = whole.replace(other, "") + "." + fraction
    elif _THOUSANDS[other].fullmatch(value):
        value = value.replace(other, "")
    elif value.count(other) == 1:
        value = value.replace(other, ".")
    if not _PLAIN_NUMBER.fullmatch(value):
        raise ValueError(text)
    return Decimal(value)


# Parameters that count things (households, units, stays, rows, days, a limit's characters…): a whole number is
# grouped per language, 10 458 (fr), 10.458 (nl), 10,458 (en). Ids and row numbers have other names and stay as
# they are.
COUNT_PARAMS = frozenset({"count", "total", "shown", "stays", "ongoing", "units", "occupied", "vacant", "unavailable",
                          "households", "placeable", "placed", "waiting", "missing", "flagged", "considered", "exits",
                          "durable", "rows", "columns", "done", "days", "limit", "minimum", "maximum"})


def _format_param(name: str, value: object, language: str) -> object:
    if name in COUNT_PARAMS and isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return format_number(int(value), language, 0)
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
    formatted = _KeepMissing({name: _format_param(name, value, language) for name, value in params.items()})
    try:
        return text.format_map(formatted)
    except (IndexError, ValueError):
        return text


# --- data shown as Markdown -------------------------------------------------------------------------

# Characters that open or close a Markdown construct anywhere in a line: code, emphasis, strike, links and
# images, raw HTML and autolinks, headings' closing #, tables, math ($), Streamlit's directives (:red[…],
# :material/…:, emoji :…:) and their {attributes}, character references (&#91;) and e-mail autolinks (@).
MARKDOWN_SPECIALS = frozenset("\\`*_~[]<>#|$:{}&@")
_LINE_BREAKS = re.compile(r"[\r\n]+")
_BLOCK_START = re.compile(r"^(?:[-+=]|\d+[.)])")  # a list item, a setext underline, a thematic break
_WWW = re.compile(r"(www)\.", re.IGNORECASE)  # GFM links www.example.org without any special character


def escape_markdown(text: object) -> str:
    """A data value (a site's name, a note, a username…) shown inside Markdown as the very characters it
    holds: it cannot format, link, fetch an image, colour or break the surrounding lines.

    CommonMark lets a backslash escape any ASCII punctuation; the characters escaped are those that can
    start a construct mid-line, plus, at the value's start, those that start a block. Line breaks become
    spaces (a value stays inside its line or list item)."""
    value = _LINE_BREAKS.sub(" ", str(text)).strip()
    escaped = "".join("\\" + character if character in MARKDOWN_SPECIALS else character for character in value)
    block = _BLOCK_START.match(escaped)
    if block:
        escaped = escaped[: block.end() - 1] + "\\" + escaped[block.end() - 1:]
    return _WWW.sub(r"\1\\.", escaped)


_SAFE_PARAMS = (numbers.Number, date, Money, Term)  # formatted by the app, never holding user text


def _markdown_param(value: object) -> object:
    if isinstance(value, _SAFE_PARAMS):
        return value
    if isinstance(value, HouseholdOf):
        return HouseholdOf(escape_markdown(value.organisation))
    return escape_markdown(value)


def translate_markdown(key: str, language: str = DEFAULT_LANGUAGE, **params: object) -> str:
    """translate() for a text shown as Markdown: every parameter holding data is escaped first."""
    return translate(key, language, **{name: _markdown_param(value) for name, value in params.items()})


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

    def md(self, key: str, **params: object) -> str:
        """The text for Markdown (st.markdown, st.caption, st.error, labels…): data parameters escaped."""
        return translate_markdown(key, self.language, **params)

    def date(self, value: date | None) -> str:
        return format_date(value, self.language)

    def datetime(self, value: datetime | None) -> str:
        return format_datetime(value, self.language)

    def money(self, value: Decimal | float | int | None) -> str:
        return format_money(value, self.language)

    def money_each(self, values: Iterable) -> list[str]:
        """t.money of each value (a table's column), much faster than one by one."""
        return format_money_each(values, self.language)

    def percent(self, rate: float | None) -> str:
        return format_percent(rate, self.language)
