"""Reference lists for forms and filters: organisations, axes."""

from __future__ import annotations

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
