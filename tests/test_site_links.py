"""Links to site pages under a map, a timeline or an alert: the first policy.SITE_LINKS_MAX, then how many
more (hundreds of link widgets would slow every rerun of a sector's pages)."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest


def links_of(count: int) -> AppTest:
    def script(count: int) -> None:
        import streamlit as st

        from issue_core.i18n import Translator
        from issue_core.ui.links import AVAILABLE_PAGES_KEY
        from issue_core.ui.site_links import SITE_PAGE, site_links

        st.session_state[AVAILABLE_PAGES_KEY] = {SITE_PAGE}
        site_links(Translator("fr"), [f"Site {n}" for n in range(count)])

    app = AppTest.from_function(script, args=(count,), default_timeout=30)
    app.run()
    assert not app.exception, app.exception
    return app


def captions(app: AppTest) -> tuple[list[str], list[str]]:
    """(the links, the rest): a link whose page AppTest does not know falls back to the caption "Page : …"."""
    texts = [caption.value for caption in app.caption]
    return [text for text in texts if text.startswith("Page")], [text for text in texts if not text.startswith("Page")]


@pytest.mark.parametrize(("count", "shown", "note"), [
    (40, 40, []),
    (41, 40, ["… et 1 de plus : chaque site a son lien dans la liste des sites."]),
    (500, 40, ["… et 460 de plus : chaque site a son lien dans la liste des sites."]),
])
def test_at_most_forty_site_links_then_how_many_more(count, shown, note):
    links, rest = captions(links_of(count))
    assert len(links) == shown and links[-1].endswith(f"Site {shown - 1}")
    assert rest == note
