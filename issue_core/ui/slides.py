"""Long lists cut into slides of the meeting screen (no Streamlit here: plain data in, pages out).

A wall cannot scroll: a table longer than a slide holds goes on over the next slides, and the
occupancy board puts whole sites on a slide as long as their tiles fit, a site larger than a slide
going on over the next ones."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

# A slide's rows: positions in the frame it is cut from. The deck only needs how many slides there are; a
# slide's rows are taken from the frame when it is drawn (a sector's board makes hundreds of slides).
Rows = slice | np.ndarray


def page_of(frame: pd.DataFrame, rows: Rows) -> pd.DataFrame:
    """What one slide shows: the `rows` of `frame`, indexed from 0 (no stray index on the wall)."""
    return frame.iloc[rows].reset_index(drop=True)


def table_rows(count: int, rows_per_slide: int) -> list[slice]:
    """A table of `count` rows in consecutive pieces of at most `rows_per_slide` (one empty piece for none)."""
    return [slice(start, start + rows_per_slide) for start in range(0, count, rows_per_slide)] or [slice(0, 0)]


def board_rows(tiles: pd.DataFrame, group: str, per_row: int, lines_per_slide: int) -> list[np.ndarray]:
    """The rows of `tiles` (in their order, grouped by the column `group`: a site and its units) packed into
    slides of at most `lines_per_slide` lines, a group taking one line for its name and one per `per_row`
    tiles. A group goes whole onto the current slide if it fits, else starts a new one; a group larger
    than a slide fills as many as it needs."""
    tiles_per_slide = max(1, lines_per_slide - 1) * per_row
    pages: list[list[np.ndarray]] = [[]]
    room = lines_per_slide
    for positions in _groups_in_order(tiles[group]):
        for piece in (positions[rows] for rows in table_rows(len(positions), tiles_per_slide)):
            lines = 1 + -(-len(piece) // per_row)
            if lines > room:
                pages.append([])
                room = lines_per_slide
            pages[-1].append(piece)
            room -= lines
    return [np.concatenate(page) if page else np.array([], dtype=np.intp) for page in pages]


def _groups_in_order(column: pd.Series) -> Sequence[np.ndarray]:
    """The positions of each value's rows, in their order, the values in the order they first appear."""
    codes, uniques = pd.factorize(column, sort=False)
    by_group = np.argsort(codes, kind="stable")
    return np.split(by_group, np.cumsum(np.bincount(codes, minlength=len(uniques)))[:-1])
