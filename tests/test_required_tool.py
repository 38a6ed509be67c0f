"""tests/conftest.required_tool: a program some tests need is found by name or path; when it is missing,
those tests are skipped with how to install it, and fail under CI=true."""

from __future__ import annotations

import sys

import pytest
from _pytest.outcomes import Failed, Skipped

from tests.conftest import required_tool, tool_path

HINT = "no frobnicator on this machine: `apt-get install -y frobnicator` to run these tests"
MISSING = ("issue-no-such-tool", "/nonexistent/issue-no-such-tool")


def test_a_tool_is_found_by_path_or_by_name():
    assert tool_path(sys.executable) == sys.executable
    assert tool_path((*MISSING, sys.executable)) == sys.executable
    assert tool_path(MISSING) is None
    assert required_tool((*MISSING, sys.executable), HINT) == sys.executable


@pytest.mark.parametrize("ci", ["", "false"])
def test_a_missing_tool_skips_with_how_to_install_it(monkeypatch, ci):
    monkeypatch.setenv("CI", ci)
    with pytest.raises(Skipped) as skipped:
        required_tool(MISSING, HINT)
    assert skipped.value.msg == HINT


def test_a_missing_tool_fails_under_ci(monkeypatch):
    monkeypatch.setenv("CI", "true")
    with pytest.raises(Failed) as failed:
        required_tool(MISSING, HINT)
    assert failed.value.msg == f"{HINT} (CI=true: these tests may not be skipped)"
