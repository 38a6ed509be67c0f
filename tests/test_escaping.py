"""Data shown by the app cannot act as Markdown (issue 11, items 6 and 7).

- escape_markdown and Translator.md: unit tests, and properties checked with a CommonMark + GFM parser
  (markdown-it-py with linkify) and with a scan of the escaped text for Streamlit's own syntax.
- Every page that shows names, labels, reasons or notes, on the demo data where an organisation, a site,
  a unit, a reason and a scale label hold a hostile string: the Markdown the page sends holds the escaped
  form only (no link, image or colour directive), while tables (not Markdown) show the name as typed.
- Refusals (DomainError parameters) are escaped too.
- The tables' own "Download as CSV" (which would carry =HYPERLINK… as typed) is turned off app-wide.
"""

from __future__ import annotations

import html
import tomllib
from datetime import date
from decimal import Decimal

import pytest
import streamlit as st
from hypothesis import given, strategies
from markdown_it import MarkdownIt
from sqlalchemy import text
from streamlit.testing.v1 import AppTest

from issue_core.auth import Actor
from issue_core.db import PROJECT_ROOT, create_issue_engine
from issue_core.errors import HouseholdOf, Money, Term
from issue_core.i18n import MARKDOWN_SPECIALS, Translator, escape_markdown
from issue_core.models import Role

HOSTILE = "![i](//x/p)[L](javascript:0):red[R]"  # 35 characters: fits an organisation's short name (40)
ESCAPED = r"!\[i\](//x/p)\[L\](javascript\:0)\:red\[R\]"  # counted by hand
RAW_MARKUP = ("[i](", "[L](", ":red[")  # what a link, an image or a colour directive needs, unescaped
FORMULA = '=HYPERLINK("http://x","y")'
fr = Translator("fr")


# --- the helper ----------------------------------------------------------------------------------------


def test_the_hostile_string_is_escaped_character_by_character():
    assert escape_markdown(HOSTILE) == ESCAPED


@pytest.mark.parametrize("plain", ["ISS-2021-014", "Rue de l'Église 12", "1\u202f234,50\u00a0€", "Axe 1 (logement)",
                                   "Trèfles", "3 pommiers", "A.1", ""])
def test_plain_text_passes_unchanged(plain):
    assert escape_markdown(plain) == plain


@pytest.mark.parametrize(("value", "escaped"), [
    ("- a", r"\- a"), ("+ a", r"\+ a"), ("===", r"\==="), ("12. rue", r"12\. rue"), ("3) b", r"3\) b"),
    ("# titre", r"\# titre"), ("> cité", r"\> cité"), ("`code`", r"\`code\`"), ("**gras**", r"\*\*gras\*\*"),
    ("_it_", r"\_it\_"), ("~~barré~~", r"\~\~barré\~\~"), ("<b>x</b>", r"\<b\>x\</b\>"), ("$x$", r"\$x\$"),
    ("a|b", r"a\|b"), ("&#91;", r"\&\#91;"), ("a@b.org", r"a\@b.org"), ("http://x.org", r"http\://x.org"),
    ("www.x.org", r"www\.x.org"), (":material/home:", r"\:material/home\:"), ("{style=x}", r"\{style=x\}"),
    ("fin\\", "fin\\\\"), ("ligne 1\nligne 2\r\n", "ligne 1 ligne 2"), ("  espacé  ", "espacé"),
])
def test_each_construct_is_neutralised(value, escaped):
    assert escape_markdown(value) == escaped


def test_the_translator_escapes_data_parameters_only():
    day = date(2026, 11, 23)
    assert fr.md("alert.per_partner", partner=HOSTILE, count=3) == fr("alert.per_partner", partner=ESCAPED, count=3)
    assert ESCAPED in fr.md("alert.vacant.line", unit=HOSTILE, site="Dubrucq", since=day, days=12)
    assert "23/11/2026" in fr.md("alert.vacant.line", unit="A", site="Dubrucq", since=day, days=12)
    assert fr.md("payments.no_scale", date=day) == fr("payments.no_scale", date=day)
    assert fr.md("alert.arrears.line", partner="Smes", count=2, amount=Money(Decimal("1234.5"))) == fr(
        "alert.arrears.line", partner="Smes", count=2, amount=Money(Decimal("1234.5")))
    assert fr.md("error.required", field=Term("field.notes")) == fr("error.required", field=Term("field.notes"))
    assert ESCAPED in fr.md("error.axis_operator_not_partner", organisation=HouseholdOf(HOSTILE))
    assert fr("alert.per_partner", partner=HOSTILE, count=3).startswith(HOSTILE)  # t() itself escapes nothing


# --- properties ----------------------------------------------------------------------------------------

# Pieces that make Markdown constructs, mixed with any text: the escaped result must show them verbatim.
PIECES = ["[", "]", "(", ")", "!", "*", "_", "`", "~", "<", ">", "#", "|", "$", ":", "{", "}", "&", "@", "\\",
          "-", "+", "=", ".", "1.", "2)", " ", "  ", "\t", "\n", "\n\n", "    ", "www.", "http://", "a@b.c", "&amp;",
          "&#91;", ":red[", ":material/home:", ":smile:", "](x)", "![a](b)", "<http://x>", "<b>", "|-|", "---",
          "***", "```", "~~~", "# ", "> ", "- ", "1. ", "[^1]", "[a]: /u", "\\[", "x"]
WORDS = strategies.characters(exclude_categories=("Cs", "Cc"))  # any printable character
DATA = strategies.lists(strategies.one_of(strategies.sampled_from(PIECES), strategies.text(WORDS, max_size=4)),
                        max_size=12).map("".join)
# CommonMark + tables, strikethrough and bare links (http://…, e-mail). GitHub's (and Streamlit's) bare links also
# start with "www.", but linkify-it would link any domain name (1.AL) with it: "www." has its own test below.
GFM = MarkdownIt("gfm-like")
GFM.linkify.set({"fuzzy_link": False})


def normalised(value: str) -> str:
    """What escape_markdown promises to show: the value on one line (a run of line breaks is one space),
    without surrounding spaces."""
    return " ".join(line for line in value.replace("\r", "\n").split("\n") if line != "").strip()


@given(DATA)
def test_escaped_data_renders_as_its_own_text_in_one_paragraph(value):
    rendered = GFM.render(escape_markdown(value))
    shown = normalised(value)
    if not shown:
        assert rendered == ""
        return
    assert rendered == "<p>" + html.escape(shown, quote=False).replace('"', "&quot;") + "</p>\n"


def unescaped_specials(escaped: str) -> list[str]:
    """The special characters of `escaped` not preceded by an escaping backslash."""
    found, index = [], 0
    while index < len(escaped):
        if escaped[index] == "\\":
            index += 2
            continue
        if escaped[index] in MARKDOWN_SPECIALS:
            found.append(escaped[index])
        index += 1
    return found


@given(DATA)
def test_no_special_character_is_left_unescaped(value):
    """Streamlit's own syntax (:red[…], :material/…:, emoji :…:, {attributes}) starts with one of them;
    GitHub's bare links www.… need an unescaped "www."."""
    escaped = escape_markdown(value)
    assert unescaped_specials(escaped) == []
    assert "www." not in escaped.lower()


@given(DATA)
def test_escaping_keeps_every_character(value):
    escaped = escape_markdown(value)
    kept, index = [], 0
    while index < len(escaped):
        if escaped[index] == "\\":
            index += 1
        kept.append(escaped[index])
        index += 1
    assert "".join(kept) == normalised(value)


# --- the pages, on hostile data -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hostile_url(demo_url) -> str:
    """The demo data with a hostile string in every organisation's name and short name, every site's name, every
    unit's label, every unavailability reason and scale label, and a formula in every payment note."""
    engine = create_issue_engine(demo_url)
    with engine.begin() as connection:
        suffix = "' ' || CAST(id AS VARCHAR(10))"
        connection.execute(text(f"UPDATE organisation SET short_name = :hostile || {suffix}, "
                                f"name = :hostile || {suffix}"), {"hostile": HOSTILE})
        connection.execute(text(f"UPDATE site SET name = :hostile || {suffix}"), {"hostile": HOSTILE})
        connection.execute(text(f"UPDATE unit SET label = :hostile || {suffix}"), {"hostile": HOSTILE})
        connection.execute(text("UPDATE unit_unavailability SET reason = :hostile"), {"hostile": HOSTILE})
        connection.execute(text("UPDATE contribution_scale SET label = :hostile"), {"hostile": HOSTILE})
        connection.execute(text("UPDATE payment SET notes = :formula"), {"formula": FORMULA})
    engine.dispose()
    return demo_url


@pytest.fixture
def open_page(hostile_url, monkeypatch):
    monkeypatch.setenv("ISSUE_DATABASE_URL", hostile_url)
    engine = create_issue_engine(hostile_url)
    with engine.connect() as connection:
        coordinator = connection.execute(text("SELECT organisation_id FROM app_user "
                                              "WHERE username = 'coord.samusocial'")).scalar_one()
    engine.dispose()
    actors = {"admin": Actor("admin", Role.ADMIN), "coord.samusocial": Actor("coord.samusocial", Role.COORDINATOR,
                                                                               coordinator)}

    def run(page: str, username: str = "admin", **state: object) -> AppTest:
        st.cache_resource.clear()
        st.cache_data.clear()
        app = AppTest.from_file(str(PROJECT_ROOT / f"pages/{page}.py"), default_timeout=120)
        app.session_state["issue_actor"] = actors[username]
        app.session_state["issue_pages"] = set()
        for key, value in state.items():
            app.session_state[key] = value
        app.run()
        assert not app.exception, app.exception
        return app

    return run


NOT_MARKDOWN = {"text", "code", "json", "exception", "html"}  # st.html: HTML, where the names go through html.escape


def children(node) -> list:  # noqa: ANN001
    found = getattr(node, "children", None)
    return list(found.values()) if isinstance(found, dict) else list(found or [])


def markdown_sent(app: AppTest) -> list[str]:
    """Every text the page sends to be read as Markdown: bodies (markdown, headings, captions, alerts,
    badges, metric values), labels and help of every element and widget, and the cells of st.table."""
    texts: list[str] = []

    def walk(node) -> None:  # noqa: ANN001
        for element in children(node):
            proto = getattr(element, "proto", None)
            if proto is not None and getattr(element, "type", None) not in NOT_MARKDOWN:
                fields = {field.name for field in proto.DESCRIPTOR.fields}
                texts.extend(str(getattr(proto, name)) for name in ("body", "label", "help") if name in fields)
            walk(element)

    walk(app._tree)
    for table in app.table:
        frame = table.value
        texts.extend(str(cell) for cell in [*frame.columns, *frame.to_numpy().ravel()])
    return texts


def assert_escaped(app: AppTest) -> None:
    texts = markdown_sent(app)
    leaks = [piece for piece in texts if any(raw in piece for raw in RAW_MARKUP)]
    assert leaks == []
    assert any(ESCAPED in piece for piece in texts), "the page shows no hostile name: the test proves nothing"


def dataframe_cells(app: AppTest) -> set[str]:
    cells: set[str] = set()
    for frame in app.dataframe:
        data = frame.value.data if hasattr(frame.value, "data") else frame.value
        cells.update(str(cell) for cell in data.to_numpy().ravel())
    return cells


@pytest.mark.parametrize(("page", "username", "state"), [
    ("overview", "admin", {}),
    ("occupancy", "admin", {"occ_site": 3}),  # one site's detailed tiles (Markdown); every site's: HTML (test_units_board)
    ("contributions", "coord.samusocial", {}),  # other partners' arrears: one line each, with their name
    ("report", "admin", {}),
    ("close_site", "admin", {}),
    ("households", "admin", {}),
    ("payments", "admin", {}),
])
def test_pages_send_hostile_names_escaped(open_page, page, username, state):
    assert_escaped(open_page(page, username, **state))


def test_every_meeting_slide_sends_hostile_names_escaped(open_page):
    """Every slide of the wall (a long list takes several): no raw markup anywhere; the names of sites,
    operators and partners show, escaped, on several (conventions, board, caseloads, decisions)."""
    slides_with_names = 0
    for slide in range(16):  # the rotation on this data, and round again
        texts = markdown_sent(open_page("meeting", "admin", meeting_slide=slide))
        assert [piece for piece in texts if any(raw in piece for raw in RAW_MARKUP)] == [], slide
        slides_with_names += any(ESCAPED in piece for piece in texts)
    assert slides_with_names >= 3, "the slides show no hostile name: the test proves nothing"


def test_the_sites_admin_page_sends_hostile_names_escaped(open_page, hostile_url):
    engine = create_issue_engine(hostile_url)
    with engine.connect() as connection:
        site_id = connection.execute(text("SELECT MIN(site_id) FROM unit")).scalar_one()
    engine.dispose()
    assert_escaped(open_page("admin_sites", "admin", admin_site=site_id))  # the site's and a unit's forms


def test_the_sites_table_shows_the_names_as_typed(open_page):
    """A table cell is not Markdown: escaping it would show backslashes."""
    app = open_page("sites")
    assert any(cell.startswith(HOSTILE + " ") for cell in dataframe_cells(app))
    assert not any("\\" in cell for cell in dataframe_cells(app))
    assert not any(raw in piece for piece in markdown_sent(app) for raw in RAW_MARKUP)


# --- refusals ---------------------------------------------------------------------------------------------


def refusal_page() -> None:
    from issue_core.errors import HouseholdOf, InvalidInput
    from issue_core.ui.feedback import attempt

    def refuse(organisation: object) -> None:
        raise InvalidInput("error.axis_operator_not_partner", organisation=organisation)

    attempt(refuse, "![i](//x/p)[L](javascript:0):red[R]")
    attempt(refuse, HouseholdOf("![i](//x/p)[L](javascript:0):red[R]"))


def test_a_refusal_shows_its_parameters_escaped():
    app = AppTest.from_function(refusal_page)
    app.run()
    assert not app.exception
    assert [error.value for error in app.error] == [
        fr("error.axis_operator_not_partner", organisation=ESCAPED),
        fr("error.axis_operator_not_partner", organisation=HouseholdOf(ESCAPED)),
    ]


# --- item 6: the tables' own download ---------------------------------------------------------------------


def test_the_tables_own_csv_download_is_off():
    """st.dataframe's toolbar would download the payment note =HYPERLINK(…) as typed; client.disableDataExport
    (a Streamlit option, checked to exist so that a typo fails here) hides it and the copy to the clipboard."""
    from streamlit import config

    with (PROJECT_ROOT / ".streamlit" / "config.toml").open("rb") as handle:
        client = tomllib.load(handle)["client"]
    assert "client.disableDataExport" in config._config_options_template
    assert client["disableDataExport"] is True
