"""Organisations (partners, housing operators, managers, funders) and the operators of each axis."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, func, select

from issue_core.auth import Actor, require_admin
from issue_core.db import write_session
from issue_core.errors import Conflict, InvalidInput
from issue_core.models import Axis, AxisOperator, Household, Organisation, OrganisationKind
from issue_core.services.common import (
    audit,
    distinct_ints,
    get_or_refuse,
    require_choice,
    require_text,
    service,
    snapshot,
)


def _names(name: Any, short_name: Any) -> tuple[str, str]:
    return require_text(name, "field.name", max_length=200), require_text(short_name, "field.short_name", max_length=40)


def _check_names_free(session, name: str, short_name: str, organisation_id: int | None = None) -> None:
    clash = session.scalars(
        select(Organisation)
        .where((Organisation.name == name) | (Organisation.short_name == short_name))
        .where(Organisation.id != (organisation_id or 0))
    ).first()
    if clash is not None:
        raise Conflict("error.organisation_name_taken", name=clash.short_name)


@service
def create_organisation(engine: Engine, actor: Actor, *, name: str, short_name: str, kind: str) -> int:
    require_admin(actor)
    name, short_name = _names(name, short_name)
    kind = require_choice(kind, OrganisationKind, "field.kind")
    with write_session(engine) as session:
        _check_names_free(session, name, short_name)
        organisation = Organisation(name=name, short_name=short_name, kind=kind, active=True)
        session.add(organisation)
        session.flush()
        audit(session, actor, "organisation.create", "organisation", organisation.id, after=snapshot(organisation))
        return organisation.id


@service
def set_axis_operators(engine: Engine, actor: Actor, axis_id: int, organisation_ids: list[int]) -> None:
    """The partners that may follow households on an axis (invariant 5). A partner that still follows
    households on the axis cannot be removed."""
    require_admin(actor)
    if not isinstance(organisation_ids, (list, tuple, set)):
        raise InvalidInput("error.plan_invalid")
    wanted = distinct_ints(organisation_ids, "field.organisation")
    with write_session(engine) as session:
        axis = get_or_refuse(session, Axis, axis_id, "axis", lock=True)
        for organisation_id in wanted:
            organisation = get_or_refuse(session, Organisation, organisation_id, "organisation")
            if organisation.kind != OrganisationKind.PARTNER:
                raise InvalidInput("error.axis_operator_not_partner", organisation=organisation.short_name)
        current = set(session.scalars(select(AxisOperator.organisation_id).where(AxisOperator.axis_id == axis.id)))
        for removed in sorted(current - set(wanted)):
            count = session.scalar(
                select(func.count()).select_from(Household)
                .where(Household.axis_id == axis.id, Household.referent_organisation_id == removed)
            )
            if count:
                organisation = session.get(Organisation, removed)
                raise Conflict("error.axis_operator_has_households", organisation=organisation.short_name, axis=axis.id, count=count)
            session.delete(session.get(AxisOperator, (axis.id, removed)))
        for added in wanted:
            if added not in current:
                session.add(AxisOperator(axis_id=axis.id, organisation_id=added))
        session.flush()
        audit(session, actor, "axis.set_operators", "axis", axis.id,
              before={"organisation_ids": sorted(current)}, after={"organisation_ids": sorted(wanted)})
