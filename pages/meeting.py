"""Meeting screen: large slides for the wall of the team meeting, rotating every N seconds (pausable),
data refreshed without reloading the page. Counts only: no household reference, name or identifier.

The slides live in a fragment that reruns every N seconds (N ≤ 60, so the data is at most a minute
old even when paused); each run re-reads through ui.data.read, whose cache follows the data version.
The controls sit in the sidebar, so a collapsed sidebar leaves the wall to the slide (folded from the
start for a wall signed in with a screen token). A wall cannot scroll: a long list goes on over the next slides
(issue_core.ui.slides), and a bar under the title shows the time left to the next slide. Each rotation
checks the sign-in again (a revoked screen token ends the wall there, not at the next full run).
"""

from __future__ import annotations

import html
import time
from collections.abc import Callable
from datetime import date, timedelta

import pandas as pd
import streamlit as st

from issue_core import clock
from issue_core.i18n import escape_markdown
from issue_core.models import Role
from issue_core.palette import AXIS_COLOURS, STATUS_COLOURS
from issue_core.policy import (
    CANDIDATES_PER_UNIT,
    DEFAULT_WARNING_DAYS,
    FLOW_DAYS,
    MATCHING_HORIZON_DAYS,
    MEETING_DEFAULT_SECONDS,
    MEETING_FULL_RUN_SECONDS,
    MEETING_MAX_SECONDS,
    MEETING_MIN_SECONDS,
    MEETING_SINCE_DAYS,
    VACANT_ALERT_DAYS,
)
from issue_core.queries.metrics.caseloads import caseload_on
from issue_core.queries.metrics.kpis import arrears_figure, balances_compared, site_figures, with_arrears
from issue_core.queries.screens.alerts import conventions_ending
from issue_core.queries.screens.contributions import partners_in_arrears
from issue_core.queries.screens.meeting import caseload_by_axis, changes_since, occupancy_tiles
from issue_core.queries.screens.waiting import candidates, units_to_fill
from issue_core.rules import ConventionStatus
from issue_core.services.screen_settings import ScreenSettings, save_screen_settings, screen_settings
from issue_core.ui.board import size_label
from issue_core.ui.components import axis_label
from issue_core.ui.data import engine, prefetch, read, read_from
from issue_core.ui.feedback import attempt
from issue_core.ui.figures import kpi_card
from issue_core.ui.gate import end_if_signed_out, require_role, screen_device
from issue_core.ui.i18n import translator
from issue_core.ui.outage import in_fragment
from issue_core.ui.slides import board_rows, page_of, table_rows

SLIDES = ("figures", "conventions", "board", "changes", "caseloads", "decisions")
TABLE_ROWS = 6  # rows of a table on one slide (1.7rem rows, on two lines at worst, fit 1440×900)
BOARD_TILES_PER_ROW, BOARD_LINES = 8, 7  # the board's tiles on a line at 1440 px, lines of a slide (a site's name: one)
ADVANCE_AFTER = 0.8  # a fragment run this share of the interval after the last change moves on (timer jitter)
SLIDE_KEY, SHOWN_AT_KEY = "meeting_slide", "meeting_shown_at"
FULL_RUN_AT_KEY, DAY_KEY = "meeting_full_run_at", "meeting_day"
LOADED_KEY = "meeting_settings_loaded"  # (the stored settings the controls show, the day they were loaded)
CONTROLS = {"meeting_seconds": "seconds", "meeting_paused": "paused", "meeting_since": "since"}  # key: setting
VACANT_COLOUR, LONG_VACANT_COLOUR = STATUS_COLOURS[ConventionStatus.ACTIVE], STATUS_COLOURS[ConventionStatus.OVERDUE]
UNAVAILABLE_COLOUR = STATUS_COLOURS[ConventionStatus.CLOSED]

STYLE = """<style>
[data-testid="stMainBlockContainer"] { padding-top: 2rem; padding-bottom: 1rem; }
.st-key-meeting_wall h1 { font-size: 3.4rem; }
.st-key-meeting_wall h2, .st-key-meeting_wall h3 { font-size: 2.2rem; }
.st-key-meeting_wall p { font-size: 1.5rem; }
.st-key-meeting_wall [data-testid="stMetric"] { container-type: inline-size; }
.st-key-meeting_wall [data-testid="stMetricValue"], .st-key-meeting_wall [data-testid="stMetricValue"] * {
  overflow: visible; text-overflow: clip; }
.st-key-meeting_wall [data-testid="stMetricValue"] p { font-size: min(4rem, 15cqi); font-weight: 700; line-height: 1.1; }
.st-key-meeting_wall [data-testid="stMetricLabel"] p { font-size: 1.5rem; white-space: normal; }
.st-key-meeting_wall [data-testid="stMetricLabel"] .stMarkdownEllipsis { white-space: normal; overflow: visible; }
.st-key-meeting_wall [data-testid="stMetricDelta"] p { font-size: 1.2rem; }
.st-key-meeting_wall [data-testid="stMetric"] *:not([data-testid="stMetricValue"]) { white-space: normal; }
.st-key-meeting_wall [data-testid="stMetricDeltaDescription"], .st-key-meeting_wall [data-testid="stMetricLabel"] *,
.st-key-meeting_wall [data-testid="stMetricDeltaDescription"] * { overflow: visible; text-overflow: clip; }
.st-key-meeting_wall [data-testid="stTable"] th, .st-key-meeting_wall [data-testid="stTable"] td,
.st-key-meeting_wall [data-testid="stTable"] td p { font-size: 1.7rem; }
.meeting-indicator { font-size: 2.4rem; font-weight: 700; text-align: right; }
.meeting-status { font-size: 1.3rem; text-align: right; }
.meeting-site { font-size: 1.7rem; font-weight: 700; margin: 0.6rem 0 0.3rem; }
.meeting-tiles { display: flex; flex-wrap: wrap; gap: 0.5rem; }
.meeting-tile { min-width: 8.5rem; padding: 0.45rem 0.7rem; border-radius: 0.5rem; color: #fff; }
.meeting-tile b { display: block; font-size: 1.5rem; }
.meeting-tile span { font-size: 1.15rem; }
.meeting-legend { display: flex; flex-wrap: wrap; gap: 1.2rem; font-size: 1.4rem; margin-bottom: 0.5rem; }
.meeting-swatch { display: inline-block; width: 1.3rem; height: 1.3rem; border-radius: 0.25rem;
                  vertical-align: middle; margin-right: 0.4rem; }
.meeting-progress { height: 0.45rem; border-radius: 0.25rem; background: rgba(128, 128, 128, 0.2); overflow: hidden; }
.meeting-progress div { height: 100%; background: #1f6fb2; transform-origin: left;
                        animation-name: meeting-progress; animation-timing-function: linear;
                        animation-fill-mode: forwards; }
@keyframes meeting-progress { from { transform: scaleX(0); } to { transform: scaleX(1); } }
</style>"""

actor = require_role(*Role)
if screen_device():  # a wall signed in with a screen token shows the slide, not the controls
    st.set_page_config(initial_sidebar_state="collapsed")
t = translator()
st.html(STYLE)
state = st.session_state
state[FULL_RUN_AT_KEY] = time.monotonic()
state[DAY_KEY] = clock.today()


def step(by: int) -> None:
    """Previous / next slide (a button's callback): the chosen slide then stays a full interval."""
    state[SLIDE_KEY] = int(state.get(SLIDE_KEY, 0)) + by  # taken modulo the slides of the next run
    state[SHOWN_AT_KEY] = time.monotonic()


def load_settings(stored: ScreenSettings) -> None:
    """The controls show the account's settings as stored in the database (shared by every app process and
    device): when the session starts, when they changed elsewhere, and on a new day (the default "since"
    moves on). A setting that could not be saved stays as the user set it, for this session."""
    values = {"meeting_seconds": stored.seconds or MEETING_DEFAULT_SECONDS, "meeting_paused": stored.paused,
              "meeting_since": stored.since or clock.today() - timedelta(days=MEETING_SINCE_DAYS)}
    fresh = state.get(LOADED_KEY) != (stored, clock.today())
    for key, value in values.items():
        if fresh or key not in state:
            state[key] = value
    state[LOADED_KEY] = (stored, clock.today())


def save_setting(key: str) -> None:
    """A control's callback: its new value goes to the database."""
    value = state.get(key)
    if key == "meeting_since" and not isinstance(value, date):
        value = None  # cleared: the default again
    attempt(save_screen_settings, engine(), actor, **{CONTROLS[key]: value})


load_settings(screen_settings(engine(), actor))
with st.sidebar.expander(t("meeting.controls.title"), icon=":material/tune:", expanded=True):
    seconds = st.number_input(t("meeting.controls.seconds"), min_value=MEETING_MIN_SECONDS,
                              max_value=MEETING_MAX_SECONDS, step=5, key="meeting_seconds",
                              on_change=save_setting, args=("meeting_seconds",))
    paused = st.toggle(t("meeting.controls.pause"), key="meeting_paused", on_change=save_setting,
                       args=("meeting_paused",))
    default_since = clock.today() - timedelta(days=MEETING_SINCE_DAYS)
    chosen = st.date_input(t("meeting.controls.since"), max_value=clock.today(), format="DD/MM/YYYY",
                           key="meeting_since", on_change=save_setting, args=("meeting_since",))
    since = chosen if isinstance(chosen, date) else default_since
    # one under the other: side by side, the sidebar's width cut their labels ("Préc…")
    st.button(t("meeting.controls.previous"), icon=":material/skip_previous:", key="meeting_previous",
              on_click=step, args=(-1,), width="stretch")
    st.button(t("meeting.controls.next"), icon=":material/skip_next:", key="meeting_next",
              on_click=step, args=(1,), width="stretch")


def slide_to_show(now: float, count: int) -> int:
    """The slide of this run, among `count`: the next one once the interval is over, unless paused.
    Only two numbers are kept in the session, whatever the number of runs."""
    slide = int(state.get(SLIDE_KEY, 0)) % count
    shown_at = state.get(SHOWN_AT_KEY)
    if shown_at is not None and not paused and now - shown_at >= seconds * ADVANCE_AFTER:
        slide, shown_at = (slide + 1) % count, now
    if shown_at is None or paused:
        shown_at = now  # on play, the slide shown stays a full interval
    state[SLIDE_KEY], state[SHOWN_AT_KEY] = slide, shown_at
    return slide


# --- the slides ---------------------------------------------------------------------------------------


def figures_slide(today: date) -> None:
    # both days' balances read in one pass for this slide and the decisions' arrears (each derived once)
    figures = with_arrears(read(site_figures, today), read_from(arrears_figure, balances_compared, (today,)))
    row = st.columns(5)
    kpi_card(row[0], t, t("overview.kpi.active_sites"), figures.active_sites)
    kpi_card(row[1], t, t("overview.kpi.available_units"), figures.available_units)
    kpi_card(row[2], t, t("overview.kpi.occupied_units"), figures.occupied_units)
    kpi_card(row[3], t, t("overview.kpi.vacant_units"), figures.vacant_units, lower_is_better=True)
    kpi_card(row[4], t, t("overview.kpi.occupancy"), figures.occupancy_rate, kind="percent")
    by_axis = sorted(figures.households_followed_by_axis.items())
    row = st.columns(len(by_axis) + 1)
    kpi_card(row[0], t, t("overview.kpi.households_followed"), figures.households_followed, neutral=True)
    for column, (axis, figure) in zip(row[1:], by_axis, strict=True):
        kpi_card(column, t, t("overview.kpi.households_of_axis", axis=axis_label(t, axis)), figure, neutral=True)
    row = st.columns(3)
    kpi_card(row[0], t, t("overview.kpi.entries", days=FLOW_DAYS), figures.entries_30_days, neutral=True)
    kpi_card(row[1], t, t("overview.kpi.exits", days=FLOW_DAYS), figures.exits_30_days, neutral=True)
    kpi_card(row[2], t, t("overview.kpi.arrears"), figures.arrears, kind="money", lower_is_better=True)
    st.caption(t("meeting.figures.caption", today=today))


def days_left(days: int) -> str:
    return t("meeting.conventions.overdue_by", days=-days) if days < 0 else t("meeting.conventions.ends_in", days=days)


def conventions_table(conventions: pd.DataFrame) -> None:
    st.table(pd.DataFrame({
        t("meeting.col.site"): [escape_markdown(site) for site in conventions["site"]],  # st.table: Markdown cells
        t("meeting.col.operator"): [escape_markdown(operator) for operator in conventions["housing_operator"]],
        t("meeting.col.planned_end"): [t.date(row.actual_end_date or row.planned_end_date)
                                       for row in conventions.itertuples()],
        t("meeting.col.status"): [t(f"status.{status}") for status in conventions["status"]],
        t("meeting.col.days_left"): [days_left(int(days)) for days in conventions["days_to_end"]],
        t("meeting.col.units_at_risk"): conventions["occupied_units"].astype(str),
    }), border="horizontal")


def conventions_slides(today: date) -> list[Callable[[], None]]:
    """The figures and the first rows; the rows that do not fit go on over the next slides."""
    conventions = read(conventions_ending, today, DEFAULT_WARNING_DAYS)
    pieces = table_rows(len(conventions), TABLE_ROWS)

    def first() -> None:
        overdue = conventions[conventions["status"] == ConventionStatus.OVERDUE]
        row = st.columns(3)
        row[0].metric(t("meeting.conventions.overdue"), len(overdue), border=True)
        ending_soon = t("meeting.conventions.ending_soon", months=DEFAULT_WARNING_DAYS // 30)  # 180 days: 6 months
        row[1].metric(ending_soon, len(conventions) - len(overdue), border=True)
        row[2].metric(t("meeting.conventions.units_at_risk"), int(conventions["occupied_units"].sum()), border=True)
        if conventions.empty:
            st.success(t("meeting.conventions.none", days=DEFAULT_WARNING_DAYS), icon=":material/check_circle:")
            return
        conventions_table(page_of(conventions, pieces[0]))
        st.caption(t("meeting.conventions.caption", days=DEFAULT_WARNING_DAYS))

    return [first, *[lambda rows=rows: conventions_table(page_of(conventions, rows)) for rows in pieces[1:]]]


def tile_look(unit) -> tuple[str, str]:  # a row of occupancy_tiles
    """(colour, second line) of a unit's tile: the occupant's axis, vacant (red when for long), unavailable."""
    if unit.state == "occupied":
        return AXIS_COLOURS.get(unit.axis_id, UNAVAILABLE_COLOUR), axis_label(t, unit.axis_id)
    if unit.state == "vacant":
        days = int(unit.days_vacant) if pd.notna(unit.days_vacant) else 0
        colour = LONG_VACANT_COLOUR if days > VACANT_ALERT_DAYS else VACANT_COLOUR
        return colour, t("meeting.board.vacant_days", days=days)
    return UNAVAILABLE_COLOUR, t("meeting.board.unavailable")


def legend() -> str:
    items = [(AXIS_COLOURS[axis], axis_label(t, axis)) for axis in sorted(AXIS_COLOURS)] + [
        (VACANT_COLOUR, t("meeting.board.legend_vacant")),
        (LONG_VACANT_COLOUR, t("meeting.board.legend_long_vacant", days=VACANT_ALERT_DAYS)),
        (UNAVAILABLE_COLOUR, t("meeting.board.unavailable")),
    ]
    return "".join(f'<span><span class="meeting-swatch" style="background:{colour}"></span>{html.escape(text)}</span>'
                   for colour, text in items)


def site_summary(name: str, units: pd.DataFrame) -> str:
    """"Dubrucq · 12 occupied, 2 vacant, 0 unavailable" (plain text)."""
    counts = units["state"].value_counts()
    return t("meeting.board.site_summary", site=name, occupied=int(counts.get("occupied", 0)),
             vacant=int(counts.get("vacant", 0)), unavailable=int(counts.get("unavailable", 0)))


def board_slides(today: date) -> list[Callable[[], None]]:
    """Whole sites on a slide as long as their tiles fit (a larger site goes on over the next slides)."""
    tiles = read(occupancy_tiles, today)
    if tiles.empty:
        return [lambda: st.info(t("meeting.board.no_site"))]
    pages = board_rows(tiles, "site_id", BOARD_TILES_PER_ROW, BOARD_LINES)
    return [lambda rows=rows: board_slide(tiles, page_of(tiles, rows)) for rows in pages]


def board_slide(tiles: pd.DataFrame, page: pd.DataFrame) -> None:
    st.subheader(site_summary(t("meeting.board.all_sites", units=len(tiles)), tiles), anchor=False)
    parts = [f'<div class="meeting-legend">{legend()}</div>']
    for (_, site), units in page.groupby(["site_id", "site"], sort=False):
        parts.append(f'<div class="meeting-site">{html.escape(site_summary(str(site), units))}</div>')
        parts.append('<div class="meeting-tiles">')
        for unit in units.itertuples():
            colour, line = tile_look(unit)
            parts.append(f'<div class="meeting-tile" style="background:{colour}">'
                         f'<b>{html.escape(str(unit.unit))}</b><span>{html.escape(line)}</span></div>')
        parts.append("</div>")
    st.html("".join(parts))


def changes_slide(today: date) -> None:
    changes = read(changes_since, since, today)
    figures = [
        ("meeting.changes.entries", changes.entries), ("meeting.changes.exits", changes.exits),
        ("meeting.changes.transfers", changes.transfers),
        ("meeting.changes.contributions", changes.contribution_statuses_set),
        ("meeting.changes.opened", changes.conventions_opened),
        ("meeting.changes.extended", changes.conventions_extended),
        ("meeting.changes.closed", changes.conventions_closed),
    ]
    for first in (0, 4):
        row = st.columns(4)
        for column, (key, count) in zip(row, figures[first:first + 4], strict=False):
            column.metric(t(key), count, border=True)
    st.subheader(t("meeting.changes.destinations"))
    if not changes.exits_by_destination:
        st.caption(t("meeting.changes.no_exit"))
    else:
        st.table(pd.DataFrame({
            t("meeting.col.destination"): [t(f"exit.{name}") for name in changes.exits_by_destination],
            t("meeting.col.exits"): [str(count) for count in changes.exits_by_destination.values()],
        }), border="horizontal")
    st.caption(t("meeting.changes.caption"))


def caseloads_by_axis() -> None:
    per_axis = read_from(caseload_by_axis, caseload_on, (clock.today(),))
    for row in per_axis.itertuples():
        label, followed, placed, waiting = st.columns([1, 2, 2, 2], vertical_alignment="center")
        label.subheader(axis_label(t, row.axis_id), anchor=False)
        followed.metric(t("meeting.caseloads.followed"), row.followed, border=True)
        placed.metric(t("meeting.caseloads.placed"), row.placed, border=True)
        waiting.metric(t("meeting.caseloads.waiting"), row.waiting, border=True)


def caseloads_table(per_partner: pd.DataFrame) -> None:
    st.table(pd.DataFrame({
        t("meeting.col.axis"): [axis_label(t, axis) for axis in per_partner["axis_id"]],
        t("meeting.col.partner"): [escape_markdown(partner) for partner in per_partner["partner"]],
        t("meeting.caseloads.followed"): per_partner["followed"].astype(str),
        t("meeting.caseloads.placed"): per_partner["placed"].astype(str),
        t("meeting.caseloads.waiting"): per_partner["waiting"].astype(str),
    }), border="horizontal")


def caseloads_slides(today: date) -> list[Callable[[], None]]:
    """Per axis on one slide; per axis and partner on the next ones."""
    per_partner = read(caseload_on, today)
    tables = [] if per_partner.empty else table_rows(len(per_partner), TABLE_ROWS)
    return [caseloads_by_axis, *[lambda rows=rows: caseloads_table(page_of(per_partner, rows)) for rows in tables]]


# --- this week's decisions: units to fill, conventions to renegotiate, arrears (counts only) ---------------


def candidates_by_partner(of_unit: pd.DataFrame) -> str:
    """"Samusocial 2 · Smes 1": how many of the unit's best candidates each partner follows (no one named)."""
    counts = of_unit.groupby("partner", sort=False).size()
    return " · ".join(f"{escape_markdown(partner)} {count}" for partner, count in counts.items()) or "—"


def units_to_fill_table(units: pd.DataFrame, ranked: pd.DataFrame) -> None:
    st.subheader(t("meeting.decisions.units"), anchor=False)
    if units.empty:
        st.success(t("meeting.decisions.no_unit"), icon=":material/check_circle:")
        return
    of_unit = {unit_id: rows for unit_id, rows in ranked.groupby("unit_id")}
    empty = ranked.iloc[0:0]
    st.table(pd.DataFrame({
        t("meeting.col.site"): [escape_markdown(site) for site in units["site"]],
        t("meeting.col.unit"): [escape_markdown(unit) for unit in units["unit"]],
        t("meeting.col.size"): [size_label(t, bedrooms) for bedrooms in units["bedrooms"]],
        t("meeting.col.free_from"): [t("meeting.decisions.free_now") if state == "vacant" else t.date(day)
                                     for state, day in zip(units["state"], units["free_from"], strict=True)],
        t("meeting.col.candidates"): [str(len(of_unit.get(unit_id, empty))) for unit_id in units["unit_id"]],
        t("meeting.col.by_partner"): [candidates_by_partner(of_unit.get(unit_id, empty))
                                      for unit_id in units["unit_id"]],
    }), border="horizontal")
    st.caption(t("meeting.decisions.units_caption", count=CANDIDATES_PER_UNIT, days=MATCHING_HORIZON_DAYS))


def renegotiate_table(conventions: pd.DataFrame) -> None:
    st.subheader(t("meeting.decisions.renegotiate", months=DEFAULT_WARNING_DAYS // 30), anchor=False)
    if conventions.empty:
        st.success(t("meeting.conventions.none", days=DEFAULT_WARNING_DAYS), icon=":material/check_circle:")
        return
    conventions_table(conventions)


def arrears_table(per_partner: pd.DataFrame) -> None:
    st.subheader(t("meeting.decisions.arrears"), anchor=False)
    if per_partner.empty:
        st.success(t("meeting.decisions.no_arrears"), icon=":material/check_circle:")
        return
    st.table(pd.DataFrame({
        t("meeting.col.partner"): [escape_markdown(partner) for partner in per_partner["partner"]],
        t("meeting.col.households_in_arrears"): per_partner["households_in_arrears"].astype(str),
        t("meeting.col.arrears"): [t.money(amount) for amount in per_partner["arrears"]],
    }), border="horizontal")


def decisions_slides(today: date) -> list[Callable[[], None]]:
    """Vacant units (and units free within 30 days) with how many waiting households fit them best
    (queries.screens.waiting's ranking; counts only), conventions to renegotiate within 6 months,
    arrears per partner: each list on its own slides."""
    units = read(units_to_fill, today)
    conventions = read(conventions_ending, today, DEFAULT_WARNING_DAYS)
    owed = read_from(partners_in_arrears, balances_compared, (today,))
    owed = owed[owed["arrears"] > 0].sort_values("arrears", ascending=False)
    return [
        *[lambda rows=rows: units_to_fill_table(page_of(units, rows), read(candidates, today))  # no reference
          for rows in table_rows(len(units), TABLE_ROWS)],
        *[lambda rows=rows: renegotiate_table(page_of(conventions, rows))
          for rows in table_rows(len(conventions), TABLE_ROWS)],
        *[lambda rows=rows: arrears_table(page_of(owed, rows)) for rows in table_rows(len(owed), TABLE_ROWS)],
    ]


DECK = {"figures": lambda today: [lambda: figures_slide(today)], "conventions": conventions_slides,
        "board": board_slides, "changes": lambda today: [lambda: changes_slide(today)],
        "caseloads": caseloads_slides, "decisions": decisions_slides}


def deck(today: date) -> list[tuple[str, int, int, Callable[[], None]]]:
    """Every slide of the rotation: (name, page, pages of that name, draw)."""
    slides = []
    for name in SLIDES:
        pages = DECK[name](today)
        slides.extend((name, page, len(pages), draw) for page, draw in enumerate(pages, start=1))
    return slides


def progress_bar(shown_at: float, now: float) -> str:
    """The time left to the next slide, drawn by the browser (a CSS animation over the interval, started
    as far in as the slide has already been shown). New HTML at every run, so the animation restarts."""
    if paused:
        return ""
    elapsed = max(0.0, now - shown_at)
    return (f'<div class="meeting-progress" data-run="{now:.3f}"><div style="animation-duration:{int(seconds)}s;'
            f'animation-delay:-{elapsed:.2f}s"></div></div>')


def wall() -> None:
    """One run of the wall: the slide due now, drawn from fresh data."""
    end_if_signed_out()  # every rotation: a revoked screen token or an ended session leaves the wall now
    now = time.monotonic()
    today = clock.today()
    if state.get(LOADED_KEY, (None,))[0] != screen_settings(engine(), actor):
        st.rerun()  # the settings changed on another device: the whole page again, its controls included
    if today != state.get(DAY_KEY) or now - state.get(FULL_RUN_AT_KEY, now) > MEETING_FULL_RUN_SECONDS:
        st.rerun()  # a new day (new defaults) or a long time: the whole page again, sign-in checks included
    # What counts the slides (deck), and the first slide's figures; a slide's other reads (the changes, the
    # candidates: 0.5 s cold at sector scale) are made when it shows, and kept warm after that.
    prefetch((site_figures, (today,)), (balances_compared, (today,)),
             (conventions_ending, (today, DEFAULT_WARNING_DAYS)), (occupancy_tiles, (today,)),
             (caseload_on, (today,)), (units_to_fill, (today,)))
    slides = deck(today)
    slide = slide_to_show(now, len(slides))
    name, page, pages, draw = slides[slide]
    with st.container(key="meeting_wall"):
        heading, indicator = st.columns([5, 1], vertical_alignment="center")
        title = t(f"meeting.slide.{name}", since=since) if name == "changes" else t(f"meeting.slide.{name}")
        if pages > 1:
            title = t("meeting.slide.page", title=title, page=page, pages=pages)
        heading.title(title, anchor=False)
        now_here = clock.now().strftime("%H:%M")
        status = t("meeting.paused") if paused else t("meeting.updated_at", time=now_here)
        indicator.html(f'<div class="meeting-indicator">{slide + 1} / {len(slides)}</div>'
                       f'<div class="meeting-status">{html.escape(status)}</div>')
        st.html(progress_bar(state[SHOWN_AT_KEY], now) or "<div></div>")
        draw()


st.fragment(run_every=max(MEETING_MIN_SECONDS, min(MEETING_MAX_SECONDS, int(seconds))))(in_fragment(wall))()
