"""Domain errors: a translation key and its parameters, rendered in the user's language by the page."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Term:
    """A parameter that is itself a catalogue key (a field name, an exit destination…)."""

    key: str


@dataclass(frozen=True)
class Money:
    """A parameter shown as an amount in euros, formatted per locale."""

    amount: Decimal


@dataclass(frozen=True)
class HouseholdOf:
    """A household the user may not identify, named by the organisation that follows it."""

    organisation: str


class DomainError(Exception):
    """A refusal the user can understand. Nothing was written when it is raised by a service."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params

    def message(self, language: str = "fr", *, markdown: bool = False) -> str:
        """The refusal in `language`; `markdown`: for st.error and the like, its data parameters escaped."""
        from issue_core.i18n import translate, translate_markdown

        return (translate_markdown if markdown else translate)(self.key, language, **self.params)

    def __str__(self) -> str:
        return self.message("en")


class InvalidInput(DomainError):
    """An argument has the wrong type, is out of range or is missing."""


class NotFound(DomainError):
    """The record named does not exist (or is not visible to the user)."""


class PermissionDenied(DomainError):
    """The acting user's role or organisation does not allow this change."""


class Conflict(DomainError):
    """The change would break an invariant of DOMAIN.md."""


class StaleVersion(DomainError):
    """The record changed since the user opened it."""

    def __init__(self) -> None:
        super().__init__("error.stale_version")


class ReadTooSlow(DomainError):
    """A read ran past the time limit (issue_core.policy.READ_TIME_LIMIT_SECONDS) and was stopped."""

    def __init__(self) -> None:
        super().__init__("error.read_too_slow")


class InvalidInputs(InvalidInput):
    """Several problems of one form, told at once: a heading, then one line per problem."""

    def __init__(self, problems: list[DomainError]) -> None:
        super().__init__("error.several_problems", count=len(problems))
        self.problems = list(problems)

    def message(self, language: str = "fr", *, markdown: bool = False) -> str:
        lines = [f"- {problem.message(language, markdown=markdown)}" for problem in self.problems]
        return "\n".join([super().message(language, markdown=markdown), *lines])
