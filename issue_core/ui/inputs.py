"""Amounts and rates typed the user's way. st.number_input shows and reads numbers with a decimal
point only ("50.00"; its browser field takes "50,00" for nothing), so these are text fields read by
issue_core.i18n.parse_number: "1 234,50" in French and Dutch, "1,234.50" in English."""

from __future__ import annotations

from decimal import Decimal

import streamlit as st

from issue_core.i18n import Translator, format_number, parse_number

# The browser's first check (a JavaScript regular expression): digits, spaces, "." "," "'", a sign, € or %.
NUMBER_PATTERN = r"^\s*€?\s*[+\-]?[0-9][0-9\s.,'’]*\s*[€%]?\s*$"


def decimal_input(
    t: Translator, label: str, *, key: str | None = None, value: float | Decimal | None = None, digits: int = 2,
    help: str | None = None, container=None,  # noqa: A002, ANN001 (st.columns' column, default st)
) -> Decimal | str | None:
    """A number field: a Decimal, None when empty, or the text itself when it is not a number in the
    user's language. The browser refuses such a text with `common.number_expected` (it never reaches the
    app); one that gets through anyway is refused by the service it is given to, which writes nothing."""
    where = container or st
    example = example_number(t, digits)
    text = where.text_input(
        label, value="" if value is None else format_number(value, t.language, digits, fixed=True), key=key,
        help=help, placeholder=format_number(0, t.language, digits, fixed=True),
        validate=(NUMBER_PATTERN, t("common.number_expected", example=example)),
    )
    try:
        return parse_number(text, t.language)
    except ValueError:
        return text.strip()


def example_number(t: Translator, digits: int = 2) -> str:
    """1 234,50 (fr), 1.234,50 (nl), 1,234.50 (en): how to write a number, for a message."""
    return format_number(1234.5, t.language, digits, fixed=True)
