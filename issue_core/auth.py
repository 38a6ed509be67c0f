"""Roles and permissions (no Streamlit here). The sign-in itself lives in the app's gate; who may see a
household reference, in issue_core.visibility."""

from __future__ import annotations

from dataclasses import dataclass

from issue_core.errors import PermissionDenied
from issue_core.models import Role


@dataclass(frozen=True)
class Actor:
    """The user on whose behalf a service runs."""

    username: str
    role: Role
    organisation_id: int | None = None

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN


SYSTEM = Actor(username="system", role=Role.ADMIN)


def can_edit_household(actor: Actor, referent_organisation_id: int) -> bool:
    if actor.role == Role.ADMIN:
        return True
    return (
        actor.role == Role.COORDINATOR
        and actor.organisation_id is not None
        and actor.organisation_id == referent_organisation_id
    )


def require_admin(actor: Actor) -> None:
    if not isinstance(actor, Actor) or actor.role != Role.ADMIN:
        raise PermissionDenied("error.admin_only")


def require_editor(actor: Actor) -> None:
    """Admins and coordinators write; directors and the meeting screen never do."""
    if not isinstance(actor, Actor) or actor.role not in (Role.ADMIN, Role.COORDINATOR):
        raise PermissionDenied("error.read_only_role")


def require_household_editor(actor: Actor, referent_organisation_id: int) -> None:
    require_editor(actor)
    if not can_edit_household(actor, referent_organisation_id):
        raise PermissionDenied("error.other_organisation_household")
