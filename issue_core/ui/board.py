"""The board of every unit (the occupancy page): compact tiles in escaped HTML, one block per site, and the
size label every tile and table of units uses ("studio", not "0 ch."). No Streamlit here: plain data in,
text out, so a test reads what the page sends.

A tile is coloured like the meeting screen's board: the occupant's axis (palette.AXIS_COLOURS), vacant
(green), vacant for more than policy.VACANT_ALERT_DAYS days (red), unavailable (grey); a unit reserved for
a partner has a yellow frame. Its text is black or white, whichever reads better on the colour (WCAG
contrast). Its links ("place", "candidates") are plain <a> links to the pages' addresses, given only for
the pages the user may open; they wrap inside the tile, never cut.
"""

from __future__ import annotations

import html
from urllib.parse import urlencode

import pandas as pd

from issue_core import policy
from issue_core.i18n import Translator
from issue_core.palette import AXIS_COLOURS, STATUS_COLOURS
from issue_core.rules import ConventionStatus
from issue_core.ui.site_links import SITE_PAGE, site_address

VACANT_COLOUR = STATUS_COLOURS[ConventionStatus.ACTIVE]  # as the meeting screen's board
LONG_VACANT_COLOUR = STATUS_COLOURS[ConventionStatus.OVERDUE]
UNAVAILABLE_COLOUR = STATUS_COLOURS[ConventionStatus.CLOSED]
RESERVED_COLOUR = "#f2c200"
DARK_TEXT, LIGHT_TEXT = "#111418", "#ffffff"
# The addresses of the pages a tile links to (app.PAGES: file -> url path), relative like site_address.
PLACEMENTS_PAGE, WAITING_PAGE = "pages/placements.py", "pages/waiting_list.py"
PAGE_ADDRESSES = {PLACEMENTS_PAGE: "placements", WAITING_PAGE: "waiting-list"}

STYLE = """<style>
.ub-legend { display: flex; flex-wrap: wrap; gap: 0.3rem 1.1rem; font-size: 0.85rem; margin: 0.2rem 0 0.4rem; }
.ub-swatch { display: inline-block; width: 0.95rem; height: 0.95rem; border-radius: 0.2rem; vertical-align: -0.15rem;
             margin-right: 0.35rem; }
.ub-site { margin: 0.9rem 0 0.35rem; font-size: 1.05rem; font-weight: 600; }
.ub-site a { text-decoration: none; }
.ub-site a:hover { text-decoration: underline; }
.ub-site span { font-size: 0.85rem; font-weight: 400; opacity: 0.75; margin-left: 0.5rem; }
.ub-tiles { display: grid; grid-template-columns: repeat(auto-fill, minmax(9.5rem, 1fr)); gap: 0.4rem; }
.ub-tile { border-radius: 0.45rem; padding: 0.35rem 0.5rem 0.4rem; font-size: 0.8rem; line-height: 1.3;
           overflow-wrap: anywhere; min-width: 0; }
.ub-tile b { display: block; font-size: 0.95rem; }
.ub-tile span { display: block; }
.ub-tile.ub-reserved { box-shadow: inset 0 0 0 3px #f2c200; }
.ub-links { display: flex; flex-wrap: wrap; gap: 0.25rem; margin-top: 0.3rem; }
.ub-links a { display: inline-block; max-width: 100%; background: #ffffff; color: #111418 !important;
              border-radius: 0.3rem; padding: 0.05rem 0.4rem; font-size: 0.75rem; text-decoration: none;
              white-space: normal; }
.ub-links a:hover { text-decoration: underline; }
.ub-empty { font-size: 0.85rem; opacity: 0.75; }
</style>"""


def size_label(t: Translator, bedrooms: int, capacity: int | None = None) -> str:
    """"studio" for a unit without bedroom, else "2 ch."; with its capacity: "studio · 1 pers.",
    "2 ch. · 4 pers." The one size label of the tiles and the meeting screen's tables."""
    size = t("board.size.studio") if int(bedrooms) == 0 else t("board.size.bedrooms", count=int(bedrooms))
    return size if capacity is None else t("board.size.full", size=size, capacity=int(capacity))


def _luminance(colour: str) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    red, green, blue = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(red) + 0.7152 * channel(green) + 0.0722 * channel(blue)


def text_colour(background: str) -> str:
    """Black or white, whichever contrasts more with `background` (#rrggbb)."""
    light = _luminance(background)
    return DARK_TEXT if (light + 0.05) / 0.05 >= 1.05 / (light + 0.05) else LIGHT_TEXT


def tile_colour(board_state: str, axis_id: int) -> str:
    if board_state == "occupied":
        return AXIS_COLOURS.get(int(axis_id), UNAVAILABLE_COLOUR)
    return {"vacant": VACANT_COLOUR, "long_vacant": LONG_VACANT_COLOUR}.get(board_state, UNAVAILABLE_COLOUR)


def _swatch(colour: str, text: str, frame: bool = False) -> str:
    style = f"background:{colour}" + (f";box-shadow:inset 0 0 0 3px {RESERVED_COLOUR}" if frame else "")
    return f'<span><span class="ub-swatch" style="{style}"></span>{html.escape(text)}</span>'


def legend_html(t: Translator) -> str:
    days = policy.VACANT_ALERT_DAYS
    items = [_swatch(AXIS_COLOURS[axis], t("common.axis", axis=axis)) for axis in sorted(AXIS_COLOURS)]
    items += [_swatch(VACANT_COLOUR, t("board.state.vacant", days=days)),
              _swatch(LONG_VACANT_COLOUR, t("board.state.long_vacant", days=days)),
              _swatch(UNAVAILABLE_COLOUR, t("board.state.unavailable")),
              _swatch("#ffffff", t("board.state.reserved"), frame=True)]
    return f'<div class="ub-legend">{"".join(items)}</div>'


def _link(address: str, label: str) -> str:
    return f'<a href="{html.escape(address, quote=True)}" target="_self">{html.escape(label)}</a>'


def tile_html(t: Translator, unit, pages: set[str]) -> str:  # unit: a row of units_board
    """One unit's tile; `pages`: the pages the user may open (the links to the others are left out)."""
    colour = tile_colour(unit.board_state, unit.axis_id)
    lines = [size_label(t, unit.bedrooms, unit.capacity)]
    links = []
    if unit.board_state == "occupied":
        lines.append(t("board.tile.occupied", axis=int(unit.axis_id), partner=unit.partner))
        if pd.notna(unit.reference):  # None where the viewer may not see it
            lines.append(str(unit.reference))
    elif unit.board_state in ("vacant", "long_vacant"):
        lines.append(t("board.tile.vacant_days", days=int(unit.days_vacant)) if pd.notna(unit.days_vacant)
                     else t("board.tile.vacant"))
        if pd.notna(unit.next_placement_start):
            lines.append(t("occupancy.tile.next_placement", start=unit.next_placement_start))
        query = urlencode({"unit": int(unit.unit_id)})
        if PLACEMENTS_PAGE in pages:
            links.append(_link(f"{PAGE_ADDRESSES[PLACEMENTS_PAGE]}?{query}", t("board.link.place")))
        if WAITING_PAGE in pages:
            links.append(_link(f"{PAGE_ADDRESSES[WAITING_PAGE]}?{query}", t("board.link.candidates")))
    else:
        lines.append(t("board.tile.unavailable"))
        if pd.notna(unit.unavailable_reason) and str(unit.unavailable_reason).strip():
            lines.append(str(unit.unavailable_reason))
    reserved = pd.notna(unit.reserved_for) and bool(unit.reserved_for_id)
    if reserved:
        lines.append(t("board.tile.reserved", partner=unit.reserved_for))
    classes = "ub-tile ub-reserved" if reserved else "ub-tile"
    body = "".join(f"<span>{html.escape(line)}</span>" for line in lines)
    links_html = f'<div class="ub-links">{"".join(links)}</div>' if links else ""
    return (f'<div class="{classes}" style="background:{colour};color:{text_colour(colour)}">'
            f"<b>{html.escape(str(unit.unit))}</b>{body}{links_html}</div>")


def site_html(t: Translator, site, units: pd.DataFrame, pages: set[str]) -> str:  # site: a row of board_sites
    """A site's block: its name (a link to its page when the user may open it), its housing operator and
    counts, then its units' tiles."""
    name = html.escape(str(site.site))
    heading = _link(site_address(site.site), str(site.site)) if SITE_PAGE in pages else name
    summary = t("board.site_summary", operator=site.operator if pd.notna(site.operator) else "—",
                units=int(site.units), occupied=int(site.occupied), vacant=int(site.vacant + site.long_vacant),
                unavailable=int(site.unavailable))
    tiles = "".join(tile_html(t, unit, pages) for unit in units.itertuples())
    empty = f'<div class="ub-empty">{html.escape(t("board.no_unit"))}</div>'
    body = f'<div class="ub-tiles">{tiles}</div>' if tiles else empty
    return f'<div class="ub-site">{heading}<span>{html.escape(summary)}</span></div>{body}'


def sites_html(t: Translator, sites: pd.DataFrame, units: pd.DataFrame, pages: tuple[str, ...]) -> str:
    """The blocks of `sites` (rows of board_sites) with their units (rows of units_board), one after the other."""
    of_site, may_open = dict(tuple(units.groupby("site_id", sort=False))), set(pages)
    return "".join(site_html(t, site, of_site.get(site.site_id, units.iloc[0:0]), may_open)
                   for site in sites.itertuples())
