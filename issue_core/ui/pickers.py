"""Finding one household or stay among thousands (the whole sector): the user types part of its
reference, the read model returns the first matches only (policy.SEARCH_LIMIT, in SQL) and their
number, and a choice offers those few; a long list is read one page at a time
(policy.HOUSEHOLD_PAGE_SIZE). Nothing sends every row to the browser."""

from __future__ import annotations

import hashlib
import math

import streamlit as st

from issue_core.i18n import Translator, format_number

MAX_SEARCH_CHARS = 40  # longer than any reference or site name


def search_input(t: Translator, key: str, *, stays: bool = False, container=None) -> str:
    """The text to look for (part of a reference; of a reference or a site name with `stays`)."""
    where = container or st
    return where.text_input(
        t("search.label_stay" if stays else "search.label"), max_chars=MAX_SEARCH_CHARS, key=key,
        placeholder=t("search.placeholder"), help=t("search.help_stay" if stays else "search.help"),
    )


def count_text(t: Translator, count: int) -> str:
    """1 234 (fr), 1.234 (nl), 1,234 (en)."""
    return format_number(count, t.language, 0)


def say_if_cut(t: Translator, shown: int, total: int) -> None:
    """"Showing 50 of 1 234: type more" when the choice offers only the first matches."""
    if total > shown:
        st.caption(t("search.cut", shown=shown, total=total))


def say_nothing_found(t: Translator, typed: str, otherwise: str) -> None:
    """No match: for the text typed if any, else the page's own message (`otherwise`, translated)."""
    st.info(t.md("search.none", text=typed.strip()) if typed.strip() else otherwise)


def page_offset(t: Translator, key: str, total: int, page_size: int, rows_key: str = "search.rows", *,
                say_one_page: bool = False) -> int:
    """A page number (when there is more than one page) and "rows 201 to 400 of 1 234" (`rows_key`: its
    words, e.g. "sites 21 to 40 of 500"; said for a single page too when `say_one_page`); returns the
    offset of the first row of the page chosen."""
    pages = max(1, math.ceil(total / page_size))
    if pages == 1 and not (say_one_page and total):
        return 0
    page, rows = 1, st  # a single page: its rows said, no page number
    if pages > 1:
        number, rows = st.columns([1, 4], vertical_alignment="bottom")
        page = number.number_input(t("search.page"), min_value=1, max_value=pages, value=1, step=1, key=key)
    first = (int(page) - 1) * page_size
    rows.caption(t(rows_key, first=count_text(t, first + 1), last=count_text(t, min(first + page_size, total)),
                   total=total))
    return first


def filters_signature(*chosen: object) -> str:
    """A short name of the filters chosen, for the key of a page number: other filters start again from the
    first page (a page number of their own)."""
    return hashlib.sha1(repr(chosen).encode(), usedforsecurity=False).hexdigest()[:16]
