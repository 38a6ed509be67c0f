"""Reference lists for forms and filters: organisations, axes."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Engine, select

from issue_core.models import Axis, Organisation


def organisations(engine: Engine, kinds: tuple[str, ...] = ()) -> pd.DataFrame:
    query = select(Organisation.id, Organisation.name, Organisation.short_name, Organisation.kind, Organisation.active)
    if kinds:
        query = query.where(Organisation.kind.in_(kinds))
    with engine.connect() as connection:
        return pd.read_sql(query.order_by(Organisation.short_name), connection)


def axes(engine: Engine) -> pd.DataFrame:
    with engine.connect() as connection:
        return pd.read_sql(select(Axis).order_by(Axis.id), connection)
