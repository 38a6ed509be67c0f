"""What a cached read depends on: the data areas, their versions, and `@reads` to declare them.

The audit trail is the source of truth: every write adds its audit row in the same transaction, so the
version of an area is the id of the latest audit row of an entity that writes into it (`ENTITY_AREAS`).
A cached read is keyed by the versions of the areas it declares: a payment leaves the occupancy board
warm, a placement does not. A query that declares nothing depends on everything (as if it read the
whole audit trail), so an undeclared query stays correct; it is only recomputed more often.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TypeVar

SITES = "sites"  # sites, conventions, units, unavailability periods
STAYS = "stays"  # households and their placements
MONEY = "money"  # contribution statuses, the scale, payments
REFERENCE = "reference"  # organisations, axes and their operators
USERS = "users"  # accounts (a sign-in changes failed_logins / locked_until: it bumps this area only)
AUDIT = "audit"  # the audit trail itself: every audit row, sign-ins included

AREAS = (SITES, STAYS, MONEY, REFERENCE, USERS, AUDIT)
DATA_AREAS = (SITES, STAYS, MONEY, REFERENCE)  # what the dashboards read: never bumped by a sign-in

# The audit entity of every write (services.common.audit) -> the areas that write changes.
# An entity missing here counts as a write into every area (tests/test_cache_areas.py checks none is missing).
ENTITY_AREAS: Mapping[str, tuple[str, ...]] = {
    "site": (SITES, STAYS),  # site.close ends and moves the site's stays
    "convention": (SITES,),
    "unit": (SITES,),
    "unit_unavailability": (SITES,),
    "household": (STAYS,),
    "placement": (STAYS,),
    "contribution_status": (MONEY,),
    "contribution_scale": (MONEY,),
    "payment": (MONEY,),
    "organisation": (REFERENCE,),
    "axis": (REFERENCE,),  # axis.set_operators
    "app_user": (USERS,),  # account changes, sign-ins, sign-outs
    "screen_token": (USERS,),  # wall screen tokens: created, revoked, used
    "import": (),  # an import's rows are audited one by one by the services; its own row only tells the trail
}

F = TypeVar("F", bound=Callable)


def reads(*areas: str) -> Callable[[F], F]:
    """Declare the areas a query reads: `@reads(SITES, STAYS)`. The function itself is left as it is."""
    unknown = set(areas) - set(AREAS)
    if unknown or not areas:
        raise ValueError(f"unknown data areas: {sorted(unknown)}" if unknown else "reads() needs an area")

    def declare(function: F) -> F:
        function.data_areas = tuple(sorted(set(areas)))  # type: ignore[attr-defined]
        return function

    return declare


def areas_of(query: Callable) -> tuple[str, ...]:
    """The areas a query declared, every area when it declared none."""
    return getattr(query, "data_areas", AREAS)


def area_versions(entity_versions: Iterable[tuple[str, int]]) -> dict[str, int]:
    """Latest audit id per entity -> latest audit id per area (0: never written)."""
    versions = dict.fromkeys(AREAS, 0)
    for entity, latest in entity_versions:
        for area in ENTITY_AREAS.get(entity, AREAS):
            versions[area] = max(versions[area], latest)
        versions[AUDIT] = max(versions[AUDIT], latest)
    return versions
