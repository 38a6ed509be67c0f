"""issue_core.policy is the one home of the app's thresholds, windows and limits (issue 12, item 3):
no other module defines one of its names again or hands it on, each is used, and the pages that state
a value in words take it from there (changing the policy changes the words)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from issue_core import policy
from issue_core.db import PROJECT_ROOT
from tests.conftest import sent_to_browser

POLICY_FILE = PROJECT_ROOT / "issue_core" / "policy.py"
NAMES = frozenset(name for name in vars(policy) if name.isupper())
SOURCES = sorted(
    path for folder in ("issue_core", "pages", "tests") for path in (PROJECT_ROOT / folder).rglob("*.py")
    if path != POLICY_FILE
) + [PROJECT_ROOT / "app.py"]


def parsed() -> Iterator[tuple[str, ast.Module]]:
    for path in SOURCES:
        yield str(path.relative_to(PROJECT_ROOT)), ast.parse(path.read_text(encoding="utf-8"))


def assigned_names(node: ast.stmt) -> set[str]:
    targets = {ast.Assign: lambda n: n.targets, ast.AnnAssign: lambda n: [n.target],
               ast.AugAssign: lambda n: [n.target]}.get(type(node), lambda n: [])(node)
    return {name.id for target in targets for name in ast.walk(target) if isinstance(name, ast.Name)}


def second_homes(where: str, tree: ast.Module) -> Iterator[str]:
    """Where a file defines a policy name at module level, imports one from elsewhere than the
    policy, reads one as another module's attribute or patches one on another module."""
    for node in tree.body:
        for name in sorted(assigned_names(node) & NAMES):
            yield f"{where}:{node.lineno} defines {name}"
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module != "issue_core.policy":
            yield from (f"{where}:{node.lineno} imports {alias.name} from {node.module}"
                        for alias in node.names if alias.name in NAMES)
        elif isinstance(node, ast.Attribute) and node.attr in NAMES:
            if not (isinstance(node.value, ast.Name) and node.value.id == "policy"):
                yield f"{where}:{node.lineno} reads {ast.unparse(node)}"
        elif isinstance(node, ast.Call) and ast.unparse(node.func).endswith("setattr") and len(node.args) >= 2:
            module, name = node.args[0], node.args[1]
            if isinstance(name, ast.Constant) and name.value in NAMES and ast.unparse(module) != "policy":
                yield f"{where}:{node.lineno} patches {name.value} on {ast.unparse(module)}"


def test_each_policy_value_has_one_home():
    found = [line for where, tree in parsed() for line in second_homes(where, tree)]
    assert found == []


def test_each_policy_value_is_used():
    used = {node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else node.name
            for _, tree in parsed() for node in ast.walk(tree)
            if isinstance(node, ast.Name | ast.Attribute | ast.alias)}
    derived = {node.id for node in ast.walk(ast.parse(POLICY_FILE.read_text(encoding="utf-8")))
               if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)}
    assert sorted(NAMES - used - derived) == []


# A page, policy values other than today's, and the French words that must then say them.
STATED = [
    ("pages/overview.py", {"UTILISATION_DAYS": 91, "FLOW_DAYS": 29, "ARREARS_THRESHOLD": Decimal("77.00")},
     ["Utilisation (91 j)", "sur les 91 derniers jours", "Entrées (29 j)", "sur les 29 derniers jours", "77,00"]),
    ("pages/contributions.py", {"ARREARS_THRESHOLD": Decimal("77.00")}, ["77,00"]),
    ("pages/sites.py", {"DEFAULT_WARNING_DAYS": 173}, ["173 jours ou moins"]),
    ("pages/report.py", {"SMALL_COUNT_LIMIT": 7}, ["inférieurs à 7", "de 1 à 6 deviennent"]),
    ("pages/users.py", {"PASSWORD_MIN_LENGTH": 17}, ["17 caractères au moins"]),
    ("pages/account.py", {"PASSWORD_MIN_LENGTH": 17}, ["17 caractères au moins"]),
    ("pages/data_import.py", {"IMPORT_MAX_FILE_MB": 3}, ["3 Mo au plus", "taille maximale : 3 Mo"]),
    ("pages/audit.py", {"AUDIT_PAGE_SIZE": 321}, ["les 321 plus récentes"]),
]


@pytest.mark.parametrize(("page", "values", "words"), STATED, ids=[Path(page).stem for page, _, _ in STATED])
def test_the_pages_state_the_policy_in_force(open_page, monkeypatch, page, values, words):
    for name, value in values.items():
        monkeypatch.setattr(policy, name, value)
    shown = sent_to_browser(open_page(page)).decode("utf-8", "ignore")
    assert [word for word in words if word not in shown] == []
