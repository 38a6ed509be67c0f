"""Links to a site's own page (pages/site.py, bookmarkable as site?name=<site name>) from the pages that
name sites: the sites list, the map, the timeline, the alerts. Never on the meeting screen."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import quote

import streamlit as st

from issue_core import policy
from issue_core.i18n import Translator, escape_markdown
from issue_core.ui.links import available_pages, link_to_page

SITE_PAGE = "pages/site.py"
SITE_ICON = ":material/apartment:"
LINKS_PER_ROW = 4


def site_address(name: str) -> str:
    """The site page's address, relative to the app's pages (all at its root, as site?name=…): for a
    table's link column or a chart's href. The name is percent-encoded."""
    return "site?name=" + quote(str(name), safe="")


def may_open_site_page() -> bool:
    return SITE_PAGE in available_pages()


def site_link(t: Translator, name: str, label: str | None = None) -> None:
    """A link to the site's page (its name as the label unless `label`); plain text without the page."""
    link_to_page(t, SITE_PAGE, label or escape_markdown(name), SITE_ICON, query_params={"name": str(name)})


def site_links(t: Translator, names: Iterable[str], per_row: int = LINKS_PER_ROW) -> None:
    """A link per site (the first SITE_LINKS_MAX, then how many more), `per_row` a row; nothing for a user
    without the site page."""
    if not may_open_site_page():
        return
    names = list(dict.fromkeys(str(name) for name in names))
    # a link is a widget: hundreds of them would slow every rerun, and nobody reads that many
    shown, more = names[:policy.SITE_LINKS_MAX], len(names) - policy.SITE_LINKS_MAX
    # one row of columns, each holding every per_row-th link: the same places as a row of columns per line of
    # links, with a tenth of the layout blocks (each one a message to the browser at every rerun)
    for offset, column in enumerate(st.columns(per_row)):
        with column:
            for name in shown[offset::per_row]:
                site_link(t, name)
    if more > 0:
        st.caption(t("site.links_more", count=more))
