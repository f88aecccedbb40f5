"""The dashboard in a real browser: Debian's chromium driven by Playwright, against the
application served by uvicorn on a real DuckDB file. Screenshots are written to
test-artifacts/screenshots/."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from servtrade.access import add_user
from servtrade.access.signin import set_password
from servtrade.server import Settings, create_app
from servtrade.store import Store
from tests.conftest import CONSTRUCTED, HEADER, ROOT
from tests.serving import served

SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM = os.environ.get("SERVTRADE_CHROMIUM", "/usr/bin/chromium")
GUIZHOU_PLAN = "guizhou-services-digital-trade-2025"
SIGN_IN_PASSWORD = "correct horse battery"


@pytest.fixture
def site(bundled: Store) -> Iterator[tuple[str, str]]:
    """(base URL, admin token) of a server on the bundled figures."""
    token = add_user(bundled, "root", "admin", [])
    add_user(bundled, "editor-gz", "editor", ["CN-GZ"])
    set_password(bundled, "editor-gz", SIGN_IN_PASSWORD, "root")
    path = bundled.location
    bundled.close()
    app = create_app(Settings(db=path))
    with served(app) as (base, _server, _thread):
        yield base, token
    app.state.service.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} missing: install Debian's chromium"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM)
        yield launched
        launched.close()


def _page(browser: Browser, width: int = 1280) -> Page:
    height = 900 if width >= 1000 else 844
    page = browser.new_page(viewport={"width": width, "height": height})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.errors = errors  # type: ignore[attr-defined]
    return page


def _shot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


PAGES = [
    ("overview", "/"),
    ("region", "/region/CN"),
    ("region-quarterly", "/region/CN?frequency=quarterly"),
    ("plans", "/plans"),
    ("plan", f"/plan/{GUIZHOU_PLAN}"),
    ("plan-national", "/plan/china-digital-trade-opinions-2024"),
    ("compare", "/compare?period=2023"),
    ("opening", "/opening?region=CN-HI&mode=4"),
    ("upload", "/upload"),
]


@pytest.mark.parametrize("width", [1280, 390])
def test_every_page_renders_its_charts(site: tuple[str, str], browser: Browser, width: int) -> None:
    base, _token = site
    page = _page(browser, width)
    for name, url in PAGES:
        page.goto(base + url)
        page.wait_for_load_state("networkidle")
        for canvas in page.locator(".canvas").all():
            assert canvas.locator("svg").count() == 1, (name, "chart not drawn")
            assert canvas.get_attribute("aria-label")
        # Nothing wider than the screen except inside a scrolling table.
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, (name, width, overflow)
        _shot(page, f"{name}-{width}")
    assert page.errors == []  # type: ignore[attr-defined]
    page.close()


def test_language_switch(site: tuple[str, str], browser: Browser) -> None:
    base, _token = site
    page = _page(browser)
    page.goto(base + "/plans")
    assert page.locator("nav").inner_text().count("Plans") == 1
    page.click("#lang-switch")
    page.wait_for_load_state("networkidle")
    assert "规划" in page.locator("nav").inner_text()
    page.goto(base + "/")  # the choice is remembered
    assert "概览" in page.locator("nav").inner_text()
    _shot(page, "overview-zh-1280")
    page.close()


def test_region_outlook_by_year_and_by_quarter(site: tuple[str, str], browser: Browser) -> None:
    """The national outlook: five years past the 2025 nowcast; by quarter, eight quarters past
    2025-Q3 (the quarters derived from the year-to-date releases); its CSV is the table."""
    base, _token = site
    page = _page(browser)
    page.goto(base + "/region/CN")
    outlook = page.locator("#chart-outlook")
    assert outlook.locator(".canvas svg").count() == 1
    assert "forecast for 2030" in outlook.locator("figcaption").inner_text()
    page.click("a[href='?frequency=quarterly']")
    page.wait_for_load_state("networkidle")
    outlook = page.locator("#chart-outlook")
    assert "forecast for 2027-Q3" in outlook.locator("figcaption").inner_text()
    periods = [row.locator("td").first.text_content() for row in outlook.locator("tbody tr").all()]
    assert periods[-9:] == [
        "2025-Q3",
        "2025-Q4",
        "2026-Q1",
        "2026-Q2",
        "2026-Q3",
        "2026-Q4",
        "2027-Q1",
        "2027-Q2",
        "2027-Q3",
    ]
    csv_url = outlook.locator("a.csv").get_attribute("href")
    assert csv_url is not None and "frequency=quarterly" in csv_url
    text = page.request.get(base + csv_url).text()
    assert text.splitlines()[0] == "period,observed,median,lo80,hi80"
    assert text.splitlines()[-1].startswith("2027-Q3,,")
    _shot(page, "region-quarterly-outlook-1280")
    page.close()


def test_follow_a_plan(site: tuple[str, str], browser: Browser) -> None:
    base, _token = site
    page = _page(browser)
    page.goto(base + "/plans")
    page.click(f"a[href='/plan/{GUIZHOU_PLAN}']")
    page.wait_for_load_state("networkidle")
    assert page.locator("article.target").count() == 5
    assert page.locator(".status.none").count() == 5  # no Guizhou figures are bundled
    page.close()


def _upload(page: Page, token: str, path: Path) -> None:
    page.fill("#token", token)
    page.set_input_files("#file", str(path))
    page.click("#check")
    expect(page.locator("#result")).not_to_be_empty()


def test_upload_bad_file_shows_its_errors(
    site: tuple[str, str], browser: Browser, tmp_path: Path
) -> None:
    base, token = site
    bad = tmp_path / "bad.csv"
    bad.write_text(f"{HEADER}\nAtlantis,2024,total,S,96,亿元,,{CONSTRUCTED},2026-01-31\n")
    page = _page(browser)
    page.goto(base + "/upload")
    _upload(page, token, bad)
    rows = page.locator("#issues tbody tr")
    assert rows.count() == 1
    assert "Atlantis" in rows.first.inner_text()
    assert page.locator("#commit").is_disabled()
    _shot(page, "upload-errors-1280")
    page.close()


def test_upload_good_file_changes_the_chart(
    site: tuple[str, str], browser: Browser, tmp_path: Path
) -> None:
    base, token = site
    page = _page(browser)
    page.goto(base + "/region/CN-GZ")
    assert page.locator("#chart-trend").count() == 0  # no Guizhou figures yet
    good = tmp_path / "guizhou.csv"
    good.write_text(
        f"{HEADER}\n"
        + "\n".join(
            f"CN-GZ,{year},total,S,{value},亿元,,{CONSTRUCTED},2026-01-31"
            for year, value in ((2022, 80), (2023, 88), (2024, 96))
        )
        + "\n"
    )
    page.goto(base + "/upload")
    _upload(page, token, good)
    assert page.locator("#result").inner_text().startswith("checked")
    page.click("#commit")
    expect(page.locator("#result")).to_have_text(re.compile(r"^loaded"))
    page.goto(base + "/region/CN-GZ")
    page.wait_for_load_state("networkidle")
    chart = page.locator("#chart-trend")
    assert chart.locator(".canvas svg").count() == 1
    cells = chart.locator("details tbody tr")
    assert cells.count() == 3
    assert "96" in (cells.last.text_content() or "")
    _shot(page, "region-after-upload-1280")
    page.close()


@pytest.mark.parametrize("engine", ["duckdb"])
def test_api_docs_work_offline(site: tuple[str, str], browser: Browser) -> None:
    """/docs was blank on an intranet (Swagger UI came from a CDN): both documentation pages
    now load their files from the server itself, under its Content-Security-Policy."""
    base, _token = site
    page = _page(browser)
    outside: list[str] = []
    page.on(
        "request",
        lambda r: outside.append(r.url) if not r.url.startswith((base, "blob:" + base)) else None,
    )
    missing: list[str] = []
    page.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)
    page.goto(f"{base}/docs")
    expect(page.locator(".opblock-summary-path", has_text="/api/summary").first).to_be_visible()
    _shot(page, "api-docs")
    page.goto(f"{base}/redoc")
    expect(
        page.get_by_text("Regions: countries, provinces and registered places").first
    ).to_be_visible()
    # ReDoc's sidebar badge asks for Redocly's logo; the page's policy refuses it, so nothing
    # leaves the server and the badge shows its text alone.
    logo = "https://cdn.redoc.ly/redoc/logo-mini.svg"
    assert set(outside) <= {logo}
    assert missing == []
    errors: list[str] = page.errors  # type: ignore[attr-defined]
    assert all("Content Security Policy" in e and logo in e for e in errors), errors


def test_sign_in_and_upload_without_a_token(
    site: tuple[str, str], browser: Browser, tmp_path: Path
) -> None:
    """A person signs in on the form and loads a file as themself; no token to paste."""
    base, _token = site
    page = _page(browser)
    page.goto(base + "/upload")
    page.click("#sign-in-link")
    page.fill("input[name=name]", "editor-gz")
    page.fill("input[name=password]", "not the password")
    page.click("#sign-in")
    expect(page.locator(".error")).to_have_text("wrong name or password")
    page.fill("input[name=password]", SIGN_IN_PASSWORD)
    page.click("#sign-in")
    expect(page.locator(".who")).to_have_text("editor-gz")
    assert page.url.endswith("/upload") and page.locator("#token").count() == 0
    good = tmp_path / "guizhou.csv"
    good.write_text(f"{HEADER}\nCN-GZ,2024,total,S,96,亿元,,{CONSTRUCTED},2026-01-31\n")
    page.set_input_files("#file", str(good))
    page.click("#check")
    expect(page.locator("#result")).to_have_text(re.compile(r"^checked"))
    page.click("#commit")
    expect(page.locator("#result")).to_have_text(re.compile(r"^loaded"))
    _shot(page, "upload-signed-in-1280")
    page.click("#sign-out")
    expect(page.locator("#sign-in-link")).to_be_visible()
    # The one error is the wrong password's page, answered 401 on purpose.
    assert page.errors == [  # type: ignore[attr-defined]
        "Failed to load resource: the server responded with a status of 401 (Unauthorized)"
    ]
    page.close()
