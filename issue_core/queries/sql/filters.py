"""The dashboard filters, as SQL conditions. The period is passed to each metric separately."""

from __future__ import annotations

from dataclasses import dataclass, fields

from sqlalchemy import select

from issue_core.models import Household, Site, Unit

ALL_AXES = (1, 2, 3)  # the axis table's CHECK (id BETWEEN 1 AND 3)


@dataclass(frozen=True)
class Filters:
    """What the dashboards narrow down to; an empty tuple means "all".

    Household filters (axis, referent partner) select households; unit filters (housing operator,
    site) select units through their site. Each metric says which kinds apply to it: a household
    filter does not change which units are available, a unit filter does not change a caseload.
    Hashable (sorted tuples), so it can be a cache key; lists and sets are accepted and normalised.
    """

    axis_ids: tuple[int, ...] = ()
    partner_ids: tuple[int, ...] = ()
    housing_operator_ids: tuple[int, ...] = ()
    site_ids: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        for field in fields(self):
            values = getattr(self, field.name) or ()
            object.__setattr__(self, field.name, tuple(sorted({int(value) for value in values})))

    @property
    def axes(self) -> tuple[int, ...]:
        """The axes shown: the filtered ones, else all three."""
        return self.axis_ids or ALL_AXES

    @property
    def filters_households(self) -> bool:
        return bool(self.axis_ids or self.partner_ids)

    @property
    def filters_units(self) -> bool:
        return bool(self.housing_operator_ids or self.site_ids)

    def household_conditions(self, household=Household) -> list:  # noqa: ANN001
        """Conditions on the household table (or an alias of it)."""
        conditions = []
        if self.axis_ids:
            conditions.append(household.axis_id.in_(self.axis_ids))
        if self.partner_ids:
            conditions.append(household.referent_organisation_id.in_(self.partner_ids))
        return conditions

    def site_conditions(self, site_id) -> list:  # noqa: ANN001
        """Conditions on a site id column (a unit's, a convention's or the site's own)."""
        conditions = []
        if self.site_ids:
            conditions.append(site_id.in_(self.site_ids))
        if self.housing_operator_ids:
            conditions.append(
                site_id.in_(select(Site.id).where(Site.housing_operator_id.in_(self.housing_operator_ids)))
            )
        return conditions

    def of_households(self, household_id) -> list:  # noqa: ANN001
        """The household filters as a condition on a household id column (no join needed)."""
        if not self.filters_households:
            return []
        return [household_id.in_(select(Household.id).where(*self.household_conditions()))]

    def of_units(self, unit_id) -> list:  # noqa: ANN001
        """The unit filters as a condition on a unit id column (no join needed)."""
        if not self.filters_units:
            return []
        return [unit_id.in_(select(Unit.id).where(*self.site_conditions(Unit.site_id)))]


NO_FILTERS = Filters()
