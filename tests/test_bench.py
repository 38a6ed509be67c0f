"""The bench commands work and report sane figures (issue: CI runs `bench --scale mid` once; no timing assertion).

One `mid` database (1,000 units, 10,000 households) is built for the module through the command line, then the
metrics, the pages (two of them, in AppTest) and the load (two sessions against `streamlit run`) are timed."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator

import pytest

from issue_core import clock
from issue_core.__main__ import main
from issue_core.bench import BENCH_ACCOUNTS, SCALES
from issue_core.db import PROJECT_ROOT, create_issue_engine
from tests.browser.conftest import free_port, wait_healthy
from tests.checks import violations

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def mid(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict]:
    folder = tmp_path_factory.mktemp("bench")
    url = f"sqlite:///{folder / 'mid.sqlite'}"
    results = folder / "metrics.json"
    assert main(["--database-url", url, "bench", "--scale", "mid", "--repeat", "1", "--json", str(results)]) == 0
    return url, json.loads(results.read_text())


def test_the_mid_scale_has_its_shape_and_keeps_every_invariant(mid):
    url, results = mid
    rows, shape = results["rows"], SCALES["mid"]
    assert rows["unit"] == shape.units and rows["household"] == shape.households
    assert rows["site"] == shape.units // shape.units_per_site
    assert 2 * shape.units < rows["placement"] < 5 * shape.households  # years of stays, with transfers and returns
    assert rows["payment"] > 3 * rows["placement"]  # monthly, some in two instalments
    engine = create_issue_engine(url)
    try:
        assert {name: found for name, found in violations(engine, clock.today()).items() if found} == {}
        with engine.connect() as connection:
            from sqlalchemy import text

            waiting = connection.execute(text(
                "SELECT COUNT(*) FROM household h WHERE follow_up_ended_on IS NULL "
                "AND NOT EXISTS (SELECT 1 FROM placement p WHERE p.household_id = h.id)")).scalar_one()
            transfers = connection.execute(text(
                "SELECT COUNT(*) FROM placement WHERE exit_destination = 'other_issue_unit'")).scalar_one()
    finally:
        engine.dispose()
    assert 0.02 * shape.households < waiting < 0.2 * shape.households
    assert transfers > 0


def test_the_metrics_are_all_timed(mid):
    _, results = mid
    timed = {row["metric"]: row for row in results["metrics"]}
    assert {"occupancy_on", "kpis", "arrears", "caseload_on"} <= set(timed)
    assert all(row["first_ms"] > 0 and row["median_ms"] > 0 for row in timed.values())


def test_bench_pages_times_each_page_cold_and_warm_against_the_empty_page(mid, tmp_path):
    url, _ = mid
    out = tmp_path / "pages.json"
    pages = ["pages/overview.py", "pages/sites.py"]
    arguments = ["--database-url", url, "bench", "pages", "--repeat", "1", "--json", str(out)]
    assert main(arguments + [option for page in pages for option in ("--page", page)]) == 0
    results = json.loads(out.read_text())
    assert results["empty_page_ms"] > 0
    assert [row["page"] for row in results["pages"]] == pages
    for row in results["pages"]:
        assert row["error"] == ""
        assert row["cold_ms"] > 0 and row["warm_ms"] > 0
        assert row["cold_ratio"] == pytest.approx(row["cold_ms"] / results["empty_page_ms"], rel=0.05)


def test_bench_pages_reports_a_page_the_user_may_not_open(mid, tmp_path):
    url, _ = mid
    out = tmp_path / "pages.json"
    arguments = ["--database-url", url, "bench", "pages", "--repeat", "1", "--json", str(out)]
    assert main([*arguments, "--page", "pages/my_organisation.py", "--page", "pages/sites.py"]) == 0  # as an admin
    rows = {row["page"]: row for row in json.loads(out.read_text())["pages"]}
    assert rows["pages/my_organisation.py"]["error"] == "not in this user's navigation"
    assert rows["pages/sites.py"]["error"] == "" and rows["pages/sites.py"]["warm_ms"] > 0


@pytest.fixture
def server(mid, tmp_path) -> Iterator[str]:
    url, _ = mid
    key = secrets.token_urlsafe(48)
    port = free_port()
    environment = {**os.environ, "ISSUE_DATABASE_URL": url, "ISSUE_COOKIE_KEY": key, "ISSUE_DEMO": "0"}
    with open(tmp_path / "streamlit.log", "w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port), "--server.headless",
             "true", "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false"],
            cwd=PROJECT_ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT,
        )
        try:
            wait_healthy(f"http://127.0.0.1:{port}", process)
            os.environ["ISSUE_COOKIE_KEY"] = key  # the bench mints its cookie with the server's key
            yield f"http://127.0.0.1:{port}"
        finally:
            os.environ.pop("ISSUE_COOKIE_KEY", None)
            process.terminate()
            process.wait(timeout=20)


def test_bench_load_drives_signed_in_sessions_and_reports_percentiles(mid, server, tmp_path):
    url, _ = mid
    out = tmp_path / "load.json"
    director = next(username for username, role, _ in BENCH_ACCOUNTS if role == "director")
    assert main(["--database-url", url, "bench", "load", "--url", server, "--sessions", "2", "--seconds", "5",
                 "--user", director, "--page", "sites", "--page", "caseloads", "--json", str(out)]) == 0
    results = json.loads(out.read_text())
    assert results["errors"] == 0, results["first_errors"]
    assert results["views"] >= 2
    assert 0 < results["p50_ms"] <= results["p95_ms"] <= results["max_ms"]


def test_a_session_without_a_valid_cookie_is_counted_as_an_error(mid, server):
    """The load's page views are signed-in views: with a forged cookie the first view shows the sign-in form."""
    import time

    from issue_core.ui.bench_load import one_session, run_coroutine

    result = run_coroutine(one_session(server, "issue_session=forged", ("sites",), time.perf_counter() + 5, 0))
    assert result.views_ms == []
    assert result.errors == ["signed out: the sign-in form instead of the page"]
