"""The lists of sites of the sites page and the map, formatted for a language: derived from their read once per
version of it and language (ui.data.read_from), not at every rerun. Formatting every site row by row (periods,
labels, links) was a tenth of a warm view's time at sector scale (500 sites)."""

from __future__ import annotations

import pandas as pd

from issue_core.i18n import Translator
from issue_core.rules import ConventionStatus
from issue_core.ui.figures import number
from issue_core.ui.site_links import site_address


def _end(row: pd.Series):  # noqa: ANN202 (a date or NaN)
    return row["actual_end_date"] if pd.notna(row["actual_end_date"]) else row["planned_end_date"]


def sites_table(sites: pd.DataFrame, t: Translator) -> pd.DataFrame:
    """The sites page's table of queries.metrics.conventions.sites_overview, its columns named in `t`'s language."""
    def period(row: pd.Series) -> str:
        if pd.isna(row["start_date"]):
            return ""
        if pd.notna(row["actual_end_date"]) and row["actual_end_date"] != row["planned_end_date"]:
            return t("sites.period_closed_early", start=row["start_date"], end=_end(row),
                     planned=row["planned_end_date"])
        return t("sites.period", start=row["start_date"], end=_end(row))

    statuses = sites["status"].fillna("none")
    return pd.DataFrame(
        {
            t("sites.col.site"): sites["site"],
            t("sites.col.status"): statuses.map(lambda s: [t(f"status.{s}")]),  # a coloured tag (column_config)
            t("sites.col.period"): sites.apply(period, axis=1) if not sites.empty else pd.Series(dtype=str),
            t("sites.col.duration"): sites["duration_months"].map(lambda m: "" if pd.isna(m) else number(t, m)),
            t("sites.col.units"): sites["units"],
            t("sites.col.housing_operator"): sites["housing_operator"],
            t("sites.col.commune"): sites["commune"],
            t("sites.col.manager"): sites["manager"].fillna("—"),  # seldom set: after the important columns
            t("sites.col.approximate"): sites["location_approximate"].map(
                lambda approx: t("sites.approximate") if approx else t("sites.exact")),
            t("sites.col.page"): sites["site"].map(site_address),  # last: the columns above must fit 1440 px
        }
    )


def map_points(sites: pd.DataFrame, show_closed: bool, t: Translator) -> pd.DataFrame:
    """The sites of queries.screens.map.sites_on_map the map shows (the closed ones only on request), with their
    status's label, period, kind of location and page address (href: a click on a dot opens the site's page)."""
    shown = sites if show_closed else sites[sites["status"] != ConventionStatus.CLOSED]

    def period(row: pd.Series) -> str:
        if pd.isna(row["start_date"]):
            return t("map.no_convention")
        return t("map.period", start=row["start_date"], end=_end(row))

    return shown.assign(
        status_label=shown["status"].map(lambda s: t(f"status.{s}")),
        period=shown.apply(period, axis=1) if not shown.empty else pd.Series(dtype=str),
        location=shown["location_approximate"].map(
            lambda approx: t("map.location_approximate") if approx else t("map.location_exact")),
        href=shown["site"].map(site_address),
    )
