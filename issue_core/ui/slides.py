"""Long lists cut into slides of the meeting screen (no Streamlit here: plain data in, pages out).

A wall cannot scroll: a table longer than a slide holds goes on over the next slides, and the
occupancy board puts whole sites on a slide as long as their tiles fit, a site larger than a slide
going on over the next ones."""

from __future__ import annotations

import pandas as pd


def table_pages(frame: pd.DataFrame, rows_per_slide: int) -> list[pd.DataFrame]:
    """`frame` in consecutive pieces of at most `rows_per_slide` rows, each indexed from 0 (one empty piece
    for no row)."""
    if frame.empty:
        return [frame.reset_index(drop=True)]
    return [frame.iloc[start:start + rows_per_slide].reset_index(drop=True)
            for start in range(0, len(frame), rows_per_slide)]


def board_pages(tiles: pd.DataFrame, group: str, per_row: int, lines_per_slide: int) -> list[pd.DataFrame]:
    """The rows of `tiles` (in their order, grouped by the column `group`: a site and its units) packed into
    slides of at most `lines_per_slide` lines, a group taking one line for its name and one per `per_row`
    tiles. A group goes whole onto the current slide if it fits, else starts a new one; a group larger
    than a slide fills as many as it needs."""
    tiles_per_slide = max(1, lines_per_slide - 1) * per_row
    pages: list[list[pd.DataFrame]] = [[]]
    room = lines_per_slide
    for _, rows in tiles.groupby(group, sort=False):
        for piece in table_pages(rows, tiles_per_slide):
            lines = 1 + -(-len(piece) // per_row)
            if lines > room:
                pages.append([])
                room = lines_per_slide
            pages[-1].append(piece)
            room -= lines
    return [pd.concat(page) if page else tiles.iloc[0:0] for page in pages]
