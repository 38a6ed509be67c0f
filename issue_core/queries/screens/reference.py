"""Reference lists for forms and filters: organisations, axes."""

from __future__ import annotations

from typing import NamedTuple

import pandas as pd
from sqlalchemy import Engine, select

from issue_core.db import read_connection
from issue_core.models import Axis, Organisation
from issue_core.queries.areas import reads


@reads("reference")
def organisations(engine: Engine, kinds: tuple[str, ...] = ()) -> pd.DataFrame:
    query = select(Organisation.id, Organisation.name, Organisation.short_name, Organisation.kind, Organisation.active)
    if kinds:
        query = query.where(Organisation.kind.in_(kinds))
    with read_connection(engine) as connection:
        return pd.read_sql(query.order_by(Organisation.short_name), connection)


@reads("reference")
def axes(engine: Engine) -> pd.DataFrame:
    with read_connection(engine) as connection:
        return pd.read_sql(select(Axis).order_by(Axis.id), connection)


@reads("sites")
def sites(engine: Engine) -> pd.DataFrame:
    from issue_core.models import Site

    with read_connection(engine) as connection:
        return pd.read_sql(select(Site.id, Site.name, Site.housing_operator_id).order_by(Site.name), connection)


@reads("reference")
def axis_operators(engine: Engine) -> pd.DataFrame:
    """(axis_id, organisation_id, short_name) for every partner operating an axis."""
    from issue_core.models import AxisOperator

    query = (
        select(AxisOperator.axis_id, AxisOperator.organisation_id, Organisation.short_name)
        .join(Organisation, Organisation.id == AxisOperator.organisation_id)
        .order_by(AxisOperator.axis_id, Organisation.short_name)
    )
    with read_connection(engine) as connection:
        return pd.read_sql(query, connection)


class FilterChoices(NamedTuple):
    """What the dashboards' filters offer: the axes, and the partners, housing operators and sites by id (their
    names, in name order). Plain values: a rerun finds them in the cache without unpickling four frames."""

    axis_ids: tuple[int, ...]
    partners: dict[int, str]
    operators: dict[int, str]
    sites: dict[int, str]


@reads("sites", "reference")
def filter_choices(engine: Engine) -> FilterChoices:
    def names(frame: pd.DataFrame, column: str) -> dict[int, str]:
        return dict(zip(frame["id"].tolist(), frame[column].tolist(), strict=True))

    return FilterChoices(
        axis_ids=tuple(axes(engine)["id"].tolist()),
        partners=names(organisations(engine, ("partner",)), "short_name"),
        operators=names(organisations(engine, ("housing_operator",)), "short_name"),
        sites=names(sites(engine), "name"),
    )
