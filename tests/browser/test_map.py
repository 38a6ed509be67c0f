"""The map page in a real browser cut off from every network but the app's: the region's outline, the
sites and their names drawn; no request leaves the machine; and, with a tile URL configured (a tile
server of the test's own, on this machine), the tiles drawn under the outline."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar
from urllib.parse import urlparse

import pytest

from tests.browser.conftest import running_app, screenshot, wait_for_app
from tests.browser.test_sign_in import sign_in

pytestmark = pytest.mark.browser

SITES = ["3 pommiers", "Dubrucq", "Ganshoren", "Trèfles"]
MAP = "[data-testid='stVegaLiteChart'] svg"
# A 1×1 grey PNG: every tile of the test's tile server.
TILE = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d4944415478da63d8d8d8f81f00052802fcdd6ad7a50000000049454e44ae426082"
)


def offline_page(browser, app_url: str, tile_host: str | None = None):
    """A 1440×900 page whose requests to any other host than the app's (and the tile server's) are
    refused, as on a machine without internet; returns it and the list of the refused requests."""
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="fr-BE")
    refused: list[str] = []
    allowed = {urlparse(app_url).netloc, tile_host}

    def only_local(route) -> None:  # a Playwright route
        if urlparse(route.request.url).netloc in allowed or route.request.url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort("internetdisconnected")

    context.route("**/*", only_local)
    return context.new_page(), refused


def open_map(page, app_url: str) -> None:
    sign_in(page, app_url, "admin")
    page.get_by_test_id("stSidebarNavItems").get_by_role("link", name="Carte", exact=True).click()
    wait_for_app(page)
    page.get_by_role("heading", name="Carte", exact=True).wait_for()
    page.locator(f"{MAP} .mark-shape path").first.wait_for(timeout=30_000)  # the region's outline
    page.wait_for_timeout(500)


def drawn_texts(page) -> list[str]:
    return page.locator(f"{MAP} .mark-text.role-mark text").all_text_contents()  # not the legend's


def test_the_map_draws_the_region_and_the_sites_with_no_network(browser, app_url):
    page, refused = offline_page(browser, app_url)
    open_map(page, app_url)
    assert page.locator(f"{MAP} .mark-shape path").count() == 1  # the Brussels-Capital Region
    assert page.locator(f"{MAP} .mark-symbol.role-mark path").count() == len(SITES)  # the dots
    assert sorted(set(drawn_texts(page))) == SITES
    assert page.locator(f"{MAP} .mark-image image").count() == 0
    assert page.locator("[data-testid='stException']").count() == 0
    assert page.get_by_text("aucune tuile chargée").count() == 1
    assert not [url for url in refused if "fonts.gstatic.com" not in url]  # the sidebar's icons aside
    page.locator(MAP).scroll_into_view_if_needed()
    screenshot(page, "map_offline")
    page.screenshot(path="/tmp/shots/map_offline.png")
    page.context.close()


class Tiles(BaseHTTPRequestHandler):
    asked: ClassVar[list[str]] = []  # the paths asked for, across the server's threads

    def do_GET(self) -> None:  # http.server's name for it
        Tiles.asked.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Access-Control-Allow-Origin", "*")
        self.end_headers()
        self.wfile.write(TILE)

    def log_message(self, *args) -> None:  # quiet
        pass


@pytest.fixture
def tile_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Tiles)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    Tiles.asked.clear()
    yield f"127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_configured_tile_server_draws_tiles_under_the_region(
    browser, tmp_path_factory, demo_sqlite_template, tile_server, monkeypatch
):
    monkeypatch.setenv("ISSUE_MAP_TILES", f"http://{tile_server}/{{z}}/{{x}}/{{y}}.png")
    monkeypatch.setenv("ISSUE_MAP_TILES_ATTRIBUTION", "Tuiles : serveur de test")
    with running_app(tmp_path_factory, demo_sqlite_template) as url:
        page, refused = offline_page(browser, url, tile_host=tile_server)
        open_map(page, url)
        page.locator(f"{MAP} .mark-image image").first.wait_for(timeout=30_000)
        assert page.locator(f"{MAP} .mark-image image").count() >= 4
        assert sorted(set(drawn_texts(page))) == SITES
        assert page.get_by_text("Tuiles : serveur de test").count() == 1
        page.wait_for_timeout(1000)
        assert Tiles.asked and all(path.endswith(".png") and path.count("/") == 3 for path in Tiles.asked)
        assert not [address for address in refused if "fonts.gstatic.com" not in address]
        page.locator(MAP).scroll_into_view_if_needed()
        page.screenshot(path="/tmp/shots/map_tiles.png")
        page.context.close()
