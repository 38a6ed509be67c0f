"""Who may see a household reference (DOMAIN.md, "Roles"): the household's own organisation and the
admins; the meeting screen never. The one place that decides it — for the read models (which take
the viewer's scope and blank what it may not see, so that a page never filters references) and for
the services' refusals (a household named by its organisation: HouseholdOf).

A viewer's *scope* is the set of households whose references it may see:
- EVERY_HOUSEHOLD (None): an admin;
- an organisation id: a coordinator or a director, its own organisation's households;
- NOBODY (0, an id no organisation has): the meeting screen, or an account without organisation.

Read models that return references default to NOBODY: a scope forgotten shows none.
"""

from __future__ import annotations

import pandas as pd

from issue_core.auth import Actor
from issue_core.errors import HouseholdOf
from issue_core.models import Role

Scope = int | None

EVERY_HOUSEHOLD: Scope = None
NOBODY: Scope = 0


def scope_of(actor: Actor) -> Scope:
    """The households whose references `actor` may see."""
    if actor.role == Role.ADMIN:
        return EVERY_HOUSEHOLD
    if actor.role in (Role.COORDINATOR, Role.DIRECTOR) and actor.organisation_id is not None:
        return int(actor.organisation_id)
    return NOBODY


def sees(scope: Scope, organisation_id: int | None) -> bool:
    """Whether a viewer of `scope` may see the reference of a household followed by `organisation_id`."""
    if scope is EVERY_HOUSEHOLD:
        return True
    if scope == NOBODY or organisation_id is None or pd.isna(organisation_id):
        return False
    return int(organisation_id) == scope


def in_scope(scope: Scope, organisation_column) -> list:
    """SQL conditions keeping only the rows whose household's organisation (`organisation_column`, a
    column) the scope may see; none for every household."""
    return [] if scope is EVERY_HOUSEHOLD else [organisation_column == scope]


def blank_references(frame: pd.DataFrame, scope: Scope) -> pd.DataFrame:
    """A copy of `frame` (columns reference and partner_id, the household's organisation) whose
    reference is None on every row the scope may not see; the rows stay (counts are for everyone)."""
    shown = frame.copy()
    if shown.empty:
        return shown
    visible = pd.Series([sees(scope, partner) for partner in shown["partner_id"]], index=shown.index, dtype=bool)
    shown["reference"] = shown["reference"].astype(object).where(visible, None)
    return shown


def household_label(scope: Scope, reference: str, organisation_id: int, organisation: str) -> str | HouseholdOf:
    """How a refusal names a household: its reference when the scope may see it, else "a household
    of <organisation>"."""
    return reference if sees(scope, organisation_id) else HouseholdOf(organisation)
